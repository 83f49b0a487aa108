// Resending the verification email: one click (or a double click) is one
// email and one upstream call with one idempotency key; the sent state
// shows a live cooldown countdown; the cooldown survives a reload; a
// registrar throttle (name.com 429) tells the registrant when it reopens,
// in their time zone.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './harness.mjs';

const { T0, MIN } = h;

const OP_RESTART = '/sandbox/openprovider/v1beta/customers/verifications/emails/restart';
const DNA_RESEND = '/sandbox/dna/ContactApi.svc/ResendContactVerificationNotice';
const NC_RESEND = '/sandbox/namecom/core/v1/contacts/verify/98752464:resend'; // namecom-pending

const RESEND = /resend|send/i;
// A countdown "14:59" or "1:02:03", not a clock time "12:30 AM".
const COUNTDOWN = /(?<![\d:])(?:(\d+):)?(\d{1,2}):(\d{2})(?![\d:])(?!\s*[AP]M)/i;

/** Seconds shown by the widget's countdown, or null. */
async function countdownSeconds(page, scenario) {
  const text = await h.widgetText(page, scenario);
  const m = text.match(COUNTDOWN);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** Resend requests the page sent to the gateway for `scenario`. */
function trackResends(page) {
  const sent = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname.endsWith('/resend')) {
      sent.push({
        contact: new URL(req.url()).searchParams.get('contact'),
        key: req.headers()['x-idempotency-key'],
        csrf: req.headers()['x-requested-with'],
        body: req.postData(),
      });
    }
  });
  return sent;
}

async function waitForEvent(page, type, scenario, count = 1, timeout = 10_000) {
  await page.waitForFunction(
    ([type, scenario, count]) =>
      window.__events.filter((e) => e.type === type && e.scenario === scenario).length >= count,
    [type, scenario, count],
    { timeout },
  );
  return (await h.events(page, type, scenario)).at(-1);
}

let server;
let browser;

describe('resend', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('openprovider: a double click sends one email, then a countdown runs down', async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    // (no console errors allowed)
    const sent = trackResends(page);
    try {
      const key = 'openprovider-pending';
      const w = h.widget(page, key);
      await h.waitForStatus(page, key, 'pending');
      const button = w.getByRole('button', { name: RESEND });
      await h.screenshot(h.card(page, key), 'resend-openprovider-before-light');
      await button.dblclick();

      const ev = await waitForEvent(page, 'verification-resend', key);
      assert.equal(ev.detail.outcome, 'sent', JSON.stringify(ev.detail));
      // No registrar cooldown for Openprovider: the widget's default 900 s.
      const next = Date.parse(ev.detail.nextEligibleAt);
      assert.ok(Math.abs(next - (Date.parse(T0) + 15 * MIN)) < 60_000, `nextEligibleAt ${ev.detail.nextEligibleAt}`);

      // Exactly one email, one upstream call.
      const emails = await server.emails();
      assert.equal(emails.byContact['pending@openprovider.example'], 1, JSON.stringify(emails));
      assert.equal(emails.total, 1);
      const reqs = await server.requests();
      assert.equal(reqs.byPath[OP_RESTART], 1, JSON.stringify(reqs));
      assert.equal(reqs.byPath['/sandbox/openprovider/v1beta/customers/verifications/emails/start'], undefined, 'a pending verification is restarted, not started');

      // Every POST the page made carries the CSRF header and one key.
      assert.ok(sent.length >= 1);
      for (const r of sent) {
        assert.equal(r.contact, key);
        assert.match(r.key ?? '', /^[0-9a-f-]{16,}$/i, 'X-Idempotency-Key is sent');
        assert.equal(r.csrf, 'registrant-verification');
        assert.deepEqual(JSON.parse(r.body), { operation: 'restart' });
      }
      assert.equal(new Set(sent.map((r) => r.key)).size, 1, 'a double click is one intent: one key');
      assert.equal(sent.length, 1, 'a double click sends one POST');

      // Sent state: says so, the button waits, a countdown runs.
      await page.waitForFunction(
        (sel) => /\d:\d\d/.test(document.querySelector(sel).shadowRoot.textContent),
        `registrant-verification[data-scenario="${key}"]`,
      );
      const text = await h.widgetText(page, key);
      assert.match(text, /sent/i);
      assert.match(text, /pending@openprovider\.example/);
      assert.equal(await button.getAttribute('aria-disabled'), 'true', 'button disabled during the cooldown');
      const s0 = await countdownSeconds(page, key);
      assert.ok(s0 !== null && s0 > 14 * 60 && s0 <= 15 * 60, `countdown starts near 15:00: ${text}`);
      await h.screenshot(h.card(page, key), 'resend-openprovider-sent-light');

      await page.clock.runFor(61_000);
      await page.waitForTimeout(100);
      const s1 = await countdownSeconds(page, key);
      assert.ok(s1 !== null && s0 - s1 >= 60 && s0 - s1 <= 75, `countdown went down by a minute: ${s0} -> ${s1}`);
      await h.screenshot(h.card(page, key), 'resend-openprovider-countdown-light');

      // A click during the cooldown sends nothing.
      await button.click({ force: true });
      await page.waitForTimeout(300);
      assert.equal((await server.emails()).total, 1, 'no email during the cooldown');

      // When the cooldown is over, the button is back.
      await h.advance(page, 15 * MIN, 10_000);
      await page.waitForTimeout(200);
      assert.equal(await countdownSeconds(page, key), null, 'countdown gone after 15 minutes');
      assert.notEqual(await button.getAttribute('aria-disabled'), 'true', 'button enabled again');
      await h.screenshot(h.card(page, key), 'resend-openprovider-after-cooldown-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('dna: two rapid clicks send one email', async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    // (no console errors allowed)
    const sent = trackResends(page);
    try {
      const key = 'dna-pending';
      await h.waitForStatus(page, key, 'pending');
      const button = h.widget(page, key).getByRole('button', { name: RESEND });
      await button.waitFor();
      // Two clicks in the same task: no chance for the first to finish.
      await button.evaluate((b) => {
        b.click();
        b.click();
      });
      const ev = await waitForEvent(page, 'verification-resend', key);
      assert.equal(ev.detail.outcome, 'sent');
      await page.waitForTimeout(300);
      const emails = await server.emails();
      assert.equal(emails.byContact['pending@dna.example'], 1, JSON.stringify(emails));
      assert.equal((await server.requests()).byPath[DNA_RESEND], 1);
      assert.equal(new Set(sent.map((r) => r.key)).size, 1);
      // The gateway answers a second POST with the same key from its
      // cache (X-Idempotent-Replay), so the registrant gets one email either
      // way; but the widget should not send it, nor tell the host twice.
      assert.equal(sent.length, 1, `two clicks in one task sent ${sent.length} POSTs (same key)`);
      assert.equal((await h.events(page, 'verification-resend', key)).length, 1, 'one resend event for one intent');
      assert.match(await h.widgetText(page, key), /sent/i);
      await h.screenshot(h.card(page, key), 'resend-dna-sent-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('name.com: the cooldown survives a reload; a registrar throttle shows when it reopens', async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    h.allowProblems(page, /status of 429/);
    const sent = trackResends(page);
    const key = 'namecom-pending';
    const w = h.widget(page, key);
    const button = w.getByRole('button', { name: RESEND });
    try {
      await h.waitForStatus(page, key, 'pending');
      await button.click();
      const ev = await waitForEvent(page, 'verification-resend', key);
      assert.equal(ev.detail.outcome, 'sent');
      // name.com's own nextEligibleAt: sandbox now + 15 min.
      assert.equal(Date.parse(ev.detail.nextEligibleAt), Date.parse(T0) + 15 * MIN);
      assert.equal((await server.emails()).byContact['pending@namecom.example'], 1);
      assert.equal((await server.requests()).byPath[NC_RESEND], 1);
      await page.waitForFunction(
        (sel) => /\d:\d\d/.test(document.querySelector(sel).shadowRoot.textContent),
        `registrant-verification[data-scenario="${key}"]`,
      );
      await h.screenshot(h.card(page, key), 'resend-namecom-sent-light');

      // Reload: the cooldown is still there.
      const stored = await page.evaluate(() =>
        Object.keys(localStorage).filter((k) => k.startsWith('registrant-verification')),
      );
      assert.ok(stored.length >= 1, `the last resend is stored: ${stored}`);
      await page.reload();
      await h.waitForStatus(page, key, 'pending');
      await button.waitFor();
      await page.waitForFunction(
        (sel) => /\d:\d\d/.test(document.querySelector(sel).shadowRoot.textContent),
        `registrant-verification[data-scenario="${key}"]`,
        { timeout: 5000 },
      ).catch(() => {});
      const after = await h.widgetText(page, key);
      assert.equal(await button.getAttribute('aria-disabled'), 'true', `button still disabled after reload: ${after}`);
      const left = await countdownSeconds(page, key);
      assert.ok(left !== null && left > 13 * 60 && left <= 15 * 60, `countdown after reload: ${after}`);
      await h.screenshot(h.card(page, key), 'resend-namecom-after-reload-light');

      // Forget the widget's memory; the registrar still throttles.
      await page.evaluate(() => {
        for (const k of Object.keys(localStorage)) if (k.startsWith('registrant-verification')) localStorage.removeItem(k);
      });
      await page.reload();
      await h.waitForStatus(page, key, 'pending');
      await button.waitFor();
      assert.notEqual(await button.getAttribute('aria-disabled'), 'true', 'without local memory the widget allows a resend');
      await button.click();
      const thr = await waitForEvent(page, 'verification-resend', key);
      assert.equal(thr.detail.outcome, 'throttled', JSON.stringify(thr.detail));
      const reopens = h.addMs(T0, 15 * MIN);
      assert.equal(Date.parse(thr.detail.nextEligibleAt), Date.parse(reopens));
      const reqs = await server.requests();
      assert.equal(reqs.byPath[NC_RESEND], 2, 'the second resend reached name.com');
      assert.equal((await server.emails()).byContact['pending@namecom.example'], 1, 'and sent nothing');
      assert.equal(new Set(sent.map((r) => r.key)).size, 2, 'two intents, two keys');

      // "Allowed again at 12:45 AM" (00:45 in Berlin; 23:45 in UTC).
      await page.waitForFunction(
        (sel) => /again|allow|wait|too (soon|many)|throttl|limit/i.test(document.querySelector(sel).shadowRoot.textContent),
        `registrant-verification[data-scenario="${key}"]`,
      );
      const text = await h.widgetText(page, key);
      const [time] = await h.formatInPage(page, reopens, [{ timeStyle: 'short' }]);
      assert.ok(text.includes(time), `throttled: shows the reopening time ${time}: ${text}`);
      const [utcTime] = [h.norm(new Intl.DateTimeFormat('en', { timeStyle: 'short', timeZone: 'UTC' }).format(new Date(reopens)))];
      assert.ok(!text.includes(utcTime), `throttled: not the UTC time ${utcTime}: ${text}`);
      assert.equal(await button.getAttribute('aria-disabled'), 'true', 'button disabled while throttled');
      await h.screenshot(h.card(page, key), 'resend-namecom-throttled-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
