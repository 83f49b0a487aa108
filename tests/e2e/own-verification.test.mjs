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

/**
 * Waits until the demo mailbox holds the email to verification `id` (its
 * link names the id) and opens it in `page`.
 */
async function openEmailTo(page, id) {
  const until = Date.now() + 30_000;
  for (;;) {
    for (let n = 1; ; n += 1) {
      const res = await fetch(`${server.url}/mailbox/${n}`);
      if (res.status === 404) break;
      if ((await res.text()).includes(`/verify/${id}/`)) {
        await page.goto(`${server.url}/mailbox/${n}`);
        return;
      }
    }
    assert.ok(Date.now() < until, `no email to verification ${id} in the mailbox`);
    await sleep(500);
  }
}

describe('own verification in the demo', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('a newcomer reads the email, confirms through its link, and the widget turns verified', async () => {
    const { ownNewcomer: id } = await server.resetAt(T0);
    // The email comes first: the gateway has read name.com's list with
    // the reseeded newcomer (a new verification id) by then.
    const panel = await h.newPage(browser);
    const mail = await panel.context().newPage();
    await openEmailTo(mail, id);
    await panel.goto(`${server.url}/`);
    await h.waitForStatus(panel, KEY, null, 30_000);
    assert.notEqual(await h.widget(panel, KEY).getAttribute('data-status'), 'verified');
    const before = await h.widgetText(panel, KEY);
    assert.match(before, /newcomer-bakery\.com/, before);
    await h.screenshot(h.card(panel, KEY), 'own-panel-pending-light');

    assert.match(await mail.locator('h1').innerText(), /Action required: confirm your email address for newcomer-bakery\.com/);
    const text = await mail.locator('pre.email-text').innerText();
    assert.match(text, /ICANN/);
    assert.match(text, /within 15 days/);
    assert.match(text, /Registered Name Holder/);
    await h.screenshot(mail.locator('main'), 'own-mailbox-email-light');

    // Opening the link verifies nothing; the button does.
    const verifyCalls = async () => Object.entries((await server.requests()).byPath)
      .filter(([p]) => /\/contacts\/verify\/\d+$/.test(p))
      .reduce((n, [, c]) => n + c, 0);
    const link = await mail.locator('pre.email-text a').first().getAttribute('href');
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

    // Opened again, the link says it is done; posted again (a second
    // click), it says it was used, and nothing goes upstream.
    await mail.goto(link);
    await mail.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor();
    const again = await fetch(link, { method: 'POST' });
    assert.match(await again.text(), /This link was already used/);
    assert.equal(await verifyCalls(), 1);
    h.assertNoProblems(panel);
    await panel.context().close();
  });

  it('the mailbox and the link page on a 390 px phone, light and dark', async () => {
    const { ownNewcomer: id } = await server.resetAt(T0);
    for (const colorScheme of ['light', 'dark']) {
      const page = await h.newPage(browser, { colorScheme });
      await page.setViewportSize({ width: 390, height: 844 });
      await openEmailTo(page, id);
      await page.goto(`${server.url}/mailbox`);
      await h.screenshot(page.locator('body'), `own-mailbox-phone-${colorScheme}`);
      await openEmailTo(page, id);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `the email page overflows by ${overflow} px`);
      // The email's HTML part as a phone's mail app shows it: the raw link
      // wraps instead of widening the message.
      const html = await page.locator('iframe.email').getAttribute('src');
      const mail = await page.context().newPage();
      await mail.setViewportSize({ width: 390, height: 844 });
      await mail.goto(server.url + html);
      const raw = await mail.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(raw <= 0, `the email's HTML overflows by ${raw} px at 390 px`);
      await h.screenshot(mail.locator('body'), `own-email-html-phone-${colorScheme}`);
      await mail.close();
      await page.locator('pre.email-text a').first().click();
      await page.getByRole('button', { name: 'Confirm my email' }).waitFor();
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(wide <= 0, `the link page overflows by ${wide} px`);
      await h.screenshot(page.locator('body'), `own-link-phone-${colorScheme}`);
      await page.context().close();
    }
  });

  it('after an address change the old link confirms nothing and offers a new email (light and dark, desktop and 390 px)', async () => {
    const { ownNewcomer: id } = await server.resetAt(T0);
    const page = await h.newPage(browser);
    await openEmailTo(page, id);
    const old = await page.locator('pre.email-text a').first().getAttribute('href');
    // The registrant changes the address; name.com keeps the verification.
    await server.post('/sandbox/control/namecom/email', { verificationId: id, email: 'moved@example.com' });
    // The next scan: the new address gets its own initial email.
    const until = Date.now() + 30_000;
    let found = false;
    while (!found && Date.now() < until) {
      for (let n = 1; ; n += 1) {
        const res = await fetch(`${server.url}/mailbox/${n}`);
        if (res.status === 404) break;
        const text = await res.text();
        if (text.includes('moved@example.com') && text.includes(`/verify/${id}/`)) found = true;
      }
      if (!found) await sleep(500);
    }
    assert.ok(found, 'the new address got its initial email');
    await page.context().close();
    for (const [colorScheme, width] of [['light', 1280], ['dark', 1280], ['light', 390], ['dark', 390]]) {
      const p = await h.newPage(browser, { colorScheme });
      await p.setViewportSize({ width, height: 844 });
      const res = await p.goto(old);
      assert.equal(res.status(), 409);
      await p.getByRole('heading', { name: /earlier address/ }).waitFor();
      assert.equal(await p.getByRole('button', { name: /Confirm my email/ }).count(), 0, 'nothing to confirm');
      await p.getByRole('button', { name: /new email to the current address/ }).waitFor();
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `overflows by ${overflow} px`);
      await h.screenshot(p.locator('body'), `own-link-moved-${colorScheme}-${width}`);
      await p.context().close();
    }
  });
});
