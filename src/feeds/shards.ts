// Writes one feed as gzip-compressed JSON shards, each at most `maxBytes` after compression, with
// every record (one merchant, one slot) wholly inside one shard.
//
// A shard file is `{<head>` + records separated by commas + `<tail>}`; the tail carries the
// metadata. total_shards is known only once the last record is written, so every shard stays
// open (its gzip stream not ended) until the end; then each gets its tail, with the right
// shard_number and total_shards, and is renamed from its temporary name (a dot file ending in
// .tmp, never picked up by `feeds upload`) to its final name, which includes the total. The
// metadata is therefore the last key of the top-level JSON object (JSON objects are unordered).
//
// Size accounting: the compressed bytes written so far are exact after a sync flush; the bytes
// written since are bounded by their uncompressed size (deflate expands incompressible input by
// well under 0.1%). Before a record that might cross the limit, the writer flushes to know the
// exact size, and starts a new shard only if the record still does not fit with the tail.
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, createGzip, type Gzip, type ZlibOptions } from 'node:zlib';

export interface ShardFile {
  readonly shardNumber: number;
  readonly fileName: string;
  readonly bytes: number;
  readonly records: number;
}

export interface ShardedFeedOptions {
  readonly dir: string;
  /** Final name of shard `index` (0-based) of `total`. */
  readonly fileName: (index: number, total: number) => string;
  /** Temporary name of shard `index` while the feed is written. */
  readonly tempName: (index: number) => string;
  /** Text after the opening brace, up to the first record, e.g. `"merchant":[`. */
  readonly head: string;
  /** Text after the last record, before the closing brace, e.g. `],"metadata":{...}`. */
  readonly tail: (index: number, total: number) => string;
  /** Upper bound of the tail's length in bytes, whatever index and total (reserved in every shard). */
  readonly maxTailBytes: number;
  readonly maxBytes: number;
  /** More shards than this is an error (a misconfigured limit would otherwise write thousands of files). */
  readonly maxShards?: number;
}

/** Slack for the gzip trailer, the final deflate block and a sync-flush marker. */
const GZIP_SLACK = 64;
const EXPANSION = 1.001;
/** Records are handed to zlib in chunks of about this size. */
const BATCH_BYTES = 256 * 1024;
/**
 * Input zlib may hold before `write` asks the writer to wait: several chunks, so that the
 * compressor (in libuv's thread pool) works on one while the main thread renders the next ones
 * (with the stream default of 16 KiB every chunk waited for the compressor, and the two never overlapped).
 */
const GZIP_BUFFER_BYTES = 4 * 1024 * 1024;
/** Output buffer of the compressor per round trip to the thread pool (the default is 16 KiB). */
const GZIP_CHUNK_BYTES = 256 * 1024;
/**
 * gzip level, chosen by measurement on the availability feed (docs/PERFORMANCE.md): level 1
 * compresses several times faster than the default 6, and on feed JSON, which repeats itself
 * record after record, its files are only a little larger.
 */
export const GZIP_LEVEL = 1;

export class RecordTooLargeError extends Error {
  constructor(bytes: number, limit: number) {
    super(`one feed record needs about ${bytes} bytes compressed, more than the shard limit of ${limit} bytes`);
    this.name = 'RecordTooLargeError';
  }
}

class Shard {
  readonly gzip: Gzip;
  readonly file: WriteStream;
  compressed = 0;
  sinceFlush = 0;
  records = 0;
  private failure: Error | null = null;
  private readonly closed: Promise<void>;

  constructor(readonly path: string) {
    // zlib streams pass stream options (highWaterMark) on to their Transform; ZlibOptions omits them.
    this.gzip = createGzip({ level: GZIP_LEVEL, chunkSize: GZIP_CHUNK_BYTES, highWaterMark: GZIP_BUFFER_BYTES } as ZlibOptions);
    this.file = createWriteStream(path);
    this.gzip.on('data', (chunk: Buffer) => {
      this.compressed += chunk.length;
    });
    this.gzip.pipe(this.file);
    const fail = (error: Error) => {
      this.failure ??= error;
    };
    this.gzip.on('error', fail);
    this.file.on('error', fail);
    this.closed = new Promise((resolve, reject) => {
      this.file.on('close', () => (this.failure ? reject(this.failure) : resolve()));
      this.file.on('error', reject);
    });
    this.closed.catch(() => {});
  }

  check(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Text not yet handed to the compressor, encoded into one buffer as it comes: zlib works in the
   * thread pool, one chunk per round trip, so records go in batches (of BATCH_BYTES).
   */
  private batch = Buffer.allocUnsafe(BATCH_BYTES);
  private batchBytes = 0;

  /** Queues `text` (of `bytes` UTF-8 bytes); a promise only when the caller must wait (the compressor is behind). */
  write(text: string, bytes = Buffer.byteLength(text)): Promise<void> | undefined {
    this.check();
    this.sinceFlush += bytes;
    if (this.batchBytes + bytes <= BATCH_BYTES) {
      this.batchBytes += this.batch.write(text, this.batchBytes);
      return this.batchBytes === BATCH_BYTES ? this.push() : undefined;
    }
    const wait = this.push();
    // Text longer than a batch goes to the compressor as it is.
    if (bytes > BATCH_BYTES) return this.gzip.write(text) ? wait : new Promise<void>((resolve) => this.gzip.once('drain', resolve));
    this.batchBytes = this.batch.write(text, 0);
    return wait;
  }

  private push(): Promise<void> | undefined {
    if (this.batchBytes === 0) return undefined;
    const chunk = this.batch.subarray(0, this.batchBytes);
    // zlib holds on to what it is given until it has compressed it: the next batch needs a buffer of its own.
    this.batch = Buffer.allocUnsafe(BATCH_BYTES);
    this.batchBytes = 0;
    if (this.gzip.write(chunk)) return undefined;
    return new Promise<void>((resolve) => this.gzip.once('drain', resolve));
  }

  /** Makes `compressed` exact: everything written so far has left the compressor. */
  async flush(): Promise<void> {
    this.check();
    await this.push();
    await new Promise<void>((resolve) => this.gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    this.sinceFlush = 0;
  }

  /** Upper bound of the compressed size after `extra` more bytes of input and the end of the stream. */
  bound(extra: number): number {
    return this.compressed + Math.ceil((this.sinceFlush + extra) * EXPANSION) + GZIP_SLACK;
  }

  async end(text: string): Promise<void> {
    this.check();
    await this.push();
    this.gzip.end(text);
    await this.closed;
  }

  /** Stops writing; resolves once the file is closed (a file still being opened would otherwise appear after it was removed). */
  async destroy(): Promise<void> {
    this.gzip.destroy();
    if (this.file.closed) return;
    const closed = new Promise<void>((resolve) => this.file.once('close', () => resolve()));
    this.file.destroy();
    await closed;
  }
}

/** One feed being written; `add` records, then `finish` (or `abort` on failure). */
export class ShardedFeedWriter {
  private readonly shards: Shard[] = [];
  private readonly flushEvery: number;
  private readonly headBytes: number;
  private readonly tailBytes: number;

  constructor(private readonly options: ShardedFeedOptions) {
    this.flushEvery = Math.max(16 * 1024, Math.min(4 * 1024 * 1024, Math.floor(options.maxBytes / 16)));
    this.headBytes = Buffer.byteLength(`{${options.head}`);
    this.tailBytes = options.maxTailBytes + 1;
  }

  private async open(): Promise<Shard> {
    const max = this.options.maxShards ?? 1000;
    if (this.shards.length >= max) throw new Error(`the feed needs more than ${max} shards of at most ${this.options.maxBytes} bytes`);
    const shard = new Shard(join(this.options.dir, this.options.tempName(this.shards.length)));
    this.shards.push(shard);
    await shard.write(`{${this.options.head}`);
    return shard;
  }

  /**
   * Appends one record (a JSON value as text) to the current shard, or to a new one if it would
   * not fit. Returns a promise only when the caller must wait for it before the next record (a new
   * shard, a flush, or the compressor being behind): most records are added without one, which
   * matters at millions of records.
   */
  add(record: string): Promise<void> | undefined {
    const shard = this.shards[this.shards.length - 1];
    const bytes = Buffer.byteLength(record) + 1;
    if (
      shard === undefined ||
      shard.records === 0 ||
      shard.bound(bytes + this.tailBytes) > this.options.maxBytes ||
      shard.sinceFlush + bytes >= this.flushEvery
    ) {
      return this.addSlowly(record, bytes);
    }
    shard.records += 1;
    return shard.write(`,${record}`, bytes);
  }

  /**
   * Appends records (JSON values as text) as `add` does one by one, in the same shards: when they
   * all fit in the current shard before its next flush, as one text (one length to measure and one
   * copy instead of one per record), else one by one.
   */
  addMany(records: readonly string[]): Promise<void> | undefined {
    const shard = this.shards[this.shards.length - 1];
    if (records.length === 0) return undefined;
    const text = `,${records.join(',')}`;
    const bytes = Buffer.byteLength(text);
    if (
      shard === undefined ||
      shard.records === 0 ||
      shard.bound(bytes + this.tailBytes) > this.options.maxBytes ||
      shard.sinceFlush + bytes >= this.flushEvery
    ) {
      return this.addEach(records);
    }
    shard.records += records.length;
    return shard.write(text, bytes);
  }

  private async addEach(records: readonly string[]): Promise<void> {
    for (const record of records) {
      const wait = this.add(record);
      if (wait !== undefined) await wait;
    }
  }

  private async addSlowly(record: string, bytes: number): Promise<void> {
    let shard = this.shards[this.shards.length - 1] ?? (await this.open());
    if (shard.records > 0 && shard.bound(bytes + this.tailBytes) > this.options.maxBytes) {
      if (shard.sinceFlush > 0) await shard.flush();
      if (shard.bound(bytes + this.tailBytes) > this.options.maxBytes) shard = await this.open();
    }
    if (shard.records === 0 && this.headBytes + Math.ceil((bytes + this.tailBytes) * EXPANSION) + GZIP_SLACK > this.options.maxBytes) {
      throw new RecordTooLargeError(this.headBytes + bytes + this.tailBytes + GZIP_SLACK, this.options.maxBytes);
    }
    await shard.write(shard.records === 0 ? record : `,${record}`);
    shard.records += 1;
    if (shard.sinceFlush >= this.flushEvery) await shard.flush();
  }

  get records(): number {
    return this.shards.reduce((n, s) => n + s.records, 0);
  }

  /** Closes every shard with its tail and gives them their final names. An empty feed is one shard with no records. */
  async finish(): Promise<ShardFile[]> {
    if (this.shards.length === 0) await this.open();
    const total = this.shards.length;
    const files: ShardFile[] = [];
    try {
      for (const [index, shard] of this.shards.entries()) {
        const tail = this.options.tail(index, total);
        if (Buffer.byteLength(tail) > this.options.maxTailBytes) throw new Error(`feed tail of ${Buffer.byteLength(tail)} bytes exceeds maxTailBytes`);
        await shard.end(`${tail}}`);
        files.push({ shardNumber: index, fileName: this.options.fileName(index, total), bytes: shard.compressed, records: shard.records });
      }
      // Only complete feeds get final names: a feed that failed halfway leaves no *.json.gz behind.
      for (const [index, file] of files.entries()) await rename(this.shards[index]!.path, join(this.options.dir, file.fileName));
    } catch (error) {
      await this.abort();
      throw error;
    }
    return files;
  }

  /** Discards everything written (temporary files included). */
  async abort(): Promise<void> {
    for (const shard of this.shards) {
      await shard.destroy();
      await rm(shard.path, { force: true });
    }
  }
}
