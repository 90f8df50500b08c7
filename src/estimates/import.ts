// A history to import (`booking-server estimates import`): finished parties from another waitlist
// system or from `estimates simulate`, as CSV or JSON, checked line by line before anything is
// written. Times are epoch seconds or ISO 8601 with an offset ("2026-01-05T19:00:00-05:00").
import { DateTime } from 'luxon';
import type { HistoryParty } from '../waitlist/model.js';
import type { WaitlistState } from '../waitlist/state-machine.js';
import { HistoryFormatError } from './format.js';

/** The CSV header (any order; the quote columns may be left out). */
export const IMPORT_COLUMNS = [
  'party_size',
  'state',
  'table_id',
  'joined_at',
  'seated_at',
  'left_at',
  'canceled_at',
  'no_show_at',
  'quoted_seat_at',
  'quoted_range_start',
  'quoted_range_end',
] as const;
const REQUIRED = ['party_size', 'state', 'joined_at'] as const;
const STATES: readonly WaitlistState[] = ['SEATED', 'CANCELED', 'NO_SHOW'];
/** Errors listed before giving up (a wrong column makes every line wrong). */
const MAX_ERRORS = 20;

type Fields = Record<string, unknown>;

/** One CSV line split on commas, with "quoted, fields" and "" for a quote inside them. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out.map((f) => f.trim());
}

function time(v: unknown, key: string): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number' || /^\d+$/.test(String(v))) {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 946_684_800 || n > 4_102_444_800)
      throw new Error(`"${key}" must be epoch seconds between 2000 and 2100, got ${String(v)}`);
    return n;
  }
  if (typeof v === 'string') {
    if (!/(Z|[+-]\d\d:?\d\d)$/.test(v)) throw new Error(`"${key}" must be epoch seconds or ISO 8601 with an offset (Z or +hh:mm), got "${v}"`);
    const dt = DateTime.fromISO(v, { setZone: true });
    if (!dt.isValid) throw new Error(`"${key}" is not a valid ISO 8601 time: "${v}"`);
    return Math.floor(dt.toSeconds());
  }
  throw new Error(`"${key}" must be epoch seconds or an ISO 8601 string`);
}

/** One party from its fields, or an Error saying what is wrong with it. */
function party(f: Fields, id: string, now: number): HistoryParty {
  for (const key of REQUIRED) if (f[key] === undefined || f[key] === null || f[key] === '') throw new Error(`"${key}" is required`);
  const size = Number(f.party_size);
  if (!Number.isInteger(size) || size < 1 || size > 100) throw new Error(`"party_size" must be a whole number 1-100, got ${JSON.stringify(f.party_size)}`);
  const state = String(f.state).toUpperCase() as WaitlistState;
  if (!STATES.includes(state)) throw new Error(`"state" must be one of ${STATES.join(', ')} (finished parties), got ${JSON.stringify(f.state)}`);
  const tableId = f.table_id === undefined || f.table_id === null || f.table_id === '' ? null : String(f.table_id);
  const joinedAt = time(f.joined_at, 'joined_at')!;
  const seatedAt = time(f.seated_at, 'seated_at');
  const leftAt = time(f.left_at, 'left_at');
  const canceledAt = time(f.canceled_at, 'canceled_at');
  const noShowAt = time(f.no_show_at, 'no_show_at');
  const quote = (f.quote ?? null) as Fields | null;
  const q = [quote?.seat_at ?? f.quoted_seat_at, quote?.range_start ?? f.quoted_range_start, quote?.range_end ?? f.quoted_range_end].map((v, i) =>
    time(v, ['quoted_seat_at', 'quoted_range_start', 'quoted_range_end'][i]!),
  );
  const end = { SEATED: seatedAt, CANCELED: canceledAt, NO_SHOW: noShowAt }[state as 'SEATED' | 'CANCELED' | 'NO_SHOW'];
  const endKey = { SEATED: 'seated_at', CANCELED: 'canceled_at', NO_SHOW: 'no_show_at' }[state as 'SEATED' | 'CANCELED' | 'NO_SHOW'];
  if (end === null) throw new Error(`a ${state} party needs "${endKey}"`);
  const others = { seated_at: seatedAt, canceled_at: canceledAt, no_show_at: noShowAt };
  for (const [key, v] of Object.entries(others)) if (key !== endKey && v !== null) throw new Error(`a ${state} party has no "${key}"`);
  if (end < joinedAt) throw new Error(`"${endKey}" is before "joined_at"`);
  if (state !== 'SEATED' && (leftAt !== null || tableId !== null)) throw new Error(`only a SEATED party has "left_at" or "table_id"`);
  if (leftAt !== null && seatedAt !== null && leftAt < seatedAt) throw new Error(`"left_at" is before "seated_at"`);
  if (Math.max(joinedAt, end, leftAt ?? 0) > now) throw new Error('the party is in the future: only past parties can be imported');
  if (q.some((v) => v === null) && q.some((v) => v !== null))
    throw new Error('a quote needs all of "quoted_seat_at", "quoted_range_start", "quoted_range_end" (or none)');
  if (q[0] !== null && q[1]! > q[2]!) throw new Error('"quoted_range_start" is after "quoted_range_end"');
  return {
    id,
    serviceId: '',
    partySize: size,
    state,
    tableId,
    joinedAt,
    seatedAt,
    leftAt,
    canceledAt,
    noShowAt,
    quote: q[0] === null ? null : { seatAt: q[0]!, rangeStart: q[1]!, rangeEnd: q[2]! },
  };
}

/**
 * Parses a history to import: CSV with a header line (IMPORT_COLUMNS), or JSON (an array of
 * party objects, or JSON lines as `estimates simulate` writes them: restaurant lines are skipped).
 * Throws HistoryFormatError listing every bad line (up to 20), each with its line number.
 */
export function parseImport(text: string, format: 'csv' | 'json', now: number): HistoryParty[] {
  const records: { where: string; fields: Fields }[] = [];
  const errors: string[] = [];
  if (format === 'csv') {
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    const header = csvFields(lines[0] ?? '').map((h) => h.toLowerCase());
    const unknown = header.filter((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
    if (unknown.length > 0)
      throw new HistoryFormatError(`line 1: unknown column(s) ${unknown.map((u) => `"${u}"`).join(', ')}; the columns are ${IMPORT_COLUMNS.join(', ')}`);
    const missing = REQUIRED.filter((r) => !header.includes(r));
    if (missing.length > 0) throw new HistoryFormatError(`line 1: the header needs ${missing.map((m) => `"${m}"`).join(', ')}`);
    for (const [i, line] of lines.entries()) {
      if (i === 0 || line.trim() === '') continue;
      const values = csvFields(line);
      if (values.length !== header.length) {
        errors.push(`line ${i + 1}: ${values.length} fields, the header has ${header.length}`);
        continue;
      }
      records.push({ where: `line ${i + 1}`, fields: Object.fromEntries(header.map((h, k) => [h, values[k]])) });
    }
  } else {
    const trimmed = text.trim();
    if (trimmed.startsWith('[')) {
      let array: unknown;
      try {
        array = JSON.parse(trimmed);
      } catch (error) {
        throw new HistoryFormatError(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!Array.isArray(array)) throw new HistoryFormatError('expected an array of parties');
      for (const [i, o] of array.entries()) records.push({ where: `party ${i + 1}`, fields: o as Fields });
    } else {
      for (const [i, raw] of text.split('\n').entries()) {
        if (raw.trim() === '') continue;
        try {
          const o = JSON.parse(raw) as Fields;
          if (o.type === 'restaurant') continue;
          records.push({ where: `line ${i + 1}`, fields: o });
        } catch {
          errors.push(`line ${i + 1}: not JSON`);
        }
      }
    }
  }
  const parties: HistoryParty[] = [];
  for (const { where, fields } of records) {
    if (errors.length >= MAX_ERRORS) break;
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      errors.push(`${where}: expected an object`);
      continue;
    }
    try {
      parties.push(party(fields, where, now));
    } catch (error) {
      errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (errors.length > 0)
    throw new HistoryFormatError(
      `${errors.length >= MAX_ERRORS ? `${MAX_ERRORS} or more` : errors.length} bad line(s), nothing imported:\n  ${errors.slice(0, MAX_ERRORS).join('\n  ')}`,
    );
  if (parties.length === 0) throw new HistoryFormatError('no party in the file');
  return parties;
}
