// Builds the real-time update worker from configuration, or says why it cannot run. Without
// Google configuration nothing is lost: updates stay in the outbox until a worker can send them.
import type { Logger } from 'pino';
import type { AvailabilityService } from '../availability/service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Store } from '../store/database.js';
import { API_BASE, MapsBookingClient, readServiceAccount, type MapsBookingApi } from './google-client.js';
import { RtuWorker, type DeliveryObserver, type LeaseSweep } from './worker.js';

export type WorkerSetup = { readonly worker: RtuWorker; readonly target: string } | { readonly worker: null; readonly reason: string };

export function createRtuWorker(
  config: Config,
  deps: { store: Store; clock: Clock; availability: AvailabilityService; leases?: LeaseSweep; log: Logger; observer?: DeliveryObserver; api?: MapsBookingApi },
): WorkerSetup {
  const g = config.google;
  const missing = [
    g.partnerId === null ? 'GOOGLE_PARTNER_ID' : null,
    g.serviceAccountFile === null && deps.api === undefined ? 'GOOGLE_SERVICE_ACCOUNT_FILE' : null,
  ].filter((v): v is string => v !== null);
  if (missing.length > 0) return { worker: null, reason: `${missing.join(' and ')} not set` };
  const baseUrl = g.apiUrl ?? API_BASE[g.environment];
  const api =
    deps.api ??
    new MapsBookingClient({
      baseUrl,
      partnerId: g.partnerId!,
      account: readServiceAccount(g.serviceAccountFile!),
      ...(g.tokenUrl !== null ? { tokenUrl: g.tokenUrl } : {}),
    });
  const worker = new RtuWorker({
    store: deps.store,
    clock: deps.clock,
    api,
    partnerId: g.partnerId!,
    availability: deps.availability,
    ...(deps.leases ? { leases: deps.leases } : {}),
    log: deps.log,
    ratePerMinute: g.rtuRatePerMinute,
    ...(deps.observer ? { observer: deps.observer } : {}),
  });
  return { worker, target: `${baseUrl} as partner ${g.partnerId}` };
}
