// The daily feed schedule: next run times in UTC, and one run per day across replicas sharing a
// database (a claim in feed_runs), with takeover of a claim whose replica died. Both dialects.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { DIALECTS, forDialect } from '../test-support/app.js';
import { dailyRunHealth } from '../store/daily-runs.js';
import type { TestApp } from '../test-support/app.js';
import { claimRun } from './repository.js';
import { FeedScheduler, nextRunAt, runDateOf, scheduledOn, STALE_CLAIM_SEC } from './scheduler.js';

const at = { hour: 3, minute: 0 };
const utc = (iso: string) => Date.parse(iso);

describe('nextRunAt', () => {
  test('the next 03:00 UTC strictly after now, whatever the server time zone', () => {
    assert.equal(nextRunAt(utc('2026-03-08T02:59:59Z'), at), utc('2026-03-08T03:00:00Z'));
    assert.equal(nextRunAt(utc('2026-03-08T03:00:00Z'), at), utc('2026-03-09T03:00:00Z'));
    assert.equal(nextRunAt(utc('2026-12-31T23:00:00Z'), { hour: 0, minute: 30 }), utc('2027-01-01T00:30:00Z'));
    assert.equal(scheduledOn(utc('2026-03-08T18:00:00Z'), at), utc('2026-03-08T03:00:00Z'));
    assert.equal(runDateOf(utc('2026-03-08T03:00:00Z')), '2026-03-08');
  });
});

/** The day's row of feed_runs as stored: who claimed the run and how it ended. */
async function recorded(t: TestApp, runDate: string) {
  return t.store.db.selectFrom('feed_runs').select(['claimed_by', 'outcome']).where('run_date', '=', runDate).executeTakeFirst();
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    test('two replicas: only one runs the day, the other sees the claim; the outcome is recorded', async () => {
      const t = await startApp({ nowMs: utc('2026-03-08T03:00:00Z') });
      try {
        const runs: string[] = [];
        const replica = (id: string) => {
          const run = async () => {
            runs.push(id);
            return `${id} did it`;
          };
          return new FeedScheduler({ store: t.store, clock: t.clock, at, logger: pino({ level: 'silent' }), replicaId: id, run });
        };
        const [a, b] = [replica('a'), replica('b')];
        assert.deepEqual(await Promise.all([a.runOnce('2026-03-08'), b.runOnce('2026-03-08')]).then((r) => r.sort()), ['claimed elsewhere', 'ran']);
        assert.equal(runs.length, 1);
        assert.deepEqual(await recorded(t, '2026-03-08'), { claimed_by: runs[0], outcome: `ok: ${runs[0]} did it` });
        // What monitoring reads (/metrics): the run ended well, just now.
        assert.deepEqual(await dailyRunHealth(t.store.db, 'feed_runs'), { lastSuccessAt: Math.floor(utc('2026-03-08T03:00:00Z') / 1000), lastFailed: false });
        assert.equal(await b.runOnce('2026-03-08'), 'claimed elsewhere', 'a finished run is not run again');
        assert.equal(await b.runOnce('2026-03-09'), 'ran', 'the next day is a new run');
      } finally {
        await t.close();
      }
    });

    test('a failed run is recorded as failed; a claim left by a dead replica is taken over once stale', async () => {
      const t = await startApp({ nowMs: utc('2026-03-08T03:00:00Z') });
      try {
        const failing = new FeedScheduler({
          store: t.store,
          clock: t.clock,
          at,
          logger: pino({ level: 'silent' }),
          replicaId: 'x',
          run: async () => {
            throw new Error('SFTP down');
          },
        });
        await assert.rejects(failing.runOnce('2026-03-08'), /SFTP down/);
        assert.equal((await recorded(t, '2026-03-08'))?.outcome, 'failed: SFTP down');
        assert.deepEqual(await dailyRunHealth(t.store.db, 'feed_runs'), { lastSuccessAt: null, lastFailed: true });

        const now = Math.floor(utc('2026-03-10T03:00:00Z') / 1000);
        assert.equal(await claimRun(t.store.db, '2026-03-10', 'dead', now, STALE_CLAIM_SEC), true);
        assert.equal(await claimRun(t.store.db, '2026-03-10', 'alive', now + 60, STALE_CLAIM_SEC), false, 'fresh claim');
        assert.equal(await claimRun(t.store.db, '2026-03-10', 'alive', now + STALE_CLAIM_SEC + 1, STALE_CLAIM_SEC), true, 'stale claim taken over');
        assert.equal((await recorded(t, '2026-03-10'))?.claimed_by, 'alive');
      } finally {
        await t.close();
      }
    });
  });
}
