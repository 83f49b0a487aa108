// Shared harness for the browser tests: starts the demo server (the www
// binary, with its registrar sandbox), drives the sandbox clock and
// counters, launches headless Chromium with a fixed time zone, locale and
// browser clock, collects console/page errors, and saves screenshots.
//
// Every test file starts its own server (`startServer`) and browser
// (`launchBrowser`) and closes both in an `after` hook, so a failing test
// never leaves a process behind.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import { chromium } from '../../tools/node_modules/playwright-core/index.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUTPUT = join(ROOT, 'tests', 'output');
export const SCREENSHOTS = join(OUTPUT, 'screenshots');
export const SERVER_BIN = join(ROOT, 'target', 'debug', 'verification-www');
export const WIDGET_DIR = join(ROOT, 'widget', 'pkg');

/** The browser's time zone and locale for every test. */
export const TIMEZONE = 'Europe/Berlin';
export const LOCALE = 'en-US';

/**
 * The instant every test starts at (sandbox and browser). 23:30 UTC is
 * 00:30 the next day in Berlin, so a deadline printed in UTC instead of
 * the browser's zone shows the wrong day and hour.
 */
export const T0 = '2026-03-01T23:30:00Z';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ------------------------------------------------------------------ server

/** A free port on 127.0.0.1 (taken, then let go for the caller to use). */
export async function freePort() {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

/**
 * Starts `target/debug/verification-www demo --port 0 --widget-dir widget/pkg`
 * and resolves once it prints its URL. `env` adds environment variables
 * (e.g. a wrong registrar token).
 */
export async function startServer({ env = {}, widgetDir = WIDGET_DIR, args = [] } = {}) {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(`${SERVER_BIN} is missing: run \`cargo build -p verification-www\` first`);
  }
  // A missing package fails the tests; it never skips them.
  if (widgetDir === WIDGET_DIR && !widgetBuilt()) {
    throw new Error(`${WIDGET_DIR}/define.js is missing: run \`make package\` first`);
  }
  // The gateway's store: a directory of this server's own, removed at stop.
  const dataDir = mkdtempSync(join(tmpdir(), 'demo-e2e-'));
  const child = spawn(SERVER_BIN, ['demo', '--port', '0', '--widget-dir', widgetDir, '--data-dir', dataDir, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 20 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/Demo running at (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code ?? signal})\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  child.removeAllListeners('exit');
  const server = {
    url,
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        rmSync(dataDir, { recursive: true, force: true });
        return;
      }
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    async json(path, init) {
      const res = await fetch(url + path, init);
      const text = await res.text();
      if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    },
    post(path, body) {
      return this.json(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
    },
    /** Fixes the sandbox clock at `now` and reseeds every scenario. */
    async resetAt(now = T0) {
      await this.post('/sandbox/control/clock', { now });
      const r = await this.post('/sandbox/control/reset');
      assert.equal(Date.parse(r.now), Date.parse(now), 'sandbox clock is fixed');
      return r;
    },
    /** Moves the sandbox clock without reseeding. */
    setClock(now) {
      return this.post('/sandbox/control/clock', { now });
    },
    /** `{total, byContact: {email: n}}` */
    emails() {
      return this.json('/sandbox/control/emails');
    },
    /** `{total, byPath: {path: n}}` */
    requests() {
      return this.json('/sandbox/control/requests');
    },
  };
  return server;
}

/** The widget package is built (define.js and the wasm exist). */
export function widgetBuilt() {
  return existsSync(join(WIDGET_DIR, 'define.js'));
}

/**
 * Registers the hooks of a suite that needs the demo server and Chromium:
 * starts both before its tests (handing them to `use`) and closes both
 * after, even when a test failed.
 */
export function serverAndBrowser(use, options) {
  let server;
  let browser;
  before(async () => {
    server = await startServer(options);
    browser = await launchBrowser();
    use(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}

// ------------------------------------------------------------------ browser

export async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * A fresh context and page: fixed time zone, locale, viewport and colour
 * scheme, the browser clock installed at `time` (flowing from there unless
 * `paused`), event capture for the widget's DOM events, and console/page
 * error collection. `page.problems` lists unexpected console errors and
 * page errors; call `assertNoProblems(page)` at the end of a test.
 */
export async function newPage(browser, { time = T0, colorScheme = 'light', paused = false, timezoneId = TIMEZONE, javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({
    timezoneId,
    javaScriptEnabled,
    locale: LOCALE,
    colorScheme,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  await page.clock.install({ time: new Date(time) });
  if (paused) await page.clock.pauseAt(new Date(time));
  // The widget's events are bubbling and composed: capture them at the
  // document, with the scenario of the element that fired them.
  await page.addInitScript(() => {
    window.__events = [];
    for (const type of ['verification-change', 'verification-resend', 'verification-error']) {
      document.addEventListener(type, (e) => {
        const host = e.composedPath().find((n) => n instanceof Element && n.dataset?.scenario);
        window.__events.push({
          type,
          scenario: host ? host.dataset.scenario : null,
          bubbles: e.bubbles,
          composed: e.composed,
          detail: JSON.parse(JSON.stringify(e.detail ?? null)),
        });
      });
    }
  });
  page.problems = [];
  page.allowedProblems = [];
  page.consoleLog = [];
  page.on('console', (msg) => {
    page.consoleLog.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error' || /Content.Security.Policy/i.test(msg.text())) {
      page.problems.push(`console.${msg.type()}: ${msg.text()} (${msg.location()?.url ?? ''})`);
    }
  });
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.stack || err.message}`));
  page.on('crash', () => page.problems.push('page crashed'));
  // Requests in flight, so fake-clock jumps never outrun a real response
  // (the widget's 15 s request timeout is a fake timer too). An open
  // event stream (`events-url`) never finishes: it does not count, whether
  // an EventSource or, with a token, a `fetch` (`/events?`).
  page.inflight = 0;
  const counted = (req) => req.resourceType() !== 'eventsource' && !/\/events\?/.test(req.url());
  page.on('request', (req) => counted(req) && (page.inflight += 1));
  const done = (req) => counted(req) && (page.inflight = Math.max(0, page.inflight - 1));
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return page;
}

/**
 * Console errors a test provokes on purpose (the browser logs every failed
 * fetch: "Failed to load resource: the server responded with a status of
 * 500"). `patterns` are regexes matched against the recorded problem.
 */
export function allowProblems(page, ...patterns) {
  page.allowedProblems.push(...patterns);
}

export function assertNoProblems(page) {
  const unexpected = page.problems.filter((p) => !page.allowedProblems.some((re) => re.test(p)));
  assert.deepEqual(unexpected, [], `unexpected console errors or page errors:\n${unexpected.join('\n')}`);
}

/**
 * Advances the browser clock by `ms` in steps of `step`, letting every
 * request started by a timer finish (in real time) before the next step.
 */
export async function advance(page, ms, step = 5000) {
  for (let done = 0; done < ms; done += step) {
    await page.clock.runFor(Math.min(step, ms - done));
    await settle(page);
  }
}

/** Waits (real time) until no request is in flight, then a little more. */
export async function settle(page, timeout = 5000) {
  const until = Date.now() + timeout;
  await sleep(20);
  while (page.inflight > 0 && Date.now() < until) await sleep(20);
  await sleep(20);
}

/** The events captured so far, optionally of one type and scenario. */
export async function events(page, type, scenario) {
  const all = await page.evaluate(() => window.__events);
  return all.filter((e) => (!type || e.type === type) && (!scenario || e.scenario === scenario));
}

/** The `<registrant-verification data-scenario=…>` element. */
export function widget(page, scenario) {
  return page.locator(`registrant-verification[data-scenario="${scenario}"]`);
}

/** Waits until the widget reflects a `data-status` (any, or `status`). */
export async function waitForStatus(page, scenario, status, timeout = 15_000) {
  const sel = `registrant-verification[data-scenario="${scenario}"]`;
  await page.waitForFunction(
    ([sel, status]) => {
      const el = document.querySelector(sel);
      const s = el?.getAttribute('data-status');
      return status ? s === status : !!s && s !== 'loading';
    },
    [sel, status ?? null],
    { timeout },
  ).catch(async (e) => {
    const now = await page.locator(sel).getAttribute('data-status').catch(() => null);
    const text = await page.locator(sel).innerText().catch(() => '');
    throw new Error(`${scenario}: data-status ${status ?? '(any)'} not reached; it is ${now}. Text: ${text}\n${e.message}`);
  });
}

/** The widget's visible text (shadow DOM included), whitespace-normalized. */
export async function widgetText(page, scenario) {
  // `innerText` of the host is its light DOM (the unslotted fallback); the
  // widget renders in the shadow root. innerText skips hidden elements.
  const text = await widget(page, scenario).evaluate((el) =>
    [...(el.shadowRoot?.children ?? [])].map((c) => c.innerText ?? c.textContent).join('\n'),
  );
  return norm(text);
}

/** Collapses whitespace, including ICU's narrow and non-breaking spaces. */
export function norm(s) {
  return String(s).replace(/[\s\u00a0\u202f\u2009]+/g, ' ').trim();
}

/** Escapes a string for a RegExp. */
export function escapeRe(s) {
  return String(s).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Formats `instant` in the page with `Intl` (so the browser's ICU, same
 * spaces), in the test's time zone, with each of `styles`
 * (`Intl.DateTimeFormat` options). Returns normalized strings.
 */
export async function formatInPage(page, instant, styles, locale = 'en') {
  const out = await page.evaluate(
    ([ms, styles, tz, locale]) =>
      styles.map((o) => new Intl.DateTimeFormat(locale, { ...o, timeZone: tz }).format(new Date(ms))),
    [Date.parse(instant), styles, TIMEZONE, locale],
  );
  return out.map(norm);
}

/** The date/time styles a widget may reasonably use for a deadline. */
export const DEADLINE_STYLES = [
  { dateStyle: 'full', timeStyle: 'short' },
  { dateStyle: 'long', timeStyle: 'short' },
  { dateStyle: 'medium', timeStyle: 'short' },
];

/**
 * Asserts `text` contains the deadline formatted in the browser's zone in
 * one of the usual styles, and that the day printed is the local one
 * (the month-and-day of the same instant in UTC must not appear when it
 * differs).
 */
export async function assertShowsInstant(page, text, instant, what) {
  const candidates = await formatInPage(page, instant, DEADLINE_STYLES);
  assert.ok(
    candidates.some((c) => text.includes(c)),
    `${what}: expected the time ${instant} in ${TIMEZONE}, one of ${JSON.stringify(candidates)}, in: ${text}`,
  );
  const [localDay] = await formatInPage(page, instant, [{ month: 'long', day: 'numeric' }]);
  const utcDay = norm(
    new Intl.DateTimeFormat('en', { month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(instant)),
  );
  if (localDay !== utcDay) {
    assert.ok(!text.includes(utcDay), `${what}: shows the UTC day ${utcDay} instead of ${localDay}: ${text}`);
  }
}

// ------------------------------------------------------------------ screenshots

/** Saves a screenshot of `locator` to tests/output/screenshots/<name>.png. */
export async function screenshot(locator, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await locator.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/** Screenshot of the card around a scenario's widget (caption included). */
export function card(page, scenario) {
  return page.locator('article.card', { has: widget(page, scenario) });
}

// ------------------------------------------------------------------ misc

/** Days from `from` to `to`, rounded up like the record's `daysLeft`. */
export function daysLeft(from, to) {
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Math.max(0, Math.ceil(s / 86400));
}

export function addMs(iso, ms) {
  return new Date(Date.parse(iso) + ms).toISOString().replace('.000Z', 'Z');
}
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** The sandbox credentials, read from the server source (kept in sync). */
export function sandboxCredentials() {
  const src = readFileSync(join(ROOT, 'www', 'sandbox', 'src', 'lib.rs'), 'utf8');
  const consts = {};
  for (const m of src.matchAll(/pub const ([A-Z_]+): &str = "([^"]+)";/g)) consts[m[1]] = m[2];
  return consts;
}

/**
 * A fresh page (see `newPage`) on the demo panel `/`, which also sets the
 * session cookie. The caller closes `page.context()`.
 */
export async function openDemo(browser, server, options = {}) {
  const page = await newPage(browser, options);
  await page.goto(server.url + '/', { waitUntil: 'load' });
  // define.js finishes after `load` (it awaits the wasm's compile): wait
  // until every widget has mounted its view.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('registrant-verification')].every((e) => e[Symbol.for('registrant-verification:mounted')]),
  );
  return page;
}
