// Guests' replies at the host stand, in chromium: a guest who texts "1" shows "On my way" on the
// queue, and free text shows as written, without the host doing anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startApp } from '../test-support/app.js';
import { haveChromium, launchBrowser, recordForeignRequests, seriousA11yViolations, viewports } from '../test-support/browser.js';
import { seedSmsMerchant, startSms, type SmsHarness } from '../test-support/sms.js';

const M = 'replies-bistro';

describe('guest replies on the host stand', { skip: haveChromium() ? false : 'no chromium at CHROMIUM_PATH' }, () => {
  let h: SmsHarness;
  let browser: Browser;
  let base: string;
  let token: string;

  before(async () => {
    h = await startSms(startApp, { nowMs: Math.floor(Date.now() / 1000) * 1000 });
    await seedSmsMerchant(h, { id: M });
    token = (await h.t.admin('POST', `/merchants/${M}/staff`, { name: 'Hana', role: 'host' })).json().token;
    await h.t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.t.app.server.address();
    assert.ok(address && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('"1" shows as on my way, free text as written', async () => {
    const phone = '+12127365041';
    await h.join(M, { phone, given: 'Rita', family: 'Reply' });
    const context = await browser.newContext({ viewport: viewports.tablet, locale: 'en-US' });
    const page = await context.newPage();
    const foreign = recordForeignRequests(page, base);
    await page.goto(`${base}/app`);
    await page.getByLabel('Staff or merchant token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.getByRole('listitem', { name: 'Rita Reply' });
    await row.waitFor();
    assert.equal((await h.text(phone, '1')).status, 200);
    assert.equal((await h.text(phone, 'Parking now, 5 min')).status, 200);
    const replies = row.getByRole('list', { name: 'Guest replies' });
    await replies.getByText('On my way').waitFor();
    await replies.getByText('Parking now, 5 min').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    assert.deepEqual(foreign, []);
    await context.close();
  });
});
