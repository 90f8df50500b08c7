// Generates the daily merchant, service and availability feeds (docs/FEEDS.md): reads the store
// in keyset pages (never the whole inventory at once), prints each record with the generated feed
// messages (proto3 JSON, proto field names), and writes gzip shards under the size limit.
import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { create, toJsonString } from '@bufbuild/protobuf';
import { IANAZone } from 'luxon';
import { type GoogleAvailability, nextLocalMidnight, recurrences, toGoogleAvailability, UnrepresentableSlotError } from '../availability/google-format.js';
import { heldForMerchants, type ServiceSlotRun, serviceSlotRuns, serviceSlotsAfter } from '../availability/read-model.js';
import { openSpots, type HeldSpots, type StoredSlot } from '../availability/slot.js';
import type { SlotWithOpen } from '../availability/service.js';
import { nowSeconds, type Clock } from '../clock.js';
import type { FeedsConfig } from '../config.js';
import { FeedMetadata_ProcessingInstruction, FeedMetadataSchema } from '../gen/ext/maps/booking/feeds/v1/feed_metadata_pb.js';
import { MerchantSchema } from '../gen/ext/maps/booking/feeds/v1/merchant_feed_pb.js';
import { ServiceSchema } from '../gen/ext/maps/booking/feeds/v1/service_feed_pb.js';
import type { Merchant, Service } from '../merchants/model.js';
import { merchantsAfter, servicesOfMerchants } from '../merchants/read-model.js';
import type { Store } from '../store/database.js';
import { availabilityJson, singleSlotPrinter } from './availability-json.js';
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
/** Slots per keyset page, across the services of a page of merchants. */
const SLOT_PAGE = 5000;
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

/**
 * Keyset pages of merchants, yielding to the event loop between pages: the page's active
 * merchants, and the ids of its first and last merchant (deactivated ones included), between which
 * no other merchant's id falls.
 */
async function* merchantPageRanges(o: GenerateOptions): AsyncGenerator<{ page: Merchant[]; first: string; last: string }> {
  let after: string | null = null;
  for (;;) {
    o.signal?.throwIfAborted();
    const size = o.pageSizes?.merchants ?? MERCHANT_PAGE;
    const page = await merchantsAfter(o.store.db, after, size);
    if (page.length === 0) return;
    // A deactivated merchant leaves every feed (docs/ADMIN-API.md, "Removing merchants and services").
    yield { page: page.filter((m) => m.deactivatedAt === null), first: page[0]!.id, last: page[page.length - 1]!.id };
    if (page.length < size) return;
    after = page[page.length - 1]!.id;
    await yieldToEventLoop();
  }
}

async function* merchantPages(o: GenerateOptions): AsyncGenerator<Merchant[]> {
  for await (const { page } of merchantPageRanges(o)) yield page;
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
      const services = (
        await servicesOfMerchants(
          o.store.db,
          page.map((m) => m.id),
        )
      ).filter(inServiceFeed);
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

/**
 * Open spots per slot from the spots held (heldForMerchants): held spots are few next to slots, so
 * a slot's key string (slotKey, the map's key) is built only for the starts that have a hold.
 */
class OpenSpots {
  private readonly starts = new Map<string, Set<number>>();

  constructor(private readonly held: HeldSpots) {
    for (const key of held.keys()) {
      const [merchantId, serviceId, startSec] = JSON.parse(key) as [string, string, number];
      const service = `${merchantId}\u0000${serviceId}`;
      const starts = this.starts.get(service) ?? new Set<number>();
      starts.add(startSec);
      this.starts.set(service, starts);
    }
  }

  /** The starts with a hold in one service (undefined: none). */
  heldStarts(merchantId: string, serviceId: string): Set<number> | undefined {
    return this.starts.get(`${merchantId}\u0000${serviceId}`);
  }

  of(slot: StoredSlot, heldStarts: Set<number> | undefined): number {
    return heldStarts?.has(slot.startSec) ? openSpots(slot, this.held) : Math.max(0, slot.spotsTotal);
  }
}

/** How many services' slots one read (serviceSlotRuns) takes at most, between yields to the event loop. */
const SERVICE_PAGE = 100;
/** Single-slot entries handed to the writer at once. */
const PRINT_BATCH = 2000;

async function availabilityFeed(o: GenerateOptions): Promise<FeedResult> {
  return runFeed('availability', o, async ({ writer, timestamp: now }) => {
    const horizon = o.horizonDays ?? o.config.horizonDays;
    // Slots that have started are not bookable (BatchAvailabilityLookup says so too).
    const fromSec = now + 1;
    const toSec = now + horizon * DAY_SECONDS;
    const slotPage = o.pageSizes?.slots ?? SLOT_PAGE;
    o.progress?.begin('availability', o.countSlots ? await countBookableSlots(o, fromSec, toSec) : null);
    let slots = 0;
    const emit = (entries: readonly GoogleAvailability[]) => writer.addMany(entries.map(availabilityJson));

    /** A service whose slots differ only in their start (most do): from its list of starts, without an object per slot. */
    const uniformService = async (service: Service, timeZone: string, uniform: NonNullable<ServiceSlotRun['uniform']>, open: OpenSpots) => {
      const { starts, durationSec, spotsTotal, availabilityTag } = uniform;
      const template: SlotWithOpen = {
        merchantId: service.merchantId,
        serviceId: service.id,
        startSec: starts[0]!,
        durationSec,
        staffId: '',
        roomId: '',
        partySize: 0,
        spotsTotal,
        availabilityTag,
        spotsOpen: spotsTotal,
      };
      const heldStarts = open.heldStarts(service.merchantId, service.id);
      const openAt = (startSec: number): number => (heldStarts?.has(startSec) ? open.of({ ...template, startSec }, heldStarts) : Math.max(0, spotsTotal));
      const confirmationMode = service.booking.confirmationMode;
      if (service.booking.availabilityFormat === 'spots_open') {
        const print = singleSlotPrinter({ ...toGoogleAvailability([template], 'spots_open', { confirmationMode })[0]! });
        const top = Math.max(0, spotsTotal);
        // In batches, so that a service with very many slots is never one long text.
        for (let from = 0; from < starts.length; from += PRINT_BATCH) {
          const to = Math.min(starts.length, from + PRINT_BATCH);
          const records: string[] = new Array(to - from);
          for (let i = from; i < to; i++) records[i - from] = print(starts[i]!, Math.min(openAt(starts[i]!), top));
          await writer.addMany(records);
        }
        return;
      }
      // The checks of toGoogleAvailability: a known zone, and one spot per instance.
      const zone = IANAZone.create(timeZone);
      if (!zone.isValid) throw new RangeError(`unknown IANA time zone ${JSON.stringify(timeZone)}`);
      if (spotsTotal !== 1) throw new UnrepresentableSlotError(template);
      const entries: GoogleAvailability[] = [];
      recurrences(
        template,
        starts,
        starts.map((startSec) => openAt(startSec) > 0),
        zone,
        confirmationMode,
        entries,
      );
      await emit(entries);
    };

    /** Any other service: its slots row by row, in keyset pages. */
    const serviceBySlots = async (service: Service, timeZone: string, open: OpenSpots) => {
      const options = { confirmationMode: service.booking.confirmationMode, timeZone };
      const zone = IANAZone.create(timeZone);
      const heldStarts = open.heldStarts(service.merchantId, service.id);
      const recurrence = service.booking.availabilityFormat !== 'spots_open';
      // Recurrence: the slots of the local day being gathered (a recurrence never crosses local midnight).
      let day: SlotWithOpen[] = [];
      let dayEnd = Number.NEGATIVE_INFINITY;
      let cursor: StoredSlot | null = null;
      for (;;) {
        o.signal?.throwIfAborted();
        const rows = await serviceSlotsAfter(o.store.db, service.merchantId, service.id, fromSec, toSec, cursor, slotPage);
        const chunk: SlotWithOpen[] = [];
        for (const row of rows) {
          const slot: SlotWithOpen = { ...row, spotsOpen: open.of(row, heldStarts) };
          if (!recurrence) {
            chunk.push(slot);
            continue;
          }
          if (slot.startSec >= dayEnd) {
            if (day.length > 0) await emit(toGoogleAvailability(day, 'recurrence', options));
            day = [];
            dayEnd = nextLocalMidnight(zone, slot.startSec);
          }
          day.push(slot);
        }
        if (chunk.length > 0) await emit(toGoogleAvailability(chunk, 'spots_open', options));
        if (rows.length < slotPage) break;
        cursor = rows[rows.length - 1]!;
        await yieldToEventLoop();
      }
      if (day.length > 0) await emit(toGoogleAvailability(day, 'recurrence', options));
    };

    const reader = o.store.openReader();
    try {
      for await (const { page, first, last } of merchantPageRanges(o)) {
        const services = (
          await servicesOfMerchants(
            o.store.db,
            page.map((m) => m.id),
          )
        ).filter((s) => s.booking.enabled && s.deactivatedAt === null);
        if (services.length === 0) continue;
        const merchants = new Map(page.map((m) => [m.id, m]));
        const bookable = new Map(services.map((s) => [`${s.merchantId}\u0000${s.id}`, s]));
        const open = new OpenSpots(await heldForMerchants(o.store.db, [...new Set(services.map((s) => s.merchantId))], fromSec, toSec, now));
        // The slots of the page's services, a page of services at a time, in (merchant, service) order;
        // the next page is read (in the reader's thread) while this one is written.
        const read = (after: ServiceSlotRun | null) => {
          const runs = serviceSlotRuns(o.store, first, last, fromSec, toSec, after, SERVICE_PAGE, reader);
          runs.catch(() => {}); // awaited below, unless the feed fails first
          return runs;
        };
        let next = read(null);
        for (;;) {
          o.signal?.throwIfAborted();
          const runs = await next;
          if (runs.length === SERVICE_PAGE) next = read(runs[runs.length - 1]!);
          for (const run of runs) {
            slots += run.slots;
            o.progress?.advance(run.slots);
            // Services that sell no bookings (or were deactivated), and deactivated merchants, are left out.
            const service = bookable.get(`${run.merchantId}\u0000${run.serviceId}`);
            if (service === undefined) continue;
            const timeZone = merchants.get(service.merchantId)!.timeZone;
            if (run.uniform !== null) await uniformService(service, timeZone, run.uniform, open);
            else await serviceBySlots(service, timeZone, open);
          }
          if (runs.length < SERVICE_PAGE) break;
          await yieldToEventLoop();
        }
      }
    } finally {
      await reader.close();
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
