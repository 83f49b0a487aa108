// The first status before the wasm: the gateway renders the registrant's
// card (the widget's own components, natively), `define.js` paints it as
// soon as the answer comes, and the wasm takes it over without a visible
// change. Checked on the demo panel (the gateway, `token-url`), with the
// wasm held back so the painted card can be read before the takeover.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './harness.mjs';

const { T0 } = h;
const MOUNTED = 'registrant-verification:mounted';

let server;
let browser;

/**
 * Each widget's card as a list of lines: every element with its attributes
 * (sorted), every run of text (white space collapsed), indented by depth.
 * Comments (Leptos' markers) and the `<g>` the client renderer wraps an
 * SVG's first child in are not part of what a reader gets.
 */
async function shapes(page) {
  return page.evaluate(() => {
    const shape = (root) => {
      const out = [];
      const walk = (node, depth) => {
        let text = '';
        const flush = () => {
          // Runs of white space are one space (not dropped: a lone space
          // keeps `:empty` from matching, and sits between words).
          const t = text.replace(/[\s\u00a0\u202f]+/g, ' ');
          if (t) out.push(`${'  '.repeat(depth)}${JSON.stringify(t)}`);
          text = '';
        };
        for (const child of node.childNodes) {
          if (child.nodeType === Node.TEXT_NODE) text += child.textContent;
          else if (child.nodeType === Node.ELEMENT_NODE) {
            if (child.localName === 'g') {
              flush();
              walk(child, depth);
              continue;
            }
            flush();
            const attrs = [...child.attributes].map((a) => `${a.name}="${a.value}"`).sort().join(' ');
            out.push(`${'  '.repeat(depth)}<${child.localName} ${attrs}>`);
            walk(child, depth + 1);
          }
        }
        flush();
      };
      walk(root, 0);
      return out.join('\n');
    };
    return Object.fromEntries(
      [...document.querySelectorAll('registrant-verification[data-scenario]')].map((e) => [e.dataset.scenario, e.shadowRoot ? shape(e.shadowRoot) : null]),
    );
  });
}

/**
 * The demo panel in `lang` and `timezoneId`, its wasm held back until
 * `release()`; `log` lists the status requests, `shifts` the layout shifts.
 */
async function heldDemo({ lang = 'en', timezoneId = h.TIMEZONE, page: reuse = null } = {}) {
  const page = reuse ?? (await h.newPage(browser, { timezoneId }));
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__shifts.push({ t: e.startTime, value: e.value });
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const log = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.includes('/api/') && url.pathname.endsWith('/status')) {
      log.push({ contact: url.searchParams.get('contact'), card: url.searchParams.has('card') });
    }
  });
  let release;
  const held = new Promise((r) => {
    release = r;
  });
  await page.route('**/registrant_verification_bg.wasm', async (route) => {
    await held;
    await route.continue();
  });
  if (lang !== 'en') {
    await page.route(server.url + '/', async (route) => {
      const res = await route.fetch();
      const body = (await res.text()).replace('<html lang="en">', `<html lang="${lang}">`);
      await route.fulfill({ response: res, body });
    });
  }
  await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
  // Every card painted from the gateway's answer, before any wasm.
  await page.waitForFunction(
    () => [...document.querySelectorAll('registrant-verification')].every((e) => e.shadowRoot?.querySelector('article')),
    null,
    { timeout: 20_000 },
  );
  // Two frames: the painted cards are on screen.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return { page, log, release };
}

/** Releases the wasm and waits until every widget's view took over and settled. */
async function takeOver(page, release) {
  const before = await page.evaluate(() => performance.now());
  release();
  await page.waitForFunction(
    (key) =>
      [...document.querySelectorAll('registrant-verification')].every(
        (e) => e[Symbol.for(key)] && e.dataset.status && e.dataset.status !== 'loading',
      ),
    MOUNTED,
    { timeout: 20_000 },
  );
  await h.settle(page);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.evaluate((t) => window.__shifts.filter((s) => s.t >= t), before);
}

describe('the first status before the wasm', () => {
  before(async () => {
    server = await h.startServer();
    browser = await h.launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const [lang, timezoneId] of [
    ['en', 'Europe/Berlin'],
    ['de', 'America/New_York'],
    ['en', 'America/New_York'],
    ['de', 'Europe/Berlin'],
  ]) {
    it(`the gateway's card is the wasm's, for every scenario (${lang}, ${timezoneId}); no shift, no second status request`, async () => {
      await server.resetAt(T0);
      const { page, log, release } = await heldDemo({ lang, timezoneId });
      try {
        const painted = await shapes(page);
        const keys = Object.keys(painted);
        assert.ok(keys.length >= 18, `${keys.length} cards`);
        const asked = log.length;
        assert.equal(asked, keys.length, 'one status request per card');
        assert.ok(log.every((e) => e.card), 'each asked for the card');
        // Painted in the page's language, dates in the reader's words.
        const sample = painted['openprovider-pending'];
        assert.match(sample, lang === 'de' ? /Bitte bestätigen/ : /Please verify/);
        assert.doesNotMatch(JSON.stringify(painted), /data-rv-date|UTC"/, 'every date is in the reader\'s words');
        // (The observer works: painting the cards moved the page below them.)
        assert.ok(await page.evaluate(() => window.__shifts.length > 0), 'layout shifts are observed');
        const shifts = await takeOver(page, release);
        const drawn = await shapes(page);
        for (const key of keys) assert.equal(painted[key], drawn[key], `${key}: the painted card is the one the wasm draws`);
        assert.deepEqual(shifts, [], 'nothing moved at the takeover (CLS 0)');
        assert.equal(log.length, asked, 'no second status request at the takeover');
        h.assertNoProblems(page);
      } finally {
        await page.context().close();
      }
    });
  }

  it('a resend pressed before the wasm is sent once when it takes over; the focus stays on the button', async () => {
    await server.resetAt(T0);
    const { page, release } = await heldDemo();
    const posts = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname.endsWith('/resend')) posts.push(req.url());
    });
    try {
      const key = 'openprovider-pending';
      const button = h.widget(page, key).locator('#rv-action');
      assert.equal(await button.getAttribute('data-action'), 'resend');
      await button.click();
      assert.equal(await button.getAttribute('aria-disabled'), 'true', 'the press shows at once');
      await button.click({ force: true }); // a second press is the same intent
      assert.equal(posts.length, 0, 'nothing sent before the wasm');
      await takeOver(page, release);
      await page.waitForFunction(
        (k) => window.__events.some((e) => e.type === 'verification-resend' && e.scenario === k),
        key,
        { timeout: 10_000 },
      );
      const ev = (await h.events(page, 'verification-resend', key)).at(-1);
      assert.equal(ev.detail.outcome, 'sent', JSON.stringify(ev.detail));
      await h.settle(page);
      const emails = await server.emails();
      assert.equal(emails.byContact['pending@openprovider.example'], 1, JSON.stringify(emails));
      assert.equal(emails.total, 1, 'no other widget sent anything');
      assert.equal(posts.length, 1, 'one resend request');
      const focused = await h.widget(page, key).evaluate((el) => el.shadowRoot.activeElement?.id ?? null);
      assert.equal(focused, 'rv-action', 'the button keeps the focus through the takeover');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it("a registrant who resent a moment ago gets the same cooldown painted before the wasm", async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    try {
      const key = 'openprovider-pending';
      await h.waitForStatus(page, key, 'pending');
      await h.widget(page, key).locator('#rv-action').click();
      await page.waitForFunction(
        (k) => window.__events.some((e) => e.type === 'verification-resend' && e.scenario === k && e.detail.outcome === 'sent'),
        key,
      );
      // The same browser comes back (its storage remembers the resend).
      const { release } = await heldDemo({ page });
      const clock = (shape) => shape.replace(/\d+:\d\d/g, '#:##');
      const painted = (await shapes(page))[key];
      assert.match(painted, /id="rv-countdown"(?! hidden)/, 'the painted card counts down');
      assert.match(painted, /aria-disabled="true"/, 'its Resend waits');
      await takeOver(page, release);
      assert.equal(clock(painted), clock((await shapes(page))[key]), 'the wasm draws the same card');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('the declarative card from /api/{provider}/card, inlined into a static page, shows the status with JavaScript off', async () => {
    await server.resetAt(T0);
    // The panel's server side: its session, the registrant's token, the card.
    const api = await browser.newContext();
    await api.request.get(server.url + '/');
    const { token } = await (await api.request.get(server.url + '/demo/token')).json();
    const status = `${server.url}/api/openprovider/status?contact=openprovider-pending`;
    const query = new URLSearchParams({ contact: 'openprovider-pending', 'status-url': status, 'token-url': '/demo/token', locale: 'de', now: String(Date.parse(T0)) });
    const res = await api.request.get(`${server.url}/api/openprovider/card?${query}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /^text\/html/);
    const element = await res.text();
    assert.ok(element.startsWith('<registrant-verification provider="openprovider"'), element.slice(0, 200));
    assert.ok(!element.includes(token), 'the token is not in the page');
    // Without the token: refused, as a status read.
    assert.equal((await api.request.get(`${server.url}/api/openprovider/card?${query}`)).status(), 401);
    await api.close();

    const page = await h.newPage(browser, { javaScriptEnabled: false });
    try {
      await page.route('http://panel.test/', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/html; charset=utf-8',
          body: `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Domain</title></head><body><main><h1>Ihre Domains</h1>${element}</main></body></html>`,
        }),
      );
      await page.goto('http://panel.test/');
      const card = page.locator('registrant-verification article');
      await card.waitFor();
      const text = h.norm(await card.innerText());
      assert.match(text, /Bitte bestätigen Sie Ihre E-Mail-Adresse/);
      assert.match(text, /pending@openprovider\.example/);
      assert.match(text, /openprovider-pending-shop\.com/);
      // The deadline, readable without the browser's words: in UTC.
      assert.match(text, /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      assert.ok(await page.locator('registrant-verification #rv-action').isVisible(), 'the button is there');
      await h.screenshot(page.locator('main'), 'declarative-card-no-js-light');
    } finally {
      await page.context().close();
    }
  });
});
