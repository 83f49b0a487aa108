// What a registrant meets at the edges (issue 17): setup problems in
// neutral words without a Retry that cannot help (the detail for the
// developer in the console and the event), a CORS block told apart from
// "offline", Domain Name API cards that name the panel's domains and stay
// suspended after a new email, addresses that wrap only at `@` and `.` on
// a phone, a deadline that names its time zone, a visible confirmation of
// a sent email, and "Check again" that says when it last checked.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as h from './harness.mjs';

const { T0 } = h;
const NEUTRAL = "We can't show your verification status right now. Please contact support.";

let server;
let browser;
// The developer's own pages, served by `demo --static-dir` at /site/.
const SITE = mkdtempSync(join(tmpdir(), 'rv-site-'));
let pages = 0;

/**
 * A page of the developer's own at /site/ (the demo's origin, or `origin`)
 * with `body`.
 */
async function customPage(body, { origin, ...options } = {}) {
  const page = await h.newPage(browser, options);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>My page</title>
<link rel="stylesheet" href="/static/panel.css">
<script type="module" src="/widget/define.js"></script></head>
<body><main id="main"><div class="cards">${body}</div></main></body></html>`;
  pages += 1;
  writeFileSync(join(SITE, `page-${pages}.html`), html);
  await page.goto(`${origin ?? server.url}/site/page-${pages}.html`);
  return page;
}

async function errorEvent(page, scenario) {
  await page.waitForFunction(
    (s) => window.__events.some((e) => e.type === 'verification-error' && e.scenario === s),
    scenario,
    { timeout: 20_000 },
  );
  return (await h.events(page, 'verification-error', scenario)).at(-1);
}

/** The card's buttons' names (the Retry, resend or check button). */
async function buttons(page, scenario) {
  return h.widget(page, scenario).getByRole('button').allInnerTexts();
}

describe('registrant edges', () => {
  h.serverAndBrowser(
    (s, b) => {
      server = s;
      browser = b;
    },
    { args: ['--static-dir', SITE] },
  );
  after(() => rmSync(SITE, { recursive: true, force: true }));

  it('demo --static-dir serves your own page beside the gateway, signed in as the demo registrant', async () => {
    const page = await customPage(`
      <article class="card"><registrant-verification data-scenario="mine" provider="openprovider"
        token-url="/demo/token" status-url="/api/openprovider/status?contact=openprovider-pending"
        resend-url="/api/openprovider/resend?contact=openprovider-pending"></registrant-verification></article>`);
    await h.waitForStatus(page, 'mine', 'pending');
    assert.match(await h.widgetText(page, 'mine'), /pending@openprovider\.example/);
    h.assertNoProblems(page);
    await page.context().close();
  });

  it('a setup error reads neutral, offers no Retry, and tells the developer what is wrong', async () => {
    const page = await customPage(`
      <article class="card"><registrant-verification data-scenario="bogus" provider="bogus"
        status-url="/api/openprovider/status?contact=openprovider-pending"></registrant-verification></article>
      <article class="card"><registrant-verification data-scenario="no-url" provider="namecom"></registrant-verification></article>`);
    for (const [scenario, what] of [['bogus', /unknown provider/i], ['no-url', /status-url/]]) {
      const e = await errorEvent(page, scenario);
      assert.equal(e.detail.kind, 'config');
      assert.equal(e.detail.message, NEUTRAL);
      assert.match(e.detail.detail, what, 'the event says what to fix');
      const text = await h.widgetText(page, scenario);
      assert.ok(text.includes(NEUTRAL), text);
      assert.ok(!text.includes('`'), `no developer words: ${text}`);
      assert.doesNotMatch(text, /unknown provider|status-url|attribute/i);
      assert.deepEqual(await buttons(page, scenario), [], 'no Retry that cannot help');
      assert.equal(await h.widget(page, scenario).getAttribute('data-error'), 'config');
    }
    const warnings = page.consoleLog.filter((l) => l.startsWith('warning:'));
    assert.ok(warnings.some((w) => /unknown provider/i.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /status-url/.test(w)), warnings.join('\n'));
    await h.screenshot(h.widget(page, 'bogus'), 'registrant-setup-error-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await h.screenshot(h.widget(page, 'bogus'), 'registrant-setup-error-phone-dark');
    h.assertNoProblems(page);
    await page.context().close();
  });

  it('a cross-origin status URL blocked by CORS is told from offline: a hint for the developer, no Retry', async () => {
    // The page on an origin the gateway does not allow (`localhost`): the
    // gateway's answers carry no CORS headers for it.
    const other = server.url.replace('127.0.0.1', 'localhost');
    const page = await customPage(`
      <article class="card"><registrant-verification data-scenario="cors" provider="openprovider"
        status-url="${server.url}/api/openprovider/status?contact=openprovider-pending"></registrant-verification></article>
      <article class="card"><registrant-verification data-scenario="dead" provider="openprovider"
        status-url="http://127.0.0.1:9/status"></registrant-verification></article>`, { origin: other });
    // The probe (no token) is answered: the server is there.
    h.allowProblems(page, /CORS|Access-Control|ERR_FAILED|ERR_CONNECTION_REFUSED|ERR_UNSAFE_PORT|status of 40[13]/);
    const blocked = await errorEvent(page, 'cors');
    assert.equal(blocked.detail.kind, 'blocked', JSON.stringify(blocked.detail));
    assert.equal(blocked.detail.message, NEUTRAL);
    assert.match(blocked.detail.detail, new RegExp(h.escapeRe(server.url)));
    // It names the page's origin and the setting to add it to.
    assert.match(blocked.detail.detail, new RegExp(`add "${h.escapeRe(other)}" to \`allowed_origins\``));
    assert.deepEqual(await buttons(page, 'cors'), []);
    const warnings = page.consoleLog.filter((l) => l.startsWith('warning:'));
    assert.ok(warnings.some((w) => /CORS/.test(w)), warnings.join('\n'));
    // Nothing answers there: that stays "could not reach", with its Retry.
    const dead = await errorEvent(page, 'dead');
    assert.equal(dead.detail.kind, 'network', JSON.stringify(dead.detail));
    assert.match(await h.widgetText(page, 'dead'), /Could not reach the server/);
    assert.deepEqual((await buttons(page, 'dead')).map((b) => b.trim()), ['Retry']);
    h.assertNoProblems(page);
    await page.context().close();
  });

  it("Domain Name API cards name the panel's domains, and stay suspended after a new email until verified", async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    const key = 'dna-expired';
    await h.waitForStatus(page, key, 'failed');
    let text = await h.widgetText(page, key);
    assert.match(text, /dna-expired-/, `the panel's domains are named: ${text}`);
    assert.match(text, /Suspended/);
    await h.widget(page, key).getByRole('button', { name: /send a new verification email/i }).click();
    await page.waitForFunction(
      (k) => window.__events.some((e) => e.type === 'verification-resend' && e.scenario === k),
      key,
    );
    await h.waitForStatus(page, key, 'pending');
    text = await h.widgetText(page, key);
    assert.match(text, /Suspended/, `still suspended after the new email: ${text}`);
    assert.match(text, /Your domains are suspended/);
    assert.doesNotMatch(text, /days left|to keep your domains working/i, text);
    assert.match(text, /We sent a new verification email/);
    await h.screenshot(h.card(page, key), 'registrant-dna-resent-suspended-light');
    // A reload remembers it (until the registrar says verified).
    await page.reload();
    await h.waitForStatus(page, key, 'pending');
    await page.waitForFunction(() => true);
    text = await h.widgetText(page, key);
    assert.match(text, /Your domains are suspended/, text);
    assert.equal(await h.widget(page, key).getAttribute('data-urgency'), 'overdue');
    // Verified ends it: a later verification of this contact starts fresh.
    const status = (url) => url.pathname === '/api/dna/status' && url.searchParams.get('contact') === key;
    await page.route(status, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ VerificationStatus: 'Validated', ContactEmail: 'expired@dna.example', ExternalId: 'DNA-106' }),
      }),
    );
    // (Re-checks of this widget alone: the demo limits a session's reads.)
    await h.widget(page, key).evaluate((el) => el.refresh());
    await h.waitForStatus(page, key, 'verified');
    await page.unroute(status);
    await h.widget(page, key).evaluate((el) => el.refresh());
    await h.waitForStatus(page, key, 'pending');
    text = await h.widgetText(page, key);
    assert.doesNotMatch(text, /Your domains are suspended/, `a new verification after verifying is not suspended: ${text}`);
    assert.notEqual(await h.widget(page, key).getAttribute('data-urgency'), 'overdue');
    h.assertNoProblems(page);
    await page.context().close();
  });

  for (const colorScheme of ['light', 'dark']) {
    it(`addresses wrap only before @ and dots on a 390 px phone, and nothing overflows (${colorScheme})`, async () => {
      await server.resetAt(T0);
      const page = await h.openDemo(browser, server, { colorScheme });
      await page.setViewportSize({ width: 390, height: 844 });
      for (const key of ['openprovider-bounced', 'openprovider-not-started', 'namecom-unknown']) {
        await h.waitForStatus(page, key);
      }
      const breaks = await page.evaluate(() => {
        const bad = [];
        let addresses = 0;
        for (const host of document.querySelectorAll('registrant-verification')) {
          for (const a of host.shadowRoot.querySelectorAll('.address')) {
            addresses += 1;
            const text = a.textContent;
            const tops = [];
            const walker = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
              for (let i = 0; i < n.data.length; i += 1) {
                const r = document.createRange();
                r.setStart(n, i);
                r.setEnd(n, i + 1);
                tops.push([n.data[i], Math.round(r.getBoundingClientRect().top)]);
              }
            }
            for (let i = 1; i < tops.length; i += 1) {
              if (tops[i][1] > tops[i - 1][1] && !['@', '.'].includes(tops[i][0])) {
                bad.push(`${host.dataset.scenario}: ${text} breaks before "${tops[i][0]}" at ${i}`);
              }
            }
          }
        }
        return { bad, addresses, overflow: document.documentElement.scrollWidth - window.innerWidth };
      });
      assert.ok(breaks.addresses >= 3, `addresses are marked: ${breaks.addresses}`);
      assert.deepEqual(breaks.bad, []);
      assert.ok(breaks.overflow <= 0, `the panel overflows a 390 px phone by ${breaks.overflow} px`);
      await h.screenshot(h.card(page, 'openprovider-bounced'), `registrant-bounced-phone-${colorScheme}`);
      await h.screenshot(h.card(page, 'dna-pending'), `registrant-dna-domains-phone-${colorScheme}`);
      await h.screenshot(h.card(page, 'namecom-unknown'), `registrant-checked-phone-${colorScheme}`);
      h.assertNoProblems(page);
      await page.context().close();
    });
  }

  it("the deadline names the reader's time zone", async () => {
    await server.resetAt(T0);
    const page = await h.openDemo(browser, server);
    const key = 'namecom-pending';
    await h.waitForStatus(page, key, 'pending');
    const deadline = await h.widget(page, key).locator('time').first().innerText();
    const iso = await h.widget(page, key).locator('time').first().getAttribute('datetime');
    const zone = await page.evaluate(
      ([ms, tz]) =>
        new Intl.DateTimeFormat('en-US', { timeZoneName: 'short', timeZone: tz })
          .formatToParts(new Date(ms))
          .find((p) => p.type === 'timeZoneName').value,
      [Date.parse(iso), h.TIMEZONE],
    );
    const [when] = await h.formatInPage(page, iso, [{ dateStyle: 'full', timeStyle: 'short' }]);
    assert.equal(h.norm(deadline), `Verify by ${when} ${zone}`);
    h.assertNoProblems(page);
    await page.context().close();
  });

  for (const colorScheme of ['light', 'dark']) {
    it(`a sent email is confirmed in colour with a mark; "Check again" says when it last checked (${colorScheme})`, async () => {
      await server.resetAt(T0);
      const page = await h.openDemo(browser, server, { colorScheme });
      const key = 'namecom-pending';
      await h.waitForStatus(page, key, 'pending');
      await h.widget(page, key).getByRole('button', { name: /resend/i }).click();
      const note = h.widget(page, key).locator('.note[data-outcome="sent"]');
      await note.waitFor({ timeout: 10_000 });
      const style = await note.evaluate((n) => {
        const s = getComputedStyle(n);
        const mark = getComputedStyle(n, '::before');
        const muted = getComputedStyle(n.closest('.card').querySelector('.label')).color;
        return { bg: s.backgroundColor, color: s.color, mark: mark.borderBottomStyle, muted };
      });
      assert.notEqual(style.bg, 'rgba(0, 0, 0, 0)', 'a tinted box');
      assert.equal(style.mark, 'solid', 'a check mark');
      assert.match(await note.innerText(), /We sent a new verification email to pending@namecom\.example/);
      await h.screenshot(h.card(page, key), `registrant-sent-${colorScheme}`);

      const unknown = 'namecom-unknown';
      await h.waitForStatus(page, unknown, 'unknown');
      const before = await h.widgetText(page, unknown);
      assert.match(before, /Still not confirmed at .+\. Next check at /, before);
      assert.equal((before.match(/We are checking with the registrar/g) ?? []).length, 1, before);
      await h.advance(page, 2 * h.MIN, 30_000);
      await h.widget(page, unknown).getByRole('button', { name: /check again/i }).click();
      await h.settle(page);
      const after = await h.widgetText(page, unknown);
      const checked = (t) => t.match(/Still not confirmed at ([^.]+)\./)?.[1];
      assert.ok(checked(after), after);
      assert.notEqual(checked(after), checked(before), `the time follows the press: ${before} / ${after}`);
      await h.screenshot(h.card(page, unknown), `registrant-checked-${colorScheme}`);
      h.assertNoProblems(page);
      await page.context().close();
    });
  }
});
