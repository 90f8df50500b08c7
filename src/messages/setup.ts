// Builds the guest-text worker from configuration: Twilio, the console, or nothing (SMS_PROVIDER=off).
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Store } from '../store/database.js';
import { ConsoleProvider, type SmsProvider } from './provider.js';
import { TwilioProvider } from './twilio.js';
import { SmsWorker } from './worker.js';

export function createSmsProvider(config: Config, log: Logger): SmsProvider | null {
  const sms = config.sms;
  if (sms.provider === 'off') return null;
  if (sms.provider === 'console') return new ConsoleProvider(log);
  return new TwilioProvider(sms.twilio!);
}

/** The worker, or null with SMS_PROVIDER=off. `publicBaseUrl` is PUBLIC_BASE_URL, or the listening address for the console. */
export function createSmsWorker(
  config: Config,
  deps: {
    store: Store;
    clock: Clock;
    log: Logger;
    publicBaseUrl: () => string;
    provider?: SmsProvider;
    pollMs?: number;
  },
): SmsWorker | null {
  const provider = deps.provider ?? createSmsProvider(config, deps.log);
  if (provider === null) return null;
  return new SmsWorker({
    store: deps.store,
    clock: deps.clock,
    provider,
    log: deps.log,
    publicBaseUrl: deps.publicBaseUrl,
    statusCallbacks: config.sms.provider === 'twilio',
    perNumberPerHour: config.sms.perNumberPerHour,
    perMerchantPerMinute: config.sms.perMerchantPerMinute,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
  });
}
