// Accessibility, checked by axe-core (tools/node_modules/axe-core, pinned in
// tools/package.json) and by hand where axe cannot judge:
//
// - axe runs on the widget host of EVERY state a registrant can see
//   (loading, not started, pending info/warning/critical, overdue and
//   suspended, verified, expired, bounced, name.com's "checking", error with
//   Retry, resending, sent with the cooldown, throttled) and on the staff
//   list (plain, filtered, empty, row errors, load error, resend queue), each
//   in four themes: light and dark by `prefers-color-scheme`, and the
//   `theme` attribute forcing dark over a light page and light over a dark
//   one. axe descends into the open shadow roots. Zero violations, and no
//   text whose contrast axe could not decide ("incomplete"); each finding is
//   printed with its id, impact, target and summary.
// - the resend button is a <button> whose accessible name says the
//   remaining cooldown; focus stays on it (or on the result) after a
//   resend, and lands on the new state's control after Retry, never on
//   <body>; the status title is a live region whose text changes with the
//   status (the same element, so screen readers announce it); urgency is
//   said in words, not by colour alone.
//
// axe is added with `addInitScript` (the demo pages' Content-Security-Policy
// refuses inline <script>, so `addScriptTag({content})` would be blocked).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as h from './harness.mjs';

const { T0, DAY, MIN } = h;
const AXE_SOURCE = readFileSync(join(h.ROOT, 'tools', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const LIST = 'registrant-verification-list';
const RESEND = /resend|send/i;

/** The host-page CSS of the README's "Theming" example. */
const README_EXAMPLE_CSS = `
registrant-verification,
registrant-verification-list {
  --rv-font: "Inter", system-ui, sans-serif;
  --rv-radius: 6px;
  --rv-accent: light-dark(#6f42c1, #b692f6);
  --rv-accent-hover: light-dark(#5a32a3, #cdb4fa);
  --rv-focus: light-dark(#6f42c1, #cdb4fa);
}
registrant-verification::part(card) { box-shadow: none; }
registrant-verification::part(button) { border-radius: 999px; }
`;

/** The colour schemes every state is checked in. */
const THEMES = [
  { name: 'light', scheme: 'light', theme: null },
  { name: 'dark', scheme: 'dark', theme: null },
  { name: 'theme=dark', scheme: 'light', theme: 'dark' },
  { name: 'theme=light', scheme: 'dark', theme: 'light' },
];

let server;
let browser;

/** A fresh page (harness `newPage`) with axe-core loaded in every document. */
async function axePage(options) {
  const page = await h.newPage(browser, options);
  await page.addInitScript({ content: AXE_SOURCE });
  return page;
}

function sel(scenario) {
  return `registrant-verification[data-scenario="${scenario}"]`;
}

/** Runs axe on the elements matching `selector` (shadow roots included). */
async function axe(page, selector) {
  return page.evaluate(async (selector) => {
    if (!window.axe) throw new Error('axe-core is not loaded in the page');
    const result = await window.axe.run(
      { include: [[selector]] },
      { resultTypes: ['violations', 'incomplete', 'passes'] },
    );
    const brief = (r) => ({
      id: r.id,
      impact: r.impact,
      help: r.help,
      nodes: r.nodes.map((n) => ({
        target: JSON.stringify(n.target),
        summary: (n.failureSummary ?? n.any?.map((c) => c.message).join('; ') ?? '').replace(/\s+/g, ' '),
        html: n.html.slice(0, 160),
      })),
    });
    return {
      // The contrast rule really ran on text in the shadow root.
      contrastChecked: result.passes.some((r) => r.id === 'color-contrast'),
      violations: result.violations.map(brief),
      // Contrast axe could not decide (text over a pseudo-element, an
      // image or a gradient).
      incomplete: result.incomplete.filter((r) => r.id === 'color-contrast').map(brief),
    };
  }, selector);
}

function describeViolations(list) {
  return list
    .map((v) => `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    at ${n.target}\n      ${n.summary}\n      ${n.html}`).join('\n')}`)
    .join('\n');
}

/** Sets the colour scheme and the `theme` attribute of every element matching `selector`. */
async function applyTheme(page, selector, t) {
  await page.emulateMedia({ colorScheme: t.scheme, reducedMotion: 'reduce' });
  await page.evaluate(
    ([selector, theme]) => {
      for (const el of document.querySelectorAll(selector)) {
        if (theme) el.setAttribute('theme', theme);
        else el.removeAttribute('theme');
      }
    },
    [selector, t.theme],
  );
  // Two frames: style recalculation and paint.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * axe in every theme on `selector`; asserts zero violations (printing them)
 * and that dark really is dark (the card or list background differs).
 */
async function checkThemes(page, selector, what, { shot } = {}) {
  const failures = [];
  const backgrounds = {};
  try {
    for (const t of THEMES) {
      await applyTheme(page, selector, t);
      const r = await axe(page, selector);
      if (r.violations.length) failures.push(`${what} [${t.name}]:\n${describeViolations(r.violations)}`);
      if (!r.contrastChecked) failures.push(`${what} [${t.name}]: axe checked no text contrast`);
      // Contrast axe could not decide is a failure too: it hides the very
      // text (urgency label, days left) whose contrast matters most.
      if (r.incomplete.length) failures.push(`${what} [${t.name}]: contrast undecided:\n${describeViolations(r.incomplete)}`);
      backgrounds[t.name] = await page.evaluate((selector) => {
        const el = document.querySelector(selector);
        const box = el.shadowRoot.querySelector('[part~="card"], [part~="list"]');
        return getComputedStyle(box).backgroundColor;
      }, selector);
      if (shot) await h.screenshot(page.locator(selector).first(), `a11y-${shot}-${t.name.replace('=', '-')}`);
    }
  } finally {
    await applyTheme(page, selector, THEMES[0]);
  }
  assert.deepEqual(failures, [], `axe-core violations:\n${failures.join('\n')}`);
  assert.notEqual(backgrounds.light, backgrounds.dark, `${what}: prefers-color-scheme dark changes the background`);
  assert.equal(backgrounds['theme=dark'], backgrounds.dark, `${what}: theme="dark" is the dark theme`);
  assert.equal(backgrounds['theme=light'], backgrounds.light, `${what}: theme="light" is the light theme`);
}

/** The focused element, through shadow roots. */
function deepFocus(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return null;
    return {
      tag: el.tagName.toLowerCase(),
      className: typeof el.className === 'string' ? el.className : '',
      text: el.textContent.replace(/\s+/g, ' ').trim().slice(0, 120),
      scenario: el.getRootNode().host?.dataset?.scenario ?? null,
    };
  });
}

/** The accessible name Chromium computes for the widget's primary button. */
async function buttonName(page, scenario) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    const host = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: sel(scenario) });
    const { node } = await cdp.send('DOM.describeNode', { nodeId: host.nodeId, depth: -1, pierce: true });
    const find = (n) => {
      if (n.localName === 'button') return n;
      for (const c of [...(n.shadowRoots ?? []), ...(n.children ?? [])]) {
        const f = find(c);
        if (f) return f;
      }
      return null;
    };
    const button = find(node);
    assert.ok(button, `${scenario}: a <button> in the shadow root`);
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', {
      backendNodeId: button.backendNodeId,
      fetchRelatives: false,
    });
    const ax = nodes[0];
    return { role: ax.role?.value, name: h.norm(ax.name?.value ?? '') };
  } finally {
    await cdp.detach();
  }
}

/** The status live region of a widget: role, aria-live and text. */
function statusRegion(page, scenario) {
  return h.widget(page, scenario).evaluate((el) => {
    const r = el.shadowRoot.querySelector('[part~="status"]');
    return r && { role: r.getAttribute('role'), live: r.getAttribute('aria-live'), text: r.textContent.replace(/\s+/g, ' ').trim() };
  });
}

/** Marks the status region so a later check can tell it is the same node. */
function markStatusRegion(page, scenario) {
  return h.widget(page, scenario).evaluate((el) => {
    el.shadowRoot.querySelector('[part~="status"]').__a11yMark = true;
  });
}

function sameStatusRegion(page, scenario) {
  return h.widget(page, scenario).evaluate((el) => el.shadowRoot.querySelector('[part~="status"]')?.__a11yMark === true);
}

// The seeded demo scenarios by state (www/sandbox/src/scenarios.rs).
const DEMO_STATES = [
  { state: 'not started', keys: ['dna-not-started', 'openprovider-not-started'], status: 'not_started' },
  { state: 'pending (info)', keys: ['dna-pending', 'namecom-pending', 'openprovider-pending'], status: 'pending', urgency: 'info' },
  { state: 'pending (critical)', keys: ['dna-due-soon', 'namecom-due-soon', 'openprovider-due-soon'], status: 'pending', urgency: 'critical' },
  { state: 'overdue and suspended', keys: ['dna-overdue', 'namecom-overdue', 'openprovider-overdue'], status: 'pending', urgency: 'overdue' },
  { state: 'verified', keys: ['dna-verified', 'namecom-verified', 'openprovider-verified'], status: 'verified' },
  { state: 'expired', keys: ['dna-expired', 'openprovider-expired'], status: 'failed' },
  { state: 'bounced', keys: ['openprovider-bounced'], status: 'failed' },
  { state: 'checking (name.com propagation)', keys: ['namecom-unknown'], status: 'unknown' },
];

describe('accessibility: axe-core on every widget state, in light and dark', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it("the gateway's card before any script (a declarative shadow root): no violations in any theme, desktop and 390 px", async () => {
    await server.resetAt(T0);
    // The panel's server side: the registrant's token, then each card.
    const api = await browser.newContext();
    await api.request.get(server.url + '/');
    const { token } = await (await api.request.get(server.url + '/demo/token')).json();
    const keys = ['openprovider-pending', 'namecom-due-soon', 'openprovider-overdue', 'openprovider-verified', 'openprovider-bounced', 'dna-pending'];
    const cards = [];
    for (const key of keys) {
      const provider = key.split('-')[0];
      const q = new URLSearchParams({ contact: key, 'status-url': `/api/${provider}/status?contact=${key}`, now: String(Date.parse(T0)) });
      const res = await api.request.get(`${server.url}/api/${provider}/card?${q}`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status(), 200, key);
      cards.push(`<div id="c-${key}">${await res.text()}</div>`);
    }
    await api.close();
    const page = await axePage();
    try {
      await page.route(server.url + '/test/declarative', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/html; charset=utf-8',
          body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your domains</title></head><body><main><h1>Your domains</h1>${cards.join('')}</main></body></html>`,
        }),
      );
      await page.goto(server.url + '/test/declarative');
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        for (const key of keys) {
          const selector = `#c-${key} > registrant-verification`;
          assert.ok(await page.locator(`${selector} article`).isVisible(), `${key}: the card is there without any script`);
          await checkThemes(page, selector, `declarative ${key} at ${width} px`, { shot: key === keys[0] ? `declarative-${width}` : null });
        }
      }
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('the seeded states: no violations in any theme; urgency in words', async () => {
    await server.resetAt(T0);
    const page = await axePage();
    try {
      await page.goto(server.url + '/');
      const labels = {};
      for (const s of DEMO_STATES) {
        for (const key of s.keys) {
          await h.waitForStatus(page, key, s.status);
          if (s.urgency) assert.equal(await h.widget(page, key).getAttribute('data-urgency'), s.urgency, key);
          await checkThemes(page, sel(key), `${s.state}: ${key}`, { shot: key === s.keys[0] ? s.state.replace(/\W+/g, '-').replace(/-$/, '') : null });
          const region = await statusRegion(page, key);
          assert.equal(region.role, 'status', `${key}: the status title is a status region`);
          assert.equal(region.live, 'polite');
          const label = await h.widget(page, key).evaluate((el) => el.shadowRoot.querySelector('.label').textContent.trim());
          assert.ok(label.length > 0, `${key}: a text label says the urgency`);
          (labels[s.urgency ?? s.state] ??= new Set()).add(label);
        }
      }
      // Every urgency has its own words (colour is never the only signal).
      const byUrgency = ['info', 'critical', 'overdue', 'verified'].map((u) => [...(labels[u] ?? [])].join('/'));
      assert.equal(new Set(byUrgency).size, byUrgency.length, `urgency labels differ: ${byUrgency}`);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('the demo panel as a whole (widgets of three registrars side by side): no violations, light and dark', async () => {
    // See: issue 14. Each widget's domain list was a region landmark with
    // the same name as the next widget's (axe `landmark-unique`); only a
    // run over the whole page, not one widget at a time, sees that.
    await server.resetAt(T0);
    const page = await axePage();
    try {
      await page.goto(server.url + '/');
      for (const s of DEMO_STATES) for (const key of s.keys) await h.waitForStatus(page, key, s.status);
      const failures = [];
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const r = await axe(page, 'html');
        if (r.violations.length) failures.push(`demo panel [${scheme}]:\n${describeViolations(r.violations)}`);
        if (!r.contrastChecked) failures.push(`demo panel [${scheme}]: axe checked no text contrast`);
        if (r.incomplete.length) failures.push(`demo panel [${scheme}]: contrast undecided:\n${describeViolations(r.incomplete)}`);
        await h.screenshot(page.locator('body'), `a11y-demo-panel-${scheme}`);
      }
      assert.deepEqual(failures, [], `axe-core violations:\n${failures.join('\n')}`);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('pending (warning, 7 days or less): no violations; said in words', async () => {
    // Three days on, openprovider-pending (9 days) and namecom-pending
    // (10 days) are within the 7-day warning.
    await server.resetAt(T0);
    const later = h.addMs(T0, 3 * DAY);
    await server.setClock(later);
    const page = await axePage({ time: later });
    try {
      await page.goto(server.url + '/');
      for (const key of ['openprovider-pending', 'namecom-pending']) {
        await h.waitForStatus(page, key, 'pending');
        assert.equal(await h.widget(page, key).getAttribute('data-urgency'), 'warning', key);
        await checkThemes(page, sel(key), `pending (warning): ${key}`, { shot: key === 'namecom-pending' ? 'pending-warning' : null });
        const label = await h.widget(page, key).evaluate((el) => el.shadowRoot.querySelector('.label').textContent.trim());
        assert.match(label, /\w/, `${key}: the warning is said in words`);
        assert.doesNotMatch(label, /^Action needed$/, `${key}: warning reads differently from info`);
      }
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('loading: no violations; busy and announced politely', async () => {
    await server.resetAt(T0);
    const page = await axePage();
    const key = 'openprovider-pending';
    const held = [];
    const isStatus = (url) => url.pathname === '/api/openprovider/status' && url.searchParams.get('contact') === key;
    await page.route(isStatus, (route) => held.push(route)); // answered below
    try {
      await page.goto(server.url + '/');
      await page.waitForFunction((s) => document.querySelector(s)?.shadowRoot?.childElementCount > 0, sel(key));
      assert.equal(await h.widget(page, key).getAttribute('data-status'), 'loading');
      await checkThemes(page, sel(key), `loading: ${key}`, { shot: 'loading' });
      const busy = await h.widget(page, key).evaluate((el) => el.shadowRoot.querySelector('[part~="card"]').getAttribute('aria-busy'));
      assert.equal(busy, 'true', 'the card is aria-busy while loading');
      const region = await statusRegion(page, key);
      assert.equal(region.role, 'status');
      assert.match(region.text, /check/i);

      // The answer comes: the same live region now says the status.
      await markStatusRegion(page, key);
      for (const r of held.splice(0)) await r.continue();
      await page.unroute(isStatus);
      await h.waitForStatus(page, key, 'pending');
      const after = await statusRegion(page, key);
      assert.notEqual(after.text, region.text, 'the live region text changes with the status');
      assert.ok(await sameStatusRegion(page, key), 'the live region is the same element (so it is announced)');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('error with Retry: no violations; Retry keeps focus on a control, and the change is announced', async () => {
    await server.resetAt(T0);
    const page = await axePage();
    h.allowProblems(page, /status of 500/);
    const key = 'openprovider-pending';
    const isStatus = (url) => url.pathname === '/api/openprovider/status' && url.searchParams.get('contact') === key;
    await page.route(isStatus, (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"internal","message":"boom"}' }),
    );
    try {
      await page.goto(server.url + '/');
      await h.waitForStatus(page, key, 'error');
      const w = h.widget(page, key);
      const retry = w.getByRole('button', { name: /retry|try again/i });
      await retry.waitFor();
      await checkThemes(page, sel(key), `error: ${key}`, { shot: 'error' });
      const before = await statusRegion(page, key);
      assert.equal(before.role, 'status');
      assert.match(before.text, /could not|problem/i);
      await markStatusRegion(page, key);

      // Retry from the keyboard once the backend recovered.
      await page.unroute(isStatus);
      await retry.focus();
      await page.keyboard.press('Enter');
      await h.waitForStatus(page, key, 'pending');
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
      const focus = await deepFocus(page);
      assert.ok(focus && focus.tag !== 'body', `focus after Retry is not on <body>: ${JSON.stringify(focus)}`);
      assert.equal(focus.scenario, key, `focus stays inside the widget: ${JSON.stringify(focus)}`);
      assert.ok(
        focus.tag === 'button' || focus.tag === 'h2' || focus.tag === 'a',
        `focus after Retry is on the new state's control or headline: ${JSON.stringify(focus)}`,
      );
      const after = await statusRegion(page, key);
      assert.notEqual(after.text, before.text, `the status region says the new status: ${after.text}`);
      assert.ok(await sameStatusRegion(page, key), 'the live region is the same element (so it is announced)');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('resending, then sent with a cooldown: no violations; the button names the cooldown; focus stays', async () => {
    await server.resetAt(T0);
    const page = await axePage();
    const key = 'openprovider-pending';
    const held = [];
    const isResend = (url) => url.pathname === '/api/openprovider/resend' && url.searchParams.get('contact') === key;
    await page.route(isResend, (route) => held.push(route));
    try {
      await page.goto(server.url + '/');
      await h.waitForStatus(page, key, 'pending');
      const w = h.widget(page, key);
      const button = w.getByRole('button', { name: RESEND });
      const idle = await buttonName(page, key);
      assert.equal(idle.role, 'button', 'the resend control is a button');
      assert.equal(await button.evaluate((b) => b.tagName), 'BUTTON', 'a real <button>');

      await button.focus();
      await page.keyboard.press('Enter');
      for (let i = 0; i < 100 && held.length === 0; i++) await page.waitForTimeout(20);
      assert.equal(held.length, 1, 'the resend request is in flight');
      await page.waitForFunction((s) => /sending/i.test(document.querySelector(s).shadowRoot.textContent), sel(key));
      assert.equal(await button.getAttribute('aria-disabled'), 'true', 'busy while sending');
      await checkThemes(page, sel(key), `resending: ${key}`, { shot: 'resending' });
      let focus = await deepFocus(page);
      assert.equal(focus?.tag, 'button', `focus stays on the button while sending: ${JSON.stringify(focus)}`);

      // The registrar answers: sent, with a cooldown.
      await held[0].continue();
      await page.unroute(isResend);
      await page.waitForFunction((s) => /\d:\d\d/.test(document.querySelector(s).shadowRoot.textContent), sel(key));
      await checkThemes(page, sel(key), `sent with cooldown: ${key}`, { shot: 'sent-cooldown' });
      focus = await deepFocus(page);
      assert.ok(focus && focus.tag !== 'body', `focus after the resend is not on <body>: ${JSON.stringify(focus)}`);
      assert.ok(
        (focus.tag === 'button' && RESEND.test(focus.text)) || /note/.test(focus.className),
        `focus stays on the resend button or moves to the result: ${JSON.stringify(focus)}`,
      );
      assert.equal(focus.scenario, key);

      // The accessible name says how long the cooldown still runs, in whole
      // minutes: the visible clock ticks every second, the name does not
      // (a focused button whose name changes is announced again).
      const shown = (await h.widgetText(page, key)).match(/\b(\d{1,2}):(\d\d)\b(?!\s*[AP]M)/);
      assert.ok(shown, 'a countdown shows');
      const cooling = await buttonName(page, key);
      assert.equal(cooling.role, 'button');
      assert.match(cooling.name, RESEND, `the name still says what the button does: ${cooling.name}`);
      const minutes = Number(shown[1]) + (Number(shown[2]) > 0 ? 1 : 0);
      assert.match(cooling.name, new RegExp(`\\b${minutes} minutes\\b`), `the name includes the remaining cooldown in minutes (${shown[0]} shown): ${cooling.name}`);
      assert.doesNotMatch(cooling.name, /\d:\d\d/, `no ticking clock in the name: ${cooling.name}`);
      assert.equal(await button.getAttribute('aria-disabled'), 'true', 'disabled during the cooldown');
      // Within the minute the name stays (unless the clock was at m:01);
      // the next minute changes it.
      await page.clock.runFor(1_000);
      await page.waitForTimeout(100);
      if (Number(shown[2]) !== 1) {
        assert.equal((await buttonName(page, key)).name, cooling.name, 'the name does not change with every second');
      }
      await page.clock.runFor(61_000);
      await page.waitForTimeout(100);
      const later = await buttonName(page, key);
      assert.notEqual(later.name, cooling.name, `the name follows the countdown: ${cooling.name} -> ${later.name}`);
      assert.match(later.name, new RegExp(`\\b${minutes - 1} minutes?\\b`), `a minute less: ${later.name}`);

      // The result note is a live region (the outcome is announced).
      const note = await w.evaluate((el) => {
        const n = el.shadowRoot.querySelector('.note');
        return { role: n.getAttribute('role'), live: n.getAttribute('aria-live'), text: n.textContent };
      });
      assert.equal(note.role, 'status');
      assert.match(note.text, /sent/i);

      // Once the cooldown is over the name is the plain label again.
      await h.advance(page, 15 * MIN, 10_000);
      await page.waitForTimeout(200);
      const done = await buttonName(page, key);
      assert.doesNotMatch(done.name, /\d:\d\d/, `no countdown in the name after the cooldown: ${done.name}`);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('throttled by the registrar: no violations; the button names when it reopens', async () => {
    await server.resetAt(T0);
    const page = await axePage();
    h.allowProblems(page, /status of 429/);
    const key = 'namecom-pending';
    try {
      await page.goto(server.url + '/');
      await h.waitForStatus(page, key, 'pending');
      // Another tab sent one a moment ago: name.com throttles the next.
      const status = await page.evaluate(async (key) => {
        const { token } = await (await fetch('/demo/token')).json();
        const res = await fetch(`/api/namecom/resend?contact=${key}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'x-idempotency-key': crypto.randomUUID(),
          },
          body: JSON.stringify({ operation: 'resend' }),
        });
        return res.status;
      }, key);
      assert.equal(status, 200, 'the first resend went through');
      const button = h.widget(page, key).getByRole('button', { name: RESEND });
      await button.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        (k) => window.__events.some((e) => e.type === 'verification-resend' && e.scenario === k),
        key,
      );
      const ev = (await h.events(page, 'verification-resend', key)).at(-1);
      assert.equal(ev.detail.outcome, 'throttled', JSON.stringify(ev.detail));
      await page.waitForFunction((s) => /allows another/i.test(document.querySelector(s).shadowRoot.textContent), sel(key));
      await checkThemes(page, sel(key), `throttled: ${key}`, { shot: 'throttled' });
      const focus = await deepFocus(page);
      assert.ok(focus && focus.tag !== 'body', `focus after a throttled resend is not on <body>: ${JSON.stringify(focus)}`);
      assert.equal(focus.scenario, key);
      const [time] = await h.formatInPage(page, ev.detail.nextEligibleAt, [{ timeStyle: 'short' }]);
      const name = await buttonName(page, key);
      assert.equal(name.role, 'button');
      assert.ok(name.name.includes(time), `the name says when resending reopens (${time}): ${name.name}`);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it("the README's restyling example (custom properties, ::part) applies in both themes and stays accessible", async () => {
    await server.resetAt(T0);
    const page = await axePage();
    try {
      await page.goto(server.url + '/');
      const key = 'openprovider-pending';
      await h.waitForStatus(page, key, 'pending');
      await applyTheme(page, sel(key), THEMES[0]); // (reduced motion: no colour transition)
      // A constructed stylesheet: the demo's CSP refuses inline <style>.
      await page.evaluate((css) => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }, README_EXAMPLE_CSS);
      await applyTheme(page, sel(key), THEMES[0]);
      const look = () =>
        h.widget(page, key).evaluate((el) => {
          const card = getComputedStyle(el.shadowRoot.querySelector('[part~="card"]'));
          const button = getComputedStyle(el.shadowRoot.querySelector('button[part~="button"]'));
          return { radius: card.borderTopRightRadius, shadow: card.boxShadow, font: card.fontFamily, button: button.backgroundColor, pill: button.borderTopLeftRadius };
        });
      const light = await look();
      assert.equal(light.radius, '6px', '--rv-radius');
      assert.equal(light.shadow, 'none', '::part(card)');
      assert.equal(light.pill, '999px', '::part(button)');
      assert.match(light.font, /^"?Inter"?, system-ui/, '--rv-font');
      assert.equal(light.button, 'rgb(111, 66, 193)', '--rv-accent, light');
      await applyTheme(page, sel(key), THEMES[1]);
      assert.equal((await look()).button, 'rgb(182, 146, 246)', '--rv-accent, dark (light-dark())');
      await applyTheme(page, sel(key), THEMES[2]);
      assert.equal((await look()).button, 'rgb(182, 146, 246)', '--rv-accent, theme="dark"');
      await checkThemes(page, sel(key), `restyled: ${key}`, { shot: 'restyled' });
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});

// ------------------------------------------------------------------ list

async function openSupport(page, query = '') {
  await page.goto(`${server.url}/support${query}`, { waitUntil: 'load' });
  await waitListReady(page);
}

async function waitListReady(page, state = 'ready') {
  await page.waitForFunction(([s, state]) => document.querySelector(s)?.getAttribute('data-state') === state, [LIST, state], {
    timeout: 30_000,
  });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
}

async function filterBy(page, { status, suspended, text }) {
  const el = page.locator(LIST);
  if (status !== undefined) await el.locator('select[name="status"]').selectOption(status);
  if (suspended !== undefined) await el.locator('select[name="suspended"]').selectOption(suspended);
  if (text !== undefined) await el.locator('input[name="q"]').fill(text);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
}

describe('accessibility: axe-core on the staff list, in light and dark', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('name.com list: plain, filtered, empty, with a resend queue', async () => {
    await server.resetAt(T0);
    const page = await axePage();
    try {
      await openSupport(page, '?rate-limit=2/3600');
      await checkThemes(page, LIST, 'list', { shot: 'list' });
      await filterBy(page, { status: 'overdue', suspended: 'yes' });
      await checkThemes(page, LIST, 'list filtered (overdue, suspended)', { shot: 'list-filtered' });
      await filterBy(page, { status: 'any', suspended: 'any', text: 'no-such-contact' });
      await checkThemes(page, LIST, 'list filtered to nothing', { shot: 'list-empty' });
      await filterBy(page, { text: '', status: 'pending' });
      const boxes = page.locator(LIST).locator('.viewport .row input[type="checkbox"]');
      for (let i = 0; i < 3; i++) await boxes.nth(i).check();
      await page.locator(LIST).getByRole('button', { name: /Resend to 3 contacts/ }).click();
      await page.waitForFunction(
        (s) => /queued for/.test(document.querySelector(s).shadowRoot.querySelector('.queue-summary')?.textContent ?? ''),
        LIST,
        { timeout: 15_000 },
      );
      await h.settle(page);
      await checkThemes(page, LIST, 'list with a resend queue', { shot: 'list-queue' });
      // Sorted by a column, and a large bulk resend asking first.
      await page.locator(LIST).getByRole('button', { name: 'Contact' }).click();
      await page.locator(LIST).locator('.head input[type="checkbox"]').check();
      await page.locator(LIST).getByRole('button', { name: /Resend to [\d,]+ contacts/ }).click();
      await page.locator(LIST).locator('.confirm').waitFor();
      await checkThemes(page, LIST, 'list sorted, asking before a bulk resend', { shot: 'list-confirm' });
      await page.locator(LIST).locator('.confirm').getByRole('button', { name: 'Cancel' }).click();
      // The phone layout.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
      await checkThemes(page, LIST, 'list on a 390 px phone', { shot: 'list-phone' });
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('openprovider list with row errors shown', async () => {
    await server.resetAt(T0);
    const page = await axePage();
    try {
      await page.route('**/api/openprovider/list?*', async (route) => {
        const res = await route.fetch();
        const body = await res.json();
        if (new URL(route.request().url()).searchParams.get('offset') === '0') {
          body.data.results.splice(2, 0, { email: 'broken@openprovider.example', domain: 'broken.example', status: 'in progress', expiration_date: 'not a date' });
          body.data.results.splice(5, 0, { email: 42, status: { odd: true } });
        }
        await route.fulfill({ response: res, json: body });
      });
      await openSupport(page, '?provider=openprovider');
      const stats = await page.evaluate((s) => document.querySelector(s).stats, LIST);
      assert.ok(stats.rowErrors >= 1, `row errors reported: ${JSON.stringify(stats)}`);
      assert.equal(await page.locator(LIST).locator('.row-errors').count(), 1, 'the row errors are shown');
      await checkThemes(page, LIST, 'list with row errors', { shot: 'list-row-errors' });
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('list load error with Try again', async () => {
    await server.resetAt(T0);
    const page = await axePage();
    h.allowProblems(page, /status of 502/);
    try {
      await page.route('**/api/namecom/list?*', (route) =>
        route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }),
      );
      await page.goto(`${server.url}/support`, { waitUntil: 'load' });
      await waitListReady(page, 'error');
      await checkThemes(page, LIST, 'list load error', { shot: 'list-error' });
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
