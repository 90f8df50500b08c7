// The request/response examples in docs/GOOGLE-API.md are real: each documented request is sent,
// in the order the document gives them, to a server with the demo data at the documented time,
// and the answer must be the documented one (the same fields, the same values), except that ids
// the server makes (booking, lease, waitlist entry) may differ; a later request that uses a
// documented id gets the live one. `DOCS_EXAMPLES_PRINT=1` prints the live answers instead.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { seedDemo } from '../demo/seed.js';
import { basic, MONDAY_NOON_NY, NEW_PAIR, startApp, type TestApp } from '../test-support/app.js';

interface Example {
  readonly method: string;
  readonly verb: 'GET' | 'POST';
  readonly request: string | null;
  readonly response: string;
}

/** The `## Examples` section: per `### Method`, "`VERB /v3/Method`", a JSON request (POST) and the JSON answer. */
function documentedExamples(doc: string): Example[] {
  const section = doc.slice(doc.indexOf('\n## Examples\n'));
  const end = section.indexOf('\n## ', 5);
  const examples: Example[] = [];
  for (const part of (end < 0 ? section : section.slice(0, end)).split(/^### /m).slice(1)) {
    const method = /^(\w+)/.exec(part)![1]!;
    const call = /`(GET|POST) \/v3\/(\w+)`/.exec(part);
    assert.ok(call, `${method}: no "\`POST /v3/${method}\`" line`);
    assert.equal(call[2], method);
    const blocks = [...part.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const verb = call[1] as 'GET' | 'POST';
    assert.equal(blocks.length, verb === 'GET' ? 1 : 2, `${method}: a request and an answer block`);
    examples.push({ method, verb, request: verb === 'GET' ? null : blocks[0]!, response: blocks.at(-1)! });
  }
  return examples;
}

/** Fields whose values the server makes up: matched through `ids` (documented value -> live value). */
const GENERATED = new Set(['booking_id', 'waitlist_entry_id', 'lease_id']);

function sameAnswer(documented: unknown, live: unknown, ids: Map<string, string>, path: string): void {
  if (Array.isArray(documented)) {
    assert.ok(Array.isArray(live) && live.length === documented.length, `${path}: ${JSON.stringify(live)}`);
    for (const [i, item] of documented.entries()) sameAnswer(item, live[i], ids, `${path}[${i}]`);
  } else if (documented !== null && typeof documented === 'object') {
    assert.ok(live !== null && typeof live === 'object' && !Array.isArray(live), `${path}: ${JSON.stringify(live)}`);
    assert.deepEqual(Object.keys(live as object).sort(), Object.keys(documented).sort(), `${path}: the fields`);
    for (const [key, value] of Object.entries(documented)) {
      const liveValue: unknown = (live as Record<string, unknown>)[key];
      if (GENERATED.has(key) && typeof value === 'string' && typeof liveValue === 'string') {
        const known = ids.get(value);
        if (known === undefined) ids.set(value, liveValue);
        else assert.equal(liveValue, known, `${path}.${key}`);
      } else {
        sameAnswer(value, liveValue, ids, `${path}.${key}`);
      }
    }
  } else {
    assert.equal(live, documented, path);
  }
}

describe('docs/GOOGLE-API.md examples', () => {
  const doc = readFileSync(new URL('../../docs/GOOGLE-API.md', import.meta.url), 'utf8');
  const examples = documentedExamples(doc);
  let t: TestApp;
  before(async () => {
    t = await startApp({ nowMs: MONDAY_NOON_NY });
    await seedDemo(t.services, t.clock);
  });
  after(() => t.close());

  test('every method of the API has an example', () => {
    const methods = [...doc.matchAll(/^\| (\w+) \| (GET|POST) \|/gm)].map((m) => m[1]);
    assert.ok(methods.length >= 12, JSON.stringify(methods));
    assert.deepEqual(examples.map((e) => e.method).sort(), [...methods].sort());
  });

  test('each documented request gets the documented answer', async () => {
    const ids = new Map<string, string>();
    const printed: string[] = [];
    for (const example of examples) {
      let body = example.request;
      for (const [documented, live] of ids) body = body?.split(documented).join(live) ?? null;
      const res = await t.app.inject({
        method: example.verb,
        url: `/v3/${example.method}`,
        headers: { authorization: basic(NEW_PAIR.user, NEW_PAIR.password), ...(body === null ? {} : { 'content-type': 'application/json' }) },
        ...(body === null ? {} : { payload: body }),
      });
      if (process.env.DOCS_EXAMPLES_PRINT === '1') {
        // Writing the examples: the requests say BOOKING_ID and ENTRY_ID until the ids are known.
        const answer = JSON.parse(res.body) as { booking?: { booking_id?: string }; waitlist_entry_id?: string };
        if (answer.booking?.booking_id && !ids.has('BOOKING_ID')) ids.set('BOOKING_ID', answer.booking.booking_id);
        if (answer.waitlist_entry_id && !ids.has('ENTRY_ID')) ids.set('ENTRY_ID', answer.waitlist_entry_id);
        printed.push(`### ${example.method}\n\n${res.statusCode}\n\n\`\`\`json\n${JSON.stringify(JSON.parse(res.body), null, 2)}\n\`\`\``);
        continue;
      }
      assert.equal(res.statusCode, 200, `${example.method}: ${res.body}`);
      sameAnswer(JSON.parse(example.response), JSON.parse(res.body), ids, example.method);
    }
    if (printed.length > 0) console.log(printed.join('\n\n'));
  });
});
