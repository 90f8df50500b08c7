// The package as a user gets it: `npm pack` makes a tarball with what runs (the compiled dist/, the
// CLI, the protos) and nothing of the sources or tests; installed from that tarball into a clean
// directory (dependencies only: no devDependencies, no TypeScript build at install time), its
// `booking-server serve --demo` starts, answers /healthz and Google's API, and stops on SIGTERM.
// Slow (an npm install of ~200 packages): its own suite, `npm run test:package` (CI runs it).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, eventually, withTimeout } from '../e2e/support.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'booking-package-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack, then install and run from the tarball', () => {
  let tarball = '';

  it('packs what runs, and none of the sources or tests', { timeout: 120_000 }, async () => {
    // scripts/test.sh has built dist/ already; --ignore-scripts skips `prepare` rebuilding it.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(packed);
    tarball = join(dir, packed.filename);
    const files = packed.files.map((f) => f.path);
    for (const needed of [
      'bin/booking-server.js',
      'dist/cli.js',
      'dist/app.js',
      'dist/store/migrations/0001-waitlist.js',
      'dist/store/migrations/index.js',
      'package.json',
      'README.md',
      'LICENSE',
      '.env.example',
      'deploy/booking-server.service',
      'deploy/prometheus/booking-server-alerts.yml',
    ]) {
      assert.ok(files.includes(needed), `${needed} is in the package`);
    }
    assert.ok(
      files.some((f) => f.startsWith('proto/')),
      'the protos are in the package',
    );
    // The host stand, with the brotli and gzip copies of its script that the server sends.
    assert.ok(files.includes('dist/client/index.html'), 'the host stand is in the package');
    for (const suffix of ['.js', '.js.br', '.js.gz']) {
      assert.ok(
        files.some((f) => f.startsWith('dist/client/assets/') && f.endsWith(suffix)),
        `the host stand's script (${suffix}) is in the package`,
      );
    }
    assert.deepEqual(
      files.filter((f) => /^(src|test|scripts|bench|web\/src)\//.test(f) || f.endsWith('.test.js') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))),
      [],
      'no sources or tests',
    );
  });

  it('installs from the tarball into a clean directory and serves the demo', { timeout: 1_200_000 }, async () => {
    assert.ok(tarball !== '', 'packed');
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'booking-server-install-check',
        version: '1.0.0',
        private: true,
        allowScripts: { 'better-sqlite3': true, ssh2: true, 'cpu-features': true },
      }),
    );
    // The local npm cache makes this quick after the project's own install; --omit=dev: what a user installs.
    await run('npm', ['install', tarball, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 1_100_000,
    });
    const installed = join(dir, 'node_modules', 'actions-center-booking-server');
    assert.ok(existsSync(join(installed, 'dist', 'cli.js')));
    assert.ok(!existsSync(join(installed, 'node_modules', 'typescript')) && !existsSync(join(dir, 'node_modules', 'typescript')), 'no TypeScript installed');
    assert.ok(!readdirSync(join(dir, 'node_modules')).includes('tsx'), 'no devDependencies installed');

    const child = spawn(join(dir, 'node_modules', '.bin', 'booking-server'), ['serve', '--demo'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const base = await eventually(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 120_000, `the installed server to listen:\n${out}`);
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      const credentials = /Google Basic auth: (\S+)/.exec(out)?.[1];
      assert.ok(credentials, out);
      const estimate = await fetch(`${base}/v3/BatchGetWaitEstimates`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ merchant_id: 'dining-1', service_id: 'reservation', party_size: [2] }),
      });
      assert.equal(estimate.status, 200, await estimate.text());
      assert.equal((await fetch(`${base}/admin/docs`)).status, 200, 'the reference page and its assets ship');
      const page = await fetch(`${base}/app`);
      assert.equal(page.status, 200, 'the host stand ships');
      const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
      assert.ok(script, 'the page names its script');
      // fetch decompresses the body itself; the header says what crossed the wire.
      const compressed = await fetch(`${base}${script}`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(compressed.status, 200);
      assert.equal(compressed.headers.get('content-encoding'), 'gzip', 'the gzip copy ships and is sent');
      await compressed.arrayBuffer();
      child.kill('SIGTERM');
      assert.equal(await withTimeout(exited, 60_000, 'the server to exit'), 0, out);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
