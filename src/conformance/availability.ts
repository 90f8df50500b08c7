// The slots the conformance client may book: read from an availability feed file (JSON, or gzip
// as `booking-server feeds generate` writes it and as Google ingests it), or probed with
// BatchAvailabilityLookup over a window on a grid. Nothing here books anything.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** One bookable slot as the client sees it: what a CreateBooking slot needs, and its open spots if known. */
export interface OpenSlot {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly startSec: number;
  readonly durationSec: number;
  /** From the feed or CheckAvailability; null when only "available" is known. */
  readonly spotsOpen: number | null;
  readonly availabilityTag: string;
  readonly resources: { readonly staffId: string; readonly roomId: string; readonly partySize: number };
}

export class FeedError extends Error {}

type Json = Record<string, unknown>;

/** A field by its proto name or its lowerCamelCase JSON name (proto3 JSON parsers accept both). */
function field(o: Json, name: string): unknown {
  if (name in o) return o[name];
  const camel = name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return o[camel];
}

function int(o: Json, name: string, fallback = 0): number {
  const v = field(o, name);
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new FeedError(`${name} is not a number: ${JSON.stringify(v)}`);
  return n;
}

function text(o: Json, name: string): string {
  const v = field(o, name);
  return typeof v === 'string' ? v : '';
}

function object(v: unknown): Json | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
}

/** Reads one feed file (gzip is recognised by its magic bytes, whatever the name). */
export async function readFeedFile(path: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new FeedError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new FeedError(`${path} is not a JSON availability feed (plain or gzip): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The slots of an availability feed that start in [fromSec, toSec) and have an open spot.
 * `spots_open` entries give their open spots; a recurrence gives one spot per instance, open
 * unless a schedule exception covers its start (Google's availability feed, "recurrence").
 */
export function slotsFromFeed(feed: unknown, fromSec: number, toSec: number): OpenSlot[] {
  const root = object(feed);
  const groups = root ? field(root, 'service_availability') : undefined;
  if (!Array.isArray(groups)) throw new FeedError('not an availability feed: no service_availability list');
  const out: OpenSlot[] = [];
  for (const group of groups) {
    const g = object(group);
    const list = g ? field(g, 'availability') : undefined;
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const a = object(item);
      if (a === null) continue;
      const r = object(field(a, 'resources')) ?? {};
      const base = {
        merchantId: text(a, 'merchant_id'),
        serviceId: text(a, 'service_id'),
        durationSec: int(a, 'duration_sec'),
        availabilityTag: text(a, 'availability_tag'),
        resources: { staffId: text(r, 'staff_id'), roomId: text(r, 'room_id'), partySize: int(r, 'party_size') },
      };
      const start = int(a, 'start_sec');
      const recurrence = object(field(a, 'recurrence'));
      if (recurrence === null) {
        const total = int(a, 'spots_total', 1);
        const open = int(a, 'spots_open', total);
        if (open > 0 && start >= fromSec && start < toSec) out.push({ ...base, startSec: start, spotsOpen: open });
        continue;
      }
      const every = int(recurrence, 'repeat_every_sec');
      const until = int(recurrence, 'repeat_until_sec');
      if (every <= 0) throw new FeedError(`recurrence of ${base.merchantId}/${base.serviceId} at ${start} has no repeat_every_sec`);
      const exceptions = (Array.isArray(field(a, 'schedule_exception')) ? (field(a, 'schedule_exception') as unknown[]) : [])
        .map((x) => {
          const exception = object(x);
          return exception ? object(field(exception, 'time_range')) : null;
        })
        .filter((x): x is Json => x !== null)
        .map((range) => ({ begin: int(range, 'begin_sec'), end: int(range, 'end_sec') }));
      for (let t = Math.max(start, start + Math.ceil((fromSec - start) / every) * every); t <= until && t < toSec; t += every) {
        if (exceptions.some((x) => t >= x.begin && t < x.end)) continue;
        out.push({ ...base, startSec: t, spotsOpen: 1 });
      }
    }
  }
  return out.sort((a, b) => a.startSec - b.startSec);
}

export interface GridOptions {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly fromSec: number;
  readonly toSec: number;
  readonly stepSec: number;
  readonly durationSec: number;
}

/** The slot times a lookup window probes: every `stepSec` (aligned to the epoch) in [fromSec, toSec). */
export function gridSlotTimes(o: GridOptions): OpenSlot[] {
  const out: OpenSlot[] = [];
  for (let t = Math.ceil(o.fromSec / o.stepSec) * o.stepSec; t < o.toSec; t += o.stepSec) {
    out.push({
      merchantId: o.merchantId,
      serviceId: o.serviceId,
      startSec: t,
      durationSec: o.durationSec,
      spotsOpen: null,
      availabilityTag: '',
      resources: { staffId: '', roomId: '', partySize: 0 },
    });
  }
  return out;
}
