// Crash recovery: SIGKILL the server in the middle of a concurrent write load, restart it on the
// same SQLite file, and check that every acknowledged CreateWaitlistEntry is still there and that
// its retry (same idempotency token, same body) returns the byte-identical response.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { postJson, removeTempDirs, secret, serverEnv, spawnServer, stopAll, tempDir, withTimeout, type ServerProcess } from './support.js';

const TOTAL = 40; // the demo queue holds at most 100 parties
const CONCURRENCY = 8;
const KILL_AFTER_ACKS = 20;

interface Sent {
  readonly index: number;
  readonly body: string;
}

interface Acknowledged extends Sent {
  readonly response: string;
  readonly entryId: string;
}

/** Our entries for this run, as the merchant's admin API lists them: entry id -> Google user id. */
async function listOurs(baseUrl: string, adminToken: string, run: string): Promise<Map<string, string>> {
  const response = await fetch(`${baseUrl}/admin/v1/merchants/dining-1/waitlist-entries?limit=1000`, {
    headers: { authorization: `Bearer ${adminToken}` },
    signal: AbortSignal.timeout(15_000),
  });
  assert.equal(response.status, 200);
  const { entries } = (await response.json()) as { entries: { id: string; source: string; guest: { google_user_id: string | null } }[] };
  const ours = new Map<string, string>();
  for (const e of entries) {
    if (!e.guest.google_user_id?.startsWith(`crash-user-${run}-`)) continue;
    assert.equal(e.source, 'google');
    ours.set(e.id, e.guest.google_user_id);
  }
  return ours;
}

describe('crash recovery (SIGKILL during a write load)', () => {
  const servers: ServerProcess[] = [];
  after(async () => {
    await stopAll(servers);
    removeTempDirs();
  });

  it('keeps every acknowledged entry and replays its exact response after a restart', { timeout: 240_000 }, async (t) => {
    const dir = tempDir();
    const env = serverEnv(dir);
    const credentials = env.BOOKING_SERVER_CREDENTIALS;
    const run = secret(6);

    const first = await spawnServer(env, ['serve', '--demo']);
    servers.push(first);

    const requests: Sent[] = Array.from({ length: TOTAL }, (_, index) => ({
      index,
      body: JSON.stringify({
        merchant_id: 'dining-1',
        service_id: 'reservation',
        party_size: 2,
        idempotency_token: `crash-${run}-${index}`,
        user_information: { user_id: `crash-user-${run}-${index}`, given_name: `Guest${index}`, family_name: 'Crash', telephone: '+1 212-555-0142' },
      }),
    }));

    const acknowledged: Acknowledged[] = [];
    const unacknowledged: Sent[] = [];
    let next = 0;
    let inFlight = 0;
    let killed = false;
    let inFlightAtKill = -1;

    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const request = requests[next++]!;
        if (killed) {
          unacknowledged.push(request);
          continue;
        }
        inFlight += 1;
        try {
          const result = await postJson(first.baseUrl, '/v3/CreateWaitlistEntry', request.body, credentials, 30_000);
          const parsed = JSON.parse(result.text) as { waitlist_entry_id?: string };
          if (result.status === 200 && typeof parsed.waitlist_entry_id === 'string' && parsed.waitlist_entry_id !== '') {
            acknowledged.push({ ...request, response: result.text, entryId: parsed.waitlist_entry_id });
          } else {
            assert.fail(`request ${request.index} before the crash: unexpected ${result.status} ${result.text}`);
          }
        } catch (error) {
          if (!killed) throw error;
          unacknowledged.push(request); // connection reset or refused by the kill: never acknowledged
        } finally {
          inFlight -= 1;
        }
        if (!killed && acknowledged.length >= KILL_AFTER_ACKS) {
          killed = true;
          inFlightAtKill = inFlight;
          first.kill('SIGKILL');
        }
      }
    };

    await withTimeout(Promise.all(Array.from({ length: CONCURRENCY }, worker)), 60_000, 'the write load');
    const exit = await withTimeout(first.exited, 10_000, 'the killed server to exit');
    assert.equal(exit.signal, 'SIGKILL', 'the server died from SIGKILL, not on its own');
    assert.ok(killed, 'the kill happened during the load');
    assert.ok(inFlightAtKill > 0, `requests were in flight when the server was killed (${inFlightAtKill})`);
    assert.ok(acknowledged.length >= KILL_AFTER_ACKS);
    assert.equal(acknowledged.length + unacknowledged.length, TOTAL);
    assert.ok(unacknowledged.length > 0, 'some requests were never acknowledged');
    t.diagnostic(`acknowledged ${acknowledged.length}, unacknowledged ${unacknowledged.length}, in flight at the kill ${inFlightAtKill}`);

    const second = await spawnServer(env, ['serve', '--demo']);
    servers.push(second);
    assert.notEqual(second.pid, first.pid);
    assert.doesNotMatch(second.output(), /demo inventory seeded/, 'the restart found the existing database');

    for (const ack of acknowledged) {
      const got = await postJson(second.baseUrl, '/v3/GetWaitlistEntry', { waitlist_entry_id: ack.entryId }, credentials);
      assert.equal(got.status, 200, `acknowledged entry ${ack.entryId} (request ${ack.index}) is found: ${got.text}`);
      const entry = JSON.parse(got.text) as { waitlist_entry?: { waitlist_entry_state?: string; wait_estimate?: { party_size?: number } } };
      assert.equal(entry.waitlist_entry?.waitlist_entry_state, 'WAITING');
      assert.equal(entry.waitlist_entry?.wait_estimate?.party_size, 2);

      const replay = await postJson(second.baseUrl, '/v3/CreateWaitlistEntry', ack.body, credentials);
      assert.equal(replay.status, 200);
      assert.equal(replay.text, ack.response, `request ${ack.index}: the retry returns the byte-identical response`);
    }

    // Some unacknowledged requests may have committed just before the kill; their retries must
    // replay that entry. The others are really attempted again. Either way: one entry per request.
    const before = await listOurs(second.baseUrl, env.ADMIN_TOKEN, run);
    const ackIds = new Set(acknowledged.map((a) => a.entryId));
    for (const id of ackIds) assert.ok(before.has(id), `acknowledged entry ${id} is listed by the admin API`);
    const committedUnacked = new Map([...before].filter(([id]) => !ackIds.has(id)).map(([id, userId]) => [userId, id]));
    assert.ok(committedUnacked.size <= inFlightAtKill, 'only requests in flight at the kill can have committed unacknowledged');

    for (const request of unacknowledged) {
      const retried = await postJson(second.baseUrl, '/v3/CreateWaitlistEntry', request.body, credentials);
      assert.equal(retried.status, 200, retried.text);
      const entryId = (JSON.parse(retried.text) as { waitlist_entry_id?: string }).waitlist_entry_id;
      assert.ok(entryId, `request ${request.index} retried after the crash: ${retried.text}`);
      const committed = committedUnacked.get(`crash-user-${run}-${request.index}`);
      if (committed !== undefined) assert.equal(entryId, committed, 'a request that committed before the kill is replayed, not re-created');
      const again = await postJson(second.baseUrl, '/v3/CreateWaitlistEntry', request.body, credentials);
      assert.equal(again.text, retried.text, 'a second retry replays the first');
    }

    const afterRetries = await listOurs(second.baseUrl, env.ADMIN_TOKEN, run);
    assert.equal(afterRetries.size, TOTAL, 'one entry per request: no duplicates, none lost');
    assert.equal(new Set(afterRetries.values()).size, TOTAL, 'one entry per user');
    t.diagnostic(`committed but unacknowledged at the kill: ${committedUnacked.size}`);
  });
});
