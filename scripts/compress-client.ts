// Writes a brotli (.br) and a gzip (.gz) copy beside each of the host stand's built text files in
// dist/client (after `vite build`; `npm run build` runs both), which @fastify/static sends to a
// browser that accepts them (`preCompressed`, src/web/plugin.ts). Compressed once at build time,
// so with the slowest, smallest settings: brotli quality 11, gzip level 9. A file under 1 KiB, or
// one that would not shrink, keeps no copy (the server sends it as it is). Prints each file's sizes.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { CLIENT_DIR } from '../src/web/plugin.js';

const TEXT = /\.(?:js|mjs|css|html|svg|json|txt|map)$/;
const MIN_BYTES = 1024;

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile() && TEXT.test(entry.name)) yield path;
  }
}

// As vite prints sizes: kilobytes of 1000 bytes, cut (not rounded) to two decimals.
const kB = (bytes: number): string => `${(Math.floor(bytes / 10) / 100).toFixed(2)} kB`;

if (!statSync(CLIENT_DIR, { throwIfNoEntry: false })?.isDirectory()) {
  process.stderr.write(`compress-client: no ${CLIENT_DIR}: run vite build first\n`);
  process.exit(1);
}
for (const path of files(CLIENT_DIR)) {
  const body = readFileSync(path);
  if (body.length < MIN_BYTES) continue;
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  const gz = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
  const written: string[] = [];
  if (br.length < body.length) {
    writeFileSync(`${path}.br`, br);
    written.push(`br: ${kB(br.length)}`);
  }
  if (gz.length < body.length) {
    writeFileSync(`${path}.gz`, gz);
    written.push(`gzip: ${kB(gz.length)}`);
  }
  process.stdout.write(`${relative(process.cwd(), path)}  ${kB(body.length)} │ ${written.join(' │ ') || 'not compressed'}\n`);
}
