// The load generator, run as its own process so that it never shares an event loop with a server
// under test: reads a LoadSpec (JSON) on stdin, drives autocannon, prints a LoadResult (JSON).
import autocannon, { type RawRequest, type RequestOptions } from 'autocannon';
import type { LoadResult, LoadSpec, RequestPlan } from './load-spec.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The body of the n-th request of a plan; unique tokens and users come from `n`. */
function bodyBuilder(plan: RequestPlan): (n: number) => string {
  switch (plan.kind) {
    case 'fixed':
      return (n) => plan.bodies[n % plan.bodies.length]!;
    case 'create-waitlist-entry':
      return (n) => {
        const target = plan.targets[n % plan.targets.length]!;
        return JSON.stringify({
          merchant_id: target.merchantId,
          service_id: target.serviceId,
          party_size: (n % 4) + 1,
          idempotency_token: `${plan.runId}-w${n}`,
          user_information: {
            user_id: `${plan.runId}-user-${n}`,
            given_name: 'Bench',
            family_name: `Guest ${n}`,
            telephone: '+1 212-555-0199',
            email: `guest-${plan.runId}-${n}@example.com`,
          },
        });
      };
    case 'create-booking':
      return (n) => {
        const slot = plan.slots[n % plan.slots.length]!;
        return JSON.stringify({
          slot: {
            merchant_id: plan.merchantId,
            service_id: plan.serviceId,
            start_sec: String(slot.startSec),
            duration_sec: String(slot.durationSec),
            resources: { party_size: 2 },
          },
          user_information: {
            user_id: `${plan.runId}-user-${n}`,
            given_name: 'Bench',
            family_name: `Guest ${n}`,
            telephone: '+1 212-555-0199',
            email: `guest-${plan.runId}-${n}@example.com`,
          },
          idempotency_token: `${plan.runId}-b${n}`,
        });
      };
  }
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const build = bodyBuilder(spec.plan);
  let next = 0;
  let businessFailures = 0;
  let confirmed = 0;
  const samples: string[] = [];
  const headers = { 'content-type': 'application/json', ...(spec.authorization ? { authorization: spec.authorization } : {}) };
  const request: RequestOptions = {
    method: 'POST',
    path: spec.plan.path,
    headers,
    setupRequest: (req: RawRequest) => ({ ...req, body: build(next++) }),
    onResponse: (status, body) => {
      const failed = body.includes('"booking_failure"') || body.includes('"waitlist_business_logic_failure"');
      if (failed) businessFailures += 1;
      if (body.includes('"status":"CONFIRMED"')) confirmed += 1;
      if ((status < 200 || status >= 300 || failed) && samples.length < 5) samples.push(`${status} ${body.slice(0, 300)}`);
    },
  };
  // Fixed plans send prepared requests: autocannon serialises each once and writes the same bytes
  // again, without a callback per request (a callback and a response body collected per request cut
  // what one generator can send by about two thirds). Their responses are checked by status code;
  // the driver checks one answer of each before the load.
  const plan = spec.plan;
  const prepared: RequestOptions[] =
    plan.kind === 'fixed' && spec.perRequestBody !== true ? plan.bodies.map((body) => ({ method: 'POST', path: plan.path, headers, body })) : [request];
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationSec }),
    timeout: 30,
    requests: prepared,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = Number(count);
  const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    requests,
    durationSec: result.duration,
    rps: result.duration > 0 ? requests / result.duration : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    businessFailures,
    confirmed,
    statusCodes,
    samples,
    generators: 1,
  };
}

const spec = JSON.parse(await readStdin()) as LoadSpec;
process.stdout.write(`${JSON.stringify(await run(spec))}\n`);
