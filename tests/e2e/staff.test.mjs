// What support staff meet in the list (issue 17): status filters that can
// match, named as the badges, and one badge for overdue and suspended;
// sorting by any column with names in natural order; a CSV of the filtered
// rows; a bulk resend of more than 10 contacts asks first and says how long
// the pacing takes, and leaving the page while sends wait asks too; a
// per-row resend; the whole domain list on hover and focus; and a phone
// layout that keeps contact, status and deadline.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as h from './harness.mjs';
import * as lp from './list-page.mjs';

const { LIST, domRows, frame, part } = lp;

const { T0 } = h;
let server;
let browser;

const openSupport = (page, query) => lp.openSupport(page, server, query);

async function summaryShowing(page) {
  const text = h.norm(await part(page, '.summary').innerText());
  return Number((text.match(/\(showing ([\d,]+)\)/)?.[1] ?? text.match(/^([\d,]+) contacts/)[1]).replace(/,/g, ''));
}

function resendPosts(page) {
  const posts = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().includes('/support/resend')) posts.push(new URL(req.url()).searchParams.get('contact'));
  });
  return posts;
}

describe('staff list edges', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('offers only status filters that can match, named as the badges; one badge says overdue and suspended', async () => {
    await server.resetAt(T0);
    const page = await h.newPage(browser);
    try {
      await openSupport(page);
      const options = await part(page, 'select[name="status"] option').evaluateAll((os) =>
        os.map((o) => ({ value: o.value, text: o.textContent.trim() })),
      );
      const values = options.map((o) => o.value);
      assert.ok(!values.includes('verified'), `name.com's list holds no verified contact: ${values}`);
      assert.ok(!values.includes('unverified'), 'every row is unverified: no filter that matches all');
      assert.equal(values[0], 'any');
      // Each status choice matches exactly the rows whose badge starts with its name.
      for (const o of options.slice(1)) {
        await part(page, 'select[name="status"]').selectOption(o.value);
        await frame(page);
        const name = o.text.replace(/ \([\d,]+\)$/, '');
        const count = Number(o.text.match(/\(([\d,]+)\)$/)[1].replace(/,/g, ''));
        assert.equal(await summaryShowing(page), count, `${o.text}: the count is what it shows`);
        for (const r of await domRows(page)) {
          assert.equal(r.badges.length, 1, `one badge per row: ${r.badges}`);
          assert.ok(r.badges[0].startsWith(name), `${o.text}: badge ${r.badges[0]}`);
        }
      }
      await part(page, 'select[name="status"]').selectOption('overdue');
      await frame(page);
      const overdue = await domRows(page);
      assert.ok(overdue.length > 0);
      assert.ok(overdue.every((r) => r.badges[0] === 'Overdue, suspended'), overdue.map((r) => r.badges).join(' | '));
      // Openprovider: expired rows are not in "Overdue".
      await openSupport(page, '?provider=openprovider');
      const opValues = await part(page, 'select[name="status"] option').evaluateAll((os) => os.map((o) => o.value));
      if (opValues.includes('overdue')) {
        await part(page, 'select[name="status"]').selectOption('overdue');
        await frame(page);
        for (const r of await domRows(page)) assert.ok(r.badges[0].startsWith('Overdue'), r.badges[0]);
      }
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('sorts by any column, names in natural order, with aria-sort on the header', async () => {
    await server.resetAt(T0);
    const page = await h.newPage(browser);
    try {
      await openSupport(page);
      await part(page, 'input[name="q"]').fill('synthetic-10');
      await frame(page);
      const header = (name) => part(page, '[role="columnheader"]').filter({ hasText: name });
      await header('Contact').getByRole('button').click();
      await frame(page);
      assert.equal(await header('Contact').getAttribute('aria-sort'), 'ascending');
      assert.equal(await header('Deadline').getAttribute('aria-sort'), 'none');
      const numbers = (rows) => rows.map((r) => Number(r.email.match(/synthetic-(\d+)@/)[1]));
      const asc = numbers(await domRows(page));
      assert.ok(asc.length > 5);
      assert.deepEqual(asc, [...asc].sort((a, b) => a - b), `natural order: ${asc}`);
      await header('Contact').getByRole('button').click();
      await frame(page);
      assert.equal(await header('Contact').getAttribute('aria-sort'), 'descending');
      const desc = numbers(await domRows(page));
      assert.deepEqual(desc, [...desc].sort((a, b) => b - a));

      await header('Deadline').getByRole('button').click();
      await frame(page);
      const deadlines = (await domRows(page)).map((r) => r.deadline).filter(Boolean).map(Date.parse);
      assert.deepEqual(deadlines, [...deadlines].sort((a, b) => a - b), 'earliest first');
      await header('Status').getByRole('button').click();
      await frame(page);
      const first = (await domRows(page))[0];
      assert.match(first.badges[0], /^Overdue/, 'most in need of action first');
      await h.screenshot(page.locator(LIST), 'staff-sorted-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('exports the filtered rows as CSV', async () => {
    await server.resetAt(T0);
    const page = await h.newPage(browser);
    try {
      await openSupport(page);
      await part(page, 'select[name="status"]').selectOption('overdue');
      await part(page, 'input[name="q"]').fill('synthetic-1');
      await frame(page);
      const shown = await summaryShowing(page);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator(LIST).getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^verification-namecom-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '');
      const lines = text.split('\r\n').filter(Boolean);
      assert.equal(lines[0], 'email,domains,status,label,suspended,deadline,deadline_kind,left,handle,verification_id');
      assert.equal(lines.length - 1, shown, 'one line per row shown');
      for (const l of lines.slice(1)) {
        assert.match(l, /^synthetic-1\d*@namecom\.example,/);
        assert.match(l, /,pending,"Overdue, suspended",yes,\d{4}-\d{2}-\d{2}T[\d:]+Z,suspension,/);
      }
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  for (const colorScheme of ['light', 'dark']) {
    it(`a bulk resend of more than 10 asks first and says how long; leaving while sends wait asks too (${colorScheme})`, async () => {
      await server.resetAt(T0);
      const page = await h.newPage(browser, { colorScheme });
      const posts = resendPosts(page);
      try {
        await openSupport(page, '?rate-limit=5/3600');
        await part(page, 'select[name="status"]').selectOption('pending');
        await frame(page);
        const boxes = part(page, '.viewport .row input[type="checkbox"]');
        for (let i = 0; i < 12; i++) await boxes.nth(i).check();
        await page.locator(LIST).getByRole('button', { name: /Resend to 12 contacts/ }).click();
        const confirm = part(page, '.confirm');
        await confirm.waitFor();
        const text = h.norm(await confirm.innerText());
        assert.match(text, /Send a verification email to 12 contacts\?/);
        assert.match(text, /the last one goes out in about 2 hours/, text);
        assert.equal(posts.length, 0, 'nothing sent before the go');
        await h.screenshot(page.locator(LIST), `staff-confirm-${colorScheme}`);
        await confirm.getByRole('button', { name: 'Cancel' }).click();
        await frame(page);
        assert.equal(await confirm.count(), 0);
        assert.equal(posts.length, 0, 'Cancel sends nothing');

        await page.locator(LIST).getByRole('button', { name: /Resend to 12 contacts/ }).click();
        await confirm.getByRole('button', { name: 'Send 12 emails' }).click();
        await page.waitForFunction(
          (sel) => /5 sent/.test(document.querySelector(sel).shadowRoot.querySelector('.queue-summary')?.textContent ?? ''),
          LIST,
          { timeout: 15_000 },
        );
        assert.equal(posts.length, 5);
        // Seven wait in this tab: leaving asks first.
        const prevented = await page.evaluate(() => {
          const e = new Event('beforeunload', { cancelable: true });
          window.dispatchEvent(e);
          return e.defaultPrevented;
        });
        assert.equal(prevented, true, 'leaving the page asks while sends wait');
        await part(page, '.queue').getByRole('button', { name: /Cancel queued/ }).click();
        const after = await page.evaluate(() => {
          const e = new Event('beforeunload', { cancelable: true });
          window.dispatchEvent(e);
          return e.defaultPrevented;
        });
        assert.equal(after, false, 'nothing waits: leaving does not ask');
        h.assertNoProblems(page);
      } finally {
        await page.context().close();
      }
    });
  }

  it('resends one row from its own button; a small selection goes without asking', async () => {
    await server.resetAt(T0);
    const page = await h.newPage(browser);
    const posts = resendPosts(page);
    try {
      await openSupport(page);
      await part(page, 'select[name="status"]').selectOption('pending');
      await frame(page);
      const row = part(page, '.viewport .row').nth(2);
      const contact = await row.getAttribute('data-contact');
      const email = (await row.locator('.email').textContent()).trim();
      await row.getByRole('button', { name: `Resend the verification email to ${email}` }).click();
      await page.waitForFunction(
        ([sel, c]) => /sent/i.test(document.querySelector(sel).shadowRoot.querySelector(`.row[data-contact="${c}"] .queue-state`)?.textContent ?? ''),
        [LIST, contact],
        { timeout: 15_000 },
      );
      assert.deepEqual(posts, [contact]);
      // Three selected: no confirmation.
      const boxes = part(page, '.viewport .row input[type="checkbox"]');
      for (const i of [4, 5, 6]) await boxes.nth(i).check();
      await page.locator(LIST).getByRole('button', { name: /Resend to 3 contacts/ }).click();
      await page.waitForFunction(() => true);
      assert.equal(await part(page, '.confirm').count(), 0);
      // (A new resend clears the finished entries of the last one.)
      await page.waitForFunction((sel) => /3 sent/.test(document.querySelector(sel).shadowRoot.querySelector('.queue-summary')?.textContent ?? ''), LIST, { timeout: 15_000 });
      assert.equal(posts.length, 4);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('shows the whole domain list on hover and keyboard focus', async () => {
    await server.resetAt(T0);
    const page = await h.newPage(browser);
    try {
      await openSupport(page);
      // The row with the most domains.
      const i = await page.evaluate((sel) => {
        const ds = [...document.querySelector(sel).shadowRoot.querySelectorAll('.viewport .row .domains')];
        let best = 0;
        ds.forEach((d, n) => { if (d.textContent.length > ds[best].textContent.length) best = n; });
        return best;
      }, LIST);
      const domains = part(page, '.viewport .row .domains').nth(i);
      const cut = await domains.evaluate((d) => d.scrollWidth > d.clientWidth + 1);
      assert.ok(cut, 'the longest list is cut in its cell');
      await domains.focus();
      const open = await domains.evaluate((d) => ({ whole: d.scrollWidth <= d.clientWidth + 1, label: d.getAttribute('aria-label') }));
      assert.ok(open.whole, 'the whole list shows on focus');
      assert.equal(open.label, (await domains.textContent()).trim());
      await h.screenshot(page.locator(LIST), 'staff-domains-focus-light');
      // Hovering another shows its list the same way.
      await part(page, '.viewport .row .domains').nth(i + 1).hover();
      const hovered = await part(page, '.viewport .row .domains').nth(i + 1).evaluate((d) => getComputedStyle(d).whiteSpace);
      assert.equal(hovered, 'normal');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  for (const colorScheme of ['light', 'dark']) {
    it(`on a 390 px phone each row keeps contact, domains, status, deadline and Resend (${colorScheme})`, async () => {
      await server.resetAt(T0);
      const page = await h.newPage(browser, { colorScheme });
      try {
        await page.setViewportSize({ width: 390, height: 844 });
        await openSupport(page);
        assert.equal(await page.locator(LIST).locator('.list').getAttribute('data-narrow'), 'true');
        const check = await page.evaluate((sel) => {
          const root = document.querySelector(sel).shadowRoot;
          const bad = [];
          const rows = [...root.querySelectorAll('.viewport .row')].slice(0, 8);
          for (const r of rows) {
            const box = r.getBoundingClientRect();
            const parts = ['.email', '.domains', '.badge', '.deadline .left', '.deadline time'];
            // A row that can be resent shows its button (or its queue state).
            if (r.querySelector('button.row-resend')) parts.push('button.row-resend');
            for (const part of parts) {
              const el = r.querySelector(part);
              const b = el?.getBoundingClientRect();
              if (!b || b.width === 0 || b.right > box.right + 1 || b.bottom > box.bottom + 1) bad.push(`${r.dataset.contact} ${part}`);
              // Not cut by its cell either.
              const cell = el?.closest('.cell')?.getBoundingClientRect();
              if (cell && b && b.right > cell.right + 1) bad.push(`${r.dataset.contact} ${part} cut`);
            }
            const time = r.querySelector('.deadline time');
            if (time && time.scrollWidth > time.clientWidth + 1) bad.push(`${r.dataset.contact} date cut`);
            const email = r.querySelector('.email');
            if (email.scrollHeight > email.clientHeight + 1 || email.scrollWidth > email.clientWidth + 1) bad.push(`${r.dataset.contact} email cut`);
          }
          const buttons = rows.filter((r) => r.querySelector('button.row-resend')).length;
          return { bad, n: rows.length, buttons, overflow: document.documentElement.scrollWidth - window.innerWidth };
        }, LIST);
        await h.screenshot(page.locator(LIST), `staff-phone-${colorScheme}`);
        assert.ok(check.n > 0);
        assert.ok(check.buttons > 0, 'rows keep their Resend button');
        assert.deepEqual(check.bad, []);
        assert.ok(check.overflow <= 0, `overflows by ${check.overflow}px`);
        h.assertNoProblems(page);
      } finally {
        await page.context().close();
      }
    });
  }
});
