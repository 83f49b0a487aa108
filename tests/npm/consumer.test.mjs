// The npm consumer's view: pack widget/pkg, install the tarball into a fresh
// project, and use `evaluate()` from Node like a JS consumer would (no DOM,
// no custom element registry).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PKG = join(ROOT, 'widget', 'pkg');
const FIXTURES = join(ROOT, 'tests', 'fixtures');
const NAME = 'registrant-verification-widget';

const built = existsSync(join(PKG, 'package.json'));
let work;
let project;
let installed;

/** Runs `code` as an ES module inside the consumer project; returns its JSON output. */
function runInProject(code) {
  const file = join(project, `check-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `node ${file} failed:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('npm consumer', { skip: !built && 'widget/pkg is not built (bash widget/build.sh)' }, () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'rv-consumer-'));
    // Pack what is in widget/pkg now (not a possibly stale dist/*.tgz).
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: PKG,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    const [info] = JSON.parse(packed);
    const tarball = join(work, info.filename);
    assert.ok(existsSync(tarball), `npm pack wrote ${tarball}`);
    project = join(work, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--offline', tarball], {
      cwd: project,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    installed = join(project, 'node_modules', NAME);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs with the documented package.json and typings', () => {
    const pj = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    assert.equal(pj.name, NAME);
    assert.equal(pj.type, 'module');
    assert.ok(pj.exports && pj.exports['.'], 'exports["."]');
    assert.ok(pj.types, 'types');
    assert.ok(existsSync(join(installed, pj.types)), `${pj.types} is in the package`);
    const dts = readFileSync(join(installed, pj.types), 'utf8');
    assert.match(dts, /export (declare )?function evaluate\(/, 'the .d.ts declares evaluate');
    assert.match(dts, /initSync/, 'the .d.ts declares initSync');
    assert.deepEqual(pj.dependencies ?? {}, {}, 'no runtime dependencies');
    const files = readdirSync(installed);
    assert.ok(files.some((f) => f.endsWith('.wasm')), `the wasm is packed: ${files}`);
    assert.ok(!files.includes('dist'), 'the tarball does not contain itself');
  });

  it('imports in Node without a DOM, and evaluate() gives the normalized records', () => {
    const page1 = readFileSync(join(FIXTURES, 'namecom', 'unverified-page1.json'), 'utf8');
    const authError = readFileSync(join(FIXTURES, 'openprovider', 'error-auth.json'), 'utf8');
    const out = runInProject(`
      import { readFileSync } from 'node:fs';
      import { fileURLToPath } from 'node:url';
      const mod = await import('${NAME}');
      const wasmUrl = import.meta.resolve('${NAME}/registrant_verification_bg.wasm');
      mod.initSync({ module: readFileSync(fileURLToPath(wasmUrl)) });
      const records = mod.evaluate('namecom', ${JSON.stringify(page1)}, { now: '2026-03-01T12:00:00Z' });
      let thrown = null;
      try {
        mod.evaluate('openprovider', ${JSON.stringify(authError)});
      } catch (e) {
        thrown = { isError: e instanceof Error, message: String(e.message), kind: e.kind ?? null, status: e.status ?? null };
      }
      // A parsed object works as well as the body text.
      const fromObject = mod.evaluate('namecom', JSON.parse(${JSON.stringify(page1)}), { now: new Date('2026-03-01T12:00:00Z') });
      let badProvider = null;
      try { mod.evaluate('nosuchregistrar', '{}', {}); } catch (e) { badProvider = String(e.message); }
      console.log(JSON.stringify({
        exports: Object.keys(mod).sort(),
        hasCustomElements: typeof globalThis.customElements !== 'undefined',
        records, thrown, fromObject, badProvider,
      }));
    `);
    assert.equal(out.hasCustomElements, false, 'Node has no custom element registry');
    for (const name of ['evaluate', 'initSync', 'defineElement']) {
      assert.ok(out.exports.includes(name), `exports ${name}: ${out.exports}`);
    }

    const recs = out.records;
    assert.ok(Array.isArray(recs), 'evaluate returns an array');
    assert.equal(recs.length, 2);
    const jane = recs.find((r) => r.email === 'jane@example.com');
    const soon = recs.find((r) => r.email === 'soon@example.com');
    assert.ok(jane && soon, JSON.stringify(recs));
    assert.equal(jane.provider, 'namecom');
    assert.equal(jane.status, 'pending');
    assert.equal(jane.verificationId, '98752463');
    assert.deepEqual(jane.domains, ['janedoe.com', 'janedoe.net']);
    assert.equal(Date.parse(jane.deadline), Date.parse('2026-03-07T12:00:00Z'));
    assert.equal(jane.deadlineKind, 'suspension', 'name.com verifyBy is the suspension date');
    assert.equal(jane.secondsLeft, 6 * 86400);
    assert.equal(jane.daysLeft, 6);
    assert.equal(jane.urgency, 'warning');
    assert.equal(jane.suspended, false);
    assert.equal(jane.failureReason, null);
    assert.equal(typeof jane.resend, 'object');
    assert.equal(jane.resend.allowed, true);
    assert.ok('nextEligibleAt' in jane.resend && 'reason' in jane.resend, 'resend has the contract fields');
    for (const field of ['handle', 'lastNotificationAt', 'recheckAt']) {
      assert.ok(field in jane, `${field} is present (null allowed)`);
    }
    assert.equal(soon.status, 'pending');
    assert.equal(soon.urgency, 'critical');
    assert.equal(soon.daysLeft, 1);
    assert.equal(soon.secondsLeft, 3 * 3600 + 35 * 60 + 6);
    assert.deepEqual(out.fromObject, recs, 'a parsed payload gives the same records');

    assert.ok(out.thrown, 'evaluate threw on a registrar error envelope');
    assert.equal(out.thrown.isError, true, 'it throws an Error');
    assert.match(out.thrown.message, /Authentication\/Authorization Failed/);
    assert.ok(out.badProvider && /nosuchregistrar|provider/i.test(out.badProvider), `unknown provider: ${out.badProvider}`);
  });

  it('importing the element module does not define anything in Node', () => {
    const out = runInProject(`
      const mod = await import('${NAME}');
      let defineError = null;
      try { mod.defineElement(); } catch (e) { defineError = String(e.message); }
      console.log(JSON.stringify({ attributes: [...mod.ATTRIBUTES], defineError }));
    `);
    assert.deepEqual(out.attributes, [
      'provider', 'status-url', 'resend-url', 'events-url', 'locale', 'strings', 'edit-contact-url', 'cooldown', 'refresh', 'changed-at', 'theme', 'token-url', 'domains',
    ]);
    assert.match(out.defineError ?? '', /customElements/, 'defineElement explains it needs customElements');
  });

  it('ships the staff list as its own entry and wasm, apart from the registrant widget', () => {
    const out = runInProject(`
      import { readFileSync } from 'node:fs';
      import { fileURLToPath } from 'node:url';
      const main = await import('${NAME}');
      const list = await import('${NAME}/list');
      const wasm = (f) => readFileSync(fileURLToPath(import.meta.resolve('${NAME}/' + f)));
      list.initSync({ module: wasm('registrant_verification_list_bg.wasm') });
      let defineError = null;
      try { list.defineListElement(); } catch (e) { defineError = String(e.message); }
      console.log(JSON.stringify({
        mainHasList: 'defineListElement' in main,
        listAttributes: [...list.LIST_ATTRIBUTES],
        defineError,
        widgetWasm: wasm('registrant_verification_bg.wasm').length,
        listWasm: wasm('registrant_verification_list_bg.wasm').length,
      }));
    `);
    assert.equal(out.mainHasList, false, 'the main entry does not pull in the list');
    assert.ok(out.listAttributes.includes('list-url'));
    assert.match(out.defineError ?? '', /customElements/);
    assert.ok(out.widgetWasm > 0 && out.listWasm > 0);
  });
});
