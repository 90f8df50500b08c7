// The outbox workers' writes (guest texts, real-time updates to Google), the replays of their dead
// letters and the provider's status callbacks run inside the store's transactions, on both
// databases: on SQLite each inside a group commit's savepoint (GroupCommit, store/database.ts: one
// commit and its fsync shared with the requests' transactions, the fsync off the event loop),
// never as a write of its own with its fsync on the event loop, as before (issue 17: 2,306
// autocommit updates of guest_messages at about a millisecond each in one bench run). The texts
// settled without asking the provider (rate limited, opted out, no number) are written together,
// in one transaction that commits before the next text is sent; a text the provider answered is
// marked at once, in a transaction of its own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedDemo } from './demo/seed.js';
import { DIALECTS, type Dialect, forDialect } from './test-support/app.js';
import { adminOk, book, DEMO_M, ny } from './test-support/bookings.js';
import { type RtuHarness, startRtu } from './test-support/rtu.js';
import { type SmsHarness, seedSmsMerchant, startSms } from './test-support/sms.js';

interface Statement {
  readonly sql: string;
  /** The transaction it ran in (numbered from 1 in order), or null outside any. */
  readonly tx: number | null;
  /** Calls the fake provider had received when the statement ran. */
  readonly calls: number;
}

/**
 * Records every statement the store runs with the transaction it ran in: on SQLite a group
 * commit's savepoint (each grouped transaction's own), on PostgreSQL BEGIN to COMMIT. Exact while
 * one thing at a time uses the store, as in these tests (nothing else runs while a worker drains).
 */
function recorder(dialect: Dialect) {
  const open = dialect === 'sqlite' ? /^savepoint grouped$/ : /^(begin|start transaction)/;
  const close = dialect === 'sqlite' ? /^release grouped$/ : /^(commit|rollback)$/;
  const statements: Statement[] = [];
  let tx: number | null = null;
  let count = 0;
  let calls = (): number => 0;
  return {
    statements,
    /** What counts the fake provider's calls (set once the fake runs). */
    counting(count: () => number): void {
      calls = count;
    },
    onQuery(sql: string): void {
      if (open.test(sql)) tx = ++count;
      statements.push({ sql, tx, calls: calls() });
      if (close.test(sql)) tx = null;
    },
    /** The statements recorded by `run`. */
    async during(run: () => Promise<unknown>): Promise<Statement[]> {
      const from = statements.length;
      await run();
      return statements.slice(from);
    },
  };
}

/** Writes of the outboxes' and the opt-outs' tables. */
const outboxWrites = (statements: readonly Statement[]) =>
  statements.filter((s) => /^(update|insert into|delete from) "(guest_messages|outbox|sms_opt_outs)"/.test(s.sql));

function assertAllInTransactions(writes: readonly Statement[]): void {
  assert.ok(writes.length > 0, 'some writes');
  for (const w of writes) assert.notEqual(w.tx, null, `a write outside any transaction: ${w.sql}`);
}

for (const dialect of DIALECTS) {
  describe(`the outbox workers write in the store's transactions (${dialect})`, () => {
    describe('guest texts', () => {
      const log = recorder(dialect);
      let h: SmsHarness;
      before(async () => {
        h = await startSms(forDialect(dialect), { onQuery: (sql) => log.onQuery(sql), env: { SMS_PER_NUMBER_PER_HOUR: '1' } });
        log.counting(() => h.fake.requests.length);
        await seedSmsMerchant(h, { id: 'writes-sms' });
      });
      after(async () => h.close());

      it('skips are written together, committed before the next send; every answered send is marked in its own transaction', async () => {
        h.fake.reset();
        // In claim order: a text the provider refuses (a bad number); a text sent; two to the same
        // number, skipped (one text an hour per number); one to another number, sent; one more
        // skipped, after the last send.
        const entries = [];
        for (const phone of ['+12127366003', '+12127366001', '+12127366001', '+12127366001', '+12127366002', '+12127366001'])
          entries.push(await h.join('writes-sms', { phone }));
        h.fake.refuse(400, 21211, "The 'To' number is not a valid phone number.");
        const statements = await log.during(() => h.drain());

        assert.deepEqual(
          h.fake.texts.map((t) => t.to),
          ['+12127366001', '+12127366002'],
        );
        const outcome = async (entry: string) => {
          const [text] = (await h.messaging('writes-sms', entry)).messages;
          return [text.status, text.skip_reason];
        };
        assert.deepEqual(await Promise.all(entries.map(outcome)), [
          ['failed', 'invalid_number'],
          ['accepted', null],
          ['skipped', 'rate_limited'],
          ['skipped', 'rate_limited'],
          ['accepted', null],
          ['skipped', 'rate_limited'],
        ]);

        const writes = outboxWrites(statements);
        assertAllInTransactions(writes);
        const renewals = writes.filter((w) => /^update "guest_messages" set "claimed_until"/.test(w.sql));
        const accepted = writes.filter((w) => w.sql.includes('"provider_sid"'));
        const skipped = writes.filter((w) => w.sql.includes('"skip_reason"'));
        assert.equal(renewals.length, 3, 'one renewal of the claim before each send');
        assert.equal(accepted.length, 2);
        assert.equal(skipped.length, 4, 'the refused text and the three rate-limited ones');
        const [refused, skip1, skip2, skip3] = skipped;
        // Marks after an answer: each in a transaction of its own, right after the call.
        assert.deepEqual(
          [refused, ...accepted].map((w) => w!.calls),
          [1, 2, 3],
        );
        const txs = (ws: readonly (Statement | undefined)[]) => ws.map((w) => w!.tx);
        assert.equal(new Set(txs([refused, ...accepted, ...renewals])).size, 6, 'each its own transaction');
        // The two skips in a row: one transaction with the renewal before the next send, committed before it.
        assert.deepEqual(txs([skip1, skip2]), [renewals[2]!.tx, renewals[2]!.tx]);
        // (On SQLite the group's COMMIT, which the worker awaits with its fsync; on PostgreSQL the transaction's own.)
        const commit = statements.find((s, i) => i > statements.indexOf(renewals[2]!) && s.sql === 'commit');
        assert.ok(commit !== undefined && commit.calls === 2, 'the skips and the renewal commit before the third call');
        // The last skip: written at the end of the round, after the last call.
        assert.equal(skip3!.calls, 3);
        assert.ok(!txs([...accepted, ...renewals]).includes(skip3!.tx));
      });

      it('a status callback and a dead letter replay are transactions', async () => {
        h.fake.reset();
        const entry = await h.join('writes-sms', { phone: '+12127366010' });
        await h.drain();
        const sid = h.fake.texts[0]!.sid;
        const callback = await log.during(() =>
          h.webhook('/sms/twilio/status', { MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '21610', AccountSid: h.fake.accountSid }),
        );
        const callbackWrites = outboxWrites(callback);
        assert.deepEqual(
          callbackWrites.map((w) => w.sql.split(' ').slice(0, 3).join(' ')),
          ['update "guest_messages" set', 'insert into "sms_opt_outs"'],
        );
        assertAllInTransactions(callbackWrites);
        assert.equal(callbackWrites[0]!.tx, callbackWrites[1]!.tx, 'the delivery status and the opt-out in one transaction');
        assert.equal((await h.messaging('writes-sms', entry)).sms, 'opted_out');

        h.fake.refuse(400, 21606, 'The From phone number is not a valid message-capable Twilio phone number.');
        const other = await h.join('writes-sms', { phone: '+12127366011' });
        await h.drain();
        assert.equal((await h.messaging('writes-sms', other)).messages[0].status, 'dead');
        const replay = await log.during(async () => {
          const res = await h.t.admin('POST', '/guest-messages/dead-letters/replay', {});
          assert.equal(res.json().replayed, 1);
        });
        assertAllInTransactions(outboxWrites(replay));
      });
    });

    describe('real-time updates to Google', () => {
      const log = recorder(dialect);
      let h: RtuHarness;
      before(async () => {
        h = await startRtu(forDialect(dialect), { onQuery: (sql) => log.onQuery(sql) });
        log.counting(() => h.fake.calls.length);
        await seedDemo(h.t.services, h.t.clock);
        await h.settle();
      });
      after(async () => h.close());

      /** What each write of the outbox is, by the columns it sets first (outbox-queue.ts, rtu/outbox.ts). */
      const kinds = (writes: readonly Statement[]) =>
        writes.map((w) => {
          if (/^update "outbox" set "claimed_by"/.test(w.sql)) return 'claim';
          if (/^update "outbox" set "claimed_until"/.test(w.sql)) return 'renew';
          if (/^update "outbox" set "status" = \S+, "delivered_at"/.test(w.sql)) return 'done';
          if (/^update "outbox" set "attempts" = "attempts" \+/.test(w.sql)) return 'retry';
          if (/^update "outbox" set "status" = \S+, "attempts" = "attempts" \+/.test(w.sql)) return 'dead';
          if (/^update "outbox" set "status" = \S+, "attempts" = \S+, "available_at"/.test(w.sql)) return 'replay';
          if (/^delete from "outbox"/.test(w.sql)) return 'prune';
          return w.sql;
        });

      it('delivered, retried, dead and replayed: each mark in a transaction of its own, after the renewal and the call', async () => {
        const marked = async (mark: string) => {
          const writes = outboxWrites(await log.during(() => h.drain()));
          assertAllInTransactions(writes);
          const k = kinds(writes).filter((kind) => kind !== 'prune');
          assert.deepEqual(k, ['claim', 'renew', mark]);
          const [claim, renew, last] = writes;
          assert.equal(new Set([claim!.tx, renew!.tx, last!.tx]).size, 3);
          assert.equal(last!.calls, renew!.calls + 1, 'marked after the call to Google');
        };
        await book(h.t, { start: ny('2026-01-21 09:00'), partySize: 2 });
        await marked('done');

        h.fake.down(500);
        await book(h.t, { start: ny('2026-01-21 09:30'), partySize: 2 });
        await marked('retry');

        h.fake.up();
        h.fake.rejectWhen(() => true, 400);
        h.t.clock.advanceSeconds(3600);
        await marked('dead');
        h.fake.clearRejections();
        const replayed = outboxWrites(await log.during(() => adminOk(h.t, 'POST', '/rtu/dead-letters/replay', {})));
        assertAllInTransactions(replayed);
        assert.deepEqual(kinds(replayed), ['replay']);
        await marked('done');
        const status = await adminOk(h.t, 'GET', `/merchants/${DEMO_M}/rtu/status`);
        assert.deepEqual([status.pending, status.failed], [0, 0]);
      });

      it('the weekly prune of delivered rows is a transaction', async () => {
        h.t.clock.advanceSeconds(8 * 86_400);
        const writes = outboxWrites(await log.during(() => h.drain()));
        assert.deepEqual(kinds(writes), ['prune']);
        assertAllInTransactions(writes);
      });
    });
  });
}
