// The browser never sees registrar credentials, never talks to a registrar
// (or the sandbox) directly, and the page works under its strict CSP.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './harness.mjs';

const { T0 } = h;

let server;
let browser;

describe('the gateway behind the panel, and the CSP', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('no credential reaches the page; every widget renders under the CSP', async () => {
    const creds = h.sandboxCredentials();
    const secrets = Object.entries(creds).filter(([name]) => /PASSWORD|TOKEN|USERNAME/.test(name));
    assert.ok(secrets.length >= 5, `found the sandbox credentials in mod.rs: ${Object.keys(creds)}`);
    // name.com's HTTP Basic pair, as it would appear in a header.
    const basic = Buffer.from(`${creds.NAMECOM_USERNAME}:${creds.NAMECOM_TOKEN}`).toString('base64');
    const needles = [...secrets.map(([, v]) => v), basic];

    await server.resetAt(T0);
    const page = await h.newPage(browser);
    // (no console errors allowed)
    await page.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      );
    });
    const seen = []; // {url, what, text}
    const pending = [];
    page.on('request', (req) => {
      seen.push({ url: req.url(), what: 'request headers', text: JSON.stringify(req.headers()) });
      if (req.postData()) seen.push({ url: req.url(), what: 'request body', text: req.postData() });
    });
    page.on('response', (res) => {
      pending.push(
        (async () => {
          seen.push({ url: res.url(), what: 'response headers', text: JSON.stringify(await res.allHeaders()) });
          // An open event stream (`events-url`, an EventSource or, with a
          // token, a fetch) has no end to wait for.
          if (res.request().resourceType() === 'eventsource' || /\/events\?/.test(res.url())) return;
          const body = await res.body().catch(() => null);
          if (body) seen.push({ url: res.url(), what: 'response body', text: body.toString('latin1') });
        })(),
      );
    });
    try {
      const res = await page.goto(server.url + '/');
      const csp = res.headers()['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'/, 'the page is served with a CSP');
      assert.doesNotMatch(csp, /'unsafe-(inline|eval)'/, 'no unsafe-inline or unsafe-eval');

      const keys = await page
        .locator('registrant-verification[data-scenario]')
        .evaluateAll((els) => els.map((e) => e.dataset.scenario));
      for (const k of keys) await h.waitForStatus(page, k);
      // Exercise the resend path of each registrar too.
      for (const k of ['dna-pending', 'namecom-pending', 'openprovider-not-started']) {
        await h.widget(page, k).getByRole('button', { name: /resend|send/i }).click();
        await page.waitForFunction(
          (k) => window.__events.some((e) => e.type === 'verification-resend' && e.scenario === k),
          k,
        );
      }
      assert.equal((await server.emails()).total, 3);
      await Promise.all(pending);

      const apiCalls = seen.filter((s) => s.what === 'response body' && new URL(s.url).pathname.startsWith('/api/'));
      assert.ok(apiCalls.length >= keys.length, `the widgets went through /api (${apiCalls.length} answers)`);
      for (const s of seen) {
        for (const n of needles) {
          assert.ok(!s.text.includes(n), `${s.what} of ${s.url} contains a registrar credential`);
        }
      }
      const direct = seen.filter((s) => new URL(s.url).pathname.startsWith('/sandbox/'));
      assert.deepEqual(direct.map((s) => s.url), [], 'the page never calls a registrar (sandbox) directly');

      // Styles and wasm work under the CSP: no violation, the widgets render
      // styled (adopted stylesheet applied).
      assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
      const styled = await page.locator('registrant-verification').evaluateAll((els) =>
        els.map((el) => {
          const root = el.shadowRoot;
          const card = root?.querySelector('[part~="card"]') ?? root?.firstElementChild;
          if (!card) return 'no content';
          const cs = getComputedStyle(card);
          return cs.borderStyle !== 'none' || cs.backgroundColor !== 'rgba(0, 0, 0, 0)' || cs.boxShadow !== 'none'
            ? 'styled'
            : 'unstyled';
        }),
      );
      assert.ok(styled.every((s) => s === 'styled'), `every widget is styled: ${styled}`);
      await h.screenshot(page.locator('main'), 'api-panel-after-resends-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('the server logs no credential either', () => {
    const creds = Object.values(h.sandboxCredentials()).filter((v) => v.length > 12);
    for (const c of creds) {
      assert.ok(!server.stderr().includes(c), 'stderr carries a credential');
      assert.ok(!server.stdout().includes(c), 'stdout carries a credential');
    }
  });
});
