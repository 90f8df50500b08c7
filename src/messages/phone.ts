// Guests' numbers as providers want them: E.164, read with libphonenumber's full metadata and the
// merchant's country for numbers written without a country code. A number that cannot be read
// means no texts (recorded on the entry), never a failed join.
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneResult = { readonly phone: string } | { readonly reason: 'no_number' | 'invalid_number' };

export function toE164(raw: string | null, merchantCountry: string | null): PhoneResult {
  if (raw === null || raw.trim() === '') return { reason: 'no_number' };
  const country = merchantCountry !== null && /^[A-Z]{2}$/.test(merchantCountry) ? (merchantCountry as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(raw, country === undefined ? undefined : { defaultCountry: country });
  if (parsed === undefined || !parsed.isValid()) return { reason: 'invalid_number' };
  return { phone: parsed.number };
}
