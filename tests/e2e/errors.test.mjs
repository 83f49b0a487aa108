// When the status cannot be read, the widget says so, offers Retry and
// tells the host page (`verification-error`); Retry after the backend
// recovers shows the real status. A registrar error envelope shows the
// registrar's own message.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './harness.mjs';

const { T0 } = h;
const KEY = 'openprovider-pending';
const SEL = `registrant-verification[data-scenario="${KEY}"]`;
const ERROR_WORDS = /could not|couldn't|cannot|error|problem|failed|unavailable|wrong/i;

let server;
let browser;

async function errorCount(page, scenario) {
  return (await h.events(page, 'verification-error', scenario)).length;
}

async function nextError(page, scenario, seen) {
  await page.waitForFunction(
    ([scenario, seen]) =>
      window.__events.filter((e) => e.type === 'verification-error' && e.scenario === scenario).length > seen,
    [scenario, seen],
    { timeout: 10_000 },
  );
  return (await h.events(page, 'verification-error', scenario)).at(-1);
}

describe('errors', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('500, 502 with an HTML page, invalid JSON, no connection: error + Retry; Retry after recovery shows the status', async () => {
    await server.resetAt(T0);
    const page = await h.newPage(browser);
    h.allowProblems(page, /status of 50[02]/, /ERR_CONNECTION_REFUSED|ERR_FAILED/);
    const isStatus = (url) => url.pathname === '/api/openprovider/status' && url.searchParams.get('contact') === KEY;
    const answers = [
      {
        name: '500',
        status: 500,
        fulfil: (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"internal","message":"boom"}' }),
      },
      {
        name: '502-html',
        status: 502,
        fulfil: (route) =>
          route.fulfill({
            status: 502,
            contentType: 'text/html',
            body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
          }),
      },
      {
        name: 'invalid-json',
        status: [200, null], // HTTP was fine; either is a fair `status`
        fulfil: (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"code":0,"data":{"results":[{"email":' }),
      },
      { name: 'network', status: null, fulfil: (route) => route.abort('connectionrefused') },
    ];
    let current = 0;
    let hits = 0;
    await page.route(isStatus, (route) => {
      hits += 1;
      return answers[current].fulfil(route);
    });
    try {
      await page.goto(server.url + '/');
      const w = h.widget(page, KEY);
      let seen = 0;
      for (const [i, a] of answers.entries()) {
        current = i;
        if (i > 0) {
          await w.getByRole('button', { name: /retry|try again/i }).click();
        }
        const ev = await nextError(page, KEY, seen);
        seen = await errorCount(page, KEY);
        assert.ok(ev.bubbles && ev.composed, 'verification-error bubbles and is composed');
        assert.equal(typeof ev.detail.kind, 'string', `${a.name}: detail.kind`);
        assert.ok(ev.detail.kind.length > 0);
        assert.equal(typeof ev.detail.message, 'string');
        assert.ok(ev.detail.message.length > 0, `${a.name}: detail.message`);
        const statuses = Array.isArray(a.status) ? a.status : [a.status];
        assert.ok(statuses.includes(ev.detail.status ?? null), `${a.name}: detail.status ${JSON.stringify(ev.detail)}`);
        if (a.name === 'invalid-json') assert.match(ev.detail.kind, /json/i);

        await page.waitForFunction((sel) => /retry|try again/i.test(document.querySelector(sel).shadowRoot.textContent), SEL);
        const text = await h.widgetText(page, KEY);
        assert.match(text, ERROR_WORDS, `${a.name}: says something failed: ${text}`);
        assert.equal(await w.getByRole('button', { name: /retry|try again/i }).count(), 1, `${a.name}: one Retry button`);
        assert.equal(await w.getByRole('button', { name: /resend|send/i }).count(), 0, `${a.name}: no resend button on an error`);
        assert.doesNotMatch(text, /<\/?(html|body|center|h1)\b/i, `${a.name}: no raw HTML in the widget`);
        assert.doesNotMatch(text, /\bpending\b.*\bdays? left\b/i, `${a.name}: no fake status`);
        assert.notEqual(await w.getAttribute('data-status'), 'pending', `${a.name}: no fake status on the host`);
        assert.equal(await w.getAttribute('data-urgency'), null, `${a.name}: no urgency while the status is unknown`);
        await h.screenshot(h.card(page, KEY), `errors-${a.name}-light`);
      }
      // The other widgets on the page are not affected.
      assert.equal(await h.widget(page, 'dna-pending').getAttribute('data-status'), 'pending');

      // The backend recovers: Retry shows the real status.
      await page.unroute(isStatus);
      const before = hits;
      await w.getByRole('button', { name: /retry|try again/i }).click();
      await h.waitForStatus(page, KEY, 'pending');
      assert.equal(hits, before, 'the recovered request went to the server');
      assert.equal(await w.getAttribute('data-urgency'), 'info');
      const text = await h.widgetText(page, KEY);
      assert.match(text, /\b9 days?\b/, `real status after Retry: ${text}`);
      assert.equal(await w.getByRole('button', { name: /retry/i }).count(), 0, 'Retry is gone');
      assert.equal(await w.getByRole('button', { name: /resend|send/i }).count(), 1, 'resend is back');
      const change = (await h.events(page, 'verification-change', KEY)).at(-1);
      assert.equal(change.detail.status, 'pending');
      await h.screenshot(h.card(page, KEY), 'errors-recovered-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it("a registrar's error envelope shows the registrar's message", async () => {
    // The gateway passes a registrar's own error answer on unchanged (its
    // status and body): here each registrar's envelope, as the sandbox
    // writes them (www/sandbox/src/), answered for that card's status read.
    await server.resetAt(T0);
    const page = await h.newPage(browser);
    h.allowProblems(page, /status of 5\d\d/);
    const cases = [
      {
        key: 'openprovider-pending',
        status: 500,
        body: { code: 196, desc: 'Authentication/Authorization Failed', data: [] },
        message: /Authentication\/Authorization Failed/,
      },
      {
        key: 'dna-pending',
        status: 200,
        body: { OperationResult: 'ERROR', ErrorCode: 2200, OperationMessage: 'Authentication error: invalid UserName or Password' },
        message: /Authentication error: invalid UserName or Password/,
      },
    ];
    for (const c of cases) {
      const [provider] = c.key.split('-');
      await page.route(
        (url) => url.pathname === `/api/${provider}/status` && url.searchParams.get('contact') === c.key,
        (route) => route.fulfill({ status: c.status, contentType: 'application/json', body: JSON.stringify(c.body) }),
      );
    }
    try {
      await page.goto(server.url + '/');
      for (const c of cases) {
        const ev = await nextError(page, c.key, 0);
        assert.equal(ev.detail.status, c.status, `${c.key}: status ${JSON.stringify(ev.detail)}`);
        assert.match(ev.detail.message, c.message, `${c.key}: event message`);
        const sel = `registrant-verification[data-scenario="${c.key}"]`;
        await page.waitForFunction((sel) => /retry/i.test(document.querySelector(sel).shadowRoot.textContent), sel);
        const text = await h.widgetText(page, c.key);
        assert.match(text, c.message, `${c.key}: shows the registrar's message: ${text}`);
        assert.equal(await h.widget(page, c.key).getByRole('button', { name: /retry|try again/i }).count(), 1);
        assert.notEqual(await h.widget(page, c.key).getAttribute('data-status'), 'pending');
        assert.notEqual(await h.widget(page, c.key).getAttribute('data-status'), 'verified');
        await h.screenshot(h.card(page, c.key), `errors-registrar-envelope-${c.key}-light`);
      }
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
