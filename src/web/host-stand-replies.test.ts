// Guests' replies at the host stand, in chromium: a guest who texts "1" shows "On my way" on the
// queue, and free text shows as written, without the host doing anything; a guest's "+10" shows
// as an open request on every tablet, which the host gives or refuses in one tap.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startApp } from '../test-support/app.js';
import {
  haveChromium,
  type PageServer,
  removeScreenshots,
  screenshotFolder,
  servePages,
  seriousA11yViolations,
  signInHostStand,
  viewports,
} from '../test-support/browser.js';
import { seedSmsMerchant, startSms, type SmsHarness } from '../test-support/sms.js';

const M = 'replies-bistro';
// `npm run screenshots` writes them into docs/screenshots/; other runs into a temporary folder.
const SHOTS = screenshotFolder('host-stand-replies-');
// The request for more time reaches a tablet with the next read of the reply feed: on a change the
// server signals, or the page's 15 s timer. Generous, for a loaded machine.
const LIVE = { timeout: 60_000 };

describe('guest replies on the host stand', { skip: haveChromium() ? false : 'no chromium at CHROMIUM_PATH' }, () => {
  let h: SmsHarness;
  let web: PageServer;
  let token: string;

  before(async () => {
    h = await startSms(startApp, { nowMs: Math.floor(Date.now() / 1000) * 1000 });
    await seedSmsMerchant(h, { id: M });
    token = (await h.t.admin('POST', `/merchants/${M}/staff`, { name: 'Hana', role: 'host' })).json().token;
    web = await servePages(h.t.app);
  });

  after(async () => {
    removeScreenshots(SHOTS);
    await web?.close();
    await h?.close();
    assert.deepEqual(web?.foreign, [], 'no request to another host');
  });

  /** A tablet signed in as the host, in English. */
  async function signedIn(): Promise<Page> {
    const page = await web.page({ viewport: viewports.tablet, locale: 'en-US' });
    await signInHostStand(page, web.base, token);
    return page;
  }

  test('"1" shows as on my way, free text as written', async () => {
    const phone = '+12127365041';
    await h.join(M, { phone, given: 'Rita', family: 'Reply' });
    const page = await signedIn();
    const row = page.getByRole('listitem', { name: 'Rita Reply' });
    await row.waitFor();
    assert.equal((await h.text(phone, '1')).status, 200);
    assert.equal((await h.text(phone, 'Parking now, 5 min')).status, 200);
    const replies = row.getByRole('list', { name: 'Guest replies' });
    await replies.getByText('On my way').waitFor();
    await replies.getByText('Parking now, 5 min').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    assert.deepEqual(web.foreign, []);
    await page.context().close();
  });

  test('"+10": an open request on every tablet, given or refused in one tap, and the guest told', async () => {
    const phones = { tino: '+12127365043', rosa: '+12127365044' };
    const tino = await h.join(M, { phone: phones.tino, given: 'Tino', family: 'Extra' });
    const rosa = await h.join(M, { phone: phones.rosa, given: 'Rosa', family: 'Later' });
    await h.act(M, tino, 'notify');
    await h.act(M, rosa, 'notify');
    const first = await signedIn();
    const second = await signedIn();
    const row = (page: Page, name: string) => page.getByRole('listitem', { name });
    const give = (page: Page) => row(page, 'Tino Extra').getByRole('button', { name: 'Give 10 min: Tino Extra' });
    await row(first, 'Tino Extra').waitFor();
    assert.equal(await give(first).count(), 0, 'no request before the guest asks');

    assert.equal((await h.text(phones.tino, '+10')).status, 200);
    for (const page of [first, second]) {
      await give(page).waitFor(LIVE);
      await row(page, 'Tino Extra').getByText('Asks to hold the table 10 more min').waitFor();
    }
    assert.equal(await row(first, 'Tino Extra').getByRole('button', { name: 'Refuse: Tino Extra' }).count(), 1);
    await first.screenshot({ path: new URL('queue-extra-en.png', SHOTS).pathname });
    assert.deepEqual(await seriousA11yViolations(first), []);

    // One tap gives the minutes: the answer shows at once, and on the other tablet live.
    await give(first).click();
    await row(first, 'Tino Extra').getByText('10 more min given').waitFor();
    await first.getByRole('status').filter({ hasText: 'Tino Extra: 10 more min given' }).waitFor();
    assert.equal(await give(first).count(), 0);
    await row(second, 'Tino Extra').getByText('10 more min given').waitFor(LIVE);
    assert.equal(await give(second).count(), 0);
    assert.equal((await h.messaging(M, tino)).extra_time.status, 'accepted');

    // The other one is refused.
    assert.equal((await h.text(phones.rosa, '+10')).status, 200);
    const refuse = row(first, 'Rosa Later').getByRole('button', { name: 'Refuse: Rosa Later' });
    await refuse.waitFor(LIVE);
    await refuse.click();
    await row(first, 'Rosa Later').getByText('More time refused').waitFor();
    await row(second, 'Rosa Later').getByText('More time refused').waitFor(LIVE);
    assert.equal(await row(second, 'Rosa Later').getByRole('button', { name: 'Give 10 min: Rosa Later' }).count(), 0);
    assert.equal((await h.messaging(M, rosa)).extra_time.status, 'refused');

    // Each guest is told the answer.
    await h.drain();
    const last = (phone: string) => h.fake.texts.filter((x) => x.to === phone).at(-1)?.body ?? '';
    assert.match(last(phones.tino), /we will hold your table 10 more min\./);
    assert.match(last(phones.rosa), /we cannot hold your table longer/);
    assert.deepEqual(web.foreign, []);
  });
});
