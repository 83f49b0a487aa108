// Faults on the status request: for each way the backend or the network
// can fail, the widget says what failed in plain words, keeps a working
// Retry button, and re-checks BY ITSELF with exponential backoff (5 s,
// 10 s, 20 s, ... capped at the refresh interval; never sooner than a
// 429's retry time), so it recovers without a click once the fault is
// lifted, and never hammers the backend. Polling (and the backoff) pauses
// while the tab is hidden and resumes with one prompt re-check when it
// shows again.
//
// Faults are injected with `page.route` on the status URL of a widget on a
// test page (served through `page.route` too, with the demo's CSP); the
// browser clock is paused and stepped with `page.clock.runFor`, and every
// status request records the page's (fake) time, so the test compares the
// exact retry schedule.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import * as h from './harness.mjs';

// The paused page clock starts here (a little after the harness's T0, which
// the clock has already passed by the time it is paused).
const T0 = h.addMs(h.T0, 5000);
const KEY = 'fault';
const SEL = `registrant-verification[data-scenario="${KEY}"]`;
const STATUS_PATH = '/api/test/status';
const STEP = 5000;
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PENDING = {
  namecom: JSON.stringify({
    unverifiedContacts: [
      { verificationId: 7, verifyBy: '2026-03-10T12:00:00Z', email: 'jane@example.com', domains: ['jane.example'] },
    ],
    totalCount: 1,
  }),
  openprovider: JSON.stringify({
    code: 0,
    desc: '',
    data: {
      results: [
        { domain: 'jane.example', email: 'jane@example.com', handle: 'JA000001-XX', status: 'in progress', expiration_date: '2026-03-10 12:00:00', is_suspended: false },
      ],
      total: 1,
    },
  }),
};

/** The backoff the widget promises: 5 s doubling, capped at `refresh`. */
const backoff = (n, refreshS = 300) => Math.min(5 * 2 ** (n - 1), refreshS) * 1000;

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * A page with one widget whose status requests go to `answer(route, t)`
 * (t: the page's clock in ms since T0 when the request started). Returns
 * `{page, times, hung, setAnswer}`; `times` lists the request times.
 */
async function faultPage(browser, server, { provider = 'namecom', answer, attrs = '' }) {
  const page = await h.newPage(browser);
  await page.clock.pauseAt(new Date(T0));
  h.allowProblems(page, /Failed to load resource/, /ERR_CONNECTION_REFUSED|ERR_FAILED|ERR_ABORTED/);
  const times = [];
  const hung = new Set();
  let current = answer;
  page.on('requestfailed', (req) => hung.delete(req));
  await page.route(
    (url) => url.pathname === STATUS_PATH,
    async (route) => {
      const t = (await page.evaluate(() => Date.now())) - Date.parse(T0);
      times.push(t);
      if (current === 'hang') {
        hung.add(route.request());
        return; // never fulfilled: the widget's own timeout must end it
      }
      await current(route, t);
    },
  );
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Faults</title>
<link rel="stylesheet" href="/static/panel.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script type="module" src="/widget/define.js"></script></head>
<body><main id="main"><div class="cards"><article class="card"><h3>Fault injection</h3>
<registrant-verification data-scenario="${KEY}" provider="${provider}" status-url="${STATUS_PATH}?contact=${KEY}"
 resend-url="/api/test/resend?contact=${KEY}" ${attrs}></registrant-verification>
</article></div></main></body></html>`;
  await page.route(server.url + '/test/faults', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': CSP }, body: html }),
  );
  page.hungRequests = hung;
  await page.goto(server.url + '/test/faults');
  return {
    page,
    times,
    hung,
    setAnswer(a) {
      current = a;
    },
  };
}

/** Waits (real time) until every answered request was processed. */
async function quiet(page) {
  await sleep(15);
  const until = Date.now() + 5000;
  while (page.inflight - page.hungRequests.size > 0 && Date.now() < until) await sleep(15);
  await sleep(30);
}

/** Advances the paused browser clock by `ms` in steps of STEP. */
async function step(page, ms) {
  for (let done = 0; done < ms; done += STEP) {
    await page.clock.runFor(Math.min(STEP, ms - done));
    await quiet(page);
  }
}

/**
 * Polls `fn(arg)` in the page until it is truthy. (`page.waitForFunction`
 * polls on animation frames, which the paused clock stops.)
 */
async function until(page, fn, arg, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function waitForError(page, seen = 0) {
  await until(
    page,
    ([k, seen]) => window.__events.filter((e) => e.type === 'verification-error' && e.scenario === k).length > seen,
    [KEY, seen],
    'a verification-error event',
  );
  await quiet(page);
  return (await h.events(page, 'verification-error', KEY)).at(-1);
}

/**
 * The first `count` request times (ms) the widget must produce for a fault
 * that ends each attempt after `answerMs` and asks to wait `serverWaitMs`.
 */
function expectedSchedule({ count, answerMs = 0, serverWaitMs = 0, refreshS = 300 }) {
  const out = [0];
  for (let n = 1; out.length < count; n += 1) {
    out.push(out.at(-1) + answerMs + Math.max(backoff(n, refreshS), serverWaitMs));
  }
  return out;
}

/** The page's clock, in ms since T0. */
async function clockMs(page) {
  return (await page.evaluate(() => Date.now())) - Date.parse(T0);
}

const FAULTS = [
  {
    name: 'connection-refused',
    kind: 'network',
    status: null,
    words: /Could not reach the server\. It may be down; we will try again\./,
    answer: (route) => route.abort('connectionrefused'),
  },
  {
    name: 'hang',
    kind: 'timeout',
    status: null,
    words: /did not answer within 15 seconds, so we stopped waiting/,
    answer: 'hang',
    answerMs: 15_000,
  },
  {
    name: '500',
    kind: 'http',
    status: 500,
    words: /The server had a problem \(HTTP 500\)\./,
    answer: (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"internal"}' }),
  },
  {
    name: '502-html',
    kind: 'http',
    status: 502,
    words: /Could not reach the server \(HTTP 502\)\. It may be down or busy\./,
    answer: (route) =>
      route.fulfill({
        status: 502,
        contentType: 'text/html',
        body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
      }),
  },
  {
    name: '401',
    kind: 'http',
    status: 401,
    words: /Your session may have expired \(HTTP 401\): sign in again, then retry\./,
    answer: (route) => route.fulfill({ status: 401, contentType: 'text/html', body: '<html><body>Please log in</body></html>' }),
  },
  {
    name: '403',
    kind: 'http',
    status: 403,
    words: /You may have been signed out, or this account may not see this contact \(HTTP 403\): sign in again, then retry\./,
    answer: (route) => route.fulfill({ status: 403, contentType: 'application/json', body: '{"error":"forbidden"}' }),
  },
  {
    name: 'invalid-json',
    kind: 'invalidJson',
    status: null,
    words: /cannot read \(it is not valid JSON\)/,
    answer: (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"unverifiedContacts":[{"email":' }),
  },
  {
    name: 'wrong-shape',
    kind: 'unexpectedShape',
    status: null,
    words: /cannot read \(not the registrar's format\)/,
    answer: (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"contacts":[{"mail":"jane@example.com"}]}' }),
  },
  {
    name: '429-retry-after',
    kind: 'http',
    status: 429,
    words: /Too many requests \(HTTP 429\)/,
    serverWaitMs: 60_000,
    answer: (route) => route.fulfill({ status: 429, headers: { 'retry-after': '60' }, contentType: 'text/plain', body: 'Too Many Requests' }),
  },
  {
    name: '429-ratelimit-reset',
    kind: 'http',
    status: 429,
    words: /Too many requests \(HTTP 429\)/,
    serverWaitMs: 90_000,
    answer: (route, t) =>
      route.fulfill({
        status: 429,
        headers: { 'x-ratelimit-reset': String((Date.parse(T0) + t + 90_000) / 1000) },
        contentType: 'text/plain',
        body: '',
      }),
  },
  {
    name: '429-namecom-details',
    kind: 'registrar',
    status: 429,
    words: /The registrar answered with an error: Too Many Requests \(Next eligible at: /,
    serverWaitMs: 75_000,
    answer: (route, t) =>
      route.fulfill({
        status: 429,
        contentType: 'application/json',
        body: JSON.stringify({ message: 'Too Many Requests', details: `Next eligible at: ${iso(Date.parse(T0) + t + 75_000).replace('Z', '+00:00')}` }),
      }),
  },
  {
    name: '429-no-time',
    kind: 'http',
    status: 429,
    words: /Too many requests \(HTTP 429\): the server asked us to slow down\./,
    answer: (route) => route.fulfill({ status: 429, contentType: 'text/plain', body: '' }),
  },
  {
    name: 'registrar-envelope',
    provider: 'openprovider',
    kind: 'registrar',
    status: 200,
    words: /The registrar answered with an error: Authentication\/Authorization Failed/,
    answer: (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: '{"code":196,"desc":"Authentication/Authorization Failed","data":""}' }),
  },
];

let server;
let browser;

describe('faults', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  for (const f of FAULTS) {
    it(`${f.name}: plain words, a working Retry, backoff without hammering, recovery without a click`, async () => {
      const provider = f.provider ?? 'namecom';
      const { page, times, setAnswer } = await faultPage(browser, server, { provider, answer: f.answer });
      try {
        const w = h.widget(page, KEY);
        if (f.answer === 'hang') {
          // The first request hangs: the widget waits, then gives up at 15 s.
          await quiet(page);
          assert.equal(await w.getAttribute('data-status'), 'loading', 'still waiting for the hung request');
          await step(page, 10_000);
          assert.equal(await w.getAttribute('data-status'), 'loading', 'still waiting after 10 s');
          await step(page, 5000);
        }
        const ev = await waitForError(page);
        assert.equal(ev.detail.kind, f.kind, `${f.name}: kind ${JSON.stringify(ev.detail)}`);
        assert.equal(ev.detail.status ?? null, f.status, `${f.name}: status`);
        assert.equal(ev.detail.during, 'status');
        assert.match(ev.detail.message, f.words, `${f.name}: event message`);
        assert.equal(typeof ev.detail.retryAt, 'string', `${f.name}: the event says when it retries`);

        // What the registrant sees.
        assert.equal(await w.getAttribute('data-status'), 'error');
        assert.equal(await w.getAttribute('data-error'), f.kind, 'data-error says which kind');
        assert.equal(await w.getAttribute('data-urgency'), null);
        const text = h.norm(await h.widgetText(page, KEY));
        assert.match(text, /Could not load your verification status/, `${f.name}: what failed: ${text}`);
        assert.match(text, f.words, `${f.name}: why, in plain words: ${text}`);
        assert.doesNotMatch(text, /<\/?(html|body|center|h1)\b/i, 'no raw HTML');
        const retryAt = Date.parse(ev.detail.retryAt);
        const waitMs = retryAt - (Date.parse(T0) + times[0] + (f.answerMs ?? 0));
        assert.equal(waitMs, Math.max(backoff(1), f.serverWaitMs ?? 0), `${f.name}: first retry after ${waitMs} ms`);
        if (f.serverWaitMs) {
          const [at] = await h.formatInPage(page, ev.detail.retryAt, [{ timeStyle: 'short' }]);
          assert.ok(
            text.includes(`The server asked us to wait. Trying again automatically at ${at}.`),
            `${f.name}: says when it tries again (${at}): ${text}`,
          );
        } else {
          assert.match(text, /Trying again automatically in 5 seconds\./, `${f.name}: says when it tries again: ${text}`);
        }
        const retry = w.getByRole('button', { name: /^retry$/i });
        assert.equal(await retry.count(), 1, 'one Retry button');
        assert.ok(await retry.isVisible(), 'Retry is visible');
        assert.equal(await retry.getAttribute('aria-disabled'), null, 'Retry is enabled');
        await h.screenshot(h.card(page, KEY), `faults-${f.name}-light`);

        // Two simulated minutes of the fault: the widget re-checks on the
        // backoff schedule, no sooner and no more often.
        const windowMs = 120_000;
        const answerMs = f.answerMs ?? 0;
        await step(page, windowMs - (await clockMs(page)));
        const schedule = expectedSchedule({ count: 12, answerMs, serverWaitMs: f.serverWaitMs ?? 0 });
        const expected = schedule.filter((t) => t <= windowMs);
        assert.deepEqual(times, expected, `${f.name}: status requests at ${times} ms, expected ${expected}`);
        assert.ok(times.length <= 5, `${f.name}: no hammering (${times.length} requests in 2 minutes)`);
        const errors = await h.events(page, 'verification-error', KEY);
        const failed = expected.filter((t) => t + answerMs <= windowMs).length;
        assert.equal(errors.length, failed, 'one error event per failed check');

        // The fault is lifted: the next scheduled re-check recovers, no click.
        setAnswer((route) => route.fulfill({ status: 200, contentType: 'application/json', body: PENDING[provider] }));
        const before = times.length;
        const deadline = Date.now() + 30_000;
        while ((await w.getAttribute('data-status')) !== 'pending' && Date.now() < deadline) await step(page, STEP);
        assert.equal(await w.getAttribute('data-status'), 'pending', `${f.name}: recovered by itself`);
        assert.deepEqual(times.slice(before), [schedule[before]], 'recovered with the next scheduled re-check');
        assert.equal(await w.getAttribute('data-error'), null);
        const recovered = h.norm(await h.widgetText(page, KEY));
        assert.match(recovered, /jane@example\.com/, `${f.name}: shows the status: ${recovered}`);
        assert.doesNotMatch(recovered, /Trying again|Could not load/, 'no stale error text');
        assert.equal(await w.getByRole('button', { name: /^retry$/i }).count(), 0, 'Retry is gone');
        // Back to the normal cadence (refresh 300 s): nothing for a minute.
        const settled = times.length;
        await step(page, 60_000);
        assert.equal(times.length, settled, `${f.name}: after recovery, no more backoff re-checks`);
        h.assertNoProblems(page);
      } finally {
        await page.context().close();
      }
    });
  }

  it('Retry works during a fault; it restarts the wait, and a recovery resets the backoff', async () => {
    let fail = true;
    const answer = (route) =>
      fail
        ? route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>Service Unavailable</h1>' })
        : route.fulfill({ status: 200, contentType: 'application/json', body: PENDING.namecom });
    const { page, times } = await faultPage(browser, server, { answer, attrs: 'refresh="60"' });
    try {
      const w = h.widget(page, KEY);
      await waitForError(page);
      await step(page, 15_000); // retries at 5 and 15 s
      assert.deepEqual(times, [0, 5000, 15_000]);
      // Pressing Retry checks at once (the clock does not move)...
      const seen = (await h.events(page, 'verification-error', KEY)).length;
      await w.getByRole('button', { name: /^retry$/i }).click();
      await waitForError(page, seen);
      assert.deepEqual(times, [0, 5000, 15_000, 15_000], 'Retry sent one request at once');
      assert.equal(await w.getByRole('button', { name: /^retry$/i }).count(), 1, 'Retry is still there');
      // ...and the backoff continues from there (40 s after the 4th failure),
      // with no leftover timer from before the click (it was due at 35 s).
      await step(page, 40_000);
      assert.deepEqual(times, [0, 5000, 15_000, 15_000, 55_000]);
      // The cap is the refresh interval (60 s here): 80 s would be next.
      await step(page, 60_000);
      assert.deepEqual(times.slice(5), [115_000]);
      // Recovery resets the backoff: after the next outage it starts at 5 s.
      fail = false;
      await step(page, 60_000);
      assert.equal(await w.getAttribute('data-status'), 'pending');
      fail = true;
      const n = times.length;
      await step(page, 60_000); // the normal refresh re-check fails
      await step(page, 5000); // and is retried 5 s later, not 60 s
      assert.deepEqual(
        times.slice(n).map((t) => t - times[n]),
        [0, 5000],
        `backoff restarts at 5 s: ${times}`,
      );
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('polling and the backoff pause while the tab is hidden; showing it re-checks once, promptly', async () => {
    let fail = false;
    const answer = (route) =>
      fail
        ? route.abort('connectionrefused')
        : route.fulfill({ status: 200, contentType: 'application/json', body: PENDING.namecom });
    const { page, times } = await faultPage(browser, server, { answer, attrs: 'refresh="60"' });
    const setHidden = (hidden) =>
      page.evaluate((hidden) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    try {
      const w = h.widget(page, KEY);
      await until(page, (sel) => document.querySelector(sel)?.dataset.status === 'pending', SEL, 'pending');
      await quiet(page);
      // Visible: one re-check per refresh interval.
      await step(page, 120_000);
      assert.deepEqual(times, [0, 60_000, 120_000], 'visible: polls every 60 s');

      // Hidden for ten intervals: not a single request.
      await setHidden(true);
      await step(page, 600_000);
      assert.equal(times.length, 3, `hidden: no requests (${times})`);
      // Shown again: one re-check at once (no clock movement), then the cadence.
      await setHidden(false);
      await quiet(page);
      assert.equal(times.length, 4, 'shown: one prompt re-check');
      assert.equal(times[3], 720_000, 'at the moment it showed');
      await setHidden(false); // a second visibilitychange adds nothing
      await quiet(page);
      assert.equal(times.length, 4);
      await step(page, 60_000);
      assert.equal(times.length, 5, 'the refresh cadence resumes');

      // The same for the error backoff: hidden, it does not retry.
      fail = true;
      await step(page, 60_000); // the next check fails
      await waitForError(page);
      const failedAt = times.length;
      await setHidden(true);
      await step(page, 300_000);
      assert.equal(times.length, failedAt, 'hidden: no backoff retries');
      await setHidden(false);
      await quiet(page);
      assert.equal(times.length, failedAt + 1, 'shown: one prompt retry');
      // And it recovers when the fault is gone, still without a click.
      fail = false;
      await step(page, 15_000);
      assert.equal(await w.getAttribute('data-status'), 'pending');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
