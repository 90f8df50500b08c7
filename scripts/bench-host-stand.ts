// How fast the host stand's first screen is on a cheap tablet (not a test): `npm run bench:web [-- --runs N]`.
// The server as `serve --demo` starts it (the demo inventory with its four weeks of history, in a
// fresh SQLite file) on 127.0.0.1 on a free port, 12 parties waiting on the demo waitlist, and a
// manager signed in (the session cookie the sign-in form would get). Debian's chromium at
// 1024x768 then loads /app cold N times (a new browser context each run: no cache, no open
// connection), with the CPU slowed 4x through the DevTools protocol (Emulation.setCPUThrottlingRate,
// the "cheap tablet"), then N times unthrottled; the runs alternate, so a machine busy with other
// work slows both alike. Before the runs, one unmeasured load warms the server (its first requests
// compile routes and fill statement caches). Per run and as median/p90 it prints: the queue
// rendered with its rows (the first moment `ol.entries` holds all the waiting parties, from the
// start of navigation), DOMContentLoaded, and bytes transferred until then (headers and bodies as
// received, from the page's resource timing; the live event stream stays open, so it is not
// counted). Fails with a clear message when chromium is missing.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildApp, buildServices } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { DEMO_WAITLIST_MERCHANT, DEMO_WAITLIST_SERVICE, seedDemo } from '../src/demo/seed.js';
import { openStore } from '../src/store/database.js';
import { chromiumPath, launchBrowser, viewports } from '../src/test-support/browser.js';
import { CLIENT_DIR } from '../src/web/plugin.js';

const args = process.argv.slice(2);
const at = args.indexOf('--runs');
const runs = at >= 0 ? Number(args[at + 1]) : 10;
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
  process.stderr.write('usage: npm run bench:web -- [--runs N] (1-50, default 10)\n');
  process.exit(2);
}
if (!existsSync(chromiumPath)) {
  process.stderr.write(`bench:web needs Debian's chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH); none found\n`);
  process.exit(1);
}
if (!existsSync(join(CLIENT_DIR, 'index.html'))) {
  process.stderr.write(`bench:web needs the built host stand in ${CLIENT_DIR}: run npm run build\n`);
  process.exit(1);
}
const THROTTLE = 4;
const PARTIES = 12;

interface Run {
  readonly rowsMs: number;
  readonly domContentLoadedMs: number;
  readonly bytes: number;
}

/** The value at quantile p of the samples (nearest rank, as the other benches print it). */
function quantile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('no samples');
  return [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-host-stand-'));
const adminToken = randomBytes(24).toString('hex');
const config = loadConfig({
  DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
  BOOKING_SERVER_CREDENTIALS: `google:${randomBytes(16).toString('hex')}`,
  ADMIN_TOKEN: adminToken,
  LOG_LEVEL: 'silent',
});
const store = await openStore(config.database);
const services = buildServices(config, store, systemClock);
const app = await buildApp(config, { store, clock: systemClock, services });
let browser: Browser | null = null;
try {
  await seedDemo(services, systemClock, { history: true });
  const admin = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.inject({ method, url: `/admin/v1${url}`, headers: { authorization: `Bearer ${adminToken}` }, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const m = DEMO_WAITLIST_MERCHANT;
  const queuePath = `/merchants/${m}/services/${DEMO_WAITLIST_SERVICE}/queue`;
  const waiting = (await admin('GET', queuePath)).entries.length as number;
  for (let i = waiting; i < PARTIES; i++) {
    await admin('POST', `/merchants/${m}/services/${DEMO_WAITLIST_SERVICE}/walk-ins`, {
      party_size: 1 + (i % 6),
      given_name: `Guest ${i + 1}`,
      ...(i % 2 === 0 ? { telephone: `+1 212 555 01${String(i).padStart(2, '0')}` } : {}),
    });
  }
  const rows = (await admin('GET', queuePath)).entries.length as number;
  const manager = await admin('POST', `/merchants/${m}/staff`, { name: 'Bench Manager', role: 'manager' });
  const signIn = await app.inject({ method: 'POST', url: '/admin/v1/session', payload: { token: manager.token } });
  const session = ([] as string[])
    .concat(signIn.headers['set-cookie'] ?? [])
    .map((c) => /^bs_session=([^;]*)/.exec(c)?.[1])
    .find((v) => v !== undefined);
  if (signIn.statusCode >= 300 || session === undefined) throw new Error(`sign-in failed: ${signIn.statusCode} ${signIn.body}`);

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  const base = `http://127.0.0.1:${address.port}`;
  browser = await launchBrowser();

  const load = async (throttle: number): Promise<Run> => {
    const context = await browser!.newContext({ viewport: viewports.tablet, locale: 'en-US' });
    try {
      await context.addCookies([{ name: 'bs_session', value: session, url: base, httpOnly: true, sameSite: 'Strict' }]);
      const page = await context.newPage();
      // Marks the first moment the queue holds every waiting party (from the start of navigation).
      // A string, not a function: tsx would wrap named functions in a helper the page lacks.
      await page.addInitScript({
        content: `new MutationObserver((_, observer) => {
          if (window.__rowsAt === undefined && document.querySelectorAll('ol.entries > li.entry').length >= ${rows}) {
            window.__rowsAt = performance.now();
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });`,
      });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
      await page.goto(`${base}/app`, { waitUntil: 'domcontentloaded' });
      // Polled from here: the page's CSP (no 'unsafe-eval') stops page.waitForFunction's predicate.
      const deadline = Date.now() + 30_000;
      while (!(await page.evaluate('window.__rowsAt !== undefined'))) {
        if (Date.now() > deadline) {
          const shown = await page.evaluate("document.querySelectorAll('ol.entries > li.entry').length");
          throw new Error(`the queue did not show its ${rows} parties within 30 s (${shown} shown at ${page.url()})`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      // A string for the page (its DOM timing types are not the server's).
      return (await page.evaluate(`(() => {
        const rowsAt = window.__rowsAt;
        const nav = performance.getEntriesByType('navigation')[0];
        const early = performance.getEntriesByType('resource').filter((r) => r.responseEnd <= rowsAt);
        const bytes = nav.transferSize + early.reduce((sum, r) => sum + r.transferSize, 0);
        return { rowsMs: rowsAt, domContentLoadedMs: nav.domContentLoadedEventEnd, bytes };
      })()`)) as Run;
    } finally {
      await context.close();
    }
  };

  await load(1);
  const results: Record<'throttled' | 'unthrottled', Run[]> = { throttled: [], unthrottled: [] };
  process.stdout.write(
    `npm run bench:web: /app at ${viewports.tablet.width}x${viewports.tablet.height} in ${chromiumPath}, cold (new context each run), ` +
      `${rows} parties waiting on the demo waitlist, ${runs} runs each way, interleaved\n`,
  );
  const line = (label: string, r: Run) =>
    `  ${label}: queue with rows ${r.rowsMs.toFixed(0)} ms, DOMContentLoaded ${r.domContentLoadedMs.toFixed(0)} ms, ${(r.bytes / 1024).toFixed(1)} KiB\n`;
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? (['throttled', 'unthrottled'] as const) : (['unthrottled', 'throttled'] as const);
    for (const mode of order) {
      const r = await load(mode === 'throttled' ? THROTTLE : 1);
      results[mode].push(r);
      process.stdout.write(line(`run ${String(i + 1).padStart(2)} ${(mode === 'throttled' ? `CPU ${THROTTLE}x slower` : 'unthrottled').padEnd(13)}`, r));
    }
  }
  for (const mode of ['throttled', 'unthrottled'] as const) {
    const rs = results[mode];
    const stat = (pick: (r: Run) => number, unit: (v: number) => string) =>
      `median ${unit(quantile(rs.map(pick), 0.5))}, p90 ${unit(quantile(rs.map(pick), 0.9))}`;
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    process.stdout.write(
      `${mode === 'throttled' ? `CPU ${THROTTLE}x slower` : 'unthrottled'}: queue with rows ${stat((r) => r.rowsMs, ms)}; ` +
        `DOMContentLoaded ${stat((r) => r.domContentLoadedMs, ms)}; transferred ${stat(
          (r) => r.bytes,
          (v) => `${(v / 1024).toFixed(1)} KiB`,
        )}\n`,
    );
  }
} finally {
  await browser?.close();
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
