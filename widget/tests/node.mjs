// The npm package in Node 20: `evaluate` without a DOM.
// Run after widget/build.sh:  node --test widget/tests/node.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = process.env.WIDGET_PKG ?? path.join(here, '..', 'pkg');
const fixtures = path.join(here, '..', '..', 'tests', 'fixtures');
const fixture = (p) => fs.readFileSync(path.join(fixtures, p), 'utf8');

const { initSync, evaluate, defineElement, ATTRIBUTES } = await import(path.join(pkg, 'index.js'));
initSync({ module: fs.readFileSync(path.join(pkg, 'registrant_verification_bg.wasm')) });

test('a name.com page becomes pending records with deadlines', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const records = evaluate('namecom', fixture('namecom/unverified-page1.json'), { now });
  assert.equal(records.length, 2);
  const [jane, soon] = records;
  assert.equal(Object.getPrototypeOf(jane), Object.prototype, 'a plain object, not a Map');
  assert.deepEqual(jane, {
    provider: 'namecom',
    email: 'jane@example.com',
    handle: null,
    verificationId: '98752463',
    domains: ['janedoe.com', 'janedoe.net'],
    status: 'pending',
    failureReason: null,
    suspended: false,
    deadline: '2026-03-07T12:00:00Z',
    deadlineKind: 'suspension',
    secondsLeft: 6 * 86400,
    daysLeft: 6,
    urgency: 'warning',
    lastNotificationAt: null,
    resend: { allowed: true, nextEligibleAt: null, reason: null },
    recheckAt: null,
  });
  assert.equal(soon.urgency, 'critical');
  assert.equal(soon.secondsLeft, 3 * 3600 + 35 * 60 + 6);
});

test("Domain Name API's date is the link's validity, never a suspension date", () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const [r] = evaluate('dna', fixture('dna/get-details-pending.json'), { now });
  assert.equal(r.deadline, '2026-03-04T12:00:00Z');
  assert.equal(r.deadlineKind, 'linkExpiry');
  const [done] = evaluate('dna', fixture('dna/get-details-validated.json'), { now });
  assert.equal(done.deadlineKind, null);
});

test('a body with nothing readable throws, never an empty list', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  assert.throws(
    () => evaluate('namecom', fixture('namecom/not-contacts.json'), { now }),
    (e) => e.kind === 'unexpectedShape' && /none readable/.test(e.message),
  );
});

test('payload objects, epoch and string times are accepted', () => {
  const body = JSON.parse(fixture('namecom/unverified-page1.json'));
  const a = evaluate('namecom', body, { now: Date.parse('2026-03-01T12:00:00Z') });
  const b = evaluate('name.com', JSON.stringify(body), { now: '2026-03-01T12:00:00Z' });
  assert.deepEqual(a, b);
});

test('an Openprovider error envelope throws the registrar message', () => {
  assert.throws(
    () => evaluate('openprovider', fixture('openprovider/error-auth.json'), { now: new Date() }),
    (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.kind, 'registrar');
      assert.match(e.message, /Authentication\/Authorization Failed/);
      assert.match(e.message, /code 196/);
      return true;
    },
  );
});

test('bad input throws typed errors', () => {
  assert.throws(() => evaluate('godaddy', '{}'), { kind: 'provider' });
  assert.throws(() => evaluate('dna', '<html>', { now: new Date() }), { kind: 'invalidJson' });
  assert.throws(() => evaluate('dna', '{}', { now: 'not a date' }), { kind: 'invalidOption' });
});

test('importing the element module in Node does not touch the DOM', () => {
  assert.equal(typeof defineElement, 'function');
  assert.ok(ATTRIBUTES.includes('status-url'));
  assert.throws(() => defineElement(), /customElements is not available/);
});

// One reading of each registrar's JSON, natively and in the wasm (issue
// 15's proof, kept for any reader that replaces serde): every fixture, and
// the inputs the fuzzer found, through the package's `evaluate()` and
// through the native `evaluate` example; the records must be the same
// bytes, and an error the same message.
test('every fixture and fuzz finding reads the same in the wasm and natively', async () => {
  const { spawnSync } = await import('node:child_process');
  const root = path.join(here, '..', '..');
  const target = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target');
  const bin = path.join(target, 'debug', 'examples', 'evaluate');
  assert.ok(fs.existsSync(bin), `${bin} is missing: cargo build -p verification-core --example evaluate`);
  const inputs = [];
  for (const provider of ['dna', 'namecom', 'openprovider']) {
    for (const f of fs.readdirSync(path.join(fixtures, provider)).sort()) {
      inputs.push({ provider, name: `${provider}/${f}`, body: fixture(`${provider}/${f}`) });
    }
  }
  const found = path.join(root, 'fuzz', 'artifacts-found');
  for (const f of fs.readdirSync(found).sort()) {
    const m = f.match(/^evaluate-(dna|namecom|openprovider)-/);
    if (m) inputs.push({ provider: m[1], name: `fuzz/${f}`, body: fs.readFileSync(path.join(found, f), 'utf8') });
  }
  const now = '2026-03-01T12:00:00Z';
  let records = 0;
  let errors = 0;
  for (const i of inputs) {
    const native = spawnSync(bin, ['--provider', i.provider, '--now', now], { input: i.body, encoding: 'utf8' });
    let wasm;
    try {
      wasm = { ok: JSON.stringify(evaluate(i.provider, i.body, { now: new Date(now) })) };
    } catch (e) {
      wasm = { err: e.message };
    }
    if (native.status === 0) {
      assert.equal(wasm.err, undefined, `${i.name}: the wasm failed where the native read it: ${wasm.err}`);
      assert.equal(wasm.ok, JSON.stringify(JSON.parse(native.stdout)), `${i.name}: the same records`);
      records += 1;
    } else {
      assert.equal(native.status, 1, `${i.name}: ${native.stderr}`);
      assert.equal(wasm.ok, undefined, `${i.name}: the wasm read what the native refused`);
      assert.equal(`error: ${wasm.err}`, native.stderr.trim().split('\n').at(-1), `${i.name}: the same error`);
      errors += 1;
    }
  }
  assert.ok(records >= 20 && errors >= 10, `${records} read, ${errors} refused, of ${inputs.length}`);
});
