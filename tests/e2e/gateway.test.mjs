// The gateway (`verification-www serve`) as a reseller deploys it, in front
// of the demo's sandbox: the widget on a panel page of another origin gets
// its token from `token-url`, shows the status and resends; a signed
// name.com webhook reaches it through the token-carrying event stream; and
// the token snippets (Node, Python, the WHMCS hook in PHP) each mint a
// token the gateway accepts.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';

import * as h from './harness.mjs';
import { mintToken } from '../../www/examples/tokens/mint-token.mjs';

const SECRET = 'e2e-gateway-secret-of-at-least-32-bytes!';
const TOKENS = join(h.ROOT, 'www', 'examples', 'tokens');
// The sandbox's credentials (www/sandbox/src/lib.rs).
const CREDENTIALS = {
  namecom: ['acme-reseller-test', 'sandbox-namecom-token-4c1e'],
  openprovider: ['acme-reseller', 'sandbox-openprovider-password-5e8a'],
  dna: ['acme-reseller', 'sandbox-dna-secret-7f3a'],
};

let sandbox;
let browser;
let gateway;
let panel;
let whmcs;
const dirs = [];
let tokenRequests = 0;

/** The demo registrant's contacts, as the panel's token names them. */
const CONTACTS = {
  'c-op': { id: 'c-op', provider: 'openprovider', email: 'pending@openprovider.example', handle: 'XX100002-XX', domains: ['openprovider-pending-shop.com'] },
  // Other contacts of the same registrant: each its own cooldown (the
  // gateway keys a cooldown by the registrar's contact, not by an id).
  'c-op2': { id: 'c-op2', provider: 'openprovider', email: 'due-soon@openprovider.example', handle: 'XX100003-XX', domains: ['openprovider-due-soon-shop.com'] },
  'c-op3': { id: 'c-op3', provider: 'openprovider', email: 'overdue@openprovider.example', handle: 'XX100004-XX', domains: ['openprovider-overdue-shop.com'] },
  'c-nc': { id: 'c-nc', provider: 'namecom', email: 'pending@namecom.example', domains: ['namecom-pending-shop.com'] },
  'c-dna': { id: 'c-dna', provider: 'dna', email: 'pending@dna.example', handle: 'DNA-102' },
};

/** Starts `serve` with a config like www/examples/gateway-sandbox.toml. */
async function startGateway(panelOrigin, { wait = true, database = null, extraOrigins = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-e2e-'));
  dirs.push(dir);
  const [nu, nt] = CREDENTIALS.namecom;
  const [ou, op] = CREDENTIALS.openprovider;
  const [du, dp] = CREDENTIALS.dna;
  // The webhook URL must be the one name.com signs: the gateway's own,
  // known only once it listens. Port 0 is taken first, then reused.
  const port = await h.freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = `
listen = "127.0.0.1:${port}"
allowed_origins = ["${panelOrigin}"${extraOrigins.map((o) => `, "${o}"`).join('')}]
database = "${database ?? `sqlite://${join(dir, 'gateway.db')}`}"
widget_dir = "${h.WIDGET_DIR}"

[tokens]
audience = "registrant-verification"
hs256_secret = "env:GATEWAY_TOKEN_SECRET"

[namecom]
base_url = "${sandbox.url}/sandbox/namecom"
username = "${nu}"
token = "env:NAMECOM_TOKEN"
webhook_url = "${base}/webhooks/namecom"

[openprovider]
base_url = "${sandbox.url}/sandbox/openprovider"
username = "${ou}"
password = "env:OPENPROVIDER_PASSWORD"

[dna]
base_url = "${sandbox.url}/sandbox/dna"
username = "${du}"
password = "env:DNA_PASSWORD"
`;
  writeFileSync(join(dir, 'gateway.toml'), config);
  const child = spawn(h.SERVER_BIN, ['serve', '--config', join(dir, 'gateway.toml')], {
    cwd: h.ROOT,
    env: { ...process.env, GATEWAY_TOKEN_SECRET: SECRET, NAMECOM_TOKEN: nt, OPENPROVIDER_PASSWORD: op, DNA_PASSWORD: dp, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let logs = '';
  child.stderr.on('data', (d) => { logs += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start\n${out}\n${logs}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (/Gateway listening on/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code})\n${out}\n${logs}`));
    });
  });
  child.removeAllListeners('exit');
  // Ready once the first name.com scan is done.
  for (let i = 0; wait && i < 100; i++) {
    const r = await fetch(`${base}/readyz`);
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return { base, child, logs: () => logs };
}

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** The reseller's panel: its page, the widget's files, and `/token`. */
async function startPanel() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://panel');
    if (url.pathname === '/staff-token') {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end(mintToken({ secret: SECRET, sub: 'agent-7', role: 'staff', ttl: 300 }));
      return;
    }
    if (url.pathname === '/staff') {
      const g = gateway.base;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Support</title><link rel="icon" href="data:,">
        <script type="module" src="/widget/define-list.js"></script></head><body><main>
        <registrant-verification-list provider="namecom" list-url="${g}/api/namecom/list"
          resend-url="${g}/api/namecom/support/resend" queue-url="${g}/api/namecom/support/queue"
          token-url="/staff-token"></registrant-verification-list>
        </main></body></html>`);
      return;
    }
    if (url.pathname === '/cross') {
      // The README's page: the widget's files and the API on the gateway's
      // origin, the token from this panel.
      const g = gateway.base;
      const v = url.searchParams.get('v');
      const sri = url.searchParams.get('sri');
      const op = url.searchParams.get('op') ?? 'c-op';
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panel</title><link rel="icon" href="data:,">
        <script type="module" crossorigin="anonymous" src="${g}/widget/${v ? `${v}/` : ''}define.js"${sri ? ` integrity="${sri}"` : ''}></script></head><body><main>
        <registrant-verification data-scenario="x-op" provider="openprovider"
          status-url="${g}/api/openprovider/status?contact=${op}" resend-url="${g}/api/openprovider/resend?contact=${op}"
          token-url="/token"></registrant-verification>
        </main></body></html>`);
      return;
    }
    if (url.pathname === '/renew') {
      // A page that sets the `token` property and renews it when asked.
      const g = gateway.base;
      const ttl = Number(url.searchParams.get('ttl'));
      const first = mintToken({ secret: SECRET, sub: 'client-42', contacts: Object.values(CONTACTS), ttl });
      const answer = url.searchParams.get('answer') !== 'no';
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panel</title><link rel="icon" href="data:,">
        <script type="module" src="${g}/widget/define.js"></script></head><body><main>
        <registrant-verification data-scenario="r-op" provider="openprovider"
          status-url="${g}/api/openprovider/status?contact=c-op" resend-url="${g}/api/openprovider/resend?contact=c-op"></registrant-verification>
        </main><script>
          const el = document.querySelector('registrant-verification');
          el.token = ${JSON.stringify(first)};
          window.__renewals = 0;
          ${answer ? `el.addEventListener('verification-token-expiring', async (e) => {
            window.__renewals++;
            window.__expiring = e.detail.exp;
            const r = await fetch('/token', { cache: 'no-store' });
            el.token = (await r.json()).token;
          });` : ''}
        </script></body></html>`);
      return;
    }
    if (url.pathname === '/token') {
      tokenRequests++;
      // The logged-in registrant (a cookie in a real panel).
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ token: mintToken({ secret: SECRET, sub: 'client-42', contacts: Object.values(CONTACTS), ttl: 300 }) }));
      return;
    }
    if (url.pathname.startsWith('/widget/')) {
      const file = join(h.WIDGET_DIR, normalize(url.pathname.slice('/widget/'.length)));
      if (!file.startsWith(h.WIDGET_DIR) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
      return;
    }
    if (url.pathname === '/') {
      const g = url.searchParams.get('gateway') ?? gateway.base;
      const w = (key, provider, id, events) => `<registrant-verification data-scenario="${key}" provider="${provider}"
        status-url="${g}/api/${provider}/status?contact=${id}" resend-url="${g}/api/${provider}/resend?contact=${id}"
        ${events ? `events-url="${g}/api/namecom/events?contact=${id}"` : ''} token-url="/token"></registrant-verification>`;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panel</title><link rel="icon" href="data:,">
        <script type="module" src="/widget/define.js"></script></head><body><main>
        ${w('gw-op', 'openprovider', url.searchParams.get('op') ?? 'c-op')}${w('gw-nc', 'namecom', 'c-nc', true)}${w('gw-dna', 'dna', 'c-dna')}
        </main></body></html>`);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

/**
 * WHMCS's client area in miniature (tests/e2e/whmcs-panel.php under
 * `php -S`), running the hook and the token endpoint of www/examples/tokens/.
 */
async function startWhmcs(port, gatewayUrl) {
  const child = spawn('php', ['-S', `127.0.0.1:${port}`, join(h.ROOT, 'tests', 'e2e', 'whmcs-panel.php')], {
    env: { ...process.env, GATEWAY_TOKEN_SECRET: SECRET, GATEWAY_URL: gatewayUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url + '/')).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('php -S did not start (make tools installs php-cli)');
}

/** A name.com webhook signed as name.com signs it (keys sorted, compact). */
function signedWebhook(url, verificationId, status) {
  const body = JSON.stringify({ domains: ['namecom-pending-shop.com'], eventName: 'contact.verification.status_change', verification: { status }, verificationId });
  const sig = createHmac('sha256', CREDENTIALS.namecom[1]).update(`${url}|${body}`).digest('hex');
  const ts = Math.floor(Date.now() / 1000);
  return { body, header: `sha256=${sig},${ts},nonce-${ts}` };
}

describe('the gateway (serve), with the widget on another origin', () => {
  before(async () => {
    sandbox = await h.startServer();
    await sandbox.resetAt(h.T0);
    browser = await h.launchBrowser();
    panel = await startPanel();
    const whmcsPort = await h.freePort();
    gateway = await startGateway(panel.url, { extraOrigins: [`http://127.0.0.1:${whmcsPort}`] });
    whmcs = await startWhmcs(whmcsPort, gateway.base);
  });

  after(async () => {
    await browser?.close();
    gateway?.child.kill('SIGTERM');
    whmcs?.child.kill('SIGTERM');
    panel?.server.close();
    await sandbox?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('token-url: shows each registrar status and resends; no token in any URL', async () => {
    const page = await h.newPage(browser);
    const urls = [];
    page.on('request', (r) => urls.push(r.url()));
    try {
      await page.goto(panel.url + '/');
      await h.waitForStatus(page, 'gw-op', 'pending');
      await h.waitForStatus(page, 'gw-nc', 'pending');
      await h.waitForStatus(page, 'gw-dna', 'pending');
      assert.ok(tokenRequests >= 1, 'the widget asked the panel for its token');
      const text = await h.widgetText(page, 'gw-op');
      assert.match(text, /pending@openprovider\.example/);
      await h.screenshot(page.locator('main'), 'gateway-panel-light');

      const before = (await sandbox.emails()).total;
      const answered = page.waitForResponse((r) => r.url().startsWith(`${gateway.base}/api/openprovider/resend`) && r.request().method() === 'POST');
      await h.widget(page, 'gw-op').getByRole('button', { name: /resend/i }).click();
      const res = await answered;
      assert.equal(res.status(), 200, `the gateway's answer: ${await res.text()}`);
      await page.waitForFunction(() => /You can send another/.test(document.querySelector('[data-scenario="gw-op"]').shadowRoot.textContent));
      const [ev] = await h.events(page, 'verification-resend', 'gw-op');
      assert.equal(ev?.detail.outcome, 'sent', JSON.stringify(ev));
      assert.equal((await sandbox.emails()).total, before + 1, 'one email went out');
      for (const u of urls) assert.ok(!/eyJ[\w-]+\.[\w-]+\./.test(u), `no token in ${u}`);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it("the README's page: the widget's files and the API from the gateway on another origin, never a request without the token", async () => {
    await sandbox.resetAt(h.T0);
    const page = await h.newPage(browser);
    const requests = [];
    page.on('request', (r) => r.url().startsWith(gateway.base) && requests.push(r));
    try {
      await page.goto(panel.url + '/cross?op=c-op3');
      await h.waitForStatus(page, 'x-op', 'pending');
      const answers = await Promise.all(requests.map(async (r) => [r.url(), (await r.response())?.status(), await r.allHeaders()]));
      const files = answers.filter(([u]) => u.startsWith(`${gateway.base}/widget/`));
      assert.ok(files.some(([u, s]) => u.endsWith('/widget/define.js') && s === 200), JSON.stringify(files.map(([u, s]) => [u, s])));
      assert.ok(files.some(([u, s]) => u.endsWith('.wasm') && s === 200), 'the wasm came from the gateway');
      for (const [u, status, headers] of answers.filter(([u]) => u.includes('/api/'))) {
        assert.match(headers.authorization ?? '', /^Bearer /, `${u} carries the token`);
        assert.notEqual(status, 401, u);
      }
      const before = (await sandbox.emails()).total;
      // The gateway's answer, then the count (the card's words may come first).
      const answered = page.waitForResponse((r) => r.url().startsWith(`${gateway.base}/api/openprovider/resend`) && r.request().method() === 'POST');
      await h.widget(page, 'x-op').getByRole('button', { name: /resend/i }).click();
      assert.equal((await answered).status(), 200);
      await page.waitForFunction(() => /You can send another/.test(document.querySelector('[data-scenario="x-op"]').shadowRoot.textContent));
      assert.equal((await sandbox.emails()).total, before + 1, 'one email went out');
      await h.screenshot(page.locator('main'), 'gateway-cross-origin-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('the versioned path is cached as immutable and loads with an integrity attribute', async () => {
    await sandbox.resetAt(h.T0);
    const version = JSON.parse(readFileSync(join(h.WIDGET_DIR, 'package.json'), 'utf8')).version;
    const sri = 'sha384-' + createHash('sha384').update(readFileSync(join(h.WIDGET_DIR, 'define.js'))).digest('base64');
    const page = await h.newPage(browser);
    const files = [];
    page.on('response', (r) => r.url().startsWith(`${gateway.base}/widget/`) && files.push(r));
    try {
      await page.goto(`${panel.url}/cross?v=${version}&sri=${encodeURIComponent(sri)}`);
      await h.waitForStatus(page, 'x-op', 'pending');
      assert.ok(files.length >= 3, files.map((r) => r.url()).join('\n'));
      for (const r of files) {
        assert.ok(r.url().startsWith(`${gateway.base}/widget/${version}/`), `${r.url()}: under the versioned path`);
        assert.equal((await r.allHeaders())['cache-control'], 'public, max-age=31536000, immutable', r.url());
      }
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
    // A wrong hash is refused by the browser: the integrity attribute is checked.
    const bad = await h.newPage(browser);
    h.allowProblems(bad, /integrity|digest/i);
    try {
      await bad.goto(`${panel.url}/cross?v=${version}&sri=${encodeURIComponent('sha384-' + 'A'.repeat(64))}`);
      await bad.waitForTimeout(1000);
      assert.equal(await bad.evaluate(() => customElements.get('registrant-verification') === undefined), true);
    } finally {
      await bad.context().close();
    }
  });

  it('a `token` the page set is renewed before its exp, without loading the status again', async () => {
    await sandbox.resetAt(h.T0);
    // The browser's clock is the real one: the token's exp is real time.
    const page = await h.newPage(browser, { time: new Date().toISOString() });
    let statusRequests = 0;
    page.on('request', (r) => r.url().includes('/api/openprovider/status') && statusRequests++);
    try {
      await page.goto(panel.url + '/renew?ttl=75');
      await h.waitForStatus(page, 'r-op', 'pending');
      const first = await page.evaluate(() => document.querySelector('registrant-verification').token);
      const reads = statusRequests;
      // 60 s before its exp, the element asks the page.
      await h.advance(page, 20_000);
      await page.waitForFunction((t) => window.__renewals === 1 && document.querySelector('registrant-verification').token !== t, first);
      assert.equal(statusRequests, reads, 'a renewed token loads nothing again');
      // The next check carries the new token and is answered.
      const answered = page.waitForResponse((r) => r.url().includes('/api/openprovider/status'));
      await page.evaluate(() => document.querySelector('registrant-verification').refresh());
      const res = await answered;
      assert.equal(res.status(), 200);
      const sent = (await res.request().allHeaders()).authorization;
      assert.notEqual(sent, `Bearer ${first}`);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('after a 401 the element asks the page for a new token once and shows the status', async () => {
    await sandbox.resetAt(h.T0);
    const page = await h.newPage(browser, { time: new Date().toISOString() });
    h.allowProblems(page, /status of 401/);
    try {
      // Expired before the page opened.
      await page.goto(panel.url + '/renew?ttl=-120');
      await h.waitForStatus(page, 'r-op', 'pending');
      assert.equal(await page.evaluate(() => window.__renewals), 1);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  for (const [scheme, width] of [['light', 1280], ['dark', 1280], ['light', 390], ['dark', 390]]) {
    it(`a failed re-check keeps the status, deadline, domains and Resend, and says why (${scheme}, ${width} px)`, async () => {
      await sandbox.resetAt(h.T0);
      const page = await h.newPage(browser, { colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      h.allowProblems(page, /status of 50[24]|status of 401|ERR_CONNECTION_REFUSED|ERR_FAILED/);
      const status = `${gateway.base}/api/openprovider/status?contact=c-op`;
      const cors = { 'access-control-allow-origin': panel.url, 'access-control-expose-headers': 'retry-after' };
      const stale = () => page.evaluate(() => {
        const p = document.querySelector('[data-scenario="x-op"]').shadowRoot.querySelector('.stale');
        return p && !p.hidden ? p.textContent : null;
      });
      try {
        await page.goto(panel.url + '/cross');
        await h.waitForStatus(page, 'x-op', 'pending');
        const before = h.norm(await h.widgetText(page, 'x-op'));
        const cases = [
          ['the registrar', (route) => route.fulfill({ status: 502, contentType: 'application/json', headers: cors,
            body: '{"error":"upstream_unavailable","message":"The registrar could not be reached"}' }),
            /The registrar did not answer \(HTTP 502/],
          ['the gateway', (route) => route.abort('connectionrefused'), /Could not reach the server\. It may be down/],
          ['the session', (route) => route.fulfill({ status: 401, contentType: 'application/json', headers: cors,
            body: '{"error":"unauthenticated","message":"The token is not valid"}' }),
            /Your session has ended: sign in again/],
        ];
        for (const [who, answer, words] of cases) {
          await page.route(status, answer);
          await page.evaluate(() => document.querySelector('[data-scenario="x-op"]').refresh());
          await page.waitForFunction(([source, flags]) => {
            const p = document.querySelector('[data-scenario="x-op"]').shadowRoot.querySelector('.stale');
            return p && !p.hidden && new RegExp(source, flags).test(p.textContent);
          }, [words.source, words.flags]);
          const line = await stale();
          assert.match(line, /Could not check again at .*; showing what we knew at /, `${who}: ${line}`);
          assert.match(line, words, `${who}: ${line}`);
          // What the registrant was reading is all still there.
          const text = h.norm(await h.widgetText(page, 'x-op'));
          assert.match(text, /openprovider-pending-shop\.com/, who);
          assert.equal(await h.widget(page, 'x-op').getAttribute('data-status'), 'pending', who);
          assert.ok(text.includes(before.slice(0, 60)), `${who}: the headline and lead stay\n${before}\n${text}`);
          assert.equal(await h.widget(page, 'x-op').getByRole('button', { name: /resend/i }).count(), 1, `${who}: Resend stays`);
          if (who === 'the registrar') await h.screenshot(h.widget(page, 'x-op'), `gateway-stale-${scheme}-${width}`);
          await page.unroute(status);
        }
        // Back: the next automatic re-check clears the line.
        await h.advance(page, 61_000, 1000);
        await page.waitForFunction(() => document.querySelector('[data-scenario="x-op"]').shadowRoot.querySelector('.stale').hidden);
        h.assertNoProblems(page);
      } finally {
        await page.context().close();
      }
    });
  }

  it('a resend whose intent is in progress elsewhere waits for its answer: one email', async () => {
    await sandbox.resetAt(h.T0);
    // Another tab sent the same intent; the registrar is slow to answer it.
    await sandbox.post('/sandbox/control/faults', { delay_ms: { 'openprovider.restart': 1500 } });
    const page = await h.newPage(browser);
    try {
      await page.goto(panel.url + '/?op=c-op2');
      await h.waitForStatus(page, 'gw-op', 'pending');
      const statusUrl = await h.widget(page, 'gw-op').getAttribute('status-url');
      const key = 'shared-intent-' + Date.now();
      await page.evaluate(([k, v]) => localStorage.setItem(k, v), [`registrant-verification:resend-intent:openprovider:${statusUrl}`, key]);
      const token = mintToken({ secret: SECRET, sub: 'client-42', contacts: Object.values(CONTACTS) });
      const before = (await sandbox.emails()).total;
      const first = fetch(`${gateway.base}/api/openprovider/resend?contact=c-op2`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-idempotency-key': key },
        body: JSON.stringify({ operation: 'restart' }),
      });
      await new Promise((r) => setTimeout(r, 200));
      const conflicts = [];
      page.on('response', (r) => r.url().includes('/resend') && r.status() === 409 && conflicts.push(r.status()));
      h.allowProblems(page, /status of 409/);
      await h.widget(page, 'gw-op').getByRole('button', { name: /resend/i }).click();
      assert.equal((await first).status, 200);
      // The widget ran the clock forward to retry: its fake timers.
      for (let i = 0; i < 5 && !/You can send another/.test(await h.widgetText(page, 'gw-op')); i++) await h.advance(page, 1000, 1000);
      await page.waitForFunction(() => /You can send another/.test(document.querySelector('[data-scenario="gw-op"]').shadowRoot.textContent));
      assert.ok(conflicts.length >= 1, 'the widget met the intent in progress');
      assert.equal((await sandbox.emails()).total, before + 1, 'one email for one intent');
    } finally {
      await sandbox.post('/sandbox/control/faults', {});
      await page.context().close();
    }
  });

  it('a signed webhook reaches the token-carrying event stream within a second', async () => {
    await sandbox.resetAt(h.T0);
    const page = await h.newPage(browser);
    try {
      await page.goto(panel.url + '/');
      await h.waitForStatus(page, 'gw-nc', 'pending');
      // The stream is open (one subscriber is this widget).
      await page.waitForTimeout(300);
      const url = `${gateway.base}/webhooks/namecom`;
      const id = 98752470;
      const listed = await (await fetch(`${sandbox.url}/sandbox/namecom/core/v1/contacts/unverified?perPage=1000`, {
        headers: { authorization: 'Basic ' + Buffer.from(CREDENTIALS.namecom.join(':')).toString('base64') },
      })).json();
      const mine = listed.unverifiedContacts.find((c) => c.email === 'pending@namecom.example');
      assert.ok(mine, 'the sandbox lists the contact');
      const { body, header } = signedWebhook(url, mine.verificationId ?? id, 'verified');
      const sent = Date.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namecom-signature': header }, body });
      assert.equal(res.status, 204);
      await h.waitForStatus(page, 'gw-nc', 'verified', 5_000);
      const took = Date.now() - sent;
      assert.ok(took < 1000, `verified ${took} ms after the webhook`);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('before its first name.com scan the gateway answers 503, and the widget says it is checking', async () => {
    await sandbox.post('/sandbox/control/faults', { delay_ms: { 'namecom.list': 2000 } });
    const slow = await startGateway(panel.url, { wait: false });
    const page = await h.newPage(browser);
    h.allowProblems(page, /status of 503/);
    try {
      await page.goto(`${panel.url}/?gateway=${encodeURIComponent(slow.base)}`);
      await h.waitForStatus(page, 'gw-nc', 'unknown');
      const text = await h.widgetText(page, 'gw-nc');
      assert.match(text, /checking/i, text);
      assert.doesNotMatch(text, /verified|could not load/i, text);
      await h.screenshot(h.widget(page, 'gw-nc'), 'gateway-checking-light');
      // The scan ends; the widget asks again when the gateway said to.
      await sandbox.post('/sandbox/control/faults', {});
      for (let i = 0; i < 50; i++) {
        if ((await fetch(`${slow.base}/readyz`)).status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await h.advance(page, 31_000);
      await h.waitForStatus(page, 'gw-nc', 'pending');
    } finally {
      await page.context().close();
      slow.child.kill('SIGTERM');
    }
  });

  it('two instances on one PostgreSQL: a webhook posted to one updates a widget whose stream is on the other, within a second', async () => {
    await sandbox.resetAt(h.T0);
    const cluster = spawn(join(h.ROOT, 'target', 'debug', 'examples', 'pg_cluster'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const database = await new Promise((resolve, reject) => {
      let out = '';
      cluster.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n')) resolve(line.trim());
      });
      cluster.on('exit', (code) => reject(new Error(`pg_cluster exited (${code}): PostgreSQL is needed (make tools)`)));
    });
    cluster.removeAllListeners('exit');
    const a = await startGateway(panel.url, { database });
    const b = await startGateway(panel.url, { database });
    const page = await h.newPage(browser);
    try {
      await page.goto(`${panel.url}/?gateway=${encodeURIComponent(b.base)}`);
      await h.waitForStatus(page, 'gw-nc', 'pending');
      await page.waitForTimeout(300);
      const listed = await (await fetch(`${sandbox.url}/sandbox/namecom/core/v1/contacts/unverified?perPage=1000`, {
        headers: { authorization: 'Basic ' + Buffer.from(CREDENTIALS.namecom.join(':')).toString('base64') },
      })).json();
      const mine = listed.unverifiedContacts.find((c) => c.email === 'pending@namecom.example');
      const url = `${a.base}/webhooks/namecom`;
      const { body, header } = signedWebhook(url, mine.verificationId, 'verified');
      const sent = Date.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namecom-signature': header }, body });
      assert.equal(res.status, 204);
      await h.waitForStatus(page, 'gw-nc', 'verified', 5_000);
      const took = Date.now() - sent;
      assert.ok(took < 1000, `verified on B ${took} ms after the webhook reached A`);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      cluster.stdin.end();
      await new Promise((r) => cluster.once('exit', r));
    }
  });

  it('the staff list reads the account from the gateway with a staff token', async () => {
    const page = await h.newPage(browser);
    try {
      await page.goto(panel.url + '/staff');
      const list = page.locator('registrant-verification-list');
      await page.waitForFunction(() => document.querySelector('registrant-verification-list')?.getAttribute('data-state') === 'ready', null, { timeout: 15_000 });
      const stats = await list.evaluate((el) => el.stats);
      // What name.com lists now (the mirror follows it and its webhooks).
      const listed = await (await fetch(`${sandbox.url}/sandbox/namecom/core/v1/contacts/unverified?perPage=1000`, {
        headers: { authorization: 'Basic ' + Buffer.from(CREDENTIALS.namecom.join(':')).toString('base64') },
      })).json();
      assert.ok(stats.total > 0, JSON.stringify(stats));
      assert.equal(stats.total, listed.totalCount - 1, `every listed contact but the one verified by webhook: ${JSON.stringify(stats)}`);
      await h.screenshot(list, 'gateway-staff-list-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('a bulk resend lives in the gateway: sent with the tab closed, shown to another staff browser', async () => {
    const page = await h.newPage(browser);
    const other = await h.newPage(browser);
    const ready = (p) =>
      p.waitForFunction(() => document.querySelector('registrant-verification-list')?.getAttribute('data-state') === 'ready', null, { timeout: 15_000 });
    const queueText = (p) =>
      p.evaluate(() => document.querySelector('registrant-verification-list').shadowRoot.querySelector('.queue-summary')?.textContent ?? '');
    try {
      const sandboxEmails = async () => (await sandbox.emails()).total;
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      const before = await sandboxEmails();
      await page.goto(panel.url + '/staff');
      await ready(page);
      const list = page.locator('registrant-verification-list');
      // Every contact listed (none resent by another test: the sandbox's
      // clock stands still, so one resent before would be throttled).
      await list.locator('.head input[type="checkbox"]').check();
      const label = await list.getByRole('button', { name: /Resend to \d+ contacts?/ }).innerText();
      const n = Number(label.match(/(\d+)/)[1]);
      assert.ok(n >= 2 && n <= 10, label);
      const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/namecom/support/queue'));
      await list.getByRole('button', { name: label }).click();
      const res = await posted;
      assert.equal(res.status(), 200);
      assert.ok(res.request().headers().authorization?.startsWith('Bearer '), 'the staff token goes along');
      // Closed as soon as the gateway has them: it sends them anyway.
      await page.close();
      for (let i = 0; i < 100 && (await sandboxEmails()) - before < n; i++) await sleep(100);
      assert.equal((await sandboxEmails()) - before, n, 'one email each, sent by the gateway');
      // Another staff browser sees them.
      await other.goto(panel.url + '/staff');
      await ready(other);
      await other.waitForFunction(
        (n) => new RegExp(`${n} sent`).test(document.querySelector('registrant-verification-list').shadowRoot.querySelector('.queue-summary')?.textContent ?? ''),
        n,
        { timeout: 10_000 },
      );
      assert.match(h.norm(await queueText(other)), new RegExp(`${n} sent`));
      // And a leave-page question is not asked: nothing waits in the tab.
      const asks = await other.evaluate(() => {
        const e = new Event('beforeunload', { cancelable: true });
        window.dispatchEvent(e);
        return e.defaultPrevented;
      });
      assert.equal(asks, false);
      await h.screenshot(other.locator('registrant-verification-list'), 'gateway-staff-queue-light');
      h.assertNoProblems(other);
    } finally {
      await page.context().close();
      await other.context().close();
    }
  });

  it('the Node, Python and PHP (WHMCS token endpoint) snippets mint tokens the gateway accepts', async () => {
    const contacts = JSON.stringify([CONTACTS['c-op']]);
    const env = { ...process.env, GATEWAY_TOKEN_SECRET: SECRET };
    const node = execFileSync('node', [join(TOKENS, 'mint-token.mjs'), contacts, 'client-42'], { env }).toString().trim();
    const python = execFileSync('python3', [join(TOKENS, 'mint_token.py'), contacts, 'client-42'], { env }).toString().trim();
    // WHMCS: the endpoint answers only the signed-in client, for their own domain.
    const endpoint = `${whmcs.url}/registrant_verification_token.php`;
    assert.equal((await fetch(`${endpoint}?domainid=77`)).status, 401, 'signed out');
    assert.equal((await fetch(`${endpoint}?domainid=78`, { headers: { cookie: 'uid=42' } })).status, 404, "another client's domain");
    const answer = await fetch(`${endpoint}?domainid=77`, { headers: { cookie: 'uid=42' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const php = (await answer.json()).token;
    for (const [who, token] of [['node', node], ['python', python], ['php', php]]) {
      const id = who === 'php' ? 'domain-77' : 'c-op';
      const res = await fetch(`${gateway.base}/api/openprovider/status?contact=${id}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, `${who}: ${await res.text()}`);
    }
    const forged = node.slice(0, -4) + 'AAAA';
    const res = await fetch(`${gateway.base}/api/openprovider/status?contact=c-op`, { headers: { authorization: `Bearer ${forged}` } });
    assert.equal(res.status, 401);
  });

  it("the WHMCS hook's page, rendered by PHP, loads the widget from the gateway and its token from the endpoint", async () => {
    await sandbox.resetAt(h.T0);
    const page = await h.newPage(browser);
    const urls = [];
    page.on('request', (r) => urls.push(r.url()));
    try {
      // The card is in the page PHP sends (the gateway's /card, a
      // declarative shadow root): the status needs no request of the browser.
      const sent = await (await fetch(whmcs.url + '/', { headers: { cookie: 'uid=42' } })).text();
      assert.match(sent, /<registrant-verification id="domain-77" provider="openprovider"[^>]*><template shadowrootmode="open">/);
      // (Its words follow the gateway's clock, today's; this browser's
      // fake clock is the sandbox's, months earlier: the wasm's are checked below.)
      assert.match(sent, /<li>openprovider-pending-shop\.com<\/li>/);
      assert.match(sent, /<span data-rv-date="date-time" data-t="\d+">2026-03-10 23:30 UTC<\/span>/);
      assert.ok(!/eyJ[\w-]+\.[\w-]+\./.test(sent), 'no token in the page');
      await page.goto(whmcs.url + '/');
      const html = await page.content();
      assert.match(html, /<script type="module" crossorigin="anonymous" src="http:\/\/127\.0\.0\.1:\d+\/widget\/define\.js">/);
      assert.match(html, /token-url="registrant_verification_token\.php\?domainid=77"/);
      await page.waitForFunction(() => document.getElementById('domain-77')?.getAttribute('data-status') === 'pending', null, { timeout: 15_000 });
      const text = await page.evaluate(() => document.getElementById('domain-77').shadowRoot.textContent);
      assert.match(text, /pending@openprovider\.example/);
      assert.ok(urls.some((u) => u.startsWith(`${whmcs.url}/registrant_verification_token.php`)), 'the token came from the endpoint');
      assert.ok(!urls.some((u) => u.includes('/api/openprovider/status')), 'the status came with the page');
      for (const u of urls) assert.ok(!/eyJ[\w-]+\.[\w-]+\./.test(u), `no token in ${u}`);
      await h.screenshot(page.locator('main'), 'gateway-whmcs-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
