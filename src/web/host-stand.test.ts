// The host stand in Debian's chromium, as hosts use it: sign in, add a walk-in, see a Google join
// arrive live, notify, seat at a table, no-show; a second tablet follows live; a booking cancelled
// on screen reaches Google; forged requests and another merchant's screen are refused; no serious
// accessibility violation on any screen; screenshots of each screen in English and Arabic.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { addService, book, putSlots } from '../test-support/bookings.js';
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
import { patchesOf, startRtu, type RtuHarness } from '../test-support/rtu.js';
import { ADMIN_TOKEN, seedMerchant, startApp, type TestApp } from '../test-support/app.js';
import { format } from '../../web/src/i18n.js';
import { CLIENT_DIR } from './plugin.js';
import { recordKindRuns } from '../feeds/repository.js';

// `npm run screenshots` writes them into docs/screenshots/ (shown in docs/HOST-STAND.md).
const SHOTS = screenshotFolder('host-stand-shots-');
const M = 'bistro';
const OTHER = 'elsewhere';

describe('host stand in chromium', { skip: haveChromium() ? false : 'no chromium at CHROMIUM_PATH' }, () => {
  let h: RtuHarness;
  let t: TestApp;
  let web: PageServer;
  let base: string;
  let hostToken: string;
  let otherHostToken: string;

  before(async () => {
    // The server's clock is the real time, as the browser's is.
    h = await startRtu(startApp, { nowMs: Math.floor(Date.now() / 1000) * 1000 });
    t = h.t;
    await seedMerchant(t.services, {
      id: M,
      tables: [
        { id: 't1', name: 'T1', minSeats: 1, seats: 2 },
        { id: 't2', name: 'T2', minSeats: 1, seats: 2 },
        { id: 't6', name: 'T6', minSeats: 4, seats: 6 },
      ],
    });
    await t.admin('PATCH', `/merchants/${M}`, { name: 'Bistro Nord' });
    await seedMerchant(t.services, { id: OTHER });
    hostToken = (await t.admin('POST', `/merchants/${M}/staff`, { name: 'Hana', role: 'host' })).json().token;
    otherHostToken = (await t.admin('POST', `/merchants/${OTHER}/staff`, { name: 'Otto', role: 'host' })).json().token;
    web = await servePages(t.app);
    base = web.base;
  });

  after(async () => {
    removeScreenshots(SHOTS);
    await web?.close();
    await h?.close();
    assert.deepEqual(web?.foreign, [], 'no request to any other host');
  });

  const tablet = (viewport: { width: number; height: number } = viewports.tablet): Promise<Page> =>
    web.page({ viewport, locale: 'en-US', timezoneId: 'America/New_York' });
  const signIn = (page: Page, token: string, merchant?: string): Promise<void> =>
    signInHostStand(page, base, token, merchant === undefined ? {} : { merchant });

  async function noSeriousViolations(page: Page, screen: string): Promise<void> {
    const violations = await seriousA11yViolations(page);
    assert.deepEqual(violations, [], `${screen}: ${JSON.stringify(violations, null, 1)}`);
  }

  const row = (page: Page, name: string) => page.getByRole('listitem', { name });
  /** The New York day of the booking the bookings test makes (tomorrow when run after 22:30 there). */
  let bookingDay = '';

  let first: Page;
  let second: Page;

  test('sign in: the browser keeps no token, only an HttpOnly cookie', async () => {
    first = await tablet();
    await first.goto(`${base}/app`);
    await noSeriousViolations(first, 'sign-in');
    await first.getByLabel('Staff or merchant token').fill('bss_wrong');
    await first.getByRole('button', { name: 'Sign in' }).click();
    await first.getByRole('alert').filter({ hasText: 'That token was not accepted.' }).waitFor();
    await signIn(first, hostToken);
    const storage = String(await first.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie'));
    assert.ok(!storage.includes(hostToken));
    assert.ok(!storage.includes('bs_session'), 'the session cookie is HttpOnly');
    const cookies = await first.context().cookies();
    const session = cookies.find((c) => c.name === 'bs_session');
    assert.ok(session?.httpOnly);
    assert.equal(session?.sameSite, 'Strict');
  });

  test('add a walk-in; a second tablet sees it live', async () => {
    second = await tablet();
    await signIn(second, hostToken);
    await first.getByLabel('Name').fill('Walker');
    await first.getByLabel('Party size').fill('2');
    await first.getByLabel('Phone (optional)').fill('+1 212 555 0142');
    await first.getByRole('button', { name: 'Add to waitlist' }).click();
    await row(first, 'Walker').waitFor();
    await first.getByRole('status').filter({ hasText: 'Walker added' }).waitFor();
    await row(second, 'Walker').waitFor();
    assert.equal(await row(second, 'Walker').getByText('Walk-in').count(), 1);
  });

  test('a Google join made through /v3 arrives live on both tablets with a Google badge', async () => {
    const res = await t.google('CreateWaitlistEntry', {
      merchant_id: M,
      service_id: 'waitlist',
      party_size: 2,
      idempotency_token: 'browser-join-1',
      user_information: { user_id: 'g-1', given_name: 'Gia', family_name: 'Rossi', telephone: '+1 212-555-0100' },
    });
    assert.equal(res.statusCode, 200, res.body);
    for (const page of [first, second]) {
      await row(page, 'Gia Rossi').waitFor();
      await row(page, 'Gia Rossi').getByText('Google', { exact: true }).waitFor();
    }
    await first.screenshot({ path: new URL('queue-en.png', SHOTS).pathname });
    await noSeriousViolations(first, 'queue');
  });

  test('notify: the result shows at once, and on the other tablet live', async () => {
    await row(first, 'Walker').getByRole('button', { name: 'Notify' }).click();
    await row(first, 'Walker').getByText('Notified', { exact: true }).waitFor();
    await row(second, 'Walker').getByText('Notified', { exact: true }).waitFor();
    // Only the actions the server allows from SERVICE_READY are offered.
    assert.equal(await row(first, 'Walker').getByRole('button', { name: 'Notify' }).count(), 0);
  });

  test('seat at a table from the picker, which shows what fits and what is free', async () => {
    await row(first, 'Gia Rossi').getByRole('button', { name: 'Seat' }).click();
    const dialog = first.getByRole('dialog', { name: 'Seat Gia Rossi' });
    await dialog.waitFor();
    assert.equal(await dialog.getByRole('radio').count(), 3);
    await dialog.getByText('Wrong size').waitFor();
    await first.screenshot({ path: new URL('seat-en.png', SHOTS).pathname });
    await noSeriousViolations(first, 'seat dialog');
    await dialog.getByRole('radio', { name: /T2/ }).check();
    await dialog.getByRole('button', { name: 'Seat here' }).click();
    await first.getByRole('status').filter({ hasText: 'Gia Rossi: Seated' }).waitFor();
    await row(first, 'Gia Rossi').waitFor({ state: 'detached' });
    await row(second, 'Gia Rossi').waitFor({ state: 'detached' });
    const seated = (await t.admin('GET', `/merchants/${M}/waitlist-entries?state=SEATED`)).json().entries;
    assert.equal(seated.length, 1);
    assert.equal(seated[0].table_id, 't2');
    // The next party's picker shows T2 as occupied.
    await row(first, 'Walker').getByRole('button', { name: 'Seat' }).click();
    const next = first.getByRole('dialog', { name: 'Seat Walker' });
    await next.getByRole('radio', { name: /T2.*Occupied/ }).waitFor();
    await next.getByRole('button', { name: 'Close' }).click();
    await next.waitFor({ state: 'detached' });
  });

  test('no-show', async () => {
    await row(first, 'Walker').getByRole('button', { name: 'No-show' }).click();
    await row(first, 'Walker').waitFor({ state: 'detached' });
    await row(second, 'Walker').waitFor({ state: 'detached' });
    await first.getByText('Nobody is waiting.').waitFor();
    const entry = (await t.admin('GET', `/merchants/${M}/waitlist-entries?state=NO_SHOW`)).json().entries;
    assert.equal(entry.length, 1);
  });

  test('pause and resume Google joins', async () => {
    await first.getByRole('button', { name: 'Pause Google joins' }).click();
    await first.getByText('Google joins are paused.').first().waitFor();
    assert.equal((await t.admin('GET', `/merchants/${M}/services/waitlist`)).json().waitlist.paused, true);
    await second.getByRole('button', { name: 'Resume Google joins' }).waitFor();
    await first.getByRole('button', { name: 'Resume Google joins' }).click();
    await first.getByRole('button', { name: 'Pause Google joins' }).waitFor();
    assert.equal((await t.admin('GET', `/merchants/${M}/services/waitlist`)).json().waitlist.paused, false);
  });

  test('the floor shows the seated table', async () => {
    await first.getByRole('link', { name: 'Tables' }).click();
    await first.getByRole('heading', { name: 'Floor' }).waitFor();
    const t2 = first.getByRole('listitem').filter({ has: first.getByRole('heading', { name: 'T2' }) });
    await t2.getByText(/Seated since .*Gia Rossi, 2 guests/).waitFor();
    const t1 = first.getByRole('listitem').filter({ has: first.getByRole('heading', { name: 'T1' }) });
    await t1.getByText('Free', { exact: true }).waitFor();
    await first.screenshot({ path: new URL('tables-en.png', SHOTS).pathname });
    await noSeriousViolations(first, 'tables');
    // The party leaves: the host clears the table, and it is free again.
    await t2.getByRole('button', { name: /Table cleared/ }).click();
    await t2.getByText('Free', { exact: true }).waitFor();
    const left = (await t.admin('GET', `/merchants/${M}/waitlist-entries?state=SEATED`)).json().entries[0];
    assert.notEqual(left.times.left_at, null);
  });

  test('a booking cancelled from the screen sends its update to Google', async () => {
    await addService(t, M, 'dinner');
    const start = Math.ceil((Date.now() / 1000 + 3600) / 1800) * 1800;
    await putSlots(t, M, 'dinner', [start - 1800, start + 3600], [{ start, spots: 4 }]);
    const booking = await book(t, { merchantId: M, serviceId: 'dinner', start });
    await h.settle();
    await first.getByRole('link', { name: 'Bookings' }).click();
    bookingDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(start * 1000);
    await first.getByLabel('Day').fill(bookingDay);
    const line = first.getByRole('row').filter({ hasText: 'Grace Hopper' });
    await line.getByText('Confirmed').waitFor();
    await first.screenshot({ path: new URL('bookings-en.png', SHOTS).pathname });
    await noSeriousViolations(first, 'bookings');
    // A booking made from the screen, then its party size changed.
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(start * 1000);
    await first.getByLabel('Time', { exact: true }).fill(local);
    await first.getByLabel('Name', { exact: true }).fill('Screen Guest');
    await first.getByRole('button', { name: 'Book', exact: true }).click();
    const made = first.getByRole('row').filter({ hasText: 'Screen Guest' });
    await made.getByText('Confirmed').waitFor();
    const listed = (await t.admin('GET', `/merchants/${M}/bookings?service_id=dinner`)).json().bookings;
    const mine = listed.find((b: { guest: { given_name: string } }) => b.guest.given_name === 'Screen Guest');
    assert.equal(mine.start_sec, start, 'the wall-clock time in the merchant zone became the right instant');
    assert.equal(mine.source, 'merchant');
    await made.getByRole('button', { name: /Change/ }).click();
    await made.getByLabel('Party size').fill('1');
    await made.getByRole('button', { name: 'Set party size' }).click();
    await made.getByText('1 guest', { exact: true }).waitFor();
    assert.equal((await t.admin('GET', `/merchants/${M}/bookings/${mine.id}`)).json().party_size, 1);
    // No-show is offered only from the start on.
    assert.equal(await line.getByRole('button', { name: /No-show/ }).count(), 0);
    await line.getByRole('button', { name: /Cancel booking/ }).click();
    await line.getByText('Cancelled').waitFor();
    await h.drain();
    const patches = patchesOf(h.fake, booking.booking_id);
    assert.equal(patches.length, 1, JSON.stringify(h.fake.calls.map((c) => c.path)));
    assert.match(JSON.stringify(patches[0]?.body), /CANCELED/);
  });

  test('a forged request without the CSRF token is refused, even from the signed-in page', async () => {
    const status = await first.evaluate(async (merchant) => {
      const res = await fetch(`/admin/v1/merchants/${merchant}/services/waitlist/walk-ins`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ party_size: 2, given_name: 'Forged' }),
      });
      return res.status;
    }, M);
    assert.equal(status, 403);
    const queue = (await t.admin('GET', `/merchants/${M}/services/waitlist/queue`)).json().entries;
    assert.ok(!queue.some((e: { guest: { given_name: string } }) => e.guest.given_name === 'Forged'));
  });

  test("a host sees no manager's screen, even by its address, and the server refuses a host's change of the tables", async () => {
    assert.equal(await first.getByRole('link', { name: 'Availability' }).count(), 0);
    assert.equal(await first.getByRole('link', { name: 'Settings' }).count(), 0);
    await first.goto(`${base}/app#settings`);
    await first.getByRole('heading', { name: 'Waitlist' }).waitFor();
    assert.equal(await first.getByRole('heading', { name: 'Settings', exact: true }).count(), 0);
    const refused = await first.evaluate(async (merchant) => {
      const csrf = ((await (await fetch('/admin/v1/session')).json()) as { csrf_token: string }).csrf_token;
      const res = await fetch(`/admin/v1/merchants/${merchant}/tables`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ tables: [{ id: 'bar', seats: 9 }] }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    }, M);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'FORBIDDEN');
    assert.match(refused.body.error.message, /needs a manager/);
    assert.ok(!(await t.admin('GET', `/merchants/${M}/tables`)).json().tables.some((x: { id: string }) => x.id === 'bar'));
  });

  test("a host of another merchant cannot open this merchant's screen (403)", async () => {
    const page = await tablet();
    await signIn(page, otherHostToken);
    const statuses = await page.evaluate(async (merchant) => {
      const queue = await fetch(`/admin/v1/merchants/${merchant}/services/waitlist/queue`);
      const events = await fetch(`/admin/v1/merchants/${merchant}/events`);
      return [queue.status, events.status];
    }, M);
    assert.deepEqual(statuses, [403, 403]);
  });

  test("Arabic, right to left, on a tablet and a phone; the language is the staff member's own", async () => {
    await first.getByRole('link', { name: 'Waitlist' }).click();
    await first.getByRole('combobox', { name: 'Language' }).selectOption('ar');
    await first.getByRole('heading', { name: 'قائمة الانتظار' }).waitFor();
    assert.equal(await first.evaluate('document.documentElement.dir'), 'rtl');
    assert.equal(await first.evaluate('document.documentElement.lang'), 'ar');
    const walkIn = await t.admin('POST', `/merchants/${M}/services/waitlist/walk-ins`, { party_size: 2, given_name: 'ليلى', telephone: '+1 212 555 0199' });
    assert.equal(walkIn.statusCode, 201, walkIn.body);
    await t.google('CreateWaitlistEntry', {
      merchant_id: M,
      service_id: 'waitlist',
      party_size: 2,
      idempotency_token: 'browser-join-2',
      user_information: { user_id: 'g-2', given_name: 'Omar', family_name: 'Haddad', telephone: '+1 212-555-0101' },
    });
    await row(first, 'Omar Haddad').waitFor();
    await row(first, 'ليلى').waitFor();
    await first.screenshot({ path: new URL('queue-ar.png', SHOTS).pathname });
    await noSeriousViolations(first, 'queue (ar)');
    await row(first, 'Omar Haddad').getByRole('button', { name: 'إجلاس' }).click();
    await first.getByRole('dialog').waitFor();
    await first.screenshot({ path: new URL('seat-ar.png', SHOTS).pathname });
    await first.getByRole('dialog').getByRole('radio', { name: /T1/ }).check();
    await first.getByRole('button', { name: 'إجلاس هنا' }).click();
    await row(first, 'Omar Haddad').waitFor({ state: 'detached' });
    await first.getByRole('link', { name: 'الطاولات' }).click();
    await first.getByRole('heading', { name: 'الصالة' }).waitFor();
    await first.screenshot({ path: new URL('tables-ar.png', SHOTS).pathname });
    await noSeriousViolations(first, 'tables (ar)');
    await first.getByRole('link', { name: 'الحجوزات' }).click();
    await first.getByRole('heading', { name: 'الحجوزات' }).waitFor();
    // The screen opens on today: show the bookings' day.
    await first.getByLabel(format('ar', 'bookings.day')).fill(bookingDay);
    await first.getByRole('row').nth(1).waitFor();
    await first.screenshot({ path: new URL('bookings-ar.png', SHOTS).pathname });
    await noSeriousViolations(first, 'bookings (ar)');

    // The language follows the staff member to another device.
    const phone = await tablet(viewports.phone);
    await phone.goto(`${base}/app`);
    await phone.getByLabel('Staff or merchant token').fill(hostToken);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByRole('heading', { name: 'قائمة الانتظار' }).waitFor();
    await row(phone, 'ليلى').waitFor();
    await phone.screenshot({ path: new URL('queue-ar-phone.png', SHOTS).pathname, fullPage: true });
    await noSeriousViolations(phone, 'queue (ar, phone)');
    const overflow = await phone.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    assert.equal(overflow, false, 'nothing wider than the phone');
  });

  test("a manager (bootstrap token) picks the restaurant, adds a host whose token is shown once, edits rules and tables, and sees Google's health", async () => {
    const at = Math.floor(Date.now() / 1000) - 3600;
    const feedRun = { startedAt: at, finishedAt: at, slots: null, shards: 1, bytes: 100, uploadedFiles: 1, error: null } as const;
    await recordKindRuns(t.store.db, [
      { ...feedRun, kind: 'merchants', outcome: 'ok', records: 2 },
      { ...feedRun, kind: 'services', outcome: 'ok', records: 2 },
      { ...feedRun, kind: 'availability', outcome: 'failed', records: 0, uploadedFiles: null, error: 'upload failed: SFTP refused' },
    ]);
    assert.equal(await first.getByRole('link', { name: 'الإعدادات' }).count(), 0, 'a host has no settings screen');
    const page = await tablet();
    await signIn(page, ADMIN_TOKEN, 'Bistro Nord');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
    const staff = page.getByRole('region', { name: 'Staff' });
    await staff.getByLabel('Name').fill('Mia');
    await staff.getByLabel('Language').selectOption('it');
    await staff.getByRole('button', { name: 'Add staff member' }).click();
    const shown = await staff.getByRole('status').locator('code').textContent();
    assert.match(String(shown), /^bss_/);
    // Google's health: the /v3 calls of this test, counted per method and status.
    const health = page.getByRole('region', { name: "Google's health (from our side)" });
    await health.getByRole('row').filter({ hasText: 'CreateWaitlistEntry' }).first().waitFor();
    await health.getByText(/waiting, \d+ failed for good/).waitFor();
    // This restaurant's own updates, and the last run of each feed kind with its counts (the operator's).
    await health.getByRole('heading', { name: 'Updates to Google for this restaurant' }).waitFor();
    await health.getByText(/^\d+ waiting, \d+ delivered in the last 24 h, \d+ failed for good$/).waitFor();
    await health
      .getByRole('row')
      .filter({ hasText: 'Availability' })
      .filter({ hasText: 'Failed' })
      .filter({ hasText: 'upload failed: SFTP refused' })
      .waitFor();
    await health.getByRole('row').filter({ hasText: 'Merchants' }).filter({ hasText: 'Uploaded' }).filter({ hasText: '2' }).waitFor();
    await health.getByRole('columnheader', { name: 'Records' }).waitFor();
    // Rules and tables through the admin API.
    const rules = page.getByRole('region', { name: /Waitlist rules/ });
    await rules.getByLabel('Largest party').fill('8');
    await rules.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.equal((await t.admin('GET', `/merchants/${M}/services/waitlist`)).json().waitlist.max_party_size, 8);
    const tablesSection = page.getByRole('region', { name: 'Tables' });
    await tablesSection.getByLabel('Table', { exact: true }).fill('Terrace 9');
    await tablesSection.getByLabel('Seats', { exact: true }).fill('6');
    await tablesSection.getByRole('button', { name: 'Add table' }).click();
    await tablesSection.getByText('Terrace 9').waitFor();
    assert.ok(
      (await t.admin('GET', `/merchants/${M}/tables`)).json().tables.some((x: { name: string; seats: number }) => x.name === 'Terrace 9' && x.seats === 6),
    );
    // Learned turn times next to the configured ones, and the last 7 days' quote accuracy; once
    // learned (the screen opened again), the walk-aways, the calibrated range and the turn times
    // by day and hour.
    // Two turns of 40 minutes at t1 eight days ago (an imported history: no quotes, no guests).
    const ago = Math.floor(Date.now() / 1000) - 8 * 86_400;
    const turn = (i: number) => ({
      id: `turn ${i}`,
      serviceId: '',
      partySize: 2,
      state: 'SEATED' as const,
      tableId: 't1',
      joinedAt: ago + i * 2400,
      seatedAt: ago + i * 2400,
      leftAt: ago + (i + 1) * 2400,
      canceledAt: null,
      noShowAt: null,
      quote: null,
    });
    assert.equal(await t.services.waitlist.importHistory(M, 'waitlist', [turn(0), turn(1)]), 2);
    assert.equal((await t.admin('POST', `/merchants/${M}/estimates/refresh`, {})).statusCode, 200);
    await page.getByRole('link', { name: 'Waitlist' }).click();
    await page.getByRole('heading', { name: 'Waitlist' }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
    const estimates = (await t.admin('GET', `/merchants/${M}/estimates`)).json();
    const turns = page.getByRole('region', { name: 'Turn times' });
    await turns.getByText(`Walk-aways learned: ${Math.round(estimates.walk_aways.no_show_rate * 100)}% of called parties do not show up`).waitFor();
    await turns
      .getByText(`Quoted range: calibrated so that 80% of seated parties are seated inside it (from ${estimates.history.range_samples} seated parties).`)
      .waitFor();
    const q = estimates.range[2];
    await turns
      .getByText(
        `Planned wait 20 min: range ${Math.max(0, Math.floor(20 + q.low * 30))}–${Math.max(Math.max(0, Math.floor(20 + q.low * 30)) + 1, Math.ceil(20 + q.high * 30))} min`,
      )
      .waitFor();
    const cells = estimates.turn_times_by_day_and_hour;
    assert.ok(cells.length > 0, 'the test recorded turns');
    await turns.getByText('Learned turn times by day and hour').click();
    await turns.getByRole('row').filter({ hasText: cells[0].hours }).first().waitFor();
    await turns
      .getByText(
        `Last 7 days: ${estimates.accuracy_7d.quoted} quoted, ${estimates.accuracy_7d.seated} seated, ${estimates.accuracy_7d.walked_away} walked away`,
      )
      .waitFor();
    const band = estimates.turn_times[0];
    await turns
      .getByText(band.observations > 0 && band.learned_minutes !== null ? `Learned: ${Math.round(band.learned_minutes)} min` : 'Not learned yet')
      .first()
      .waitFor();
    // Opening hours and the texts to guests, through the admin API.
    const merchantJson = async () => (await t.admin('GET', `/merchants/${M}`)).json();
    const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!(await check())) {
        assert.ok(Date.now() < deadline, what);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const messages = page.getByRole('region', { name: 'Texts to guests' });
    await messages.getByLabel('Language of the texts').selectOption('it');
    await messages.getByLabel('"Almost your turn" at place in line').fill('3');
    await messages.getByLabel('Grace minutes before a no-show').fill('');
    await messages.getByRole('button', { name: 'Save' }).click();
    await until(async () => {
      const gm = (await merchantJson()).guest_messages;
      return gm.language === 'it' && gm.almost_turn_position === 3 && gm.grace_minutes === null;
    }, 'guest message settings saved');
    const hours = page.getByRole('region', { name: 'Opening hours' });
    await hours.getByRole('button', { name: 'Remove: Monday 00:00–24:00' }).click();
    await hours.getByRole('button', { name: 'Remove: Monday 00:00–24:00' }).waitFor({ state: 'detached' });
    await hours.getByRole('combobox').selectOption('1');
    await hours.getByLabel('Opens', { exact: true }).fill('17:00');
    await hours.getByLabel('Closes', { exact: true }).fill('23:00');
    await hours.getByRole('button', { name: 'Add hours' }).click();
    await hours.getByRole('button', { name: 'Remove: Monday 17:00–23:00' }).waitFor();
    const monday = (await merchantJson()).opening_hours.filter((x: { day: number }) => x.day === 1);
    assert.deepEqual(monday, [{ day: 1, open: '17:00', close: '23:00' }]);
    assert.equal((await merchantJson()).opening_hours.length, 7);
    await page.screenshot({ path: new URL('settings-en.png', SHOTS).pathname, fullPage: true });
    await noSeriousViolations(page, 'settings');
    // The new host signs in with the token shown, in their language.
    const mia = await tablet();
    await mia.goto(`${base}/app`);
    await mia.getByLabel('Staff or merchant token').fill(String(shown));
    await mia.getByRole('button', { name: 'Sign in' }).click();
    await mia.getByRole('heading', { name: "Lista d'attesa" }).waitFor();
    // Settings in Arabic for the screenshot.
    await page.getByRole('banner').getByRole('combobox', { name: 'Language' }).selectOption('ar');
    await page.getByRole('heading', { name: 'الإعدادات', exact: true }).waitFor();
    await page.screenshot({ path: new URL('settings-ar.png', SHOTS).pathname, fullPage: true });
    await noSeriousViolations(page, 'settings (ar)');
  });

  test("a merchant's manager sees its own updates to Google and the last feed runs, without every merchant's counts and calls", async () => {
    const token = (await t.admin('POST', '/tokens', { merchant_id: M, label: 'manager' })).json().token;
    const page = await tablet();
    await signIn(page, token);
    await page.getByRole('link', { name: 'Settings' }).click();
    const health = page.getByRole('region', { name: "Google's health (from our side)" });
    await health.getByText(/^\d+ waiting, \d+ delivered in the last 24 h, \d+ failed for good$/).waitFor();
    await health.getByRole('row').filter({ hasText: 'Availability' }).filter({ hasText: 'upload failed: SFTP refused' }).waitFor();
    assert.equal(await health.getByRole('columnheader', { name: 'Records' }).count(), 0);
    assert.equal(await health.getByRole('heading', { name: 'Calls Google made since this server started' }).count(), 0);
    await noSeriousViolations(page, 'settings (merchant manager)');
  });

  test('availability: a weekly schedule, a closed day and a blocked evening, each with its update to Google pending then delivered', async () => {
    await h.settle();
    const page = await tablet();
    await signIn(page, ADMIN_TOKEN, 'Bistro Nord');
    await page.getByRole('link', { name: 'Availability' }).click();
    await page.getByRole('heading', { name: 'Availability', exact: true }).waitFor();
    const zone = 'America/New_York';
    const day = (offset: number): string =>
      new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now() + offset * 86_400_000);
    const slotsOn = async (d: string): Promise<{ start_sec: number }[]> => {
      const from = Date.parse(`${d}T00:00:00Z`) / 1000 - 14 * 3600;
      const all = (await t.admin('GET', `/merchants/${M}/services/dinner/availability?from=${from}&to=${from + 52 * 3600}`)).json().slots as {
        start_sec: number;
      }[];
      return all.filter(
        (s) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(s.start_sec * 1000) === d,
      );
    };
    const localTime = (sec: number): string =>
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(sec * 1000);
    const delivered = async (): Promise<void> => {
      await page.getByRole('status').filter({ hasText: 'Update to Google: pending' }).waitFor();
      await h.drain();
      await page.getByRole('status').filter({ hasText: 'Update to Google: delivered' }).waitFor();
    };
    // The weekly schedule: days 1..3 from now, 18:00 to 21:00 every 30 minutes.
    const schedule = page.getByRole('region', { name: 'Weekly schedule' });
    await schedule.getByLabel('First day').fill(day(1));
    await schedule.getByLabel('Last day').fill(day(3));
    await schedule.getByRole('button', { name: 'Apply schedule' }).click();
    await page.getByRole('status').filter({ hasText: 'Schedule saved.' }).waitFor();
    await delivered();
    assert.deepEqual(
      (await slotsOn(day(2))).map((s) => localTime(s.start_sec)),
      ['18:00', '18:30', '19:00', '19:30', '20:00', '20:30', '21:00'],
    );
    assert.ok(
      h.fake.calls.some((c) => c.path.endsWith('/availability:replace')),
      JSON.stringify(h.fake.calls.map((c) => c.path)),
    );
    const week = page.getByRole('region', { name: 'The next 7 days' });
    await week
      .getByText(/Slots: 7, first 6:00\sPM, last 9:00\sPM/)
      .first()
      .waitFor();
    await noSeriousViolations(page, 'availability');
    // Close day 1; block day 3 from 19:00.
    const exceptions = page.getByRole('region', { name: 'Exceptions' });
    await exceptions.getByLabel('Day to close').fill(day(1));
    await exceptions.getByRole('button', { name: 'Close the day' }).click();
    await page.getByRole('status').filter({ hasText: 'Day closed.' }).waitFor();
    await delivered();
    assert.deepEqual(await slotsOn(day(1)), []);
    await exceptions.getByLabel('Evening to block').fill(day(3));
    await exceptions.getByLabel('From').fill('19:00');
    await exceptions.getByRole('button', { name: 'Block' }).click();
    await page.getByRole('status').filter({ hasText: 'Evening blocked.' }).waitFor();
    await delivered();
    assert.deepEqual(
      (await slotsOn(day(3))).map((s) => localTime(s.start_sec)),
      ['18:00', '18:30'],
    );
    assert.equal((await slotsOn(day(2))).length, 7, 'the other days keep their slots');
    await page.screenshot({ path: new URL('availability-en.png', SHOTS).pathname, fullPage: true });
    await page.getByRole('banner').getByRole('combobox', { name: 'Language' }).selectOption('ar');
    await page.getByRole('heading', { name: 'المواعيد المتاحة', exact: true }).waitFor();
    await page.screenshot({ path: new URL('availability-ar.png', SHOTS).pathname, fullPage: true });
    await noSeriousViolations(page, 'availability (ar)');
  });

  test('sign-in screen in Arabic, and sign-out', async () => {
    await second.getByRole('button', { name: 'Sign out' }).click();
    await second.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await second.evaluate(() => fetch('/admin/v1/session').then((r) => r.status)), 401);
    const page = await tablet();
    await page.goto(`${base}/app`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.screenshot({ path: new URL('signin-en.png', SHOTS).pathname });
    const arPage = await web.page({ viewport: viewports.tablet, locale: 'ar' });
    await arPage.goto(`${base}/app`);
    await arPage.getByRole('heading', { name: 'تسجيل الدخول' }).waitFor();
    await arPage.screenshot({ path: new URL('signin-ar.png', SHOTS).pathname });
    await noSeriousViolations(arPage, 'sign-in (ar)');
  });
});

test('the built client ships under 150 KB of gzipped JavaScript', () => {
  const dir = `${CLIENT_DIR}/assets`;
  const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(js.length > 0);
  const total = js.reduce((sum, f) => sum + gzipSync(readFileSync(`${dir}/${f}`)).length, 0);
  assert.ok(total < 150 * 1024, `${total} bytes gzipped`);
});
