// Structured logs (pino). Request bodies are never logged; these paths are redacted as a second
// line of defence so that credentials and guests' personal data stay out of the logs.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.telephone',
  '*.email',
  '*.given_name',
  '*.family_name',
  '*.user_information',
  '*.guest',
  // Texts to and from guests (docs/GUEST-MESSAGES.md): numbers and bodies.
  '*.phone',
  '*.to',
  '*.from',
  '*.To',
  '*.From',
  '*.Body',
  '*.body',
];

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'booking-server' } }, destination as never);
}
