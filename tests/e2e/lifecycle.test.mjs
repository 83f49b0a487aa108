// The element's lifecycle and the resend intent: a resend whose answer was
// lost is retried with the same idempotency key (one email, not two); an
// attribute change takes effect without a reload; removing the element
// stops its polling, and putting it back starts it again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './harness.mjs';

const { T0 } = h;
const OP_RESTART = '/sandbox/openprovider/v1beta/customers/verifications/emails/restart';

/** Requests the page sent, as `{method, path, contact, key}`. */
function track(page) {
  const seen = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!url.pathname.startsWith('/api/')) return;
    seen.push({
      method: req.method(),
      path: url.pathname,
      contact: url.searchParams.get('contact'),
      key: req.headers()['x-idempotency-key'] ?? null,
    });
  });
  return seen;
}

let server;
let browser;

describe('lifecycle', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('a resend whose answer was lost is retried with the same key and sends one email', async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    h.allowProblems(page, /ERR_FAILED|ERR_INTERNET_DISCONNECTED|Failed to load resource/);
    const seen = track(page);
    const key = 'openprovider-pending';
    try {
      await h.waitForStatus(page, key, 'pending');
      // The request reaches the server (the email goes out), but the
      // browser never sees the answer.
      let lost = 0;
      await page.route('**/api/openprovider/resend*', async (route) => {
        if (lost === 0) {
          lost += 1;
          await route.fetch();
          await route.abort('failed');
        } else {
          await route.continue();
        }
      });
      const w = h.widget(page, key);
      await w.getByRole('button', { name: /resend|send/i }).click();
      const err = await page.waitForFunction(
        (k) => window.__events.find((e) => e.type === 'verification-error' && e.scenario === k),
        key,
      );
      assert.ok(err, 'the lost answer is reported');
      assert.equal((await server.emails()).byContact['pending@openprovider.example'], 1, 'the first attempt did send');
      await h.screenshot(h.card(page, key), 'lifecycle-resend-lost-light');

      // The registrant retries the same intent.
      const retry = w.getByRole('button', { name: /try again|retry|resend|send/i });
      await retry.click();
      await page.waitForFunction(
        (k) => window.__events.some((e) => e.type === 'verification-resend' && e.scenario === k),
        key,
      );
      const posts = seen.filter((r) => r.method === 'POST' && r.contact === key);
      assert.equal(posts.length, 2, 'the first attempt and one retry');
      assert.ok(posts[0].key, 'the resend carries an idempotency key');
      assert.equal(posts[1].key, posts[0].key, 'the retry reuses the key of its intent');
      const emails = await server.emails();
      assert.equal(emails.byContact['pending@openprovider.example'], 1, `one email, not two: ${JSON.stringify(emails)}`);
      assert.equal((await server.requests()).byPath[OP_RESTART], 1, 'the retry was answered without a second upstream call');
      assert.match(await h.widgetText(page, key), /sent/i);
      await h.screenshot(h.card(page, key), 'lifecycle-resend-retried-light');

      // A new intent after the cooldown gets a new key.
      await h.advance(page, 16 * h.MIN, 10_000);
      await page.unroute('**/api/openprovider/resend*');
      await w.getByRole('button', { name: /resend|send/i }).click();
      await page.waitForFunction(
        (k) => window.__events.filter((e) => e.type === 'verification-resend' && e.scenario === k).length >= 2,
        key,
      );
      const all = seen.filter((r) => r.method === 'POST' && r.contact === key);
      assert.notEqual(all.at(-1).key, posts[0].key, 'a new intent has a new key');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('attribute changes apply live; a removed element stops polling, a re-added one resumes', async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    const seen = track(page);
    const key = 'openprovider-pending';
    const statusGets = () => seen.filter((r) => r.method === 'GET' && r.path.endsWith('/status') && r.contact === key).length;
    try {
      await h.waitForStatus(page, key, 'pending');
      // Poll every 15 s (the minimum) instead of every 5 minutes.
      await page.evaluate((k) => document.querySelector(`[data-scenario="${k}"]`).setAttribute('refresh', '15'), key);
      // The change re-checks at once; the 15 s timer starts from that answer.
      await h.settle(page);
      await page.waitForTimeout(200);
      const before = statusGets();
      await h.advance(page, 16_000, 4000);
      await h.settle(page);
      assert.ok(statusGets() > before, `a pending widget re-checks on its refresh interval: ${before} -> ${statusGets()} ${JSON.stringify(seen)}`);

      // Pointing the element at another contact reloads it without a page reload.
      const other = 'openprovider-verified';
      await page.evaluate(
        ([k, o]) => {
          const el = document.querySelector(`[data-scenario="${k}"]`);
          el.setAttribute('status-url', `/api/openprovider/status?contact=${o}`);
        },
        [key, other],
      );
      await page.waitForFunction(
        (k) => document.querySelector(`[data-scenario="${k}"]`).dataset.status === 'verified',
        key,
      );
      await page.evaluate(
        (k) => document.querySelector(`[data-scenario="${k}"]`).setAttribute('status-url', `/api/openprovider/status?contact=${k}`),
        key,
      );
      await h.waitForStatus(page, key, 'pending');

      // Removed: no more requests, whatever the clock does.
      await page.evaluate((k) => {
        const el = document.querySelector(`[data-scenario="${k}"]`);
        window.__parked = { el, parent: el.parentNode };
        el.remove();
      }, key);
      await h.settle(page);
      const atRemoval = statusGets();
      await h.advance(page, 2 * h.MIN, 5000);
      await h.settle(page);
      assert.equal(statusGets(), atRemoval, 'a removed element sends no requests');

      // Re-added: it mounts again and shows the status.
      await page.evaluate(() => window.__parked.parent.append(window.__parked.el));
      await h.waitForStatus(page, key, 'pending');
      assert.ok(statusGets() > atRemoval, 'a re-added element loads again');
      assert.equal(
        await page.evaluate((k) => document.querySelector(`[data-scenario="${k}"]`).shadowRoot.querySelectorAll('article').length, key),
        1,
        'one card, not a second one stacked on the first',
      );
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('two widgets for one contact: both render, a resend in one shows in the other after its next check, removing one leaves the other polling', async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    const seen = track(page);
    const key = 'openprovider-pending';
    const twin = `${key}-twin`;
    const statusGets = () => seen.filter((r) => r.method === 'GET' && r.path.endsWith('/status') && r.contact === key).length;
    const resendButton = (k) => h.widget(page, k).getByRole('button', { name: /resend|send/i });
    try {
      await h.waitForStatus(page, key, 'pending');
      // A second element with the same attributes (same status-url), both
      // polling every 15 s.
      await page.evaluate(
        ([k, t]) => {
          const el = document.querySelector(`[data-scenario="${k}"]`);
          el.setAttribute('refresh', '15');
          const copy = el.cloneNode(false);
          copy.dataset.scenario = t;
          el.after(copy);
        },
        [key, twin],
      );
      await h.waitForStatus(page, twin, 'pending');
      await h.settle(page);
      for (const k of [key, twin]) {
        assert.match(await h.widgetText(page, k), /pending@openprovider\.example/, `${k} renders`);
        assert.equal(await resendButton(k).getAttribute('aria-disabled'), null, `${k}: resend enabled`);
      }
      let before = statusGets();
      await h.advance(page, 60_000, 5000);
      const both = statusGets() - before;
      assert.ok(both >= 7 && both <= 10, `both widgets poll every 15 s: ${both} requests in a minute`);

      // A resend in the first...
      await resendButton(key).click();
      await page.waitForFunction((k) => window.__events.some((e) => e.type === 'verification-resend' && e.scenario === k), key);
      await h.settle(page);
      assert.equal(await resendButton(key).getAttribute('aria-disabled'), 'true', 'the first cools down');
      assert.equal((await server.emails()).byContact['pending@openprovider.example'], 1);
      // ...reaches the second at its next check: its button cools down too.
      await h.advance(page, 16_000, 4000);
      assert.equal(await resendButton(twin).getAttribute('aria-disabled'), 'true', 'the twin cools down after its next check');
      const twinText = await h.widgetText(page, twin);
      assert.match(twinText, /A verification email was sent recently/, twinText);
      assert.match(twinText, /You can send another in 1[34]:\d\d/, `the twin counts down the same cooldown: ${twinText}`);
      await resendButton(twin).click({ force: true });
      await h.settle(page);
      assert.equal((await server.emails()).byContact['pending@openprovider.example'], 1, 'the twin sends nothing during the cooldown');

      // Removing the first leaves the second polling alone.
      await page.evaluate((k) => document.querySelector(`[data-scenario="${k}"]`).remove(), key);
      await h.settle(page);
      before = statusGets();
      await h.advance(page, 60_000, 5000);
      const one = statusGets() - before;
      assert.ok(one >= 3 && one <= 5, `one widget polls every 15 s: ${one} requests in a minute`);
      assert.equal(await h.widget(page, twin).getAttribute('data-status'), 'pending');

      // Removed and re-added five times: still one widget's worth of polling.
      for (let i = 0; i < 5; i += 1) {
        await page.evaluate((t) => {
          const el = document.querySelector(`[data-scenario="${t}"]`);
          const parent = el.parentNode;
          el.remove();
          parent.append(el);
        }, twin);
      }
      await h.waitForStatus(page, twin, 'pending');
      await h.settle(page);
      before = statusGets();
      await h.advance(page, 60_000, 5000);
      const again = statusGets() - before;
      assert.ok(again >= 3 && again <= 5, `no leaked timers after re-adding: ${again} requests in a minute`);
      assert.equal(
        await h.widget(page, twin).evaluate((el) => el.shadowRoot.querySelectorAll('article').length),
        1,
        'one card',
      );
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
