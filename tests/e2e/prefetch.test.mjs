// `define.js` starts the wasm download and the first status request of each
// widget already on the page at once, so the request runs while the wasm
// downloads and compiles. The widget then takes that answer: still exactly
// one status request, the same handling of a failed answer (error, Retry),
// and no request for a widget that would not ask.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './harness.mjs';
import { startSameOriginBackend } from './same-origin-backend.mjs';

const { T0 } = h;

// The same-origin cookie path (docs/backend-contract.md): a minimal backend
// of that contract in front of the demo's sandbox. (With `token-url` the
// status request waits for the token: the gateway's path.)
let sandbox;
let backend;
let browser;
const server = {
  get url() {
    return backend.url;
  },
  resetAt: (t) => sandbox.resetAt(t),
};

/** The backend's session cookie, without loading its own widgets. */
async function session(page) {
  const res = await page.context().request.get(server.url + '/');
  assert.equal(res.status(), 200);
}

/** A page with the given widgets (HTML), served from the backend's origin. */
async function pageWith(body, { holdWasm = false } = {}) {
  const page = await h.newPage(browser);
  const log = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/') || url.pathname.endsWith('.wasm')) {
      log.push({ event: 'request', path: url.pathname, contact: url.searchParams.get('contact') });
    }
  });
  let releaseWasm = () => {};
  if (holdWasm) {
    const held = new Promise((r) => {
      releaseWasm = r;
    });
    await page.route('**/registrant_verification_bg.wasm', async (route) => {
      await held;
      log.push({ event: 'wasm released' });
      await route.continue();
    });
  }
  await page.route(server.url + '/test/prefetch', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Prefetch</title>
<script type="module" src="/widget/define.js"></script></head><body>${body}</body></html>`,
    }),
  );
  await session(page);
  await page.goto(server.url + '/test/prefetch');
  return { page, log, releaseWasm };
}

const statusRequests = (log, contact) =>
  log.filter((e) => e.event === 'request' && e.path.endsWith('/status') && (!contact || e.contact === contact));

describe('the first status request starts with the wasm download', () => {
  before(async () => {
    sandbox = await h.startServer();
    backend = await startSameOriginBackend(sandbox.url);
    browser = await h.launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await backend?.close();
    await sandbox?.stop();
  });

  it('is under way before the wasm has arrived, and is the only status request', async () => {
    await server.resetAt(T0);
    const { page, log, releaseWasm } = await pageWith(
      `<registrant-verification data-scenario="p" provider="OpenProvider"
        status-url="/api/openprovider/status?contact=openprovider-pending"
        resend-url="/api/openprovider/resend?contact=openprovider-pending"></registrant-verification>`,
      { holdWasm: true },
    );
    try {
      // The wasm is held back; the status request goes out anyway.
      const deadline = Date.now() + 10_000;
      while (statusRequests(log).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(statusRequests(log).length, 1, 'the status request starts while the wasm is still downloading');
      assert.ok(!log.some((e) => e.event === 'wasm released'));
      releaseWasm();
      await h.waitForStatus(page, 'p', 'pending');
      await h.settle(page);
      assert.match(await h.widgetText(page, 'p'), /verify/i);
      assert.equal(statusRequests(log).length, 1, 'the widget took the answer instead of asking again');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('with token-url the token and then each status request start before the wasm arrives, one token for the page', async () => {
    // The demo panel: every card takes its token from the panel
    // (`token-url="/demo/token"`) and reads the gateway.
    await sandbox.resetAt(T0);
    const page = await h.newPage(browser);
    const log = [];
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname === '/demo/token') log.push({ event: 'token' });
      else if (url.pathname.startsWith('/api/') && url.pathname.endsWith('/status')) {
        log.push({ event: 'request', path: url.pathname, contact: url.searchParams.get('contact'), bearer: !!req.headers().authorization });
      }
    });
    let releaseWasm;
    const held = new Promise((r) => {
      releaseWasm = r;
    });
    await page.route('**/registrant_verification_bg.wasm', async (route) => {
      await held;
      log.push({ event: 'wasm released' });
      await route.continue();
    });
    try {
      await page.goto(sandbox.url + '/', { waitUntil: 'domcontentloaded' });
      const cards = await page.locator('registrant-verification[token-url="/demo/token"]').count();
      assert.ok(cards >= 18, `${cards} cards`);
      const deadline = Date.now() + 10_000;
      while (statusRequests(log).length < cards && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(statusRequests(log).length, cards, 'every status request starts while the wasm is still downloading');
      assert.ok(!log.some((e) => e.event === 'wasm released'));
      assert.ok(statusRequests(log).every((e) => e.bearer), 'each carries the token');
      releaseWasm();
      await h.waitForStatus(page, 'openprovider-pending', 'pending');
      await h.waitForStatus(page, 'namecom-pending', 'pending');
      await h.settle(page);
      assert.equal(log.filter((e) => e.event === 'token').length, 1, 'one token request for the page');
      assert.equal(statusRequests(log, 'openprovider-pending').length, 1, 'the widget took the answer instead of asking again');
      assert.equal(statusRequests(log).length, cards, 'no second status request');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('a failed first answer shows the error with Retry, and Retry asks again', async () => {
    await server.resetAt(T0);
    const page = await h.newPage(browser);
    h.allowProblems(page, /Failed to load resource/);
    let calls = 0;
    await page.route('**/api/openprovider/status*', async (route) => {
      calls += 1;
      if (calls === 1) await route.fulfill({ status: 503, contentType: 'text/plain', body: 'maintenance' });
      else await route.continue();
    });
    await page.route(server.url + '/test/prefetch-fail', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Prefetch</title>
<script type="module" src="/widget/define.js"></script></head><body>
<registrant-verification data-scenario="f" provider="openprovider"
  status-url="/api/openprovider/status?contact=openprovider-pending"></registrant-verification></body></html>`,
      }),
    );
    try {
      await session(page);
      await page.goto(server.url + '/test/prefetch-fail');
      await page.waitForFunction(() => document.querySelector('registrant-verification')?.getAttribute('data-error') === 'http');
      assert.equal(calls, 1);
      await h.widget(page, 'f').getByRole('button', { name: /try again|retry/i }).click();
      await h.waitForStatus(page, 'f', 'pending');
      assert.equal(calls, 2);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('asks nothing for a widget that would not ask, and one request per widget otherwise', async () => {
    await server.resetAt(T0);
    const { page, log } = await pageWith(`
      <registrant-verification data-scenario="bad" provider="godaddy"
        status-url="/api/namecom/status?contact=namecom-pending"></registrant-verification>
      <registrant-verification data-scenario="nourl" provider="namecom"></registrant-verification>
      <registrant-verification data-scenario="a" provider="name.com"
        status-url="/api/namecom/status?contact=namecom-pending"></registrant-verification>
      <registrant-verification data-scenario="b" provider="openprovider"
        status-url="/api/openprovider/status?contact=openprovider-verified"></registrant-verification>`);
    try {
      await h.waitForStatus(page, 'a', 'pending');
      await h.waitForStatus(page, 'b', 'verified');
      // Added after define.js ran: asks by itself, once.
      await page.evaluate(() => {
        const el = document.createElement('registrant-verification');
        el.dataset.scenario = 'late';
        el.setAttribute('provider', 'openprovider');
        el.setAttribute('status-url', '/api/openprovider/status?contact=openprovider-pending');
        document.body.append(el);
      });
      await h.waitForStatus(page, 'late', 'pending');
      await h.settle(page);
      assert.equal(await h.widget(page, 'bad').getAttribute('data-error'), 'config');
      assert.equal(await h.widget(page, 'nourl').getAttribute('data-error'), 'config');
      assert.deepEqual(
        statusRequests(log).map((e) => e.contact).sort(),
        ['namecom-pending', 'openprovider-pending', 'openprovider-verified'],
      );
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
