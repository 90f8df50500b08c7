// Several server processes on one PostgreSQL: capacity, idempotency and durability hold across
// replicas, through real HTTP to real CLI processes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPgDatabase, PG_SKIP, type PgDatabase } from '../../src/test-support/postgres.js';
import { postJson, removeTempDirs, secret, spawnServer, stopAll, withTimeout, type ServerProcess } from './support.js';

const REPLICAS = 3;

describe('three replicas on one PostgreSQL', { skip: PG_SKIP, timeout: 240_000 }, () => {
  let database: PgDatabase;
  const servers: ServerProcess[] = [];
  const credentials = `google:${secret()}`;
  const adminToken = `bsa_${secret(24)}`;
  let env: Record<string, string>;

  before(async () => {
    database = await createPgDatabase();
    env = { DATABASE_URL: database.url, BOOKING_SERVER_CREDENTIALS: credentials, ADMIN_TOKEN: adminToken, LOG_LEVEL: 'warn', DATABASE_POOL_MAX: '10' };
    // The first replica migrates and seeds; the others join the same database.
    servers.push(await spawnServer(env, ['serve', '--demo'], 60_000));
    for (let i = 1; i < REPLICAS; i++) servers.push(await spawnServer(env, ['serve'], 60_000));
  });

  after(async () => {
    await stopAll(servers);
    await database?.drop();
    removeTempDirs();
  });

  const at = (i: number): ServerProcess => servers[i % servers.length]!;

  async function admin(server: ServerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${server.baseUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, json: await response.json() };
  }

  it('300 concurrent CreateBooking for a slot with 3 spots, spread over the replicas, confirm exactly 3', async () => {
    // 20:00 UTC two days ahead: outside the demo's 09:00-16:30 New York slots.
    const start = Math.floor(Date.now() / 86_400_000) * 86_400 + 2 * 86_400 + 20 * 3600;
    const replaced = await admin(at(0), 'PUT', '/merchants/1001/services/12310/availability', {
      start_time_restrict: start,
      end_time_restrict: start + 1,
      availability: [{ start_sec: start, duration_sec: 1800, spots_total: 3 }],
    });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.json));

    const run = secret(6);
    const results = await withTimeout(
      Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          postJson(
            at(i).baseUrl,
            '/v3/CreateBooking',
            {
              idempotency_token: `rep-${run}-${i}`,
              slot: { merchant_id: '1001', service_id: '12310', start_sec: String(start), duration_sec: '1800', resources: { party_size: 2 } },
              user_information: {
                user_id: `rep-user-${run}-${i}`,
                given_name: 'Ann',
                family_name: 'Lee',
                email: `u${i}@example.com`,
                telephone: '+12125550100',
              },
            },
            credentials,
            60_000,
          ),
        ),
      ),
      120_000,
      '300 CreateBooking calls',
    );
    const bodies = results.map((r) => {
      assert.equal(r.status, 200, r.text);
      return JSON.parse(r.text) as { booking?: { status: string }; booking_failure?: { cause: string } };
    });
    assert.equal(bodies.filter((b) => b.booking?.status === 'CONFIRMED').length, 3);
    assert.equal(bodies.filter((b) => b.booking_failure?.cause === 'SLOT_UNAVAILABLE').length, 297);
    const listed = await admin(at(2), 'GET', `/merchants/1001/bookings?from=${start}&to=${start + 1}`);
    assert.equal(listed.json.bookings.length, 3);
  });

  it('60 concurrent identical CreateWaitlistEntry over the replicas give one entry and identical responses', async () => {
    const run = secret(6);
    const body = JSON.stringify({
      merchant_id: 'dining-1',
      service_id: 'reservation',
      party_size: 2,
      idempotency_token: `same-${run}`,
      user_information: { user_id: `same-user-${run}`, given_name: 'Bo', family_name: 'Kim', telephone: '+12125550101' },
    });
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => postJson(at(i).baseUrl, '/v3/CreateWaitlistEntry', body, credentials, 60_000)));
    for (const r of results) assert.equal(r.status, 200, r.text);
    assert.equal(new Set(results.map((r) => r.text)).size, 1, 'every response is byte-identical');
    const id = (JSON.parse(results[0]!.text) as { waitlist_entry_id?: string }).waitlist_entry_id;
    assert.ok(id);
    const listed = await admin(at(1), 'GET', '/merchants/dining-1/waitlist-entries?limit=1000');
    assert.equal(listed.json.entries.filter((e: { guest: { google_user_id: string } }) => e.guest.google_user_id === `same-user-${run}`).length, 1);
  });

  it('SIGKILL of one replica during a write load loses no acknowledged write', async () => {
    const run = secret(6);
    const total = 60;
    const acknowledged: { body: string; response: string; id: string }[] = [];
    let next = 0;
    let killed = false;
    const victim = servers[1]!;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        const body = JSON.stringify({
          merchant_id: 'dining-1',
          service_id: 'reservation',
          party_size: 2,
          idempotency_token: `kill-${run}-${i}`,
          user_information: { user_id: `kill-user-${run}-${i}`, given_name: 'Cy', family_name: 'Ng', telephone: '+12125550102' },
        });
        const server = at(i);
        try {
          const r = await postJson(server.baseUrl, '/v3/CreateWaitlistEntry', body, credentials, 30_000);
          const id = (JSON.parse(r.text) as { waitlist_entry_id?: string }).waitlist_entry_id;
          if (r.status === 200 && id) acknowledged.push({ body, response: r.text, id });
        } catch {
          // The killed replica drops its connections: those requests were never acknowledged.
        }
        if (!killed && acknowledged.length >= 20) {
          killed = true;
          victim.kill('SIGKILL');
        }
      }
    };
    await withTimeout(Promise.all(Array.from({ length: 9 }, worker)), 120_000, 'the write load');
    assert.ok(killed, 'the replica was killed during the load');
    await victim.exited;
    assert.ok(acknowledged.length >= 20);
    const survivors = servers.filter((s) => s !== victim);
    for (const [n, ack] of acknowledged.entries()) {
      const server = survivors[n % survivors.length]!;
      const got = await postJson(server.baseUrl, '/v3/GetWaitlistEntry', { waitlist_entry_id: ack.id }, credentials);
      assert.equal(got.status, 200, `entry ${ack.id} is readable: ${got.text}`);
      const retried = await postJson(server.baseUrl, '/v3/CreateWaitlistEntry', ack.body, credentials);
      assert.equal(retried.text, ack.response, 'the retry returns the original response');
    }
  });
});
