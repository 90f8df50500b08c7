// Picks the guest's language and formats texts with ICU MessageFormat (intl-messageformat), times
// in the merchant's zone and the guest's locale. No string concatenation of translated parts.
import { IntlMessageFormat } from 'intl-messageformat';
import { GUEST_LANGUAGES, type GuestLanguage } from '../merchants/model.js';
import { CATALOGS } from './catalog.js';

/**
 * The language for a guest: Google's BCP-47 `language_code` when we speak it (any region; Chinese
 * only in Simplified script), else the merchant's language.
 */
export function resolveLanguage(languageCode: string | null | undefined, fallback: GuestLanguage): GuestLanguage {
  if (!languageCode) return fallback;
  let locale: Intl.Locale;
  try {
    locale = new Intl.Locale(languageCode.replace(/_/g, '-')).maximize();
  } catch {
    return fallback;
  }
  if (locale.language === 'zh') return locale.script === 'Hans' ? 'zh-Hans' : fallback;
  const match = GUEST_LANGUAGES.find((l) => l === locale.language);
  return match ?? fallback;
}

const compiled = new Map<string, IntlMessageFormat>();

/** Formats `key` of `language` with `values`; throws on a key missing from the catalog (a test checks none is). */
export function t(language: GuestLanguage, key: string, values: Record<string, string | number> = {}): string {
  const id = `${language}\u0000${key}`;
  let format = compiled.get(id);
  if (format === undefined) {
    const source = CATALOGS[language][key];
    if (source === undefined) throw new Error(`no "${key}" in the ${language} catalog`);
    format = new IntlMessageFormat(source, language);
    compiled.set(id, format);
  }
  return String(format.format(values));
}

/**
 * Formatters by locale and zone: building an Intl.DateTimeFormat costs far more than formatting
 * with one (it was 2.4% of the server's CPU under durable joins, whose guest text gives the range's
 * two times). Locales and zones are few (the guest languages and the merchants' zones).
 */
const clockFormats = new Map<string, Intl.DateTimeFormat>();
const CLOCK_FORMATS_MAX = 1000;

/** A clock time ("19:40", "7:40 PM", "٧:٤٠ م") in the merchant's zone and the guest's locale. */
export function clockTime(language: GuestLanguage, epochSeconds: number, timeZone: string): string {
  const id = `${language}\u0000${timeZone}`;
  let format = clockFormats.get(id);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(language, { hour: 'numeric', minute: '2-digit', timeZone });
    // A bound against zones without end (a zone is validated where a merchant is configured).
    if (clockFormats.size >= CLOCK_FORMATS_MAX) clockFormats.clear();
    clockFormats.set(id, format);
  }
  return format.format(new Date(epochSeconds * 1000));
}

/** The first word of a given name: the only part of the guest's name texts and the status page show. */
export function firstName(givenName: string): string {
  return givenName.trim().split(/\s+/)[0] ?? '';
}
