// Renders the widget in every state a registrant can see, in light and
// dark, and saves PNGs to tests/output/screenshots/ (one per state and
// theme, and states-{light,dark}.png with all of them). Run after
// widget/build.sh:  node widget/tests/screenshot.mjs
// With --docs it also writes states-{light,dark}.png to docs/screenshots/
// (the README's pictures):  node widget/tests/screenshot.mjs --docs
// Serves widget/pkg and canned registrar answers from one local server; a
// status or resend answer of `null` never comes (loading, resending).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const pkg = path.join(root, 'widget', 'pkg');
const out = path.join(root, 'tests', 'output', 'screenshots');
const docs = process.argv.includes('--docs') ? path.join(root, 'docs', 'screenshots') : null;
const require = createRequire(path.join(root, 'tools', 'package.json'));
const { chromium } = require('playwright-core');

const iso = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z');
const H = 3600e3;
const D = 24 * H;
const op = (rows) => JSON.stringify({ code: 0, desc: '', data: { results: rows, total: rows.length } });
const opTime = (ms) => iso(ms).replace('T', ' ').replace('Z', '');

// Canned answers, computed against the current time so deadlines are live.
const dnaTime = (ms) => iso(ms).replace('Z', '');
const dna = (status, expires, notified, email, id) => ({
  VerificationStatus: status, ExpirationDate: dnaTime(expires),
  LastNotificationDate: notified === null ? '' : dnaTime(notified), ContactEmail: email, ExternalId: id,
});
const namecom = (id, verifyBy, email, domains) => [200, { unverifiedContacts: [{ verificationId: id, verifyBy, email, domains }] }];
const answers = {
  loading: () => null,
  'namecom-pending': () => namecom(98752460, iso(11 * D + 3 * H), 'jane@example.com', ['janedoe.com', 'janedoe.net', 'jane-photography.studio']),
  'namecom-warning': () => namecom(98752461, iso(5 * D + 6 * H), 'week@example.com', ['week-left.com']),
  'namecom-due': () => namecom(98752462, iso(30 * H), 'soon@example.com', ['soon.io']),
  'namecom-resending': () => namecom(98752463, iso(11 * D + 3 * H), 'jane@example.com', ['janedoe.com']),
  'namecom-sent': () => namecom(98752464, iso(11 * D + 3 * H), 'jane@example.com', ['janedoe.com', 'janedoe.net']),
  'namecom-throttled': () => namecom(98752466, iso(30 * H), 'soon@example.com', ['soon.io']),
  'namecom-overdue': () => [200, { unverifiedContacts: [{ verificationId: 98752465, verifyBy: iso(-2 * D), email: 'late@example.com', domains: ['late-bakery.com', 'late-bakery.de'] }] }],
  'namecom-unknown': () => [200, { unverifiedContacts: [] }],
  'op-bounced': () => [200, op([{ description: 'bounced', domain: 'typo.org', email: 'typo@exmaple.com', expiration_date: opTime(9 * D), handle: 'TY000002-XX', is_suspended: false, status: 'failed' }])],
  'op-verified': () => [200, op([{ description: '-', domain: 'fine.com', email: 'fine@example.com', expiration_date: '0000-00-00 00:00:00', handle: 'FI000004-XX', is_suspended: false, status: 'verified' }])],
  'op-notstarted': () => [200, op([{ domain: 'fresh.com', email: 'fresh@example.com', handle: 'FR000005-XX', status: 'not verified', expiration_date: opTime(14 * D + 20 * H) }])],
  'dna-expired': () => [200, { VerificationStatus: 'Expired', ExpirationDate: iso(-3 * D).replace('Z', ''), LastNotificationDate: iso(-18 * D).replace('Z', ''), ContactEmail: 'lapsed@example.com', ExternalId: 'DNA-113' }],
  // Domain Name API: its date is the 60-day link's validity, never a
  // suspension date (record `deadlineKind: "linkExpiry"`).
  'dna-notstarted': () => [200, dna('NotValidated', 55 * D, null, 'new@example.com.tr', 'DNA-120')],
  'dna-pending': () => [200, dna('Pending', 50 * D + 4 * H, -10 * D, 'ayse@example.com.tr', 'DNA-111')],
  'dna-due': () => [200, dna('Pending', 30 * H, -58 * D, 'mehmet@example.com.tr', 'DNA-112')],
  'dna-overdue': () => [200, dna('Pending', -2 * D, -62 * D, 'late@example.com.tr', 'DNA-114')],
  'dna-verified': () => [200, dna('Validated', 40 * D, -20 * D, 'done@example.com.tr', 'DNA-115')],
  'bad-gateway': () => [502, '<html><body><h1>502 Bad Gateway</h1></body></html>'],
};
const resends = {
  'namecom-resending': () => null,
  'namecom-sent': () => [200, { sent: true, verificationId: 98752464, nextEligibleAt: iso(15 * 60e3) }],
  'namecom-throttled': () => [429, { message: 'Resend throttled', details: `Next eligible at: ${iso(9 * 60e3)}` }],
};

// [provider, id, caption]: every state, in the order of the README.
const widgets = [
  ['namecom', 'loading', 'Loading'],
  ['openprovider', 'op-notstarted', 'Not started'],
  ['namecom', 'namecom-pending', 'Pending (info)'],
  ['namecom', 'namecom-warning', 'Pending, 7 days or less (warning)'],
  ['namecom', 'namecom-due', 'Pending, under 48 hours (critical)'],
  ['namecom', 'namecom-overdue', 'Overdue: suspended'],
  ['openprovider', 'op-verified', 'Verified'],
  ['dna', 'dna-expired', 'Expired'],
  ['openprovider', 'op-bounced', 'Bounced'],
  ['namecom', 'namecom-unknown', 'Checking (contact changed 3 minutes ago)'],
  ['dna', 'bad-gateway', 'Error, with Retry'],
  ['namecom', 'namecom-resending', 'Resending'],
  ['namecom', 'namecom-sent', 'Sent, with the cooldown'],
  ['namecom', 'namecom-throttled', 'Throttled by the registrar'],
  ['dna', 'dna-notstarted', 'Domain Name API: not started (the link\'s validity)'],
  ['dna', 'dna-pending', 'Domain Name API: pending'],
  ['dna', 'dna-due', 'Domain Name API: link expires within 48 hours'],
  ['dna', 'dna-overdue', 'Domain Name API: link expired, suspended'],
  ['dna', 'dna-verified', 'Domain Name API: verified'],
];
// Pressed before the pictures are taken.
const pressed = ['namecom-resending', 'namecom-sent', 'namecom-throttled'];

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
    const answer = table[id]();
    if (answer === null) return; // never answered (closed with the server)
    const [status, body] = answer;
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
      [...document.querySelectorAll('registrant-verification:not(#loading)')].every((el) => el.dataset.status && el.dataset.status !== 'loading'));
    for (const id of pressed) {
      await tab.locator(`#${id}`).getByRole('button').click();
    }
    const shows = (id, text) => tab.waitForFunction(([id, text]) => document.querySelector(`#${id}`).shadowRoot.textContent.includes(text), [id, text]);
    await shows('namecom-throttled', 'allows another');
    await shows('namecom-sent', 'You can send another');
    await shows('namecom-resending', 'Sending');
    await tab.screenshot({ path: path.join(out, `states-${colorScheme}.png`), fullPage: true });
    if (docs) {
      fs.mkdirSync(docs, { recursive: true });
      fs.copyFileSync(path.join(out, `states-${colorScheme}.png`), path.join(docs, `states-${colorScheme}.png`));
    }
    for (const [, id] of widgets) {
      await tab.locator(`#${id}`).screenshot({ path: path.join(out, `${id}-${colorScheme}.png`) });
    }
    const statuses = await tab.$$eval('registrant-verification', (els) => els.map((e) => `${e.id}=${e.dataset.status}/${e.dataset.urgency ?? '-'}`));
    console.log(colorScheme, statuses.join(' '));
    await context.close();
  }
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
}
console.log(`screenshots in ${path.relative(process.cwd(), out)}`);
process.exit(failures ? 1 : 0);
