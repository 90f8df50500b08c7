// Two replicas on one database give the same estimates: the learned model is stored in the
// database by whichever replica learned it, and every estimate reads the stored one (within
// READ_MODEL_CHECK_MS of its storing, the bound of the live floor kept in memory).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { buildServices, type Services } from '../app.js';
import { createLogger } from '../logger.js';
import { openStore, type Store } from '../store/database.js';
import { DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';

const MIN = 60;
/** 19:00 in New York on day `d` after Monday 2026-01-05. */
const night = (d: number): number => Date.UTC(2026, 0, 6 + d, 0, 0, 0) / 1000;
const M = 'replicas';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    let storeB: Store;
    let b: Services;

    before(async () => {
      t = await startApp();
      await seedMerchant(t.services, { id: M, tables: [{ id: 'a2', name: 'A2', minSeats: 1, seats: 2 }] });
      // Replica B: its own connection(s) and service graph on the same database, the same clock.
      storeB = await openStore(t.config.database);
      b = buildServices(t.config, storeB, t.clock);
    });
    after(async () => {
      await storeB.close();
      await t.close();
    });

    const at = (seconds: number): void => t.clock.set(seconds * 1000);
    async function join(s: Services, name: string): Promise<string> {
      const result = await s.waitlist.join(
        {
          merchantId: M,
          serviceId: 'waitlist',
          partySize: 2,
          guest: { givenName: name, familyName: '', telephone: null, email: null, googleUserId: null },
          additionalRequest: null,
          source: 'merchant',
        },
        null,
      );
      assert.ok('entryId' in result, JSON.stringify(result));
      return result.entryId;
    }
    /** Nights at the two-top with turns of `turn` minutes, recorded through replica A or B. */
    async function record(s: Services, from: number, nights: number, turn: number): Promise<void> {
      for (let d = from; d < from + nights; d++) {
        at(night(d));
        const first = await join(s, 'A');
        await s.waitlist.act(first, 'seat', { tableId: 'a2' });
        at(night(d) + 5 * MIN);
        const second = await join(s, 'B');
        at(night(d) + turn * MIN);
        await s.waitlist.leave(first, M);
        await s.waitlist.act(second, 'seat', { tableId: 'a2' });
        at(night(d) + 2 * turn * MIN);
        await s.waitlist.leave(second, M);
      }
    }
    /**
     * The estimates for parties of 1 and 2 now, from both replicas, once they agree: a replica keeps
     * its live floor (with the learned model's version) in memory for up to READ_MODEL_CHECK_MS after
     * a write made through the other (waitlist/live-floors.ts), so this polls (30 s deadline) and
     * returns the last pair read, which the caller compares.
     */
    async function both(): Promise<[unknown, unknown]> {
      const est = async (s: Services) => (await s.waitlist.estimates(M, 'waitlist', [1, 2])).estimates.map((e) => e.estimate);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const pair: [unknown, unknown] = [await est(t.services), await est(b)];
        if (isDeepStrictEqual(pair[0], pair[1]) || Date.now() > deadline) return pair;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    test('replica B estimates with the model replica A learned, and A with the one B learned later', async () => {
      await record(t.services, 0, 6, 30);
      at(night(6));
      const seated = await join(t.services, 'tonight');
      await t.services.waitlist.act(seated, 'seat', { tableId: 'a2' });
      at(night(6) + 10 * MIN);
      const [configuredA, configuredB] = await both();
      assert.deepEqual(configuredA, configuredB, 'no model yet: both configured');

      await t.services.estimates.refreshMerchant(M);
      const [learnedA, learnedB] = await both();
      assert.deepEqual(learnedB, learnedA, 'B uses the model A stored');
      assert.notDeepEqual(learnedA, configuredA, 'the learned model changed the estimate');
      const overviewB = await b.estimates.overview(M);
      assert.equal(overviewB.learned?.model.computedAt, night(6) + 10 * MIN, 'B shows the model A learned');
      assert.equal(overviewB.learned?.stats.turnObservations, 12);
      // B's background pass right after finds A's model fresh and leaves it.
      assert.equal(await b.estimates.refreshAll(createLogger('silent')), 0);

      await t.services.waitlist.leave(seated, M);
      // More nights, with longer turns, recorded and learned through B: A follows.
      await record(b, 7, 6, 50);
      at(night(13));
      const tonight = await join(b, 'later');
      await b.waitlist.act(tonight, 'seat', { tableId: 'a2' });
      at(night(13) + 10 * MIN);
      await b.estimates.refreshMerchant(M);
      const [laterA, laterB] = await both();
      assert.deepEqual(laterA, laterB, 'A uses the model B stored');
      assert.equal(
        (await t.services.estimates.overview(M)).learned?.stats.turnObservations,
        25,
        'twelve more turns, and the first party of night 6 (10 minutes)',
      );
      assert.equal((await t.services.waitlist.learnedModel(M))?.version, 2);

      // A model computed earlier (a slow replica's refresh) never replaces a newer one.
      const stored = (await t.services.waitlist.learnedModel(M))!;
      assert.equal(await t.services.waitlist.saveLearnedModel(M, { ...stored.model, computedAt: stored.model.computedAt - 60 }, {}), false);
      assert.equal((await b.waitlist.learnedModel(M))?.model.computedAt, stored.model.computedAt);
      await b.waitlist.leave(tonight, M);
    });
  });
}
