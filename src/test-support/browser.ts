// Debian's chromium driven by playwright-core, for the browser tests of the pages people use
// (the host stand at /app, the guest status page at /w/<token>). Never downloads a browser:
// .ci/run installs Debian's `chromium` package; CHROMIUM_PATH overrides where it is.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { format, type Language } from '../../web/src/i18n.js';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Phone and tablet viewports the pages must work on. */
export const viewports = {
  phone: { width: 360, height: 740 },
  tablet: { width: 1024, height: 768 },
} as const;

export function haveChromium(): boolean {
  return existsSync(chromiumPath);
}

/** Pages for axe must come from browser.newContext(), not browser.newPage(). */
/** Launches headless chromium with the flags this sandbox needs (no background networking). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null | undefined;
  readonly help: string;
  readonly targets: string[];
}

/** The serious and critical accessibility violations axe finds on the page as it is now. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Records into `foreign` (returned) every request the page makes to a host other than `origin`, the server under test. */
export function recordForeignRequests(page: Page, origin: string, foreign: string[] = []): string[] {
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (!url.startsWith(origin)) foreign.push(url);
  });
  return foreign;
}

/**
 * Where a browser test writes its screenshots: docs/screenshots/ under `npm run screenshots`
 * (WRITE_SCREENSHOTS=1; the docs show them), else a new temporary folder named from `prefix`,
 * which removeScreenshots deletes, so that running the suite leaves the work tree clean.
 */
export function screenshotFolder(prefix: string): URL {
  const folder =
    process.env.WRITE_SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url) : pathToFileURL(`${mkdtempSync(join(tmpdir(), prefix))}/`);
  mkdirSync(folder, { recursive: true });
  return folder;
}

/** Deletes a temporary screenshot folder; leaves docs/screenshots/ alone. */
export function removeScreenshots(folder: URL): void {
  if (process.env.WRITE_SCREENSHOTS !== '1') rmSync(folder, { recursive: true, force: true });
}

/** A server under test listening on 127.0.0.1, and chromium opening its pages. */
export interface PageServer {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  readonly browser: Browser;
  /** Every request a page opened here made to another host (a test expects none). */
  readonly foreign: string[];
  /** A page in a browser context of its own (as axe needs), closed by close(). */
  page(options?: BrowserContextOptions): Promise<Page>;
  /** Closes the pages and the browser; the app is the caller's to close. */
  close(): Promise<void>;
}

/** Makes `app` listen on 127.0.0.1 on a free port and launches chromium for its pages. */
export async function servePages(app: FastifyInstance): Promise<PageServer> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  const base = `http://127.0.0.1:${address.port}`;
  const browser = await launchBrowser();
  const contexts: BrowserContext[] = [];
  const foreign: string[] = [];
  return {
    base,
    browser,
    foreign,
    async page(options = {}) {
      const context = await browser.newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      recordForeignRequests(page, base, foreign);
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/**
 * Signs in at the host stand (`/app` of `base`) with `token` as a host does, in `lang` (the
 * language of the page's locale, and the staff member's own, which the screens switch to),
 * picking the restaurant named `merchant` for a token that may act for several; resolves once the
 * waitlist shows and its live stream is open.
 */
export async function signInHostStand(page: Page, base: string, token: string, options: { lang?: Language; merchant?: string } = {}): Promise<void> {
  const t = (key: Parameters<typeof format>[1]): string => format(options.lang ?? 'en', key);
  await page.goto(`${base}/app`);
  await page.getByLabel(t('signin.token')).fill(token);
  await page.getByRole('button', { name: t('signin.submit') }).click();
  if (options.merchant !== undefined) {
    await page.getByRole('heading', { name: t('pick.title') }).waitFor();
    await page.getByRole('button', { name: options.merchant }).click();
  }
  await page.getByRole('heading', { name: t('nav.queue') }).waitFor();
  await page.getByText(t('live.on'), { exact: true }).waitFor();
}
