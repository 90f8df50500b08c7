// The guest's status page over HTTP on both databases: what it shows (first name only), the same
// 404 for any unknown token, the poll JSON, the cancel with its confirm step and CSRF guard,
// the security headers, the size budget.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, forDialect } from '../test-support/app.js';
import { type SmsHarness, seedSmsMerchant, startSms, tokenOf } from '../test-support/sms.js';

for (const dialect of DIALECTS) {
  describe(`status page (${dialect})`, () => {
    const startApp = forDialect(dialect);
    let h: SmsHarness;
    before(async () => {
      h = await startSms(startApp);
      await seedSmsMerchant(h, { id: 'page-m' });
    });
    after(async () => h.close());
    const get = (url: string, headers: Record<string, string> = {}) => h.t.app.inject({ method: 'GET', url, headers });

    async function joined(o: { language?: string } = {}): Promise<{ id: string; token: string }> {
      h.fake.reset();
      const id = await h.join('page-m', {
        phone: '+12127365100',
        given: 'Ada Maria',
        family: 'Lovelace',
        ...o,
      });
      await h.drain();
      return { id, token: tokenOf(h.fake.texts[0]!.body) };
    }

    it('shows the merchant, the first name, the place in line and the range; nothing else personal', async () => {
      const { token } = await joined();
      const res = await get(`/w/${token}`);
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.match(res.body, /<html lang="en" dir="ltr">/);
      assert.match(res.body, /Merchant page-m/);
      assert.match(res.body, /Hi Ada ·/);
      assert.match(res.body, /You are next in line|party ahead|parties ahead/);
      assert.match(res.body, /Table expected between/);
      for (const secret of ['Lovelace', 'Maria', '736', '5100', '@']) assert.ok(!res.body.includes(secret), `leaks ${secret}`);
      assert.ok(Buffer.byteLength(res.body) < 50_000, 'under 50 KB');
      const csp = res.headers['content-security-policy'] as string;
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'sha256-/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.equal(res.headers['referrer-policy'], 'same-origin');
      assert.equal(res.headers['cache-control'], 'no-store');
      const json = (await get(`/w/${token}/status.json`)).json();
      assert.equal(json.state, 'WAITING');
      assert.equal(json.active, true);
      assert.equal(json.heading, 'You are on the waitlist');
    });

    it('answers the same 404 for an unknown token, a malformed one and an entry id', async () => {
      const { id } = await joined();
      const unknown = await get('/w/AAAAAAAAAAAAAAAAAAAAAAAA');
      const malformed = await get('/w/short');
      const byId = await get(`/w/${id}`);
      assert.equal(unknown.statusCode, 404);
      assert.equal(malformed.statusCode, 404);
      assert.equal(byId.statusCode, 404);
      assert.equal(unknown.body, malformed.body);
      assert.equal(unknown.body, byId.body);
      assert.equal((await get('/w/AAAAAAAAAAAAAAAAAAAAAAAA/status.json')).statusCode, 404);
    });

    it('cancel: a confirm step, then a POST with the CSRF token from its cookie; without it 403', async () => {
      const { id, token } = await joined();
      const confirm = await get(`/w/${token}/cancel`);
      assert.equal(confirm.statusCode, 200);
      const setCookie = confirm.headers['set-cookie'] as string;
      assert.match(setCookie, new RegExp(`^wcsrf=[A-Za-z0-9_-]{24}; Path=/w/${token}; HttpOnly; SameSite=Strict`));
      const cookieValue = /^wcsrf=([^;]+)/.exec(setCookie)![1]!;
      const field = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
      assert.equal(field, cookieValue);
      const post = (payload: string, headers: Record<string, string>) =>
        h.t.app.inject({
          method: 'POST',
          url: `/w/${token}/cancel`,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...headers,
          },
          payload,
        });
      assert.equal((await post(`csrf=${field}`, {})).statusCode, 403, 'no cookie');
      assert.equal((await post('csrf=wrong', { cookie: `wcsrf=${cookieValue}` })).statusCode, 403, 'wrong token');
      assert.equal(
        (
          await post(`csrf=${field}`, {
            cookie: `wcsrf=${cookieValue}`,
            origin: 'https://evil.example',
          })
        ).statusCode,
        403,
        'foreign origin',
      );
      const state = async () => (await h.t.admin('GET', `/merchants/page-m/waitlist-entries/${id}`)).json().state;
      assert.equal(await state(), 'WAITING');
      const ok = await post(`csrf=${field}`, {
        cookie: `wcsrf=${cookieValue}`,
        origin: 'https://wait.example.test',
      });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, `/w/${token}`);
      assert.equal(await state(), 'CANCELED');
      await h.drain();
      assert.match(h.fake.texts.at(-1)!.body, /your waitlist spot is cancelled\. Thank you for telling us\./);
      const after = await get(`/w/${token}`);
      assert.match(after.body, /Your waitlist spot is cancelled/);
      assert.match(after.body, /<form id="cancel"[^>]* hidden>/);
      assert.doesNotMatch(after.body, /<script>/, 'a finished entry does not poll');
    });

    it('Arabic: right to left, Arabic texts', async () => {
      const { token } = await joined({ language: 'ar' });
      const res = await get(`/w/${token}`);
      assert.match(res.body, /<html lang="ar" dir="rtl">/);
      assert.match(res.body, /أنت في قائمة الانتظار/);
    });
  });
}
