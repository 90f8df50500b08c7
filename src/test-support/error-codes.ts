// The error contract every answer must keep: an error carries one of the documented codes
// (src/errors.ts, docs/GOOGLE-API.md) with its status, or, for the admin API's business refusals
// (422), Google's cause; never a framework's internal code (Fastify's FST_*).
import { ERROR_CODES } from '../errors.js';

/** Why an error answer breaks the contract, or null when it keeps it (or is no error). */
export function errorContractBreach(status: number, body: string): string | null {
  if (status < 400) return null;
  let parsed: { error?: { status?: unknown; code?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return `a ${status} without a JSON body`;
  }
  const code = parsed.error?.code;
  if (typeof code !== 'string' || code === '') return `a ${status} without an error code`;
  if (code.startsWith('FST_')) return `a framework code leaked: ${code}`;
  if (status === 422) return /^[A-Z][A-Z0-9_]*$/.test(code) ? null : `a 422 whose code is not a cause: ${code}`;
  if (code === 'INTERNAL') return status === 500 ? null : `INTERNAL with status ${status}`;
  if (!Object.hasOwn(ERROR_CODES, code)) return `an undocumented code: ${code}`;
  const documented = ERROR_CODES[code as keyof typeof ERROR_CODES];
  return documented === status ? null : `${code} is documented as ${documented}, answered with ${status}`;
}
