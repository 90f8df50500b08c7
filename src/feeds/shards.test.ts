// ShardedFeedWriter: records added in batches (addMany) land in the same shards, with the same
// text, as records added one by one (add), under a limit small enough for many shards; every
// shard stays under the limit, and records longer than the writer's internal batch pass whole.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ShardedFeedWriter } from './shards.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Records of varied length (a few much longer than the writer's 256 KiB batch), from a fixed seed. */
function records(count: number): string[] {
  let seed = 17;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed;
  };
  return Array.from({ length: count }, (_, i) => {
    const long = i % 997 === 500;
    // Random text, so that it compresses little and the shards fill up.
    let filler = '';
    const length = long ? 300_000 + (next() % 1000) : next() % 300;
    while (filler.length < length) filler += next().toString(36);
    return JSON.stringify({ i, filler, random: next().toString(36), text: 'é"\\' });
  });
}

async function write(all: readonly string[], batch: ((writer: ShardedFeedWriter, records: readonly string[]) => Promise<void>) | null, maxBytes: number) {
  const dir = await mkdtemp(join(tmpdir(), 'feeds-shards-'));
  dirs.push(dir);
  const writer = new ShardedFeedWriter({
    dir,
    fileName: (index, total) => `feed_${index + 1}_of_${total}.json.gz`,
    tempName: (index) => `.feed_${index + 1}.tmp`,
    head: '"record":[',
    tail: (index, total) => `],"shard":${index},"total":${total}`,
    maxTailBytes: 64,
    maxBytes,
  });
  if (batch === null) {
    for (const record of all) await writer.add(record);
  } else {
    // Batches of 1 to 40 records, their sizes from the record numbers (fixed).
    for (let i = 0; i < all.length; ) {
      const size = 1 + ((i * 7) % 40);
      await batch(writer, all.slice(i, i + size));
      i += size;
    }
  }
  const files = await writer.finish();
  const texts = await Promise.all(files.map(async (f) => gunzipSync(await readFile(join(dir, f.fileName))).toString('utf8')));
  for (const f of files) assert.ok((await stat(join(dir, f.fileName))).size <= maxBytes, `${f.fileName} is over the limit`);
  assert.deepEqual((await readdir(dir)).sort(), files.map((f) => f.fileName).sort(), 'no temporary file left');
  return { files: files.map((f) => [f.fileName, f.records, f.bytes]), texts };
}

test('addMany writes the same shards as add, record by record', async () => {
  const all = records(6000);
  // Large enough for the longest record, small enough for several shards and flushes in each.
  const maxBytes = 400_000;
  const one = await write(all, null, maxBytes);
  const many = await write(all, (writer, batch) => writer.addMany(batch) ?? Promise.resolve(), maxBytes);
  assert.ok(one.files.length > 3, `${one.files.length} shards`);
  assert.deepEqual(many.files, one.files);
  assert.deepEqual(many.texts, one.texts);
  // Every record is in exactly one shard, in order, and every shard is valid JSON.
  const parsed = one.texts.map((text) => JSON.parse(text) as { record: { i: number }[]; shard: number; total: number });
  assert.deepEqual(
    parsed.flatMap((p) => p.record.map((r) => r.i)),
    all.map((_, i) => i),
  );
  assert.deepEqual(
    parsed.map((p) => [p.shard, p.total]),
    parsed.map((_, i) => [i, parsed.length]),
  );
});
