// Plays Google against a booking server: the cases, in the order Google's flows use the methods,
// then cleanup (every booking made is cancelled, every waitlist entry deleted) and the latency of
// each method against Google's thresholds. Speaks plain JSON over HTTP; knows nothing of our own
// server's code, so it can check anyone's.
import { randomBytes } from 'node:crypto';
import { gridSlotTimes, slotsFromFeed, type OpenSlot } from './availability.js';
import { ConformanceClient, percentile, type Answer, type Exchange } from './client.js';
import { BOOKING_STATUSES, LATENCY_THRESHOLDS, PREPAYMENT_STATUSES, WAITLIST_STATUSES, type Method } from './contract.js';
import {
  CaseFailure,
  CaseSkip,
  canonical,
  check,
  expectStatus,
  fail,
  int32,
  int64,
  isObject,
  obj,
  ok,
  skip,
  type CaseResult,
  type CaseSpec,
  type Json,
} from './framework.js';

export interface ConformanceOptions {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** Booking merchant and service (from the feed when not given). */
  readonly merchant: string | null;
  readonly service: string | null;
  readonly waitlistMerchant: string | null;
  readonly waitlistService: string | null;
  readonly only: 'waitlist' | 'bookings' | null;
  /** Availability feeds, parsed (the slots to test); none: probe a lookup window. */
  readonly availabilityFeeds: readonly unknown[];
  /** Lookup window, when no feed is given: days ahead, grid step and slot duration. */
  readonly lookupDays: number;
  readonly slotStepSec: number;
  readonly slotDurationSec: number;
  readonly partySize: number;
  /** The over-full case books a slot with N open spots N+1 times; only when N is at most this. */
  readonly overfullMaxSpots: number;
  /** Identical requests sent at once in the concurrent-duplicate cases. */
  readonly duplicates: number;
  readonly telephone: string;
  readonly timeoutMs: number;
  /** Latency over a threshold is a warning rather than a failure. */
  readonly latencyAdvisory: boolean;
  /** Slots starting sooner than this are left alone (a booking too close to its start may be refused by policy). */
  readonly leadSec: number;
  readonly nowSec?: () => number;
}

export interface LatencyFigure {
  readonly method: Method;
  readonly calls: number;
  readonly p50: number;
  readonly p99: number;
  readonly thresholdMs: number;
}

export interface ConformanceReport {
  readonly url: string;
  readonly startedAt: string;
  readonly runId: string;
  readonly results: readonly CaseResult[];
  readonly latency: readonly LatencyFigure[];
  /** What cleanup could not undo (a booking it could not cancel, an entry it could not delete). */
  readonly leftovers: readonly string[];
  readonly passed: boolean;
}

const DAY = 86_400;

type Spec = Omit<CaseSpec, 'group'>;

export async function runConformance(options: ConformanceOptions, onResult: (result: CaseResult) => void = () => {}): Promise<ConformanceReport> {
  const run = new Run(options, onResult);
  return run.execute();
}

class Run {
  private readonly results: CaseResult[] = [];
  private readonly client: ConformanceClient;
  private readonly runId = randomBytes(4).toString('hex');
  private userSeq = 0;
  private tokenSeq = 0;
  private caseExchanges: Exchange[] = [];
  /** Bookings made and not yet cancelled, and waitlist entries not yet deleted. */
  private readonly liveBookings = new Set<string>();
  private readonly liveEntries = new Set<string>();
  private readonly leftovers: string[] = [];
  private readonly now: () => number;

  constructor(
    private readonly o: ConformanceOptions,
    private readonly onResult: (result: CaseResult) => void,
  ) {
    this.client = new ConformanceClient(o.url, { user: o.user, password: o.password }, o.timeoutMs, (e) => this.caseExchanges.push(e));
    this.now = o.nowSec ?? (() => Math.floor(Date.now() / 1000));
  }

  async execute(): Promise<ConformanceReport> {
    const startedAt = new Date().toISOString();
    try {
      await this.common();
      if (this.o.only !== 'bookings' && this.o.waitlistMerchant !== null) await this.waitlist();
      if (this.o.only !== 'waitlist' && (this.o.merchant !== null || this.o.availabilityFeeds.length > 0)) await this.bookings();
    } finally {
      await this.cleanup();
    }
    const latency = this.latencyCases();
    const passed = this.results.every((r) => r.outcome !== 'fail' || !r.required);
    return { url: this.o.url, startedAt, runId: this.runId, results: this.results, latency, leftovers: this.leftovers, passed };
  }

  // -------------------------------------------------------------------------------------------
  // The case runner

  private async step(group: CaseResult['group'], spec: Spec, body: () => Promise<string | undefined>): Promise<boolean> {
    this.caseExchanges = [];
    const started = performance.now();
    let outcome: CaseResult['outcome'] = 'pass';
    let message = '';
    let culprit: Exchange | null = null;
    try {
      message = (await body()) ?? '';
    } catch (error) {
      if (error instanceof CaseSkip) {
        outcome = 'skip';
        message = error.message;
      } else {
        outcome = 'fail';
        message = error instanceof CaseFailure ? error.message : `the check itself failed: ${error instanceof Error ? error.message : String(error)}`;
        if (error instanceof CaseFailure && error.answer) {
          const { json: _json, ...exchange } = error.answer;
          culprit = exchange;
        }
      }
    }
    const result: CaseResult = {
      ...spec,
      group,
      outcome,
      ms: performance.now() - started,
      message,
      // On failure the last exchanges, the one the failed check was about last of all.
      exchanges:
        outcome !== 'fail' ? [] : culprit ? [...this.caseExchanges.filter((e) => !sameExchange(e, culprit)).slice(-3), culprit] : this.caseExchanges.slice(-4),
    };
    this.results.push(result);
    this.onResult(result);
    return outcome === 'pass';
  }

  private async skipped(group: CaseResult['group'], spec: Spec, reason: string): Promise<void> {
    await this.step(group, spec, async () => skip(reason));
  }

  private user(): Json {
    const n = ++this.userSeq;
    return {
      user_id: `conformance-${this.runId}-${n}`,
      given_name: 'Conformance',
      family_name: `Check ${n}`,
      telephone: this.o.telephone,
      email: `conformance-${this.runId}-${n}@example.com`,
    };
  }

  private token(): string {
    return `conformance-${this.runId}-${++this.tokenSeq}`;
  }

  // -------------------------------------------------------------------------------------------
  // Health, authentication, routing

  private async common(): Promise<void> {
    const c = this.client;
    await this.step('common', { id: 'health.ok', title: 'HealthCheck answers 200', doc: 'healthcheck-method', required: true }, async () => {
      expectStatus(await c.get('HealthCheck'), 200);
    });
    const probe =
      this.o.only === 'waitlist' || (this.o.only === null && this.o.merchant === null && this.o.availabilityFeeds.length === 0)
        ? 'BatchGetWaitEstimates'
        : 'BatchAvailabilityLookup';
    const probeBody =
      probe === 'BatchGetWaitEstimates'
        ? { merchant_id: this.o.waitlistMerchant ?? '', service_id: this.o.waitlistService ?? '', party_size: [this.o.partySize] }
        : { merchant_id: this.o.merchant ?? '', slot_time: [] };
    await this.step('common', { id: 'auth.none', title: `no credentials: 401 on ${probe}`, doc: 'config-booking-server', required: true }, async () => {
      expectStatus(await c.post(probe, probeBody, { auth: 'none', timed: false }), 401);
    });
    await this.step(
      'common',
      { id: 'auth.wrong', title: `wrong password, then unknown user: 401 on ${probe}`, doc: 'config-booking-server', required: true },
      async () => {
        expectStatus(
          await c.post(probe, probeBody, { auth: { user: this.o.user, password: `${this.o.password}-wrong` }, timed: false }),
          401,
          'wrong password',
        );
        expectStatus(
          await c.post(probe, probeBody, { auth: { user: `${this.o.user}-unknown`, password: this.o.password }, timed: false }),
          401,
          'unknown user',
        );
      },
    );
    // Google authenticates every request it makes, HealthCheck included; a server may still choose
    // to answer health to anyone, so this one is recommended.
    await this.step('common', { id: 'auth.health', title: 'no credentials: 401 on HealthCheck', doc: 'config-booking-server', required: false }, async () => {
      expectStatus(await c.get('HealthCheck', { auth: 'none', timed: false }), 401);
    });
    // Google's method tables list every path with a trailing slash (/v3/HealthCheck/).
    await this.step(
      'common',
      {
        id: 'route.trailing-slash',
        title: `paths as Google's tables list them: /v3/HealthCheck/ and /v3/${probe}/`,
        doc: 'implement-booking-server',
        required: true,
      },
      async () => {
        expectStatus(await c.get('HealthCheck/', { timed: false }), 200, 'GET /v3/HealthCheck/');
        expectStatus(await c.post(`${probe}/`, probeBody, { timed: false }), [200, 400], `POST /v3/${probe}/`);
      },
    );
    await this.step('common', { id: 'route.unknown', title: 'an unknown method answers 404', doc: 'status-codes', required: true }, async () => {
      expectStatus(await c.post('NoSuchMethod', {}, { timed: false }), 404);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Waitlist

  private async waitlist(): Promise<void> {
    const c = this.client;
    const merchant = this.o.waitlistMerchant ?? '';
    const service = this.o.waitlistService ?? '';
    const size = this.o.partySize;
    const W = (spec: Spec, body: () => Promise<string | undefined>) => this.step('waitlist', spec, body);
    const join = (user: Json, token: string, partySize: number | string = size) => ({
      merchant_id: merchant,
      service_id: service,
      party_size: partySize,
      user_information: user,
      idempotency_token: token,
    });

    let status = '';
    let estimates: unknown[] = [];
    await W(
      {
        id: 'wl.estimates',
        title: 'BatchGetWaitEstimates: a status, at most one estimate per requested party size',
        doc: 'batchgetwaitestimates-method',
        required: true,
      },
      async () => {
        const sizes = [size, size + 1];
        const a = await c.post('BatchGetWaitEstimates', { merchant_id: merchant, service_id: service, party_size: sizes });
        const body = ok(a);
        status = String(body.waitlist_status ?? '');
        check(
          (WAITLIST_STATUSES as readonly string[]).includes(status),
          `waitlist_status must be OPEN, CLOSED_NO_WAIT or CLOSED_OTHER, got ${JSON.stringify(body.waitlist_status)}`,
          a,
        );
        const list = body.wait_estimate ?? [];
        check(Array.isArray(list), 'wait_estimate must be a list', a);
        estimates = list;
        if (status !== 'OPEN') check(estimates.length === 0, `with ${status} every other field must be unset, got ${estimates.length} estimate(s)`, a);
        const seen = new Set<number>();
        for (const e of estimates as unknown[]) {
          const ps = int32(obj(e).party_size);
          check(ps !== null && sizes.includes(ps), `an estimate for party size ${JSON.stringify(obj(e).party_size)}, which was not requested`, a);
          check(!seen.has(ps), `two estimates for party size ${ps}`, a);
          seen.add(ps);
          const wl = obj(e).wait_length;
          check(isObject(wl), `the estimate for party size ${ps} has no wait_length`, a);
          if (wl.parties_ahead_count !== undefined) {
            const ahead = int32(wl.parties_ahead_count);
            check(ahead !== null && ahead >= 0, 'parties_ahead_count must be a non-negative int32', a);
          }
          if (wl.estimated_seat_time_range !== undefined) {
            const r = obj(wl.estimated_seat_time_range);
            const start = int64(r.start_seconds);
            const end = int64(r.end_seconds);
            check(start !== null && end !== null, 'estimated_seat_time_range needs start_seconds and end_seconds (int64)', a);
            check(BigInt(start) <= BigInt(end), 'estimated_seat_time_range starts after it ends', a);
          }
        }
        return `waitlist ${status}, ${seen.size} estimate(s)`;
      },
    );
    await W(
      {
        id: 'wl.wait-length',
        title: 'BatchGetWaitEstimates: each wait_length has parties_ahead_count and estimated_seat_time_range',
        doc: 'waitestimate-definition',
        required: false,
      },
      async () => {
        if (estimates.length === 0) skip(`no estimate to look at (waitlist ${status || 'not answering'})`);
        for (const e of estimates) {
          const wl = obj(obj(e).wait_length);
          const missing = ['parties_ahead_count', 'estimated_seat_time_range'].filter((k) => wl[k] === undefined);
          if (missing.length > 0)
            fail(`the estimate for party size ${JSON.stringify(obj(e).party_size)} lacks ${missing.join(' and ')} (Google: "both should be populated")`);
        }
      },
    );
    const notOpen = status === 'OPEN' ? null : `the waitlist is ${status || 'not answering'}, not OPEN: nothing can join now`;

    // A malformed join must create nothing: the same user joins successfully right after.
    await W({ id: 'wl.malformed', title: 'CreateWaitlistEntry with a malformed body: 400 and no entry', doc: 'status-codes', required: true }, async () => {
      expectStatus(await c.post('CreateWaitlistEntry', '{"merchant_id":', { timed: false }), 400, 'invalid JSON');
      if (notOpen) return 'invalid JSON refused (wrong-type check skipped: waitlist not OPEN)';
      const user = this.user();
      expectStatus(await c.post('CreateWaitlistEntry', join(user, this.token(), 'two'), { timed: false }), 400, 'party_size "two"');
      const a = await c.post('CreateWaitlistEntry', join(user, this.token()));
      const body = ok(a, 'the same user joining properly afterwards');
      if (typeof body.waitlist_entry_id === 'string' && body.waitlist_entry_id !== '') this.liveEntries.add(body.waitlist_entry_id);
      check(
        body.waitlist_business_logic_failure === undefined,
        `after the refused request the user could not join (${JSON.stringify(body.waitlist_business_logic_failure)}): the malformed request left an entry behind`,
        a,
      );
      check(typeof body.waitlist_entry_id === 'string' && body.waitlist_entry_id !== '', 'the proper join has no waitlist_entry_id', a);
      await this.deleteEntry(body.waitlist_entry_id);
    });

    const entrySpecs: Spec[] = [
      { id: 'wl.create', title: 'CreateWaitlistEntry: a new entry id', doc: 'createwaitlistentry-method', required: true },
      { id: 'wl.create.retry', title: 'CreateWaitlistEntry: an exact retry gives the identical answer', doc: 'waitlist-proto', required: true },
      {
        id: 'wl.create.existing',
        title: 'CreateWaitlistEntry: the same user again (new token) gets EXISTING_WAITLIST_ENTRY',
        doc: 'waitlist-proto',
        required: false,
      },
      {
        id: 'wl.create.concurrent',
        title: `CreateWaitlistEntry: ${this.o.duplicates} identical requests at once make one entry`,
        doc: 'waitlist-proto',
        required: true,
      },
      { id: 'wl.get', title: 'GetWaitlistEntry: state, created time and the party size', doc: 'getwaitlistentry-method', required: true },
      { id: 'wl.delete', title: 'DeleteWaitlistEntry: 200 with {}', doc: 'deletewaitlistentry-method', required: true },
      { id: 'wl.delete.retry', title: 'DeleteWaitlistEntry again: still 200 (idempotent)', doc: 'deletewaitlistentry-method', required: true },
      { id: 'wl.get.deleted', title: 'GetWaitlistEntry after delete: CANCELED with canceled_time_seconds', doc: 'getwaitlistentry-method', required: true },
    ];
    if (notOpen) {
      for (const spec of entrySpecs) await this.skipped('waitlist', spec, notOpen);
    } else {
      const user = this.user();
      const request = join(user, this.token());
      let entryId = '';
      let first: Answer | undefined;
      const [create, retry, existing, concurrent, get, del, delRetry, getDeleted] = entrySpecs as [Spec, Spec, Spec, Spec, Spec, Spec, Spec, Spec];
      await W(create, async () => {
        const a = await c.post('CreateWaitlistEntry', request);
        const body = ok(a);
        check(
          body.waitlist_business_logic_failure === undefined,
          `business failure for a new user on an OPEN waitlist: ${JSON.stringify(body.waitlist_business_logic_failure)}`,
          a,
        );
        check(typeof body.waitlist_entry_id === 'string' && body.waitlist_entry_id !== '', 'no waitlist_entry_id', a);
        entryId = body.waitlist_entry_id;
        this.liveEntries.add(entryId);
        first = a;
        return `entry ${entryId}`;
      });
      const needEntry = () => entryId === '' && skip('needs the entry wl.create makes');
      await W(retry, async () => {
        needEntry();
        const a = await c.post('CreateWaitlistEntry', request);
        ok(a);
        check(canonical(a.json) === canonical(first?.json), `the retry's answer differs from the first (${first?.response})`, a);
      });
      await W(existing, async () => {
        needEntry();
        const a = await c.post('CreateWaitlistEntry', { ...request, idempotency_token: this.token() });
        const body = ok(a);
        if (typeof body.waitlist_entry_id === 'string' && body.waitlist_entry_id !== '') {
          this.liveEntries.add(body.waitlist_entry_id);
          fail(`a second entry (${body.waitlist_entry_id}) for a user who already waits`, a);
        }
        check(
          obj(body.waitlist_business_logic_failure).cause === 'EXISTING_WAITLIST_ENTRY',
          `expected cause EXISTING_WAITLIST_ENTRY, got ${JSON.stringify(body.waitlist_business_logic_failure)}`,
          a,
        );
      });
      await W(concurrent, async () => {
        const again = join(this.user(), this.token());
        const answers = await Promise.all(Array.from({ length: this.o.duplicates }, () => c.post('CreateWaitlistEntry', again, { timed: false })));
        const ids = new Set<string>();
        for (const a of answers) {
          const body = ok(a);
          if (typeof body.waitlist_entry_id === 'string' && body.waitlist_entry_id !== '') {
            ids.add(body.waitlist_entry_id);
            this.liveEntries.add(body.waitlist_entry_id);
          }
        }
        check(
          ids.size === 1,
          `expected one entry id across the ${answers.length} answers, got ${ids.size} (${[...ids].join(', ')})`,
          answers[answers.length - 1],
        );
        const texts = new Set(answers.map((a) => canonical(a.json)));
        check(
          texts.size === 1,
          `the ${answers.length} answers are not identical: the first was ${answers[0]?.response.slice(0, 200)}, this one differs`,
          answers.find((a) => canonical(a.json) !== canonical(answers[0]?.json)),
        );
      });
      await W(get, async () => {
        needEntry();
        const a = await c.post('GetWaitlistEntry', { waitlist_entry_id: entryId });
        const entry = obj(ok(a).waitlist_entry);
        check(isObject(ok(a).waitlist_entry), 'no waitlist_entry', a);
        const state = String(entry.waitlist_entry_state ?? '');
        check(
          state === 'WAITING' || state === 'PENDING_MERCHANT_CONFIRMATION',
          `a fresh entry must be WAITING (or PENDING_MERCHANT_CONFIRMATION), got ${JSON.stringify(entry.waitlist_entry_state)}`,
          a,
        );
        const created = int64(obj(entry.waitlist_entry_state_times).created_time_seconds);
        check(created !== null && created !== '0', 'waitlist_entry_state_times.created_time_seconds is required', a);
        check(Math.abs(Number(created) - this.now()) < DAY, `created_time_seconds ${created} is not the time of creation (epoch seconds)`, a);
        for (const later of [
          'canceled_time_seconds',
          'service_readied_time_seconds',
          'checked_in_time_seconds',
          'seated_time_seconds',
          'marked_no_show_time_seconds',
        ]) {
          const v = int64(obj(entry.waitlist_entry_state_times)[later]);
          check(v === null || v === '0', `${later} is set on a WAITING entry (each time is set only once its state is reached)`, a);
        }
        const estimate = obj(entry.wait_estimate);
        check(int32(estimate.party_size) === size, `wait_estimate.party_size must be ${size}, got ${JSON.stringify(estimate.party_size)}`, a);
        check(isObject(estimate.wait_length), 'wait_estimate.wait_length is required', a);
        return state;
      });
      await W(del, async () => {
        needEntry();
        const a = await c.post('DeleteWaitlistEntry', { waitlist_entry_id: entryId });
        const body = ok(a);
        check(Object.keys(body).length === 0, 'the answer must be the empty message {}', a);
        this.liveEntries.delete(entryId);
      });
      await W(delRetry, async () => {
        needEntry();
        ok(await c.post('DeleteWaitlistEntry', { waitlist_entry_id: entryId }));
      });
      await W(getDeleted, async () => {
        needEntry();
        const a = await c.post('GetWaitlistEntry', { waitlist_entry_id: entryId });
        const entry = obj(ok(a).waitlist_entry);
        check(entry.waitlist_entry_state === 'CANCELED', `expected CANCELED, got ${JSON.stringify(entry.waitlist_entry_state)}`, a);
        const canceled = int64(obj(entry.waitlist_entry_state_times).canceled_time_seconds);
        check(canceled !== null && canceled !== '0', 'canceled_time_seconds must be set once the entry is CANCELED', a);
      });
    }

    await W({ id: 'wl.delete.unknown', title: 'DeleteWaitlistEntry of an unknown id: 404', doc: 'deletewaitlistentry-method', required: true }, async () => {
      expectStatus(await c.post('DeleteWaitlistEntry', { waitlist_entry_id: `conformance-unknown-${this.runId}` }), 404);
    });
    await W({ id: 'wl.get.unknown', title: 'GetWaitlistEntry of an unknown id: 404', doc: 'status-codes', required: false }, async () => {
      expectStatus(await c.post('GetWaitlistEntry', { waitlist_entry_id: `conformance-unknown-${this.runId}` }), 404);
    });
  }

  private async deleteEntry(id: string): Promise<void> {
    const a = await this.client.post('DeleteWaitlistEntry', { waitlist_entry_id: id }, { timed: false });
    if (a.status === 200) this.liveEntries.delete(id);
  }

  // -------------------------------------------------------------------------------------------
  // Bookings

  private wireSlot(s: OpenSlot, partySize = this.partyOf(s)): Json {
    const resources: Json = {};
    if (s.resources.staffId) resources.staff_id = s.resources.staffId;
    if (s.resources.roomId) resources.room_id = s.resources.roomId;
    if (partySize > 0) resources.party_size = partySize;
    return {
      merchant_id: s.merchantId,
      service_id: s.serviceId,
      start_sec: String(s.startSec),
      duration_sec: String(s.durationSec),
      ...(s.availabilityTag ? { availability_tag: s.availabilityTag } : {}),
      ...(Object.keys(resources).length > 0 ? { resources } : {}),
    };
  }

  private slotTime(s: OpenSlot): Json {
    const resourceIds: Json = {};
    if (s.resources.staffId) resourceIds.staff_id = s.resources.staffId;
    if (s.resources.roomId) resourceIds.room_id = s.resources.roomId;
    if (this.partyOf(s) > 0) resourceIds.party_size = this.partyOf(s);
    return {
      service_id: s.serviceId,
      start_sec: String(s.startSec),
      duration_sec: String(s.durationSec),
      ...(s.availabilityTag ? { availability_tag: s.availabilityTag } : {}),
      ...(Object.keys(resourceIds).length > 0 ? { resource_ids: resourceIds } : {}),
    };
  }

  private partyOf(s: OpenSlot): number {
    return s.resources.partySize > 0 ? s.resources.partySize : this.o.partySize;
  }

  /**
   * BatchAvailabilityLookup over `slots` (in requests of at most 100 slot times): which are
   * available. Fails the running case when an answer does not echo exactly one availability per
   * requested slot time, unchanged.
   */
  private async lookup(merchant: string, slots: readonly OpenSlot[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < slots.length; i += 100) {
      const chunk = slots.slice(i, i + 100);
      const times = chunk.map((s) => this.slotTime(s));
      const a = await this.client.post('BatchAvailabilityLookup', { merchant_id: merchant, slot_time: times });
      const list = ok(a).slot_time_availability ?? [];
      check(Array.isArray(list), 'slot_time_availability must be a list', a);
      check(list.length === times.length, `expected exactly one slot_time_availability per requested slot_time (${times.length}), got ${list.length}`, a);
      list.forEach((item: unknown, k: number) => {
        const echoed = obj(obj(item).slot_time);
        check(
          sameSlotTime(echoed, times[k] ?? {}),
          `slot_time_availability[${k}].slot_time is not the requested slot time echoed unchanged: sent ${JSON.stringify(times[k])}, got ${JSON.stringify(obj(item).slot_time)}`,
          a,
        );
        const available = obj(item).available;
        check(available === undefined || typeof available === 'boolean', `slot_time_availability[${k}].available must be a boolean`, a);
        out.push(available === true);
      });
    }
    return out;
  }

  private async bookings(): Promise<void> {
    const c = this.client;
    const B = (spec: Spec, body: () => Promise<string | undefined>) => this.step('bookings', spec, body);
    let merchant = this.o.merchant ?? '';
    let open: OpenSlot[] = [];
    const from = this.now() + this.o.leadSec;
    const to = this.now() + this.o.lookupDays * DAY;

    const fromFeed = this.o.availabilityFeeds.length > 0;
    await B(
      {
        id: 'bal.discover',
        title: fromFeed
          ? 'BatchAvailabilityLookup confirms open slots of the availability feed'
          : 'BatchAvailabilityLookup over the lookup window finds open slots',
        doc: 'batchavailabilitylookup-method',
        required: true,
      },
      async () => {
        let candidates: OpenSlot[];
        if (fromFeed) {
          candidates = [];
          for (const feed of this.o.availabilityFeeds) candidates.push(...slotsFromFeed(feed, from, to));
          if (!merchant) merchant = candidates[0]?.merchantId ?? '';
          const service = this.o.service ?? candidates.find((s) => s.merchantId === merchant)?.serviceId ?? '';
          candidates = candidates.filter((s) => s.merchantId === merchant && s.serviceId === service).sort((x, y) => x.startSec - y.startSec);
          if (candidates.length === 0)
            skip(`the feed has no open slot for merchant ${JSON.stringify(merchant)} service ${JSON.stringify(service)} between ${iso(from)} and ${iso(to)}`);
          candidates = candidates.slice(0, 40);
        } else {
          candidates = gridSlotTimes({
            merchantId: merchant,
            serviceId: this.o.service ?? '',
            fromSec: from,
            toSec: to,
            stepSec: this.o.slotStepSec,
            durationSec: this.o.slotDurationSec,
          });
        }
        const available = await this.lookup(merchant, candidates);
        open = candidates.filter((_s, i) => available[i]);
        if (open.length === 0) {
          fail(
            fromFeed
              ? `none of the ${candidates.length} open slots of the feed is available now`
              : `no available slot of ${this.o.slotDurationSec} s every ${this.o.slotStepSec} s for party size ${this.o.partySize} in the next ${this.o.lookupDays} days (give --availability-feed, or --slot-duration/--slot-step/--party-size)`,
          );
        }
        return `${open.length} of ${candidates.length} slot time(s) available`;
      },
    );

    // Distinct slots, each booked by one flow only, so no flow takes a spot another counted on.
    const pool = [...open];
    const take = (pred: (s: OpenSlot) => boolean = () => true): OpenSlot | null => {
      const i = pool.findIndex(pred);
      return i < 0 ? null : (pool.splice(i, 1)[0] ?? null);
    };
    const main = take();
    const target = main ? take((s) => s.startSec !== main.startSec && s.durationSec === main.durationSec) : null;
    const dupSlot = take();
    const leaseSlot = take();
    const none = 'no open slot to book (see bal.discover)';

    await B(
      {
        id: 'bal.unknown-slot',
        title: 'BatchAvailabilityLookup of a slot that does not exist: 200, available false',
        doc: 'batchavailabilitylookup-method',
        required: true,
      },
      async () => {
        if (!main) skip(none);
        const ghost: OpenSlot = { ...main, startSec: main.startSec + 7 };
        const [available] = await this.lookup(merchant, [ghost]);
        check(available === false, `a slot starting 7 s after ${main.startSec} is reported available`);
      },
    );

    let caOffered = true;
    let mainSpots: number | null = main?.spotsOpen ?? null;
    const spotsOf = async (s: OpenSlot): Promise<number | null> => {
      if (s.spotsOpen !== null) return s.spotsOpen;
      if (!caOffered) return null;
      const a = await c.post('CheckAvailability', { slot: this.wireSlot(s) });
      if (a.status !== 200) return null;
      return int32(obj(a.json).count_available);
    };
    await B(
      { id: 'ca.count', title: 'CheckAvailability of an open slot: count_available >= 1, slot echoed', doc: 'checkavailability-method', required: false },
      async () => {
        if (!main) skip(none);
        const slot = this.wireSlot(main);
        const a = await c.post('CheckAvailability', { slot });
        if (a.status === 404 || a.status === 501) {
          caOffered = false;
          skip(`not offered (HTTP ${a.status}; CheckAvailability is legacy)`);
        }
        const body = ok(a);
        const count = int32(body.count_available);
        check(
          count !== null && count >= 1,
          `count_available must be at least 1 for a slot BatchAvailabilityLookup showed available, got ${JSON.stringify(body.count_available)}`,
          a,
        );
        check(sameSlot(obj(body.slot), slot), `the slot is not echoed: sent ${JSON.stringify(slot)}, got ${JSON.stringify(body.slot)}`, a);
        mainSpots = count;
        return `${count} spot(s) open`;
      },
    );

    // The main flow: create, retry, status, list, change party size, reschedule, cancel.
    const u1 = this.user();
    const request = main
      ? {
          slot: this.wireSlot(main),
          user_information: u1,
          idempotency_token: this.token(),
          payment_information: { prepayment_status: 'PREPAYMENT_NOT_PROVIDED' },
        }
      : null;
    let bookingId = '';
    let created: Answer | undefined;
    let rescheduled = false;
    await B({ id: 'cb.create', title: 'CreateBooking of an open slot: the booking, slot echoed', doc: 'createbooking-method', required: true }, async () => {
      if (!main || !request) skip(none);
      const a = await c.post('CreateBooking', request);
      const booking = this.expectBooking(a, request.slot as Json, u1);
      bookingId = String(booking.booking_id);
      created = a;
      return `booking ${bookingId} ${String(booking.status)}`;
    });
    const needBooking = () => bookingId === '' && skip('needs the booking cb.create makes');
    await B({ id: 'cb.retry', title: 'CreateBooking: an exact retry gives the identical answer', doc: 'createbooking-ready', required: true }, async () => {
      needBooking();
      const a = await c.post('CreateBooking', request);
      ok(a);
      check(canonical(a.json) === canonical(created?.json), `the retry's answer differs from the first (${created?.response})`, a);
    });
    await B(
      {
        id: 'cb.token-reused',
        title: 'CreateBooking: the same token with a changed body returns the booking already made',
        doc: 'createbooking-method',
        required: true,
      },
      async () => {
        needBooking();
        const a = await c.post('CreateBooking', { ...request, additional_request: 'changed on retry' });
        const body = ok(a);
        const again = obj(body.booking);
        if (typeof again.booking_id === 'string' && again.booking_id !== bookingId) {
          this.liveBookings.add(again.booking_id);
          fail(`a second booking (${again.booking_id}) for a token that already made ${bookingId}`, a);
        }
        check(
          again.booking_id === bookingId,
          `expected the booking already created for this token (${bookingId}), got ${body.booking_failure ? `booking_failure ${JSON.stringify(body.booking_failure)}` : 'no booking'}`,
          a,
        );
      },
    );
    await B(
      {
        id: 'cb.concurrent',
        title: `CreateBooking: ${this.o.duplicates} identical requests at once make one booking`,
        doc: 'createbooking-ready',
        required: true,
      },
      async () => {
        if (!dupSlot) skip('needs a second open slot');
        const user = this.user();
        const req = { slot: this.wireSlot(dupSlot), user_information: user, idempotency_token: this.token() };
        const answers = await Promise.all(Array.from({ length: this.o.duplicates }, () => c.post('CreateBooking', req, { timed: false })));
        const ids = new Set<string>();
        for (const a of answers) {
          const id = obj(ok(a).booking).booking_id;
          if (typeof id === 'string' && id !== '') {
            ids.add(id);
            this.liveBookings.add(id);
          }
        }
        check(
          ids.size === 1,
          `expected one booking across the ${answers.length} answers, got ${ids.size} (${[...ids].join(', ') || 'none'})`,
          answers[answers.length - 1],
        );
        const differing = answers.find((a) => canonical(a.json) !== canonical(answers[0]?.json));
        check(
          differing === undefined,
          `the ${answers.length} answers are not identical: the first was ${answers[0]?.response.slice(0, 200)}, this one differs`,
          differing,
        );
        const listed = await c.post('ListBookings', { user_id: user.user_id });
        const bookings = ok(listed, 'ListBookings').bookings;
        check(
          Array.isArray(bookings) && bookings.length === 1,
          `ListBookings of the user must show one booking, got ${Array.isArray(bookings) ? bookings.length : 0}`,
          listed,
        );
      },
    );
    await B(
      { id: 'gbs.status', title: 'GetBookingStatus: booking_id, booking_status, prepayment_status', doc: 'getbookingstatus-method', required: true },
      async () => {
        needBooking();
        const a = await c.post('GetBookingStatus', { booking_id: bookingId });
        const body = ok(a);
        check(body.booking_id === bookingId, `booking_id must be ${bookingId}, got ${JSON.stringify(body.booking_id)}`, a);
        check(
          body.booking_status === 'CONFIRMED' || body.booking_status === 'PENDING_MERCHANT_CONFIRMATION',
          `booking_status must be CONFIRMED (or PENDING_MERCHANT_CONFIRMATION), got ${JSON.stringify(body.booking_status)}`,
          a,
        );
        check(
          (PREPAYMENT_STATUSES as readonly string[]).includes(String(body.prepayment_status)),
          `prepayment_status is required, got ${JSON.stringify(body.prepayment_status)}`,
          a,
        );
      },
    );
    await B({ id: 'lb.list', title: "ListBookings: the user's upcoming booking", doc: 'listbookings-method', required: true }, async () => {
      needBooking();
      const a = await c.post('ListBookings', { user_id: u1.user_id });
      const list = ok(a).bookings;
      check(Array.isArray(list), 'bookings must be a list', a);
      const found = (list as unknown[]).map(obj).find((b) => b.booking_id === bookingId);
      check(found !== undefined, `booking ${bookingId} is not listed`, a);
      check(
        (BOOKING_STATUSES as readonly string[]).includes(String(found.status)),
        `the listed booking has no valid status (${JSON.stringify(found.status)})`,
        a,
      );
    });
    await B(
      {
        id: 'cb.duplicate-user',
        title: 'CreateBooking: the same user again for the same slot (new token) is refused, not booked twice',
        doc: 'createbooking-method',
        required: false,
      },
      async () => {
        needBooking();
        if (!main || !request) skip(none);
        // Only where a second spot is known to be open: otherwise SLOT_UNAVAILABLE would prove nothing.
        if (mainSpots === null || mainSpots < 2) skip(`needs a slot with 2 or more open spots (known: ${mainSpots ?? 'unknown'})`);
        const a = await c.post('CreateBooking', { ...request, idempotency_token: this.token() });
        const body = ok(a);
        const id = obj(body.booking).booking_id;
        if (typeof id === 'string' && id !== '') {
          this.liveBookings.add(id);
          await this.cancelBooking(id);
          fail(`a second booking (${id}) for the same user and slot`, a);
        }
        const cause = obj(body.booking_failure).cause;
        check(
          cause === 'SLOT_ALREADY_BOOKED_BY_USER' || cause === 'OVERLAPPING_RESERVATION',
          `expected SLOT_ALREADY_BOOKED_BY_USER or OVERLAPPING_RESERVATION, got ${JSON.stringify(body.booking_failure)}`,
          a,
        );
        return String(cause);
      },
    );
    await B({ id: 'ub.party-size', title: 'UpdateBooking: change the party size', doc: 'updatebooking-method', required: false }, async () => {
      needBooking();
      if (!main) skip(none);
      if (main.resources.partySize > 0) skip('the slot is for one party size only');
      const size = this.o.partySize > 1 ? this.o.partySize - 1 : this.o.partySize + 1;
      const a = await c.post('UpdateBooking', { booking: { booking_id: bookingId, slot: { resources: { party_size: size } } } });
      const booking = obj(ok(a).booking);
      check(ok(a).booking_failure === undefined, `booking_failure: ${JSON.stringify(ok(a).booking_failure)}`, a);
      check(booking.booking_id === bookingId, 'the answer must carry the booking_id', a);
      check(int32(obj(obj(booking.slot).resources).party_size) === size, `the answer must show the new party size ${size}`, a);
      check(int64(obj(booking.slot).start_sec) === String(main.startSec), 'the start time changed with the party size', a);
    });
    await B({ id: 'ub.reschedule', title: 'UpdateBooking: reschedule to another open slot', doc: 'updatebooking-method', required: true }, async () => {
      needBooking();
      if (!target) skip('needs a second open slot of the same duration');
      const a = await c.post('UpdateBooking', {
        booking: { booking_id: bookingId, slot: { start_sec: String(target.startSec), duration_sec: String(target.durationSec) } },
      });
      const body = ok(a);
      check(body.booking_failure === undefined, `booking_failure rescheduling to an open slot: ${JSON.stringify(body.booking_failure)}`, a);
      const booking = obj(body.booking);
      check(booking.booking_id === bookingId, 'the answer must carry the booking_id', a);
      check(
        int64(obj(booking.slot).start_sec) === String(target.startSec),
        `the answer must show the new start_sec ${target.startSec}, got ${JSON.stringify(obj(booking.slot).start_sec)}`,
        a,
      );
      rescheduled = true;
      return `moved to ${iso(target.startSec)}`;
    });
    // Every state-changing method is idempotent (CreateBooking Ready, "Idempotency"): the same
    // reschedule again must not fail because the booking itself now holds a spot of that slot.
    await B(
      {
        id: 'ub.reschedule.retry',
        title: 'UpdateBooking: the same reschedule again answers the booking at the new time',
        doc: 'createbooking-ready',
        required: true,
      },
      async () => {
        needBooking();
        if (!target) skip('needs a second open slot of the same duration');
        if (!rescheduled) skip('needs the reschedule of ub.reschedule');
        const a = await c.post('UpdateBooking', {
          booking: { booking_id: bookingId, slot: { start_sec: String(target.startSec), duration_sec: String(target.durationSec) } },
        });
        const body = ok(a);
        check(body.booking_failure === undefined, `booking_failure on a replayed reschedule: ${JSON.stringify(body.booking_failure)}`, a);
        check(
          int64(obj(obj(body.booking).slot).start_sec) === String(target.startSec),
          `the answer must show start_sec ${target.startSec}, got ${JSON.stringify(obj(obj(body.booking).slot).start_sec)}`,
          a,
        );
      },
    );
    await B({ id: 'ub.cancel', title: 'UpdateBooking: cancel', doc: 'updatebooking-method', required: true }, async () => {
      needBooking();
      const a = await c.post('UpdateBooking', { booking: { booking_id: bookingId, status: 'CANCELED' } });
      const body = ok(a);
      check(body.booking_failure === undefined, `booking_failure: ${JSON.stringify(body.booking_failure)}`, a);
      check(obj(body.booking).status === 'CANCELED', `the answer must show status CANCELED, got ${JSON.stringify(obj(body.booking).status)}`, a);
      this.liveBookings.delete(bookingId);
    });
    await B(
      {
        id: 'ub.cancel.retry',
        title: 'UpdateBooking: the cancel again answers 200 (canceled booking or BOOKING_ALREADY_CANCELLED)',
        doc: 'updatebooking-method',
        required: true,
      },
      async () => {
        needBooking();
        const a = await c.post('UpdateBooking', { booking: { booking_id: bookingId, status: 'CANCELED' } });
        const body = ok(a);
        const cause = obj(body.booking_failure).cause;
        check(
          obj(body.booking).status === 'CANCELED' || cause === 'BOOKING_ALREADY_CANCELLED',
          `expected the canceled booking or BOOKING_ALREADY_CANCELLED, got ${a.response.slice(0, 200)}`,
          a,
        );
      },
    );
    await B({ id: 'gbs.canceled', title: 'GetBookingStatus after the cancel: CANCELED', doc: 'getbookingstatus-method', required: true }, async () => {
      needBooking();
      const a = await c.post('GetBookingStatus', { booking_id: bookingId });
      check(ok(a).booking_status === 'CANCELED', `expected CANCELED, got ${JSON.stringify(ok(a).booking_status)}`, a);
    });
    await B(
      { id: 'lb.canceled', title: 'ListBookings after the cancel: the booking is no longer upcoming', doc: 'listbookings-method', required: false },
      async () => {
        needBooking();
        const a = await c.post('ListBookings', { user_id: u1.user_id });
        if (a.status === 404) return 'HTTP 404: no upcoming bookings';
        const listed = ((ok(a).bookings ?? []) as unknown[]).map(obj).find((b) => b.booking_id === bookingId);
        check(listed === undefined || listed.status === 'CANCELED', `the canceled booking is listed as ${JSON.stringify(listed?.status)}`, a);
      },
    );

    await this.overfull(B, take, spotsOf);
    await this.lease(B, leaseSlot);

    // Business failures and bad input.
    await B(
      {
        id: 'cb.no-such-slot',
        title: 'CreateBooking of a slot that does not exist: no booking (400 or SLOT_UNAVAILABLE)',
        doc: 'status-codes',
        required: true,
      },
      async () => {
        if (!main) skip(none);
        const a = await c.post('CreateBooking', {
          slot: this.wireSlot({ ...main, startSec: main.startSec + 7 }),
          user_information: this.user(),
          idempotency_token: this.token(),
        });
        if (a.status === 400) return 'HTTP 400';
        const body = ok(a);
        const id = obj(body.booking).booking_id;
        if (typeof id === 'string') {
          this.liveBookings.add(id);
          fail(`booked a slot that does not exist (booking ${id})`, a);
        }
        check(
          obj(body.booking_failure).cause === 'SLOT_UNAVAILABLE',
          `expected HTTP 400 or booking_failure SLOT_UNAVAILABLE, got ${a.response.slice(0, 200)}`,
          a,
        );
        return 'SLOT_UNAVAILABLE';
      },
    );
    await B({ id: 'cb.malformed', title: 'CreateBooking with a malformed body: 400 and no booking', doc: 'status-codes', required: true }, async () => {
      expectStatus(await c.post('CreateBooking', '{"slot":{"merchant_id":', { timed: false }), 400, 'invalid JSON');
      if (!main) return 'invalid JSON refused (wrong-type check skipped: no slot)';
      const user = this.user();
      const wrong = await c.post(
        'CreateBooking',
        { slot: { ...this.wireSlot(main), start_sec: 'soon' }, user_information: user, idempotency_token: this.token() },
        { timed: false },
      );
      const id = obj(obj(wrong.json).booking).booking_id;
      if (typeof id === 'string') this.liveBookings.add(id);
      expectStatus(wrong, 400, 'start_sec "soon"');
      const listed = await c.post('ListBookings', { user_id: user.user_id }, { timed: false });
      if (listed.status === 404) return;
      const bookings = ok(listed, 'ListBookings of that user').bookings;
      check(!Array.isArray(bookings) || bookings.length === 0, 'the refused request left a booking behind', listed);
    });
    await B({ id: 'gbs.unknown', title: 'GetBookingStatus of an unknown booking: 404', doc: 'getbookingstatus-grpc', required: true }, async () => {
      expectStatus(await c.post('GetBookingStatus', { booking_id: `conformance-unknown-${this.runId}` }), 404);
    });
    await B({ id: 'ub.unknown', title: 'UpdateBooking of a booking that never existed: 400', doc: 'status-codes', required: true }, async () => {
      expectStatus(await c.post('UpdateBooking', { booking: { booking_id: `conformance-unknown-${this.runId}`, status: 'CANCELED' } }), 400);
    });
    await B({ id: 'lb.unknown', title: 'ListBookings of an unknown user: 404', doc: 'listbookings-grpc', required: false }, async () => {
      const a = await c.post('ListBookings', { user_id: `conformance-unknown-${this.runId}` });
      if (a.status === 200) {
        const list = obj(a.json).bookings;
        check(!Array.isArray(list) || list.length === 0, 'an unknown user has bookings', a);
        fail('HTTP 200 with no bookings; Google documents NOT_FOUND (404) for an unknown user', a);
      }
      expectStatus(a, 404);
    });
  }

  /** The booking in a CreateBooking answer, checked against what was requested. */
  private expectBooking(a: Answer, slot: Json, user: Json): Json {
    const body = ok(a);
    check(body.booking_failure === undefined, `booking_failure for an open slot: ${JSON.stringify(body.booking_failure)}`, a);
    const booking = obj(body.booking);
    check(isObject(body.booking), 'no booking in the answer', a);
    if (typeof booking.booking_id === 'string' && booking.booking_id !== '') this.liveBookings.add(booking.booking_id);
    check(typeof booking.booking_id === 'string' && booking.booking_id !== '', 'the booking has no booking_id', a);
    check(
      booking.status === 'CONFIRMED' || booking.status === 'PENDING_MERCHANT_CONFIRMATION',
      `status must be CONFIRMED or PENDING_MERCHANT_CONFIRMATION, got ${JSON.stringify(booking.status)}`,
      a,
    );
    check(
      sameSlot(obj(booking.slot), slot),
      `the slot is not the one requested (Google's "slot mismatch"): sent ${JSON.stringify(slot)}, got ${JSON.stringify(booking.slot)}`,
      a,
    );
    check(obj(booking.user_information).user_id === user.user_id, 'user_information.user_id is not the one sent', a);
    return booking;
  }

  private async overfull(
    B: (spec: Spec, body: () => Promise<string | undefined>) => Promise<boolean>,
    take: (pred?: (s: OpenSlot) => boolean) => OpenSlot | null,
    spotsOf: (s: OpenSlot) => Promise<number | null>,
  ): Promise<void> {
    const c = this.client;
    let refused: { slot: Json; user_information: Json; idempotency_token: string } | null = null;
    await B(
      {
        id: 'cb.overfull',
        title: 'CreateBooking N+1 times at once on a slot with N open spots: N bookings, then SLOT_UNAVAILABLE',
        doc: 'test-booking-server',
        required: true,
      },
      async () => {
        let slot: OpenSlot | null = null;
        let spots: number | null = null;
        const seen: string[] = [];
        for (let tries = 0; tries < 8; tries++) {
          const candidate = take();
          if (candidate === null) break;
          const n = await spotsOf(candidate);
          seen.push(n === null ? '?' : String(n));
          if (n !== null && n >= 1 && n <= this.o.overfullMaxSpots) {
            slot = candidate;
            spots = n;
            break;
          }
        }
        if (slot === null || spots === null) {
          skip(
            seen.length === 0
              ? 'no open slot left for it'
              : `no slot with 1..${this.o.overfullMaxSpots} open spots known among ${seen.length} (open spots: ${seen.join(', ')}; raise --overfull-max-spots, or give a feed with spots_open or offer CheckAvailability)`,
          );
        }
        const s = slot;
        const requests = Array.from({ length: spots + 1 }, () => ({ slot: this.wireSlot(s), user_information: this.user(), idempotency_token: this.token() }));
        const answers = await Promise.all(requests.map((request) => c.post('CreateBooking', request, { timed: false })));
        let booked = 0;
        let unavailable = 0;
        for (const a of answers) {
          const body = ok(a);
          const id = obj(body.booking).booking_id;
          if (typeof id === 'string' && id !== '') {
            booked++;
            this.liveBookings.add(id);
          } else if (obj(body.booking_failure).cause === 'SLOT_UNAVAILABLE') unavailable++;
          else fail(`expected a booking or booking_failure SLOT_UNAVAILABLE, got ${a.response.slice(0, 200)}`, a);
        }
        // Give the spots back at once, whatever happened.
        for (const id of [...this.liveBookings]) {
          if (answers.some((a) => obj(obj(a.json).booking).booking_id === id)) await this.cancelBooking(id);
        }
        check(
          booked === spots,
          `the slot had ${spots} open spot(s): ${booked} booking(s) confirmed, ${unavailable} SLOT_UNAVAILABLE`,
          answers[answers.length - 1],
        );
        refused = requests.find((_r, i) => obj(obj(answers[i]?.json).booking_failure).cause === 'SLOT_UNAVAILABLE') ?? null;
        return `${spots} spot(s): ${booked} booked, ${unavailable} SLOT_UNAVAILABLE`;
      },
    );
    // Google's test cases: a failed attempt is attempted again when the same request comes back
    // (only a success is answered from the token's record).
    await B(
      {
        id: 'cb.failure-retried',
        title: 'CreateBooking: a request refused SLOT_UNAVAILABLE, sent again once a spot is free, books',
        doc: 'test-booking-server',
        required: true,
      },
      async () => {
        if (refused === null) skip('needs the refused request of cb.overfull');
        const a = await c.post('CreateBooking', refused);
        const booking = this.expectBooking(a, refused.slot, refused.user_information);
        await this.cancelBooking(String(booking.booking_id));
      },
    );
  }

  private async lease(B: (spec: Spec, body: () => Promise<string | undefined>) => Promise<boolean>, slot: OpenSlot | null): Promise<void> {
    const c = this.client;
    await B(
      {
        id: 'lease.create',
        title: 'CreateLease (where offered): a lease, the same lease on retry, and a booking from it',
        doc: 'createlease-method',
        required: false,
      },
      async () => {
        if (!slot) skip('needs an open slot of its own');
        const request = { lease: { slot: this.wireSlot(slot), user_reference: this.token(), lease_expiration_time_sec: String(this.now() + 600) } };
        const a = await c.post('CreateLease', request);
        if (a.status === 404 || a.status === 501) skip(`not offered (HTTP ${a.status}; leases are optional)`);
        const body = ok(a);
        check(body.booking_failure === undefined, `booking_failure for an open slot: ${JSON.stringify(body.booking_failure)}`, a);
        const lease = obj(body.lease);
        check(typeof lease.lease_id === 'string' && lease.lease_id !== '', 'no lease.lease_id', a);
        check(int64(lease.lease_expiration_time_sec) !== null, 'no lease.lease_expiration_time_sec', a);
        const again = await c.post('CreateLease', request);
        check(
          obj(ok(again).lease).lease_id === lease.lease_id,
          `a retry with the same user_reference gave another lease (${JSON.stringify(obj(ok(again).lease).lease_id)})`,
          again,
        );
        const user = this.user();
        const booked = await c.post('CreateBooking', {
          slot: this.wireSlot(slot),
          lease_ref: { lease_id: lease.lease_id },
          user_information: user,
          idempotency_token: this.token(),
        });
        const booking = this.expectBooking(booked, this.wireSlot(slot), user);
        await this.cancelBooking(String(booking.booking_id));
        return `lease ${String(lease.lease_id)}`;
      },
    );
  }

  private async cancelBooking(id: string): Promise<void> {
    const a = await this.client.post('UpdateBooking', { booking: { booking_id: id, status: 'CANCELED' } }, { timed: false });
    if (a.status === 200 && (obj(obj(a.json).booking).status === 'CANCELED' || obj(obj(a.json).booking_failure).cause === 'BOOKING_ALREADY_CANCELLED'))
      this.liveBookings.delete(id);
  }

  private async cleanup(): Promise<void> {
    for (const id of [...this.liveBookings]) {
      await this.cancelBooking(id).catch(() => {});
      if (this.liveBookings.has(id)) this.leftovers.push(`booking ${id} could not be cancelled`);
    }
    for (const id of [...this.liveEntries]) {
      await this.deleteEntry(id).catch(() => {});
      if (this.liveEntries.has(id)) this.leftovers.push(`waitlist entry ${id} could not be deleted`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Latency

  private latencyCases(): LatencyFigure[] {
    const figures: LatencyFigure[] = [];
    for (const [method, values] of this.client.latencies) {
      const threshold = LATENCY_THRESHOLDS[method];
      if (threshold === undefined) continue;
      const figure = { method, calls: values.length, p50: percentile(values, 50), p99: percentile(values, 99), thresholdMs: threshold.ms };
      figures.push(figure);
      const within = figure.p99 < threshold.ms;
      const result: CaseResult = {
        id: `latency.${method}`,
        title: `${method} p99 under ${threshold.ms / 1000} s`,
        group: 'latency',
        doc: threshold.doc,
        required: !this.o.latencyAdvisory,
        outcome: within ? 'pass' : 'fail',
        ms: 0,
        message: `p50 ${figure.p50.toFixed(0)} ms, p99 ${figure.p99.toFixed(0)} ms over ${figure.calls} call(s)${within ? '' : `: over Google's ${threshold.ms} ms`}`,
        exchanges: [],
      };
      this.results.push(result);
      this.onResult(result);
    }
    return figures;
  }
}

function sameExchange(a: Exchange, b: Exchange | null): boolean {
  return b !== null && a.path === b.path && a.request === b.request && a.status === b.status && a.response === b.response && a.ms === b.ms;
}

function iso(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}

/** Same slot: the identifying fields requested are answered unchanged (int64 as string or number). */
function sameSlot(got: Json, sent: Json): boolean {
  for (const key of ['merchant_id', 'service_id']) if ((got[key] ?? '') !== (sent[key] ?? '')) return false;
  for (const key of ['start_sec', 'duration_sec']) if (int64(got[key]) !== int64(sent[key])) return false;
  const sentSize = int32(obj(sent.resources).party_size);
  if (sentSize !== null && int32(obj(got.resources).party_size) !== sentSize) return false;
  return true;
}

/** A SlotTime echoed unchanged: every field sent comes back with the same value. */
function sameSlotTime(got: Json, sent: Json): boolean {
  if ((got.service_id ?? '') !== sent.service_id) return false;
  for (const key of ['start_sec', 'duration_sec']) if (sent[key] !== undefined && int64(got[key]) !== int64(sent[key])) return false;
  if ((got.availability_tag ?? '') !== (sent.availability_tag ?? '')) return false;
  const r = obj(sent.resource_ids);
  const g = obj(got.resource_ids);
  for (const key of ['staff_id', 'room_id']) if ((g[key] ?? '') !== (r[key] ?? '')) return false;
  return (int32(g.party_size) ?? 0) === (int32(r.party_size) ?? 0);
}
