// Debian's chromium driven by playwright-core, for the browser tests of the pages people use
// (the host stand at /app, the guest status page at /w/<token>). Never downloads a browser:
// .ci/run installs Debian's `chromium` package; CHROMIUM_PATH overrides where it is.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

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

/** Fails the page if it tried to reach any host other than the server under test. */
export function recordForeignRequests(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (!url.startsWith(origin)) foreign.push(url);
  });
  return foreign;
}
