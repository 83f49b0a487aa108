// Renders the widget in every state a registrant can see, in light and
// dark, and saves PNGs to tests/output/screenshots/. Run after
// widget/build.sh:  node widget/tests/screenshot.mjs
// Serves widget/pkg and canned registrar answers from one local server.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const pkg = path.join(root, 'widget', 'pkg');
const out = path.join(root, 'tests', 'output', 'screenshots');
const require = createRequire(path.join(root, 'tools', 'package.json'));
const { chromium } = require('playwright-core');

const iso = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z');
const H = 3600e3;
const D = 24 * H;
const op = (rows) => JSON.stringify({ code: 0, desc: '', data: { results: rows, total: rows.length } });
const opTime = (ms) => iso(ms).replace('T', ' ').replace('Z', '');

// Canned answers, computed against the current time so deadlines are live.
const answers = {
  'namecom-pending': () => [200, { unverifiedContacts: [{ verificationId: 98752463, verifyBy: iso(11 * D + 3 * H), email: 'jane@example.com', domains: ['janedoe.com', 'janedoe.net', 'jane-photography.studio'] }] }],
  'namecom-due': () => [200, { unverifiedContacts: [{ verificationId: 98752464, verifyBy: iso(30 * H), email: 'soon@example.com', domains: ['soon.io'] }] }],
  'namecom-overdue': () => [200, { unverifiedContacts: [{ verificationId: 98752465, verifyBy: iso(-2 * D), email: 'late@example.com', domains: ['late-bakery.com', 'late-bakery.de'] }] }],
  'namecom-unknown': () => [200, { unverifiedContacts: [] }],
  'op-bounced': () => [200, op([{ description: 'bounced', domain: 'typo.org', email: 'typo@exmaple.com', expiration_date: opTime(9 * D), handle: 'TY000002-XX', is_suspended: false, status: 'failed' }])],
  'op-verified': () => [200, op([{ description: '-', domain: 'fine.com', email: 'fine@example.com', expiration_date: '0000-00-00 00:00:00', handle: 'FI000004-XX', is_suspended: false, status: 'verified' }])],
  'op-notstarted': () => [200, op([{ domain: 'fresh.com', email: 'fresh@example.com', handle: 'FR000005-XX', status: 'not verified', expiration_date: opTime(14 * D + 20 * H) }])],
  'dna-expired': () => [200, { VerificationStatus: 'Expired', ExpirationDate: iso(-3 * D).replace('Z', ''), LastNotificationDate: iso(-18 * D).replace('Z', ''), ContactEmail: 'lapsed@example.com', ExternalId: 'DNA-113' }],
  'bad-gateway': () => [502, '<html><body><h1>502 Bad Gateway</h1></body></html>'],
};
const resends = {
  'namecom-pending': () => [200, { sent: true, verificationId: 98752463, nextEligibleAt: iso(15 * 60e3) }],
  'namecom-due': () => [429, { message: 'Resend throttled', details: `Next eligible at: ${iso(9 * 60e3)}` }],
};

const widgets = [
  ['namecom', 'namecom-pending', 'Pending, then resent'],
  ['namecom', 'namecom-due', 'Due soon, then throttled'],
  ['namecom', 'namecom-overdue', 'Overdue'],
  ['openprovider', 'op-notstarted', 'Not started'],
  ['openprovider', 'op-bounced', 'Bounced'],
  ['openprovider', 'op-verified', 'Verified'],
  ['dna', 'dna-expired', 'Expired'],
  ['namecom', 'namecom-unknown', 'Unknown (changed 3 minutes ago)'],
  ['dna', 'bad-gateway', 'Server error'],
];

const page = () => `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>widget states</title>
<style>
  body { margin: 0; padding: 24px; font: 14px system-ui, sans-serif; background: #f3f4f6; color: #1f2328; }
  @media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; } }
  main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 28px 24px; max-width: 1240px; }
  h2 { font-size: 12px; font-weight: 600; margin: 0 0 8px; opacity: .7; text-transform: uppercase; letter-spacing: .05em; }
  /* Host-page CSS that must not leak into the widget. */
  button { background: hotpink !important; } p { color: green; } * { font-family: Comic Sans MS; }
</style>
<script type="module" src="/widget/define.js"></script></head>
<body><main>
${widgets.map(([provider, id, title]) => `<section><h2>${title}</h2>
<registrant-verification id="${id}" provider="${provider}" status-url="/api/status/${id}"
  resend-url="/api/resend/${id}" edit-contact-url="/account/contact" cooldown="900"
  ${id === 'namecom-unknown' ? `changed-at="${iso(-3 * 60e3)}"` : ''}></registrant-verification></section>`).join('\n')}
</main></body></html>`;

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const send = (status, body, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };
  if (url.pathname === '/') return send(200, page(), 'text/html');
  if (url.pathname.startsWith('/widget/')) {
    const file = path.join(pkg, path.normalize(url.pathname.slice('/widget/'.length)));
    if (!file.startsWith(pkg) || !fs.existsSync(file)) return send(404, 'not found', 'text/plain');
    return send(200, fs.readFileSync(file), types[path.extname(file)] ?? 'application/octet-stream');
  }
  const [, api, kind, id] = url.pathname.split('/');
  const table = kind === 'status' ? answers : resends;
  if (api === 'api' && table[id]) {
    const [status, body] = table[id]();
    return send(status, body, typeof body === 'string' ? 'text/html' : 'application/json');
  }
  send(404, { message: 'Not Found' });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

fs.mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failures = 0;
try {
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Amsterdam', locale: 'en-GB' });
    const tab = await context.newPage();
    tab.on('pageerror', (e) => { failures++; console.error('page error:', e.message); });
    tab.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
    await tab.goto(base);
    await tab.waitForFunction(() =>
      [...document.querySelectorAll('registrant-verification')].every((el) => el.dataset.status && el.dataset.status !== 'loading'));
    for (const id of ['namecom-pending', 'namecom-due']) {
      await tab.locator(`#${id}`).getByRole('button').click();
    }
    await tab.waitForFunction(() => document.querySelector('#namecom-due').shadowRoot.textContent.includes('allows another'));
    await tab.waitForFunction(() => document.querySelector('#namecom-pending').shadowRoot.textContent.includes('You can send another'));
    await tab.screenshot({ path: path.join(out, `states-${colorScheme}.png`), fullPage: true });
    for (const [, id] of widgets) {
      await tab.locator(`#${id}`).screenshot({ path: path.join(out, `${id}-${colorScheme}.png`) });
    }
    const statuses = await tab.$$eval('registrant-verification', (els) => els.map((e) => `${e.id}=${e.dataset.status}/${e.dataset.urgency ?? '-'}`));
    console.log(colorScheme, statuses.join(' '));
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`screenshots in ${path.relative(process.cwd(), out)}`);
process.exit(failures ? 1 : 0);
