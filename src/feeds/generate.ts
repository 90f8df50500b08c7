// Generates the daily merchant, service and availability feeds (docs/FEEDS.md): reads the store
// in keyset pages (never the whole inventory at once), prints each record with the generated feed
// messages (proto3 JSON, proto field names), and writes gzip shards under the size limit.
import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { create, toJsonString } from '@bufbuild/protobuf';
import { IANAZone } from 'luxon';
import { nextLocalMidnight, toGoogleAvailability, type GoogleAvailability } from '../availability/google-format.js';
import { heldForMerchants, serviceSlotsAfter, type SlotCursor } from '../availability/read-model.js';
import { openSpots } from '../availability/slot.js';
import type { SlotWithOpen } from '../availability/service.js';
import { nowSeconds, type Clock } from '../clock.js';
import type { FeedsConfig } from '../config.js';
import { AvailabilitySchema, ConfirmationMode } from '../gen/ext/maps/booking/feeds/v1/availability_feed_pb.js';
import { FeedMetadata_ProcessingInstruction, FeedMetadataSchema } from '../gen/ext/maps/booking/feeds/v1/feed_metadata_pb.js';
import { MerchantSchema } from '../gen/ext/maps/booking/feeds/v1/merchant_feed_pb.js';
import { ServiceSchema } from '../gen/ext/maps/booking/feeds/v1/service_feed_pb.js';
import type { Merchant, Service } from '../merchants/model.js';
import { merchantsAfter, servicesOfMerchants } from '../merchants/read-model.js';
import type { Store } from '../store/database.js';
import { ShardedFeedWriter, type ShardFile } from './shards.js';

export type FeedKind = 'merchants' | 'services' | 'availability';
export const FEED_KINDS: readonly FeedKind[] = ['merchants', 'services', 'availability'];

/** The `{feed_name}` part of Google's file name pattern. */
export const FEED_FILE_PREFIX: Record<FeedKind, string> = {
  merchants: 'merchant_feed',
  services: 'service_feed',
  availability: 'availability_feed',
};

/** Shards beyond Google's 20 need its support's consent: the summary warns. */
export const GOOGLE_MAX_SHARDS = 20;

const MERCHANT_PAGE = 500;
const SLOT_PAGE = 2000;
const DAY_SECONDS = 86_400;

/** Reports progress; the CLI draws a bar on a terminal. */
export interface Progress {
  begin(label: string, total: number | null): void;
  advance(n: number): void;
  end(): void;
}

export interface FeedResult {
  readonly kind: FeedKind;
  readonly nonce: string;
  readonly generationTimestamp: number;
  /** Records in the feed: merchants, services, or availability entries. */
  readonly records: number;
  /** Availability only: slots read (a recurrence entry describes several). */
  readonly slots: number;
  readonly files: readonly ShardFile[];
}

export interface GenerateSummary {
  readonly dir: string;
  readonly feeds: readonly FeedResult[];
  readonly elapsedMs: number;
}

export interface GenerateOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly config: FeedsConfig;
  readonly outDir: string;
  /** Overrides config.horizonDays. */
  readonly horizonDays?: number;
  readonly kinds?: readonly FeedKind[];
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
  /** Availability: count the slots first, for a progress bar with a total. */
  readonly countSlots?: boolean;
  /** Keyset page sizes (tests use small ones to cross page boundaries). */
  readonly pageSizes?: { readonly merchants?: number; readonly slots?: number };
}

let nonceSeq = 0;

/** A fresh uint64 nonce (decimal string): milliseconds, a per-process counter and a random part. */
export function newNonce(nowMs: number): string {
  nonceSeq = (nonceSeq + 1) % 1000;
  return (BigInt(nowMs) * 1_000_000n + BigInt(nonceSeq) * 1000n + BigInt(randomInt(1000))).toString();
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Google's pattern, e.g. availability_feed_1574117613_001_of_002.json.gz (1-based in the name). */
export function feedFileName(kind: FeedKind, timestamp: number, index: number, total: number): string {
  const width = Math.max(3, String(total).length);
  return `${FEED_FILE_PREFIX[kind]}_${timestamp}_${pad(index + 1, width)}_of_${pad(total, width)}.json.gz`;
}

/** Which feed a final file name belongs to (null: not a feed file). */
export function feedKindOf(fileName: string): FeedKind | null {
  for (const kind of FEED_KINDS) {
    if (new RegExp(`^${FEED_FILE_PREFIX[kind]}_\\d+_\\d+_of_\\d+\\.json\\.gz$`).test(fileName)) return kind;
  }
  return null;
}

const printOptions = { useProtoFieldName: true } as const;

function metadataJson(nonce: string, timestamp: number, index: number, total: number): string {
  const metadata = create(FeedMetadataSchema, {
    processingInstruction: FeedMetadata_ProcessingInstruction.PROCESS_AS_COMPLETE,
    shardNumber: index,
    totalShards: total,
    nonce: BigInt(nonce),
    generationTimestamp: BigInt(timestamp),
  });
  // Every metadata field is printed, shard_number 0 included, as in Google's samples.
  return toJsonString(FeedMetadataSchema, metadata, { ...printOptions, alwaysEmitImplicit: true });
}

export function merchantJson(m: Merchant, category: string): string {
  const a = m.address;
  const hasAddress = [a.streetAddress, a.locality, a.region, a.postalCode, a.country].some((v) => v !== null && v !== '');
  const message = create(MerchantSchema, {
    merchantId: m.id,
    name: m.name,
    telephone: m.telephone ?? '',
    category,
    ...(hasAddress
      ? {
          geo: {
            addresses: {
              case: 'address',
              value: {
                streetAddress: a.streetAddress ?? '',
                locality: a.locality ?? '',
                region: a.region ?? '',
                postalCode: a.postalCode ?? '',
                country: a.country ?? '',
              },
            },
          },
        }
      : {}),
    ...(m.waitlistAdvisement ? { waitlistAdvisement: { text: { value: m.waitlistAdvisement } } } : {}),
  });
  return toJsonString(MerchantSchema, message, printOptions);
}

/** Services in the feed: those that sell bookings or run a waitlist (a complete feed deletes the rest). */
export const inServiceFeed = (s: Service): boolean => s.deactivatedAt === null && (s.booking.enabled || s.waitlist.enabled);

export function serviceJson(s: Service): string {
  const b = s.booking;
  const w = s.waitlist;
  const message = create(ServiceSchema, {
    merchantId: s.merchantId,
    serviceId: s.id,
    localizedServiceName: { value: s.name },
    ...(b.price ? { price: { priceMicros: BigInt(b.price.micros), currencyCode: b.price.currency } } : {}),
    ...(b.enabled && b.cancelBeforeStartSec > 0 ? { rules: { minAdvanceOnlineCanceling: BigInt(b.cancelBeforeStartSec) } } : {}),
    // Google: leave waitlist_rules out when the service has no waitlist.
    ...(w.enabled
      ? {
          waitlistRules: {
            minPartySize: w.minPartySize,
            maxPartySize: w.maxPartySize,
            supportsAdditionalRequest: w.supportsAdditionalRequest,
            aboveMaxPartySizeOptions: w.callMerchantAboveMaxPartySize ? [{ kind: { case: 'callMerchant', value: {} } }] : [],
          },
        }
      : {}),
  });
  return toJsonString(ServiceSchema, message, printOptions);
}

export function availabilityJson(e: GoogleAvailability): string {
  const r = e.resources;
  const message = create(AvailabilitySchema, {
    merchantId: e.merchantId,
    serviceId: e.serviceId,
    startSec: BigInt(e.startSec),
    durationSec: BigInt(e.durationSec),
    // Always explicit, a recurrence's too (1 of 1 per instance, as Google's recurrence examples carry them).
    spotsTotal: BigInt(e.spotsTotal),
    spotsOpen: BigInt(e.spotsOpen),
    availabilityTag: e.availabilityTag,
    // Google wants a name with every ID; we keep no names, so the ID is the name.
    ...(r.staffId !== '' || r.roomId !== '' || r.partySize !== 0
      ? { resources: { staffId: r.staffId, staffName: r.staffId, roomId: r.roomId, roomName: r.roomId, partySize: r.partySize } }
      : {}),
    ...(e.recurrence !== null
      ? { recurrence: { repeatEverySec: BigInt(e.recurrence.repeatEverySec), repeatUntilSec: BigInt(e.recurrence.repeatUntilSec) } }
      : {}),
    scheduleException: e.scheduleExceptions.map((x) => ({ timeRange: { beginSec: BigInt(x.beginSec), endSec: BigInt(x.endSec) } })),
    confirmationMode: e.confirmationMode === 'ASYNCHRONOUS' ? ConfirmationMode.ASYNCHRONOUS : ConfirmationMode.SYNCHRONOUS,
  });
  return toJsonString(AvailabilitySchema, message, printOptions);
}

const HEADS: Record<FeedKind, string> = {
  merchants: '"merchant":[',
  services: '"service":[',
  availability: '"service_availability":[{"availability":[',
};
const TAIL_OPEN: Record<FeedKind, string> = { merchants: ']', services: ']', availability: ']}]' };

function writerFor(kind: FeedKind, dir: string, nonce: string, timestamp: number, maxBytes: number): ShardedFeedWriter {
  const maxShards = 1000;
  const tail = (index: number, total: number) => `${TAIL_OPEN[kind]},"metadata":${metadataJson(nonce, timestamp, index, total)}`;
  return new ShardedFeedWriter({
    dir,
    fileName: (index, total) => feedFileName(kind, timestamp, index, total),
    tempName: (index) => `.${FEED_FILE_PREFIX[kind]}_${timestamp}_${index + 1}.json.gz.tmp`,
    head: HEADS[kind],
    tail,
    maxTailBytes: Buffer.byteLength(tail(maxShards - 1, maxShards)) + 16,
    maxBytes,
    maxShards,
  });
}

interface FeedRun {
  readonly writer: ShardedFeedWriter;
  readonly nonce: string;
  readonly timestamp: number;
}

async function runFeed(kind: FeedKind, o: GenerateOptions, body: (run: FeedRun) => Promise<number>): Promise<FeedResult> {
  const timestamp = nowSeconds(o.clock);
  const nonce = newNonce(o.clock.nowMs());
  const writer = writerFor(kind, o.outDir, nonce, timestamp, o.config.shardMaxBytes);
  try {
    const slots = await body({ writer, nonce, timestamp });
    const records = writer.records;
    const files = await writer.finish();
    return { kind, nonce, generationTimestamp: timestamp, records, slots, files };
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    o.progress?.end();
  }
}

/** Keyset pages of merchants, yielding to the event loop between pages. */
async function* merchantPages(o: GenerateOptions): AsyncGenerator<Merchant[]> {
  let after: string | null = null;
  for (;;) {
    o.signal?.throwIfAborted();
    const size = o.pageSizes?.merchants ?? MERCHANT_PAGE;
    const page = await merchantsAfter(o.store.db, after, size);
    if (page.length === 0) return;
    // A deactivated merchant leaves every feed (docs/ADMIN-API.md, "Removing merchants and services").
    yield page.filter((m) => m.deactivatedAt === null);
    if (page.length < size) return;
    after = page[page.length - 1]!.id;
    await yieldToEventLoop();
  }
}

async function merchantFeed(o: GenerateOptions): Promise<FeedResult> {
  return runFeed('merchants', o, async ({ writer }) => {
    o.progress?.begin('merchants', null);
    for await (const page of merchantPages(o)) {
      for (const m of page) await writer.add(merchantJson(m, o.config.merchantCategory));
      o.progress?.advance(page.length);
    }
    return 0;
  });
}

async function serviceFeed(o: GenerateOptions): Promise<FeedResult> {
  return runFeed('services', o, async ({ writer }) => {
    o.progress?.begin('services', null);
    for await (const page of merchantPages(o)) {
      const services = (await servicesOfMerchants(
        o.store.db,
        page.map((m) => m.id),
      )).filter(inServiceFeed);
      for (const s of services) await writer.add(serviceJson(s));
      o.progress?.advance(services.length);
    }
    return 0;
  });
}

async function countBookableSlots(o: GenerateOptions, fromSec: number, toSec: number): Promise<number> {
  const row = await o.store.db
    .selectFrom('availability_slots as a')
    .innerJoin('services as s', (j) => j.onRef('s.merchant_id', '=', 'a.merchant_id').onRef('s.id', '=', 'a.service_id'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('s.booking_enabled', '=', 1)
    .where('a.start_sec', '>=', fromSec)
    .where('a.start_sec', '<', toSec)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function availabilityFeed(o: GenerateOptions): Promise<FeedResult> {
  return runFeed('availability', o, async ({ writer, timestamp: now }) => {
    const horizon = o.horizonDays ?? o.config.horizonDays;
    // Slots that have started are not bookable (BatchAvailabilityLookup says so too).
    const fromSec = now + 1;
    const toSec = now + horizon * DAY_SECONDS;
    o.progress?.begin('availability', o.countSlots ? await countBookableSlots(o, fromSec, toSec) : null);
    let slots = 0;
    const emit = async (entries: readonly GoogleAvailability[]) => {
      for (const e of entries) await writer.add(availabilityJson(e));
    };
    for await (const page of merchantPages(o)) {
      const services = (await servicesOfMerchants(
        o.store.db,
        page.map((m) => m.id),
      )).filter((s) => s.booking.enabled && s.deactivatedAt === null);
      if (services.length === 0) continue;
      const merchants = new Map(page.map((m) => [m.id, m]));
      const held = await heldForMerchants(o.store.db, [...new Set(services.map((s) => s.merchantId))], fromSec, toSec, now);
      for (const service of services) {
        const timeZone = merchants.get(service.merchantId)!.timeZone;
        const zone = IANAZone.create(timeZone);
        const format = service.booking.availabilityFormat;
        const options = { confirmationMode: service.booking.confirmationMode, timeZone };
        // Recurrences are built per local day (they never cross local midnight), so only one day
        // of one service is held in memory.
        let day: SlotWithOpen[] = [];
        let dayEnd = Number.NEGATIVE_INFINITY;
        let cursor: SlotCursor | null = null;
        for (;;) {
          o.signal?.throwIfAborted();
          const rows = await serviceSlotsAfter(o.store.db, service.merchantId, service.id, fromSec, toSec, cursor, o.pageSizes?.slots ?? SLOT_PAGE);
          const open = rows.map((s) => ({ ...s, spotsOpen: openSpots(s, held) }));
          if (format === 'spots_open') {
            await emit(toGoogleAvailability(open, 'spots_open', options));
          } else {
            for (const slot of open) {
              if (slot.startSec >= dayEnd) {
                if (day.length > 0) await emit(toGoogleAvailability(day, 'recurrence', options));
                day = [];
                dayEnd = nextLocalMidnight(zone, slot.startSec);
              }
              day.push(slot);
            }
          }
          slots += rows.length;
          o.progress?.advance(rows.length);
          if (rows.length < (o.pageSizes?.slots ?? SLOT_PAGE)) break;
          const last = rows[rows.length - 1]!;
          cursor = { startSec: last.startSec, durationSec: last.durationSec, staffId: last.staffId, roomId: last.roomId, partySize: last.partySize };
          await yieldToEventLoop();
        }
        if (day.length > 0) await emit(toGoogleAvailability(day, 'recurrence', options));
      }
    }
    return slots;
  });
}

/** Generates the feeds into `outDir` (created if missing); on failure or abort, leaves no partial feed behind. */
export async function generateFeeds(o: GenerateOptions): Promise<GenerateSummary> {
  const started = Date.now();
  await mkdir(o.outDir, { recursive: true });
  const kinds = o.kinds ?? FEED_KINDS;
  const feeds: FeedResult[] = [];
  if (kinds.includes('merchants')) feeds.push(await merchantFeed(o));
  if (kinds.includes('services')) feeds.push(await serviceFeed(o));
  if (kinds.includes('availability')) feeds.push(await availabilityFeed(o));
  return { dir: o.outDir, feeds, elapsedMs: Date.now() - started };
}

const mb = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** The one-line summary the CLI prints at the end. */
export function summaryLine(s: GenerateSummary): string {
  const parts = s.feeds.map((f) => {
    const bytes = f.files.reduce((n, file) => n + file.bytes, 0);
    const what = f.kind === 'availability' ? `${f.slots} slots as ${f.records} entries` : `${f.records} ${f.kind}`;
    const warn = f.files.length > GOOGLE_MAX_SHARDS ? ` (more than Google's ${GOOGLE_MAX_SHARDS} shards: ask Actions Center support)` : '';
    return `${what} in ${f.files.length} shard${f.files.length === 1 ? '' : 's'} (${mb(bytes)})${warn}`;
  });
  return `feeds generated in ${(s.elapsedMs / 1000).toFixed(1)} s: ${parts.join('; ')} -> ${s.dir}`;
}
