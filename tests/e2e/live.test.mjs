// Live updates: name.com's `contact.verification.status_change` webhook,
// signed the way name.com signs it, posted to the server, pushed to the
// widget over its `events-url` stream. The widget turns verified within a
// second without a status request; while the stream is open it does not
// poll; a bad signature changes nothing; unusable events are ignored; an
// events endpoint that is down leaves the widget polling as before; a
// removed element, a hidden tab or a new `events-url` closes the stream.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import * as h from './harness.mjs';

const { T0, MIN } = h;
const KEY = 'namecom-pending'; // the demo's live contact (www/src/panel.rs LIVE_CONTACT)
const VERIFICATION_ID = 98752464; // its name.com verification id
const OTHER_ID = 98752465; // namecom-due-soon
const EVENTS_PATH = '/api/namecom/events';
const TOKEN = h.sandboxCredentials().NAMECOM_TOKEN;

/**
 * name.com's canonical JSON for the HMAC: keys sorted recursively, compact
 * (what `verification_core::webhook::sign` builds).
 */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `X-NAMECOM-SIGNATURE`: `sha256=<hex HMAC of "url|json">,<unix time>,<nonce>`. */
function signature(url, body, { token = TOKEN, at = Date.now() } = {}) {
  const hex = createHmac('sha256', token).update(`${url}|${canonical(JSON.parse(body))}`).digest('hex');
  return `sha256=${hex},${Math.floor(at / 1000)},${randomUUID()}`;
}

function webhook(id, status) {
  return JSON.stringify({
    eventName: 'contact.verification.status_change',
    verificationId: id,
    domains: ['namecom-pending-shop.com', 'namecom-pending-studio.io'],
    verification: status === 'verified' ? { status } : { status, verifyBy: '2026-03-11T23:30:00Z' },
  });
}

/** Posts a webhook to the server; resolves with the status and when the answer came. */
async function post(server, body, sig = signature(server.url + '/webhooks/namecom', body)) {
  const res = await fetch(server.url + '/webhooks/namecom', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namecom-signature': sig },
    body,
  });
  await res.text();
  return { status: res.status, at: Date.now() };
}

/** The gateway's open event streams (`gateway_event_streams_open` in `/metrics`). */
async function subscribers(server) {
  const text = await (await fetch(server.url + '/metrics')).text();
  const m = text.match(/^gateway_event_streams_open (\d+)$/m);
  if (!m) throw new Error(`no gateway_event_streams_open in /metrics:\n${text}`);
  return Number(m[1]);
}

/** Waits (real time, up to 5 s) until the server counts `n` open event streams. */
async function waitSubscribers(server, n) {
  const until = Date.now() + 5000;
  let now;
  while ((now = await subscribers(server)) !== n) {
    if (Date.now() > until) throw new Error(`${now} open event streams, expected ${n}`);
    await sleep(25);
  }
}

/**
 * Requests of the page to the gateway: status GETs of `key` and the
 * event streams, with when they started (real time).
 */
function track(page) {
  const seen = { status: [], streams: [], closed: [] };
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname === '/api/namecom/status' && url.searchParams.get('contact') === KEY) {
      seen.status.push(Date.now());
    } else if (url.pathname === EVENTS_PATH) {
      seen.streams.push(req);
    }
  });
  page.on('requestfailed', (req) => {
    if (new URL(req.url()).pathname === EVENTS_PATH) seen.closed.push(req);
  });
  return seen;
}

/**
 * The demo page with `data-status` changes of `key` reported to Node the
 * moment they happen (a MutationObserver calling an exposed function), so
 * the test measures time with Node's clock, not the page's fake one.
 */
async function livePage(browser, server, { before } = {}) {
  const page = await h.newPage(browser);
  const changes = [];
  await page.exposeFunction('__statusChanged', (status) => changes.push({ status, at: Date.now() }));
  await page.addInitScript((key) => {
    const watch = () => {
      const el = document.querySelector(`registrant-verification[data-scenario="${key}"]`);
      if (!el) return;
      new MutationObserver(() => window.__statusChanged(el.getAttribute('data-status'))).observe(el, {
        attributes: true,
        attributeFilter: ['data-status'],
      });
    };
    document.addEventListener('DOMContentLoaded', watch);
  }, KEY);
  const seen = track(page);
  if (before) await before(page);
  await page.goto(server.url + '/', { waitUntil: 'load' });
  return { page, changes, seen };
}

async function setHidden(page, hidden) {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

let server;
let browser;

describe('live updates (events-url)', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('a signed webhook turns the widget verified within a second, without a status request; no polling meanwhile', async (t) => {
    await server.resetAt(T0);
    const { page, changes, seen } = await livePage(browser, server);
    try {
      await h.waitForStatus(page, KEY, 'pending');
      assert.equal(
        await h.widget(page, KEY).getAttribute('events-url'),
        `${EVENTS_PATH}?contact=${KEY}`,
        'the demo wires the live contact to its event stream',
      );
      await waitSubscribers(server, 1);
      await h.settle(page);
      assert.equal(seen.status.length, 1, 'one status request on load (the stream adds no catch-up)');

      // The refresh interval (300 s) passes twice: the open stream replaces
      // the timer, so no re-check; a widget without a stream still polls.
      const opStatus = [];
      page.on('request', (r) => r.url().includes('/api/openprovider/status?contact=openprovider-pending') && opStatus.push(r));
      await h.advance(page, 11 * MIN, 30_000);
      await h.settle(page);
      assert.equal(seen.status.length, 1, 'no polling while the stream is open');
      assert.ok(opStatus.length >= 2, `a widget without events-url polls: ${opStatus.length}`);

      const before = seen.status.length;
      const sent = await post(server, webhook(VERIFICATION_ID, 'verified'));
      assert.equal(sent.status, 204);
      await h.waitForStatus(page, KEY, 'verified', 2000);
      const verified = changes.find((c) => c.status === 'verified');
      assert.ok(verified, `data-status changes: ${JSON.stringify(changes)}`);
      const ms = verified.at - sent.at;
      t.diagnostic(`webhook POST answered -> widget verified: ${ms} ms`);
      assert.ok(ms <= 1000, `verified ${ms} ms after the webhook POST returned`);
      assert.equal(seen.status.length, before, 'no status request between the webhook and verified');

      // The record keeps what the webhook does not carry; the host hears of it.
      const change = (await h.events(page, 'verification-change', KEY)).at(-1);
      assert.equal(change.detail.status, 'verified');
      assert.equal(change.detail.email, 'pending@namecom.example');
      assert.equal(change.detail.verificationId, String(VERIFICATION_ID));
      const text = await h.widgetText(page, KEY);
      assert.match(text, /verified/i);
      assert.doesNotMatch(text, /resend|send again/i, `no resend button once verified: ${text}`);
      await h.screenshot(h.card(page, KEY), 'live-verified-by-webhook-light');

      // Verified: nothing left to poll for, and no catch-up either.
      await sleep(500);
      await h.advance(page, 11 * MIN, 30_000);
      assert.equal(seen.status.length, before, 'no request after the event');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('a bad signature, or another contact\'s webhook, changes nothing', async () => {
    await server.resetAt(T0);
    const { page, changes, seen } = await livePage(browser, server);
    const url = server.url + '/webhooks/namecom';
    try {
      await h.waitForStatus(page, KEY, 'pending');
      await waitSubscribers(server, 1);
      await h.settle(page);
      const before = seen.status.length;
      const changesBefore = changes.length;
      const body = webhook(VERIFICATION_ID, 'verified');
      const bad = [
        ['another token', signature(url, body, { token: 'not-the-token' })],
        ['another URL', signature('https://reseller.example/webhooks/namecom', body)],
        ['a stale timestamp', signature(url, body, { at: Date.now() - 10 * MIN })],
        ['another body', signature(url, webhook(VERIFICATION_ID, 'unverified'))],
        ['no algorithm or hex', 'garbage'],
      ];
      for (const [what, sig] of bad) {
        assert.equal((await post(server, body, sig)).status, 401, what);
      }
      // Signed, but for another registrant's contact: accepted by the
      // server, never pushed to this widget.
      assert.equal((await post(server, webhook(OTHER_ID, 'verified'))).status, 204);
      await sleep(1500);
      assert.equal(await h.widget(page, KEY).getAttribute('data-status'), 'pending');
      assert.deepEqual(changes.slice(changesBefore), [], 'the status never changed');
      assert.equal(seen.status.length, before, 'and nothing was fetched');
      // The sandbox was not touched either: a reload still says pending.
      const status = await page.evaluate(
        async (k) => {
          const { token } = await (await fetch('/demo/token')).json();
          const res = await fetch(`/api/namecom/status?contact=${k}`, { headers: { authorization: `Bearer ${token}` } });
          return res.json();
        },
        KEY,
      );
      assert.equal(status.totalCount, 1, 'still in name.com\'s unverified list');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('unusable events are ignored with one warning; an unverified event makes one status request', async () => {
    await server.resetAt(T0);
    const stream = [
      'retry: 600000',
      '',
      'event: verification',
      'data: this is not JSON',
      '',
      'event: verification',
      'data: {"eventName":"domain.renewed"}',
      '',
      'event: verification',
      `data: ${webhook(OTHER_ID, 'verified')}`,
      '',
      'event: something-else',
      `data: ${webhook(VERIFICATION_ID, 'verified')}`,
      '',
      'event: verification',
      `data: ${webhook(VERIFICATION_ID, 'unverified')}`,
      '',
      '',
    ].join('\n');
    const { page, changes, seen } = await livePage(browser, server, {
      before: (page) =>
        page.route((url) => url.pathname === EVENTS_PATH, (route) =>
          route.fulfill({ status: 200, contentType: 'text/event-stream', body: stream }),
        ),
    });
    try {
      await h.waitForStatus(page, KEY, 'pending');
      // Ignored: the junk, the foreign contact, the unknown event name. The
      // unverified event for this contact asks for one status check.
      const until = Date.now() + 3000;
      while (seen.status.length < 2 && Date.now() < until) await sleep(25);
      await h.settle(page);
      await sleep(300);
      assert.equal(seen.status.length, 2, 'the load, and one check for the unverified event');
      assert.equal(await h.widget(page, KEY).getAttribute('data-status'), 'pending');
      const shown = changes.map((c) => c.status).filter((st) => st !== 'loading');
      assert.ok(shown.every((st) => st === 'pending'), `never left pending: ${JSON.stringify(changes)}`);
      const warnings = page.consoleLog.filter((l) => l.startsWith('warning:') && /events-url/.test(l));
      assert.equal(warnings.length, 1, `one warning: ${JSON.stringify(page.consoleLog)}`);
      // The widget still works: its button is there.
      await h.widget(page, KEY).getByRole('button', { name: /resend|send/i }).waitFor();
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  for (const down of [404, 500, 'connectionrefused']) {
    it(`an events endpoint that is down (${down}) leaves the widget polling on its refresh timer`, async () => {
      await server.resetAt(T0);
      const { page, seen } = await livePage(browser, server, {
        before: (page) =>
          page.route((url) => url.pathname === EVENTS_PATH, (route) =>
            typeof down === 'number'
              ? route.fulfill({ status: down, contentType: 'application/json', body: '{"error":"down"}' })
              : route.abort(down),
          ),
      });
      h.allowProblems(page, /EventSource|Failed to load resource|ERR_CONNECTION_REFUSED|status of (404|500)/);
      try {
        await h.waitForStatus(page, KEY, 'pending');
        await h.settle(page);
        const before = seen.status.length;
        await h.advance(page, 11 * MIN, 30_000);
        await h.settle(page);
        const polls = seen.status.length - before;
        assert.ok(polls >= 2 && polls <= 3, `re-checks every 300 s: ${polls} in 11 minutes`);
        assert.equal(await h.widget(page, KEY).getAttribute('data-status'), 'pending');
        assert.equal(await h.widget(page, KEY).getAttribute('data-error'), null, 'no error shown');
        h.assertNoProblems(page);
      } finally {
        await page.context().close();
      }
    });
  }

  it('the stream closes when the element is removed, the tab hides, or events-url changes; visible again catches up once', async () => {
    await server.resetAt(T0);
    const { page, seen } = await livePage(browser, server);
    const sel = `registrant-verification[data-scenario="${KEY}"]`;
    try {
      await h.waitForStatus(page, KEY, 'pending');
      await waitSubscribers(server, 1);
      await h.settle(page);

      // Removed: the browser cancels the request and the server sees the
      // subscriber go.
      await page.evaluate((sel) => {
        const el = document.querySelector(sel);
        window.__parked = { el, parent: el.parentNode };
        el.remove();
      }, sel);
      await waitSubscribers(server, 0);
      const until = Date.now() + 3000;
      while (seen.closed.length < 1 && Date.now() < until) await sleep(25);
      assert.equal(seen.closed.length, 1, 'the page cancelled its event stream');
      // Put back: a new stream.
      await page.evaluate(() => window.__parked.parent.append(window.__parked.el));
      await h.waitForStatus(page, KEY, 'pending');
      await waitSubscribers(server, 1);
      assert.equal(seen.streams.length, 2);

      // Hidden: closed; a webhook meanwhile is missed by the stream...
      await h.settle(page);
      await setHidden(page, true);
      await waitSubscribers(server, 0);
      const before = seen.status.length;
      assert.equal((await post(server, webhook(VERIFICATION_ID, 'verified'))).status, 204);
      await sleep(300);
      assert.equal(await h.widget(page, KEY).getAttribute('data-status'), 'pending');
      // ...and caught up with one status request when the tab shows again.
      await setHidden(page, false);
      await h.waitForStatus(page, KEY, 'verified', 3000);
      await waitSubscribers(server, 1);
      await h.settle(page);
      await sleep(300);
      assert.equal(seen.status.length - before, 1, 'one catch-up request');

      // A new events-url: the old stream closes, the new one opens.
      const closedBefore = seen.closed.length;
      await page.evaluate(
        ([sel, path, key]) => document.querySelector(sel).setAttribute('events-url', `${path}?contact=${key}&v=2`),
        [sel, EVENTS_PATH, KEY],
      );
      const until2 = Date.now() + 3000;
      while (seen.streams.length < 4 && Date.now() < until2) await sleep(25);
      assert.ok(seen.streams.at(-1).url().endsWith('&v=2'), 'a stream to the new URL');
      // The browser reports the old stream's cancel when it gets to it;
      // the gateway then counts the new one alone.
      const until3 = Date.now() + 3000;
      while (seen.closed.length < closedBefore + 1 && Date.now() < until3) await sleep(25);
      assert.equal(seen.closed.length, closedBefore + 1, 'the old one was closed');
      await waitSubscribers(server, 1);
      // No events-url: no stream.
      await page.evaluate((sel) => document.querySelector(sel).removeAttribute('events-url'), sel);
      await waitSubscribers(server, 0);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
    await waitSubscribers(server, 0);
  });
});
