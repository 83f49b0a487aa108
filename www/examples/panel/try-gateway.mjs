// `make gateway-demo`: the gateway as a reseller runs it, on this machine,
// in one command. Starts
//   - the demo's registrar sandbox    http://127.0.0.1:$DEMO_PORT    (8080)
//   - the gateway (`serve`)           http://127.0.0.1:$GATEWAY_PORT (8443)
//     with www/examples/gateway-sandbox.toml and a secret made now
//   - a reseller panel                http://127.0.0.1:$PANEL_PORT   (3000)
//     on its own origin: a registrant's page whose widget loads from the
//     gateway, and the panel's own token endpoint (/verification-token)
// and stops all three on Ctrl-C. Needs `make package` and the built binary
// (the make target does both).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { mintToken } from '../tokens/mint-token.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = process.env.VERIFICATION_WWW ?? join(ROOT, 'target', 'debug', 'verification-www');
const DEMO_PORT = Number(process.env.DEMO_PORT ?? 8080);
const GATEWAY_PORT = Number(process.env.GATEWAY_PORT ?? 8443);
const PANEL_PORT = Number(process.env.PANEL_PORT ?? 3000);
const demo = `http://127.0.0.1:${DEMO_PORT}`;
const gateway = `http://127.0.0.1:${GATEWAY_PORT}`;
const panel = `http://127.0.0.1:${PANEL_PORT}`;
// Made for this run: the panel signs with it, the gateway checks with it.
const secret = randomBytes(32).toString('hex');

// The example configuration, with this run's ports and absolute paths.
const config = readFileSync(join(ROOT, 'www', 'examples', 'gateway-sandbox.toml'), 'utf8')
  .replaceAll('http://127.0.0.1:8080', demo)
  .replaceAll('127.0.0.1:8443', `127.0.0.1:${GATEWAY_PORT}`)
  .replace(/^allowed_origins = .*$/m, `allowed_origins = ["${panel}"]`)
  .replace(/^database = .*$/m, `database = "sqlite://${join(ROOT, 'target', `gateway-demo-${GATEWAY_PORT}.db`)}"`)
  .replace(/^widget_dir = .*$/m, `widget_dir = "${join(ROOT, 'widget', 'pkg')}"`);
mkdirSync(join(ROOT, 'target'), { recursive: true });
const configFile = join(ROOT, 'target', `gateway-demo-${GATEWAY_PORT}.toml`);
writeFileSync(configFile, config);

const children = [];
function start(name, args, env, ready) {
  const child = spawn(BIN, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (ready.test(out)) res();
    });
    child.on('exit', (code) => rej(new Error(`${name} exited (${code}): ${out}`)));
  });
}

function stop() {
  for (const c of children) c.kill('SIGTERM');
}
process.on('SIGINT', () => { stop(); process.exit(0); });
process.on('SIGTERM', () => { stop(); process.exit(0); });

// The logged-in registrant of this panel, and their domain's contact.
const CONTACTS = [{ id: 'c-78', provider: 'openprovider', email: 'pending@openprovider.example', handle: 'XX100002-XX', domains: ['openprovider-pending-shop.com'] }];

const page = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Acme Domains: your domains</title>
<link rel="icon" href="data:,">
<link rel="preload" href="/verification-token" as="fetch" crossorigin>
<link rel="preload" href="${gateway}/widget/registrant_verification_bg.wasm" as="fetch" crossorigin>
<script type="module" crossorigin="anonymous" src="${gateway}/widget/define.js"></script>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:Canvas;color:CanvasText}main{max-width:44rem;margin:2rem auto;padding:0 1rem}</style>
</head><body><main><h1>openprovider-pending-shop.com</h1>
<p>This page is the reseller's panel (${panel}); the widget's files and the API come from the gateway (${gateway}).</p>
<registrant-verification provider="openprovider"
  status-url="${gateway}/api/openprovider/status?contact=c-78"
  resend-url="${gateway}/api/openprovider/resend?contact=c-78"
  token-url="/verification-token"></registrant-verification>
</main></body></html>`;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, panel);
  if (url.pathname === '/verification-token') {
    // A real panel checks its session cookie here.
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ token: mintToken({ secret, sub: 'client-42', contacts: CONTACTS }) }));
    return;
  }
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
    return;
  }
  res.writeHead(404).end();
});

try {
  await start('demo', ['demo', '--port', String(DEMO_PORT), '--widget-dir', join(ROOT, 'widget', 'pkg')], {}, /Demo running at/);
  await start('gateway', ['serve', '--config', configFile], { GATEWAY_TOKEN_SECRET: secret, RUST_LOG: process.env.RUST_LOG ?? 'warn' }, /Gateway listening on/);
  await new Promise((r) => server.listen(PANEL_PORT, '127.0.0.1', r));
} catch (e) {
  console.error(`error: ${e.message}`);
  stop();
  process.exit(1);
}
console.log(`Registrar sandbox: ${demo}/`);
console.log(`Gateway:           ${gateway}/readyz`);
console.log(`Panel:             ${panel}/   <- open this: a registrant's status, through the gateway`);
console.log('Ctrl-C stops all three.');
