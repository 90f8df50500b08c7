// The guest's status page in Debian's chromium (playwright-core) at a phone's size: what the guest
// sees in English and Arabic (right to left), that it follows the host without a reload, the
// cancel with its confirm step by keyboard, no request to another host, no serious or critical
// axe violation, under 50 KB. Screenshots: `npm run screenshots` writes them into docs/screenshots/
// (shown in docs/GUEST-MESSAGES.md); other runs write them to a temporary folder.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { haveChromium, launchBrowser, recordForeignRequests, seriousA11yViolations, viewports } from '../test-support/browser.js';
import { forDialect } from '../test-support/app.js';
import { seedSmsMerchant, startSms, tokenOf, type SmsHarness } from '../test-support/sms.js';

const SHOTS =
  process.env.WRITE_SCREENSHOTS === '1'
    ? new URL('../../docs/screenshots/', import.meta.url)
    : pathToFileURL(`${mkdtempSync(join(tmpdir(), 'status-page-shots-'))}/`);

describe('guest status page in chromium', { skip: haveChromium() ? false : 'no chromium at CHROMIUM_PATH' }, () => {
  let h: SmsHarness;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const foreign: string[] = [];

  before(async () => {
    h = await startSms(forDialect('sqlite'), { nowMs: Date.now() });
    await seedSmsMerchant(h, { id: 'trattoria', tables: [{ id: 't1', name: 'T1', minSeats: 1, seats: 4 }] });
    await h.t.admin('PATCH', '/merchants/trattoria', { name: 'Trattoria da Ada' });
    await h.t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await h.close();
    assert.deepEqual(foreign, [], 'the page reached another host');
  });

  async function open(language?: string): Promise<{ page: Page; id: string; size: number }> {
    await h.drain();
    h.fake.reset();
    const id = await h.join('trattoria', { phone: '+12127365200', given: 'Ada', party: 2, ...(language ? { language } : {}) });
    await h.drain();
    const token = tokenOf(h.fake.texts[0]!.body);
    const context = await browser.newContext({ viewport: viewports.phone, locale: language ?? 'en-US', timezoneId: 'America/New_York' });
    contexts.push(context);
    const page = await context.newPage();
    recordForeignRequests(page, base, foreign);
    const response = await page.goto(`${base}/w/${token}`);
    assert.equal(response?.status(), 200);
    const size = (await response!.body()).length;
    return { page, id, size };
  }

  test('English: the place in line above the fold, live updates from the host, cancel by keyboard with a confirm step', async () => {
    const { page, id, size } = await open();
    assert.ok(size < 50_000, `${size} bytes`);
    await page.getByRole('heading', { name: 'You are on the waitlist' }).waitFor();
    const position = page.getByText(/next in line|ahead of you/);
    await position.waitFor();
    const box = await position.boundingBox();
    assert.ok(box !== null && box.y + box.height <= viewports.phone.height, 'the place in line is above the fold');
    assert.ok(Number(await page.evaluate('document.documentElement.scrollWidth')) <= viewports.phone.width, 'no sideways scrolling at 360 px');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.screenshot({ path: new URL('status-en.png', SHOTS).pathname, fullPage: true });

    // The host calls the party: the page follows without a reload.
    await h.act('trattoria', id, 'notify');
    await page.getByRole('heading', { name: 'Your table is ready' }).waitFor({ timeout: 20_000 });
    await page.getByText('Please come to the host stand now.').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.screenshot({ path: new URL('status-ready-en.png', SHOTS).pathname, fullPage: true });

    const cancel = page.getByRole('button', { name: 'Cancel my spot' });
    await cancel.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Cancel your spot at Trattoria da Ada\?/ }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.screenshot({ path: new URL('status-confirm-en.png', SHOTS).pathname, fullPage: true });
    const yes = page.getByRole('button', { name: 'Yes, cancel my spot' });
    await yes.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your waitlist spot is cancelled' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel my spot' }).isVisible(), false);
    assert.equal((await h.t.admin('GET', `/merchants/trattoria/waitlist-entries/${id}`)).json().state, 'CANCELED');
  });

  test('Arabic: right to left, mirrored layout, Arabic texts, accessible', async () => {
    const { page } = await open('ar');
    assert.equal(await page.evaluate('document.documentElement.dir'), 'rtl');
    assert.equal(await page.evaluate('document.documentElement.lang'), 'ar');
    const heading = page.getByRole('heading', { name: 'أنت في قائمة الانتظار' });
    await heading.waitFor();
    // Right to left: the heading starts at the right edge, and the cancel button sits on the right.
    const h1 = (await heading.boundingBox())!;
    const button = (await page.getByRole('button', { name: 'إلغاء مكاني' }).boundingBox())!;
    assert.ok(h1.x + h1.width > viewports.phone.width - 40, `heading ends at ${h1.x + h1.width}`);
    assert.ok(button.x > viewports.phone.width / 2, `button starts at ${button.x}`);
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('main')).direction"), 'rtl');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.screenshot({ path: new URL('status-ar.png', SHOTS).pathname, fullPage: true });
  });

  test('an unknown link: the same plain 404 page', async () => {
    const context = await browser.newContext({ viewport: viewports.phone });
    contexts.push(context);
    const page = await context.newPage();
    const response = await page.goto(`${base}/w/AAAAAAAAAAAAAAAAAAAAAAAA`);
    assert.equal(response?.status(), 404);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
  });
});
