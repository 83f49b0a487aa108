// The demo panel shows one widget per seeded scenario. For each one, the
// widget must say what the sandbox seeded: status and urgency on the host,
// the days (or hours) left and the deadline in the browser's time zone, the
// domains at risk, and the right button (or none). Screenshots of every
// card in light and dark go to tests/output/screenshots/scenario-*.png.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './harness.mjs';

const { T0, DAY, HOUR, MIN } = h;

// Domain Name API's GetDetails says nothing about domains: the panel hands
// them to the widget (`domains`), which shows them where the registrar
// names none (name.com's verified and unknown contacts too).
// What the sandbox seeds (www/sandbox/src/*.rs), relative to T0.
// deadline: offset in ms, or null; left: the count the widget must show
// ({days} or {hours} under 48 h); button: a resend/send button; extra:
// scenario-specific checks.
const SCENARIOS = [
  // Domain Name API
  { key: 'dna-not-started', link: true, status: 'not_started', urgency: 'info', deadline: 55 * DAY, domains: ['shop.com', 'blog.net'], button: true },
  { key: 'dna-pending', link: true, status: 'pending', urgency: 'info', deadline: 12 * DAY, domains: ['shop.com', 'blog.org', 'mail.net'], button: true },
  { key: 'dna-due-soon', link: true, status: 'pending', urgency: 'critical', deadline: 30 * HOUR, domains: ['shop.com'], button: true },
  { key: 'dna-overdue', link: true, status: 'pending', urgency: 'overdue', deadline: -2 * DAY, domains: ['shop.com', 'store.io'], button: true, suspended: true },
  { key: 'dna-verified', status: 'verified', urgency: 'none', deadline: null, domains: ['shop.com'], button: false, verified: true },
  { key: 'dna-expired', link: true, status: 'failed', urgency: 'overdue', deadline: -3 * DAY, domains: ['shop.com'], button: true, expired: true },
  // name.com
  { key: 'namecom-pending', status: 'pending', urgency: 'info', deadline: 10 * DAY, domains: ['shop.com', 'studio.io'], button: true },
  { key: 'namecom-due-soon', status: 'pending', urgency: 'critical', deadline: 20 * HOUR, domains: ['shop.com'], button: true },
  { key: 'namecom-overdue', status: 'pending', urgency: 'overdue', deadline: -1 * DAY, domains: ['shop.com', 'blog.net', 'cafe.org'], button: true, suspended: true },
  // name.com lists only unverified contacts: this one is absent, hence
  // verified; the panel's domains are what the widget knows of it.
  { key: 'namecom-verified', status: 'verified', urgency: 'none', deadline: null, domains: ['shop.com'], button: false, verified: true },
  { key: 'namecom-unknown', status: 'unknown', deadline: null, domains: ['shop.com'], button: false, unknown: true },
  // Openprovider
  { key: 'openprovider-not-started', status: 'not_started', urgency: 'info', deadline: null, domains: ['shop.com', 'blog.net'], button: true },
  { key: 'openprovider-pending', status: 'pending', urgency: 'info', deadline: 9 * DAY, domains: ['shop.com', 'studio.io'], button: true },
  { key: 'openprovider-due-soon', status: 'pending', urgency: 'critical', deadline: 36 * HOUR, domains: ['shop.com'], button: true },
  { key: 'openprovider-overdue', status: 'pending', urgency: 'overdue', deadline: -1 * DAY, domains: ['shop.com'], button: true, suspended: true },
  { key: 'openprovider-verified', status: 'verified', urgency: 'none', deadline: null, domains: ['shop.com'], button: false, verified: true },
  { key: 'openprovider-expired', status: 'failed', urgency: 'overdue', deadline: null, domains: ['shop.com', 'blog.net'], button: true, expired: true, suspended: true },
  { key: 'openprovider-bounced', status: 'failed', urgency: 'critical', deadline: null, domains: ['shop.com'], button: false, bounced: true },
];

const SUSPENDED_WORDS = /suspend|stopped|stop working|stop resolving|do(es)? not work|offline/i;
const LEFT_ANY = /\b\d+ (days?|hours?|minutes?) left\b/i;

let server;
let browser;
let page;

describe('demo panel: every scenario', () => {
  before(async () => {
    server = await h.startServer();
    browser = await h.launchBrowser();
    await server.resetAt(T0);
    page = await h.openDemo(browser, server);
    // (no console errors allowed)
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders one widget per scenario of the signed-in registrant', async () => {
    const all = await page
      .locator('registrant-verification[data-scenario]')
      .evaluateAll((els) => els.map((e) => e.dataset.scenario));
    // Besides the scenarios: the newcomer of the account that verifies its
    // registrants itself (own-verification.test.mjs).
    assert.ok(all.includes('namecom-own-newcomer'));
    const keys = all.filter((k) => k !== 'namecom-own-newcomer');
    assert.deepEqual(keys.sort(), SCENARIOS.map((s) => s.key).sort());
    // Another registrant's contacts are not on the page.
    assert.ok(!keys.some((k) => k.endsWith('-neighbour')));
    // Every element got an open shadow root with the widget in it.
    const mounted = await page
      .locator('registrant-verification')
      .evaluateAll((els) => els.filter((e) => e.shadowRoot && e.shadowRoot.childElementCount > 0).length);
    assert.equal(mounted, SCENARIOS.length + 1);
    for (const s of SCENARIOS) await h.waitForStatus(page, s.key);
    await h.screenshot(page.locator('main'), 'scenario-panel-light');
  });

  for (const s of SCENARIOS) {
    it(s.key, async () => {
      const w = h.widget(page, s.key);
      await h.waitForStatus(page, s.key);
      // The loading state is over: wait until the text settled.
      await page.waitForFunction(
        (sel) => !/checking your email verification/i.test(document.querySelector(sel).shadowRoot.textContent),
        `registrant-verification[data-scenario="${s.key}"]`,
      ).catch(() => {});

      assert.equal(await w.getAttribute('data-status'), s.status, `${s.key}: data-status`);
      if (s.urgency) assert.equal(await w.getAttribute('data-urgency'), s.urgency, `${s.key}: data-urgency`);

      const text = await h.widgetText(page, s.key);
      const domains = s.domains.map((d) => `${s.key}-${d}`);

      // The event the host page gets carries the same record.
      const changes = await h.events(page, 'verification-change', s.key);
      assert.ok(changes.length >= 1, `${s.key}: a verification-change event was dispatched`);
      const rec = changes.at(-1).detail;
      assert.ok(changes.at(-1).bubbles && changes.at(-1).composed, 'the event bubbles and is composed');
      assert.equal(rec.provider, s.key.split('-')[0]);
      assert.equal(rec.status, s.status);
      if (s.urgency) assert.equal(rec.urgency, s.urgency);
      if (!s.unknown && !(s.verified && s.key.startsWith('namecom'))) {
        assert.equal(rec.email, `${s.key.replace(/^[a-z]+-/, '')}@${s.key.split('-')[0]}.example`);
      }
      assert.deepEqual([...rec.domains].sort(), [...domains].sort(), `${s.key}: record domains`);

      // Deadline, days left.
      if (s.deadline === null) {
        assert.equal(rec.deadline, null, `${s.key}: no deadline`);
        assert.doesNotMatch(text, LEFT_ANY, `${s.key}: no countdown without a deadline`);
      } else {
        const deadline = h.addMs(T0, s.deadline);
        assert.equal(Date.parse(rec.deadline), Date.parse(deadline), `${s.key}: record deadline`);
        const days = h.daysLeft(T0, deadline);
        assert.equal(rec.daysLeft, days, `${s.key}: daysLeft`);
        const noEmailYet = s.link && s.status === 'not_started';
        if (!noEmailYet) await h.assertShowsInstant(page, text, deadline, `${s.key}: deadline`);
        assert.equal(rec.deadlineKind, s.link ? 'linkExpiry' : 'suspension', `${s.key}: deadlineKind`);
        if (noEmailYet) {
          // Before any email there is no link: neither its date nor its
          // validity is spoken of.
          assert.doesNotMatch(text, /The link in the email|before the link expires/, `${s.key}: no link yet`);
          assert.doesNotMatch(text, LEFT_ANY, `${s.key}: no countdown`);
        } else if (s.link) {
          // Domain Name API's date is the 60-day link's validity: never a
          // countdown to suspension, never "verify by" it (issue 14).
          assert.doesNotMatch(text, LEFT_ANY, `${s.key}: no countdown to the link's date`);
          assert.doesNotMatch(text, /verify by|will be suspended/i, `${s.key}: the link's date is no suspension date`);
          assert.match(
            text,
            s.deadline > 0 ? /The link in the email is valid until/ : /The link in the email expired on/,
            `${s.key}: the date is the link's`,
          );
          if (s.status !== 'failed' && s.deadline > 0) {
            assert.match(text, /ICANN requires verification within 15 days of the email/, `${s.key}: ICANN's 15 days`);
          }
        } else if (s.deadline > 0) {
          const hours = Math.ceil(s.deadline / HOUR);
          const shown = s.deadline < 48 * HOUR
            ? new RegExp(`\\b(${hours} hours?|${days} days?)\\b`, 'i')
            : new RegExp(`\\b${days} days?\\b`, 'i');
          assert.match(text, shown, `${s.key}: shows ${days} days / ${hours} hours left`);
          // No other count of days or hours.
          for (const m of text.matchAll(/\b(\d+) (days?|hours?) left\b/gi)) {
            const n = Number(m[1]);
            assert.ok(/day/i.test(m[2]) ? n === days : n === hours, `${s.key}: wrong count "${m[0]}"`);
          }
        } else {
          assert.equal(rec.daysLeft, 0);
          assert.doesNotMatch(text, LEFT_ANY, `${s.key}: nothing "left" after the deadline`);
        }
      }

      // The domains at risk, as a list (none once verified: nothing at risk;
      // none while checking: nothing known to be at risk yet).
      const items = w.getByRole('listitem');
      const listed = s.verified || s.unknown ? [] : domains;
      assert.equal(await items.count(), listed.length, `${s.key}: ${listed.length} domains listed; text: ${text}`);
      for (const d of listed) {
        assert.equal(await items.filter({ hasText: d }).count(), 1, `${s.key}: lists ${d}`);
      }

      // The button.
      const resend = w.getByRole('button', { name: /resend|send/i });
      assert.equal(await resend.count(), s.button ? 1 : 0, `${s.key}: resend button ${s.button ? 'present' : 'absent'}`);
      if (s.button) {
        assert.notEqual(await resend.getAttribute('aria-disabled'), 'true', `${s.key}: button enabled`);
        assert.equal(rec.resend.allowed, true);
      }

      if (s.verified) {
        assert.match(text, /verified/i);
        assert.doesNotMatch(text, /not verified|unverified|suspend/i);
        assert.equal(await w.getByRole('button').count(), 0, 'verified: no button at all');
      }
      if (s.suspended) {
        assert.equal(rec.suspended, true, `${s.key}: suspended`);
        assert.match(text, SUSPENDED_WORDS, `${s.key}: says the domains stop working`);
      }
      if (s.expired) {
        assert.equal(rec.failureReason, 'expired');
        assert.match(text, /expired|no longer valid/i);
        assert.match(await resend.innerText(), /new|send|again|restart/i, 'a way to restart');
      }
      if (s.bounced) {
        assert.equal(rec.failureReason, 'bounced');
        assert.match(text, /bounced|could not be delivered/i);
        const link = w.getByRole('link');
        assert.equal(await link.count(), 1, 'bounced: one link');
        assert.equal(await link.getAttribute('href'), `/account/contact?contact=${s.key}`);
        // It opens the form of this contact, with its own address.
        const form = await (await fetch(`${server.url}/account/contact?contact=${s.key}`)).text();
        assert.ok(form.includes(`value="${rec.email}"`), 'the form holds the bounced address');
        assert.equal(rec.resend.allowed, false);
        assert.equal(rec.resend.reason, 'bounced');
      }
      if (s.unknown) {
        assert.equal(rec.resend.allowed, false);
        assert.match(text, /check/i);
        assert.match(text, /shortly|moment|minutes|soon|next check/i);
        // The core re-checks at changed-at + 10 min (changed 3 min before
        // the seed): 00:37 in Berlin.
        assert.ok(rec.recheckAt, 'recheckAt is set');
        assert.equal(Date.parse(rec.recheckAt), Date.parse(T0) + 7 * MIN);
        const [at] = await h.formatInPage(page, rec.recheckAt, [{ timeStyle: 'short' }]);
        assert.ok(text.includes(at), `unknown: shows the next check time ${at}: ${text}`);
      }
      if (s.status === 'not_started') {
        assert.match(text, /verify/i);
      }

      const c = h.card(page, s.key);
      await h.screenshot(c, `scenario-${s.key}-light`);
      await page.emulateMedia({ colorScheme: 'dark' });
      try {
        await h.screenshot(c, `scenario-${s.key}-dark`);
        // Dark mode really changes the widget's colours.
        const bg = await w.evaluate((el) => {
          const card = el.shadowRoot.querySelector('[part~="card"]') ?? el.shadowRoot.firstElementChild;
          return getComputedStyle(card).backgroundColor;
        });
        await page.emulateMedia({ colorScheme: 'light' });
        const bgLight = await w.evaluate((el) => {
          const card = el.shadowRoot.querySelector('[part~="card"]') ?? el.shadowRoot.firstElementChild;
          return getComputedStyle(card).backgroundColor;
        });
        assert.notEqual(bg, bgLight, `${s.key}: dark scheme changes the card background`);
      } finally {
        await page.emulateMedia({ colorScheme: 'light' });
      }
    });
  }

  it('the unknown name.com contact turns pending once name.com lists it', async () => {
    // name.com lists a changed contact after 10 minutes; the widget asked to
    // re-check at changed-at + 10 min. Move both clocks 8 minutes on.
    await server.setClock(h.addMs(T0, 8 * MIN));
    await h.advance(page, 8 * MIN, 10_000);
    await h.waitForStatus(page, 'namecom-unknown', 'pending');
    const text = await h.widgetText(page, 'namecom-unknown');
    const deadline = h.addMs(T0, -3 * MIN + 15 * DAY);
    await h.assertShowsInstant(page, text, deadline, 'namecom-unknown after listing');
    assert.match(text, /\b15 days?\b/);
    assert.equal(await h.widget(page, 'namecom-unknown').getByRole('listitem').count(), 1);
    assert.equal(await h.widget(page, 'namecom-unknown').getByRole('button', { name: /resend|send/i }).count(), 1);
    await h.screenshot(h.card(page, 'namecom-unknown'), 'scenario-namecom-unknown-listed-light');
  });

  it('a widget that lists no domains does not point to "the domains below"', async () => {
    const wrong = [];
    for (const s of SCENARIOS) {
      const w = h.widget(page, s.key);
      if ((await w.getByRole('listitem').count()) > 0) continue;
      const text = await h.widgetText(page, s.key);
      if (/domains? below/i.test(text)) wrong.push(`${s.key}: ${text}`);
    }
    assert.deepEqual(wrong, [], 'these widgets refer to a domain list they do not show');
  });

  it('had no console errors or page errors', () => {
    h.assertNoProblems(page);
  });
});
