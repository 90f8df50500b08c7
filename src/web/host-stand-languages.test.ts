// The host stand in each language besides English and Arabic (host-stand.test.ts drives those
// through every screen): Simplified Chinese, Turkish and Italian, each signed in as a manager whose
// own language it is, on a tablet and a phone. The waitlist (with a guest's open "+10" request),
// the availability screen and the settings load with every message in the language (the client
// reports a missing one on the console), the right `lang` and `dir`, no serious accessibility
// violation and nothing wider than the screen. The weekday checkboxes of the weekly schedule lie
// in one row that wraps, right to left in Arabic. A status line and an error shown before the host
// switches language are written in each new language. One browser for the whole file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { format, isRtl, type Language, type MessageKey } from '../../web/src/i18n.js';
import { startApp } from '../test-support/app.js';
import { addService, putSlots } from '../test-support/bookings.js';
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

// `npm run screenshots` writes them into docs/screenshots/; other runs into a temporary folder.
const SHOTS = screenshotFolder('host-stand-languages-');
const M = 'lingua';
// A restaurant of its own for the status lines (its walk-in stays off the other screenshots).
const STATUS = 'lingua-status';
const LANGS = ['zh-CN', 'tr', 'it'] as const satisfies readonly Language[];
const WAIT = { timeout: 60_000 };

describe('host stand in every language', { skip: haveChromium() ? false : 'no chromium at CHROMIUM_PATH' }, () => {
  let h: SmsHarness;
  let web: PageServer;
  const tokens = new Map<Language, string>();

  before(async () => {
    h = await startSms(startApp, { nowMs: Math.floor(Date.now() / 1000) * 1000 });
    await seedSmsMerchant(h, {
      id: M,
      tables: [
        { id: 't1', name: 'T1', minSeats: 1, seats: 2 },
        { id: 't4', name: 'T4', minSeats: 2, seats: 4 },
      ],
    });
    await h.t.admin('PATCH', `/merchants/${M}`, { name: 'Trattoria Lingua' });
    // A called party that asked for ten more minutes (open), and a walk-in.
    const phone = '+12127365051';
    const asked = await h.join(M, { phone, given: 'Nadia', family: 'Extra' });
    await h.act(M, asked, 'notify');
    assert.equal((await h.text(phone, '+10')).status, 200);
    assert.equal((await h.messaging(M, asked)).extra_time.status, 'pending');
    const walkIn = await h.t.admin('POST', `/merchants/${M}/services/waitlist/walk-ins`, { party_size: 3, given_name: 'Walter' });
    assert.equal(walkIn.statusCode, 201, walkIn.body);
    // A booking service with slots tomorrow, for the availability screen.
    await addService(h.t, M, 'dinner');
    const tomorrow = Math.ceil(Date.now() / 1000 / 3600) * 3600 + 86_400;
    await putSlots(h.t, M, 'dinner', [tomorrow - 3600, tomorrow + 3 * 3600], [{ start: tomorrow }, { start: tomorrow + 1800 }]);
    for (const language of [...LANGS, 'ar'] as const) {
      const res = await h.t.admin('POST', `/merchants/${M}/staff`, { name: `Manager ${language}`, role: 'manager', language });
      assert.equal(res.statusCode, 201, res.body);
      tokens.set(language, res.json().token);
    }
    await seedSmsMerchant(h, { id: STATUS, rules: { maxPartySize: 6 } });
    const host = await h.t.admin('POST', `/merchants/${STATUS}/staff`, { name: 'Host en', role: 'host', language: 'en' });
    assert.equal(host.statusCode, 201, host.body);
    tokens.set('en', host.json().token);
    web = await servePages(h.t.app);
  });

  after(async () => {
    removeScreenshots(SHOTS);
    await web?.close();
    await h?.close();
  });

  /** A page signed in as the manager whose language is `lang`, with what it reports collected. */
  async function signedIn(lang: Language, viewport: { width: number; height: number }) {
    const page = await web.page({ viewport, locale: lang });
    const missing: string[] = [];
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && m.text().startsWith('i18n:')) missing.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    const t = (key: MessageKey, values?: Record<string, string | number>): string => format(lang, key, values);
    // The sign-in screen follows the browser's language.
    await signInHostStand(page, web.base, tokens.get(lang) ?? '', { lang });
    return { page, t, missing, errors };
  }

  async function checkScreen(s: Awaited<ReturnType<typeof signedIn>>, lang: Language, screen: string): Promise<void> {
    const { page } = s;
    assert.equal(await page.evaluate('document.documentElement.lang'), lang, screen);
    assert.equal(await page.evaluate('document.documentElement.dir'), isRtl(lang) ? 'rtl' : 'ltr', screen);
    assert.deepEqual(s.missing, [], `${screen}: messages missing`);
    assert.deepEqual(s.errors, [], `${screen}: script errors`);
    const violations = await seriousA11yViolations(page);
    assert.deepEqual(violations, [], `${screen}: ${JSON.stringify(violations, null, 1)}`);
    assert.equal(await page.evaluate('document.documentElement.scrollWidth > window.innerWidth'), false, `${screen}: nothing wider than the screen`);
    assert.deepEqual(web.foreign, [], `${screen}: no request to another host`);
  }

  /** The weekday checkboxes' rows (top to bottom), each with the boxes' left edges in the days' order. */
  async function weekdayRows(page: Page, t: (key: MessageKey) => string): Promise<number[][]> {
    const checkboxes = page.getByRole('group', { name: t('avail.days') }).getByRole('checkbox');
    // evaluateAll does not wait: the form renders after the page's data arrives.
    await checkboxes.nth(6).waitFor(WAIT);
    const boxes = await checkboxes.evaluateAll((els) => els.map((e) => ({ x: e.getBoundingClientRect().left, y: Math.round(e.getBoundingClientRect().top) })));
    assert.equal(boxes.length, 7);
    const rows = new Map<number, number[]>();
    for (const b of boxes) rows.set(b.y, [...(rows.get(b.y) ?? []), b.x]);
    return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, xs]) => xs);
  }

  /** In one row on a tablet, wrapping on a phone; in reading order (right to left in Arabic). */
  async function checkWeekdays(page: Page, t: (key: MessageKey) => string, lang: Language, phone: boolean): Promise<void> {
    const rows = await weekdayRows(page, t);
    if (phone) assert.ok(rows.length >= 2 && rows.length < 7, `${lang}: the days wrap into a few rows, not one per day: ${JSON.stringify(rows)}`);
    else assert.equal(rows.length, 1, `${lang}: the days lie in one row on a tablet: ${JSON.stringify(rows)}`);
    for (const xs of rows) {
      for (let i = 1; i < xs.length; i++) {
        const before = xs[i - 1] ?? 0;
        const now = xs[i] ?? 0;
        assert.ok(isRtl(lang) ? now < before : now > before, `${lang}: the days run in reading order: ${JSON.stringify(rows)}`);
      }
    }
  }

  for (const lang of LANGS) {
    for (const [size, viewport] of Object.entries(viewports)) {
      const phone = size === 'phone';
      const suffix = phone ? `${lang}-phone` : lang;
      test(`${lang} on a ${size}: waitlist with an open "+10", availability${phone ? '' : ' and settings'}`, async () => {
        const s = await signedIn(lang, viewport);
        const { page, t } = s;
        const asked = page.getByRole('listitem', { name: 'Nadia Extra' });
        await asked.getByRole('button', { name: t('action.for', { action: t('extra.accept', { minutes: 10 }), name: 'Nadia Extra' }) }).waitFor(WAIT);
        await asked.getByText(t('extra.asks', { minutes: 10 })).waitFor();
        await page.getByRole('listitem', { name: 'Walter' }).getByText(t('source.walk_in')).waitFor();
        await page.screenshot({ path: new URL(`queue-${suffix}.png`, SHOTS).pathname, fullPage: phone });
        await checkScreen(s, lang, `waitlist (${lang}, ${size})`);

        await page.getByRole('link', { name: t('nav.availability') }).click();
        await page.getByRole('heading', { name: t('nav.availability'), exact: true }).waitFor();
        // Tomorrow's two slots, as the week lists them.
        await page
          .getByRole('region', { name: t('avail.week') })
          .getByRole('listitem')
          .filter({ hasNotText: t('avail.closed') })
          .first()
          .waitFor(WAIT);
        await checkWeekdays(page, t, lang, phone);
        await page.screenshot({ path: new URL(`availability-${suffix}.png`, SHOTS).pathname, fullPage: true });
        await checkScreen(s, lang, `availability (${lang}, ${size})`);

        if (!phone) {
          await page.getByRole('link', { name: t('nav.settings') }).click();
          await page.getByRole('heading', { name: t('nav.settings'), exact: true }).waitFor();
          await page
            .getByRole('region', { name: t('settings.staff') })
            .getByText(`Manager ${lang}`)
            .waitFor();
          await page.screenshot({ path: new URL(`settings-${suffix}.png`, SHOTS).pathname, fullPage: true });
          await checkScreen(s, lang, `settings (${lang}, ${size})`);
        }
        await page.context().close();
      });
    }
  }

  test('Arabic: the weekday checkboxes run right to left, in one row on a tablet, wrapping on a phone', async () => {
    for (const [size, viewport] of Object.entries(viewports)) {
      const s = await signedIn('ar', viewport);
      await s.page.getByRole('link', { name: s.t('nav.availability') }).click();
      await s.page.getByRole('heading', { name: s.t('nav.availability'), exact: true }).waitFor();
      await checkWeekdays(s.page, s.t, 'ar', size === 'phone');
      await checkScreen(s, 'ar', `availability (ar, ${size})`);
      await s.page.context().close();
    }
  });

  test('a late answer to an earlier change of language does not switch the page back', async () => {
    const s = await signedIn('en', viewports.tablet);
    const { page } = s;
    // The server's answer to the change to Turkish is held until the page has asked for Italian and
    // been answered; then it arrives, late.
    let releaseTurkish: () => void = () => {};
    const turkishHeld = new Promise<void>((resolve) => {
      releaseTurkish = resolve;
    });
    let turkishAnswered: Promise<void> = Promise.resolve();
    await page.route('**/session', async (route) => {
      const request = route.request();
      if (request.method() === 'PATCH' && (request.postData() ?? '').includes('"tr"')) {
        turkishAnswered = (async () => {
          const answer = await route.fetch();
          await turkishHeld;
          await route.fulfill({ response: answer });
        })();
        return;
      }
      await route.continue();
    });
    const menu = (lang: Language) => page.getByRole('banner').getByRole('combobox', { name: format(lang, 'nav.language') });
    await menu('en').selectOption('tr');
    await page.getByRole('link', { name: format('tr', 'nav.queue') }).waitFor(WAIT);
    const italianAnswer = page.waitForResponse(
      (r) => r.url().endsWith('/session') && r.request().method() === 'PATCH' && (r.request().postData() ?? '').includes('"it"'),
    );
    await menu('tr').selectOption('it');
    await italianAnswer;
    const turkishResponse = page.waitForResponse((r) => r.url().endsWith('/session') && (r.request().postData() ?? '').includes('"tr"'), WAIT);
    releaseTurkish();
    await turkishAnswered;
    await turkishResponse;
    // A whole round trip of the page's own after the late answer arrived: by then it has handled it.
    await page.evaluate(() => fetch('/app').then((r) => r.text()));
    assert.equal(await page.evaluate('document.documentElement.lang'), 'it');
    await page.getByRole('link', { name: format('it', 'nav.queue') }).waitFor(WAIT);
    assert.deepEqual(s.errors, [], 'script errors');
    // The language is the staff member's: back to English for the tests that sign in after this one.
    await page.unroute('**/session');
    const englishAnswer = page.waitForResponse((r) => r.url().endsWith('/session') && r.request().method() === 'PATCH', WAIT);
    await menu('it').selectOption('en');
    await englishAnswer;
    await page.context().close();
  });

  test('a status line and an error follow a change of language: in Chinese, Arabic, Turkish, Italian and back', async () => {
    const s = await signedIn('en', viewports.tablet);
    const { page } = s;
    let lang: Language = 'en';
    const t = (key: MessageKey, values?: Record<string, string | number>): string => format(lang, key, values);
    /** Picks `next` in the bar's language menu and waits until the page is written in it. */
    const switchTo = async (next: Language): Promise<void> => {
      await page
        .getByRole('banner')
        .getByRole('combobox', { name: t('nav.language') })
        .selectOption(next);
      lang = next;
      await page.getByRole('link', { name: t('nav.queue') }).waitFor(WAIT);
      assert.equal(await page.evaluate('document.documentElement.lang'), lang);
    };
    // The line the screens write to (role=status, beside the bar's "Live", also a status).
    const statusLine = page.getByRole('status').filter({ hasText: 'Walker' });
    const addWalkIn = async (name: string, party: number): Promise<void> => {
      await page.getByLabel(t('walkin.name')).fill(name);
      await page.getByLabel(t('walkin.party')).fill(String(party));
      await page.getByRole('button', { name: t('walkin.submit') }).click();
    };

    await addWalkIn('Walker', 2);
    await statusLine.filter({ hasText: t('walkin.added', { name: 'Walker' }) }).waitFor(WAIT);
    for (const next of ['zh-CN', 'ar', 'tr', 'it'] as const) {
      await switchTo(next);
      assert.equal(await statusLine.textContent(), t('walkin.added', { name: 'Walker' }), `status line in ${lang}`);
    }
    // A message within the message: the state in "Walker: Notified".
    await page
      .getByRole('listitem', { name: 'Walker' })
      .getByRole('button', { name: t('action.for', { action: t('action.notify'), name: 'Walker' }) })
      .click();
    const notified = (): string => t('action.done', { name: 'Walker', state: t('state.SERVICE_READY') });
    await statusLine.filter({ hasText: notified() }).waitFor(WAIT);
    await switchTo('ar');
    assert.equal(await statusLine.textContent(), notified(), 'status line in ar');

    // An error (a party larger than the restaurant takes) keeps the server's words inside the frame of the language.
    await addWalkIn('Big party', 9);
    const alert = page.getByRole('alert');
    await alert.waitFor(WAIT);
    const prefix = t('error.generic', { message: '' });
    const shown = (await alert.textContent()) ?? '';
    assert.ok(shown.startsWith(prefix), shown);
    const serverSays = shown.slice(prefix.length);
    assert.ok(serverSays.length > 0, shown);
    for (const next of ['tr', 'en'] as const) {
      await switchTo(next);
      assert.equal(await alert.textContent(), t('error.generic', { message: serverSays }), `error in ${lang}`);
    }
    assert.deepEqual(s.missing, [], 'messages missing');
    assert.deepEqual(s.errors, [], 'script errors');
    assert.deepEqual(web.foreign, [], 'no request to another host');
    await page.context().close();
  });
});
