// The demo's own verification (issue 16): a reseller that sends the ICANN
// emails itself. A newcomer opens the panel, reads the email in the demo
// mailbox, follows its link to the gateway's page, confirms, and the
// widget on the panel turns verified through the live stream, without a
// reload. The email went through SMTP (the demo's in-process catcher); the
// gateway called the sandbox's Verify Contact.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { setTimeout as sleep } from 'node:timers/promises';

import * as h from './harness.mjs';

const { T0 } = h;
const KEY = 'namecom-own-newcomer';

let server;
let browser;

/** Reloads the mailbox until an email with `subject` is listed. */
async function waitForEmail(page, subject) {
  const until = Date.now() + 30_000;
  for (;;) {
    await page.goto(`${server.url}/mailbox`);
    const link = page.getByRole('link', { name: subject });
    if (await link.count()) return link.first();
    assert.ok(Date.now() < until, `no email "${subject}" in the mailbox`);
    await sleep(500);
  }
}

describe('own verification in the demo', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('a newcomer reads the email, confirms through its link, and the widget turns verified', async () => {
    await server.resetAt(T0);
    const panel = await h.newPage(browser);
    await panel.goto(`${server.url}/`);
    await h.waitForStatus(panel, KEY, null, 30_000);
    assert.notEqual(await h.widget(panel, KEY).getAttribute('data-status'), 'verified');
    const before = await h.widgetText(panel, KEY);
    assert.match(before, /newcomer-bakery\.com/, before);
    await h.screenshot(h.card(panel, KEY), 'own-panel-pending-light');

    // The mailbox, in the same browser (the demo session).
    const mail = await panel.context().newPage();
    const email = await waitForEmail(mail, /Action required: confirm your email address for newcomer-bakery\.com/);
    await email.click();
    await mail.waitForSelector('pre.email-text');
    const text = await mail.locator('pre.email-text').innerText();
    assert.match(text, /ICANN/);
    assert.match(text, /within 15 days/);
    assert.match(text, /Registered Name Holder/);
    await h.screenshot(mail.locator('main'), 'own-mailbox-email-light');

    // Opening the link verifies nothing; the button does.
    const verifyCalls = async () => Object.entries((await server.requests()).byPath)
      .filter(([p]) => /\/contacts\/verify\/\d+$/.test(p))
      .reduce((n, [, c]) => n + c, 0);
    await mail.locator('pre.email-text a').first().click();
    await mail.getByRole('button', { name: 'Confirm my email' }).waitFor();
    assert.match(await mail.locator('main').innerText(), /n\*\*\*@bakery\.example/);
    assert.equal(await verifyCalls(), 0, 'opening the link calls nothing upstream');
    await h.screenshot(mail.locator('main'), 'own-link-confirm-light');
    const clicked = Date.now();
    await mail.getByRole('button', { name: 'Confirm my email' }).click();
    await mail.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();
    assert.equal(await verifyCalls(), 1, 'one Verify Contact');
    await h.screenshot(mail.locator('main'), 'own-link-confirmed-light');

    // The panel's widget hears it on its live stream: no reload.
    await h.waitForStatus(panel, KEY, 'verified', 10_000);
    console.log(`# widget verified ${Date.now() - clicked} ms after the click`);
    await h.screenshot(h.card(panel, KEY), 'own-panel-verified-light');

    // The same link again: already used, nothing upstream.
    await mail.goBack();
    await mail.getByRole('button', { name: 'Confirm my email' }).click();
    await mail.getByRole('heading', { name: 'This link was already used' }).waitFor();
    assert.equal(await verifyCalls(), 1);
    h.assertNoProblems(panel);
    await panel.context().close();
  });

  it('the mailbox and the link page on a 390 px phone, light and dark', async () => {
    await server.resetAt(T0);
    for (const colorScheme of ['light', 'dark']) {
      const page = await h.newPage(browser, { colorScheme });
      await page.setViewportSize({ width: 390, height: 844 });
      const email = await waitForEmail(page, /Action required/);
      await h.screenshot(page.locator('body'), `own-mailbox-phone-${colorScheme}`);
      await email.click();
      await page.waitForSelector('pre.email-text');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `the email page overflows by ${overflow} px`);
      await page.locator('pre.email-text a').first().click();
      await page.getByRole('button', { name: 'Confirm my email' }).waitFor();
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(wide <= 0, `the link page overflows by ${wide} px`);
      await h.screenshot(page.locator('body'), `own-link-phone-${colorScheme}`);
      await page.context().close();
    }
  });
});
