// What other capabilities may read of merchants, services and tables (the repository stays private to
// merchants/): domain types only, each function taking the caller's Db or open transaction; and the
// in-memory read model of their configuration for reads outside a transaction (configs.ts).
export {
  configAndDataVersion,
  configVersion,
  findMerchant,
  findService,
  isActiveForUpdate,
  listServices,
  listTables,
  lockService,
  merchantsAfter,
  serviceOfWrite,
  servicesOfMerchants,
} from './repository.js';
export { MerchantConfigs, type MerchantConfig } from './configs.js';
