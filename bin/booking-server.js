#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it; `npm run build` after changing the sources).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write('booking-server: dist/ is missing; run `npm run build` (npm install does it for you)\n');
  process.exit(2);
}
await import(compiled.href);
