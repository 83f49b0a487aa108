// Conformance: the gateway's registrar traffic against the registrars'
// published contracts. Stoplight Prism (`prism proxy`, pinned in
// tools/package.json) stands between `serve` and the sandbox with
// www/contracts/namecom.yaml and openprovider.yaml, and flags every request
// the gateway sends and every answer the sandbox gives that does not fit.
// The gateway runs its real work through it: name.com's list scans, status
// reads, resends (name.com; Openprovider's start and restart), the staff
// list. Any violation fails the test; a request made wrong on purpose shows
// the proxy does flag one.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as h from './harness.mjs';
import { mintToken } from '../../www/examples/tokens/mint-token.mjs';

const PRISM = join(h.ROOT, 'tools', 'node_modules', '.bin', 'prism');
const SECRET = 'e2e-conformance-secret-of-at-least-32-bytes';
const CREDENTIALS = {
  namecom: ['acme-reseller-test', 'sandbox-namecom-token-4c1e'],
  openprovider: ['acme-reseller', 'sandbox-openprovider-password-5e8a'],
  dna: ['acme-reseller', 'sandbox-dna-secret-7f3a'],
};
const CONTACTS = [
  { id: 'op-new', provider: 'openprovider', email: 'not-started@openprovider.example', handle: 'XX100001-XX', domains: ['openprovider-not-started-shop.com'] },
  { id: 'op', provider: 'openprovider', email: 'pending@openprovider.example', handle: 'XX100002-XX', domains: ['openprovider-pending-shop.com'] },
  { id: 'nc', provider: 'namecom', email: 'pending@namecom.example', domains: ['namecom-pending-shop.com'] },
];

let sandbox;
let dir;
const children = [];

/** Starts a child and resolves once its output matches `ready`. */
function start(cmd, args, ready, env = {}) {
  const child = spawn(cmd, args, { cwd: h.ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start:\n${out}`)), 60_000);
    const poll = setInterval(() => {
      if (ready.test(out)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve({ child, out: () => out });
      }
    }, 50);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`${cmd} exited (${code}):\n${out}`));
    });
  });
}

/** `prism proxy SPEC UPSTREAM` on a free port: its URL and its log. */
async function prism(spec, upstream) {
  const port = await h.freePort();
  const p = await start(PRISM, ['proxy', spec, upstream, '--errors', 'false', '-p', String(port), '-h', '127.0.0.1'], /Prism is listening/);
  p.child.removeAllListeners('exit');
  return { url: `http://127.0.0.1:${port}`, log: p.out };
}

const violations = (log) => log.split('\n').filter((l) => /Violation/.test(l));

describe('the gateway against the registrars published contracts (Prism)', () => {
  let nc;
  let op;
  let gateway;

  before(async () => {
    sandbox = await h.startServer();
    await sandbox.resetAt(new Date().toISOString());
    dir = mkdtempSync(join(tmpdir(), 'conformance-'));
    // Prism matches `/verify/{id}:resend` to `/verify/{id}` when both are
    // declared (its path templates take the colon into the parameter): the
    // proxy's copy leaves Verify Contact out. This test makes no Verify
    // Contact call (own verification is off).
    const full = readFileSync(join(h.ROOT, 'www', 'contracts', 'namecom.yaml'), 'utf8');
    const cut = full.indexOf('  /core/v1/contacts/verify/{verificationId}:\n');
    const end = full.indexOf('components:');
    assert.ok(cut > 0 && end > cut, 'the Verify Contact path is where this test expects it');
    writeFileSync(join(dir, 'namecom.yaml'), full.slice(0, cut) + full.slice(end));
    [nc, op] = await Promise.all([
      prism(join(dir, 'namecom.yaml'), `${sandbox.url}/sandbox/namecom`),
      prism(join(h.ROOT, 'www', 'contracts', 'openprovider.yaml'), `${sandbox.url}/sandbox/openprovider`),
    ]);
    const port = await h.freePort();
    const base = `http://127.0.0.1:${port}`;
    const [nu, nt] = CREDENTIALS.namecom;
    const [ou, opw] = CREDENTIALS.openprovider;
    const [du, dp] = CREDENTIALS.dna;
    writeFileSync(join(dir, 'gateway.toml'), `
listen = "127.0.0.1:${port}"
allowed_origins = ["https://panel.example"]
database = "sqlite://${join(dir, 'gateway.db')}"

[tokens]
audience = "registrant-verification"
hs256_secret = "env:GATEWAY_TOKEN_SECRET"

[namecom]
base_url = "${nc.url}"
username = "${nu}"
token = "${nt}"
webhook_url = "${base}/webhooks/namecom"
scan_interval_seconds = 60

[openprovider]
base_url = "${op.url}"
username = "${ou}"
password = "${opw}"

[dna]
base_url = "${sandbox.url}/sandbox/dna"
username = "${du}"
password = "${dp}"
`);
    const g = await start(h.SERVER_BIN, ['serve', '--config', join(dir, 'gateway.toml')], /Gateway listening on/, { GATEWAY_TOKEN_SECRET: SECRET, RUST_LOG: 'warn' });
    gateway = { base, out: g.out };
    for (let i = 0; i < 200; i++) {
      const r = await fetch(`${base}/readyz`);
      if (r.status === 200) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await sandbox?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every request the gateway sends and every answer it reads fits the description', async () => {
    const token = mintToken({ secret: SECRET, sub: 'client-42', contacts: CONTACTS });
    const staff = mintToken({ secret: SECRET, sub: 'agent-7', role: 'staff' });
    const api = async (path, { method = 'GET', body, as = token } = {}) => {
      const res = await fetch(`${gateway.base}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${as}`, origin: 'https://panel.example', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: await res.text() };
    };
    for (const c of ['op', 'op-new', 'nc']) {
      const r = await api(`/${CONTACTS.find((x) => x.id === c).provider}/status?contact=${c}`);
      assert.equal(r.status, 200, `${c}: ${r.body}`);
    }
    const restart = await api('/openprovider/resend?contact=op', { method: 'POST', body: { operation: 'restart' } });
    assert.equal(restart.status, 200, restart.body);
    const startOp = await api('/openprovider/resend?contact=op-new', { method: 'POST', body: { operation: 'start' } });
    assert.equal(startOp.status, 200, startOp.body);
    const resend = await api('/namecom/resend?contact=nc', { method: 'POST', body: { operation: 'resend' } });
    assert.equal(resend.status, 200, resend.body);
    const list = await api('/openprovider/list?limit=20&offset=0&status=in%20progress', { as: staff });
    assert.equal(list.status, 200, list.body);

    // What went through each proxy.
    const ncLog = nc.log();
    const opLog = op.log();
    assert.match(ncLog, /Forwarding "get" request to .*\/core\/v1\/contacts\/unverified/);
    assert.match(ncLog, /Forwarding "post" request to .*\/core\/v1\/contacts\/verify\/\d+:resend/);
    assert.match(opLog, /Forwarding "post" request to .*\/v1beta\/auth\/login/);
    assert.match(opLog, /Forwarding "get" request to .*\/emails\/domains/);
    assert.match(opLog, /Forwarding "post" request to .*\/emails\/start/);
    assert.match(opLog, /Forwarding "post" request to .*\/emails\/restart/);
    assert.deepEqual(violations(ncLog), [], `name.com:\n${ncLog}`);
    assert.deepEqual(violations(opLog), [], `Openprovider:\n${opLog}`);

    // The proxy does flag what does not fit: a page size over 1000, a
    // login without a password.
    await fetch(`${nc.url}/core/v1/contacts/unverified?perPage=5000`, { headers: { authorization: 'Basic ' + Buffer.from(CREDENTIALS.namecom.join(':')).toString('base64') } });
    await fetch(`${op.url}/v1beta/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x', ip: null }) });
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(violations(nc.log()).some((l) => /perpage/i.test(l)), nc.log());
    assert.ok(violations(op.log()).some((l) => /password|ip/.test(l)), op.log());
  });
});
