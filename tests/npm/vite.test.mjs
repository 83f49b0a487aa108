// The npm consumer with a bundler: a fresh Vite 7 + TypeScript app
// (tests/npm/vite-app/, no Vite configuration) installs the packed tarball,
// type-checks against the package's index.d.ts, builds with `vite build`,
// and its build, served as static files, runs in headless Chromium: the
// element renders the status and `evaluate()` answers, with the wasm that
// Vite emitted into dist/assets/. Then the same app under `vite` (the dev
// server) with the one line of configuration docs/embedding.md gives for it.
//
// Needs `make package` (widget/pkg/dist/*.tgz), Chromium, tools/ (playwright)
// and the npm registry or npm's cache for vite and typescript (installed
// with --prefer-offline, so a warm cache needs no network).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { assertNoProblems, launchBrowser, newPage, norm, T0 } from '../e2e/harness.mjs';
import {
  BAKER,
  NAME,
  ROOT,
  STATUS_PATH,
  STATUS_URL,
  openproviderPendingBody,
  packedTarball,
  recordWasm,
  serveStatic,
} from './support.mjs';

const TEMPLATE = join(ROOT, 'tests', 'npm', 'vite-app');

/** Runs a command in `cwd`; fails the test with its output when it fails. Returns `{ seconds, stdout, stderr }`. */
function run(cmd, args, cwd) {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, npm_config_update_notifier: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.equal(
    r.status,
    0,
    `${cmd} ${args.join(' ')} failed (${r.error ?? r.signal ?? r.status}) in ${cwd}:\n${r.stdout}\n${r.stderr}`,
  );
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}

describe('a Vite 7 + TypeScript app using the packed tarball', { timeout: 300_000 }, () => {
  let work;
  let app;
  let installSeconds;
  let api; // serves dist/ and answers the status URL
  let dev; // the vite dev server
  let browser;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'rv-vite-'));
    // A copy, so a concurrent `make package` cannot change it mid-install.
    const packed = packedTarball();
    const tarball = join(work, basename(packed));
    copyFileSync(packed, tarball);
    app = join(work, 'app');
    cpSync(TEMPLATE, app, { recursive: true, filter: (src) => !/node_modules|[\\/]dist$/.test(src) });
    // vite and typescript (exact versions in the template's package.json)
    // from npm's cache when it has them, plus the tarball.
    installSeconds = run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball],
      app,
    ).seconds;
  });

  after(async () => {
    await browser?.close();
    await dev?.stop();
    await api?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs the tarball next to the pinned vite 7', (t) => {
    t.diagnostic(`npm install (vite, typescript, tarball): ${installSeconds.toFixed(1)} s`);
    const pj = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    assert.match(pj.devDependencies.vite, /^7\.\d+\.\d+$/, 'vite is pinned to an exact 7.x');
    const vite = JSON.parse(readFileSync(join(app, 'node_modules', 'vite', 'package.json'), 'utf8'));
    assert.equal(vite.version, pj.devDependencies.vite);
    assert.ok(existsSync(join(app, 'node_modules', NAME, 'registrant_verification_bg.wasm')));
  });

  it('type-checks main.ts and the README example against the package typings (tsc --noEmit)', (t) => {
    // The package's .d.ts is checked too (skipLibCheck off). src/types-check.ts
    // holds @ts-expect-error lines: typings that degrade to `any` fail as
    // surely as an error in index.d.ts.
    writeFileSync(join(app, 'src', 'readme-example.ts'), `${readmeExample()}\nexport {};\n`);
    const { seconds } = run(join(app, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], app);
    t.diagnostic(`tsc --noEmit: ${seconds.toFixed(1)} s`);
  });

  it('builds without Vite configuration and emits the wasm as a hashed asset', (t) => {
    const { seconds } = run(join(app, 'node_modules', '.bin', 'vite'), ['build'], app);
    t.diagnostic(`vite build: ${seconds.toFixed(1)} s`);
    const assets = readdirSync(join(app, 'dist', 'assets'));
    const wasm = assets.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `one wasm in dist/assets: ${assets}`);
    assert.match(wasm[0], /^registrant_verification_bg-[\w-]+\.wasm$/);
    const original = readFileSync(join(app, 'node_modules', NAME, 'registrant_verification_bg.wasm'));
    assert.ok(readFileSync(join(app, 'dist', 'assets', wasm[0])).equals(original), 'the emitted wasm is the package one');
    const js = assets.filter((f) => f.endsWith('.js'));
    assert.ok(
      js.some((f) => readFileSync(join(app, 'dist', 'assets', f), 'utf8').includes(wasm[0])),
      `the bundle refers to ${wasm[0]}`,
    );
    assert.ok(!assets.some((f) => f.includes('_list')), `the staff list is not bundled: ${assets}`);
  });

  it('runs in Chromium: the element shows the status and evaluate() answers', async () => {
    assert.ok(existsSync(join(app, 'dist', 'index.html')), 'vite build ran');
    api = await serveStatic(join(app, 'dist'), { [STATUS_PATH]: { body: openproviderPendingBody() } });
    browser = await launchBrowser();
    const wasm = await checkApp(browser, api.url);
    assert.equal(wasm.length, 1, JSON.stringify(wasm));
    assert.match(new URL(wasm[0].url).pathname, /^\/assets\/registrant_verification_bg-[\w-]+\.wasm$/, 'from dist/assets');
    const statusCalls = api.requests.filter((q) => q.path === STATUS_PATH);
    assert.ok(statusCalls.length >= 2, 'the element and main.ts both asked the status URL');
    assert.ok(statusCalls.every((q) => q.search === new URL(STATUS_URL, api.url).search));
    const failed = api.requests.filter((q) => q.status !== 200);
    assert.deepEqual(failed, [], 'every request found its file');
  });

  it('runs under the vite dev server with optimizeDeps.exclude (README)', async (t) => {
    assert.ok(api && browser, 'the build test ran');
    // The dev server pre-bundles dependencies into node_modules/.vite/deps/,
    // where `new URL('registrant_verification_bg.wasm', import.meta.url)`
    // finds no wasm (it gets index.html): the README's vite.config.ts keeps
    // the package out of pre-bundling. The proxy stands in for the backend.
    writeFileSync(
      join(app, 'vite.config.ts'),
      `import { defineConfig } from 'vite';

export default defineConfig({
  optimizeDeps: { exclude: ['${NAME}'] },
  server: { proxy: { '/api': '${api.url}' } },
});
`,
    );
    const started = Date.now();
    dev = await startViteDev(app);
    t.diagnostic(`vite dev server ready in ${Date.now() - started} ms`);
    const wasm = await checkApp(browser, dev.url);
    assert.equal(wasm.length, 1, JSON.stringify(wasm));
    assert.equal(new URL(wasm[0].url).pathname, `/node_modules/${NAME}/registrant_verification_bg.wasm`);
  });
});

/** docs/embedding.md's Vite/TypeScript example: the ```ts block that starts with `// src/main.ts`. */
function readmeExample() {
  const readme = readFileSync(join(ROOT, 'docs', 'embedding.md'), 'utf8');
  const m = readme.match(/```ts\n(\/\/ src\/main\.ts\n[\s\S]*?)```/);
  assert.ok(m, 'docs/embedding.md has a ```ts block starting with `// src/main.ts` (section "Using it from npm")');
  return m[1];
}

/**
 * Opens the app at `origin` in a fresh page and checks what both the build
 * and the dev server must show; returns the wasm responses it saw.
 */
async function checkApp(browser, origin) {
  const page = await newPage(browser, { time: T0 });
  const wasm = recordWasm(page);
  try {
    await page.goto(origin + '/', { waitUntil: 'load' });

    // The element: data-status on the host, the words in its shadow root.
    const el = page.locator('registrant-verification').first();
    await page
      .waitForFunction(() => {
        const s = document.querySelector('registrant-verification')?.getAttribute('data-status');
        return s && s !== 'loading';
      }, null, { timeout: 15_000 })
      .catch((e) => {
        throw new Error(`${e.message}\n${page.problems.join('\n')}\n${page.consoleLog.join('\n')}`);
      });
    const text = norm(await el.evaluate((e) => e.shadowRoot.textContent));
    assert.equal(await el.getAttribute('data-status'), BAKER.status, text);
    assert.equal(await el.getAttribute('data-urgency'), BAKER.urgency);
    for (const domain of BAKER.domains) assert.ok(text.includes(domain), `${domain} in: ${text}`);
    assert.ok(await el.evaluate((e) => e.shadowRoot.querySelector('[part~="card"]') !== null), 'the card rendered');
    await page.waitForFunction(() => document.body.dataset.changed === 'pending', null, { timeout: 5000 });

    // The German widget: its words came from the package's locales/de.js.
    await page.waitForFunction(() => {
      const s = document.querySelector('#german')?.getAttribute('data-status');
      return s && s !== 'loading';
    }, null, { timeout: 15_000 });
    const german = norm(await page.locator('#german').evaluate((e) => e.shadowRoot.textContent));
    assert.ok(german.includes('Bestätigen Sie Ihre E-Mail-Adresse'), german);
    assert.ok(!/verify|left/i.test(german), german);

    // evaluate() in the page, with the typings' names.
    await page.waitForFunction(() => document.querySelector('#records')?.textContent, null, { timeout: 5000 });
    const out = JSON.parse(await page.locator('#records').textContent());
    assert.equal(out.records.length, 1, JSON.stringify(out.records));
    const [r] = out.records;
    assert.equal(r.provider, 'openprovider');
    assert.equal(r.email.toLowerCase(), BAKER.email);
    assert.deepEqual(r.domains, BAKER.domains);
    assert.equal(r.status, BAKER.status);
    assert.equal(Date.parse(r.deadline), Date.parse(BAKER.deadline));
    assert.equal(r.daysLeft, BAKER.daysLeft);
    assert.equal(r.urgency, BAKER.urgency);
    assert.equal(out.errorKind, 'registrar', 'a registrar error envelope throws with kind');
    assert.equal(
      norm(await page.locator('#summary').textContent()).toLowerCase(),
      `${BAKER.email}: pending, 2 days left (critical)`,
    );

    // One wasm, served as application/wasm (no slow fallback).
    for (const w of wasm) {
      assert.equal(w.status, 200, JSON.stringify(w));
      assert.equal(w.type, 'application/wasm', JSON.stringify(w));
    }
    assert.ok(
      !page.consoleLog.some((l) => /instantiateStreaming|MIME/i.test(l)),
      `no wasm fallback warning: ${page.consoleLog.join('\n')}`,
    );
    assertNoProblems(page);
    return wasm;
  } finally {
    await page.context().close();
  }
}

/** Starts `vite` (dev server) in `app` on a free port; resolves to `{ url, stop() }` once it listens. */
async function startViteDev(app) {
  const child = spawn(join(app, 'node_modules', '.bin', 'vite'), ['--host', '127.0.0.1', '--port', '0', '--clearScreen', 'false'], {
    cwd: app,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`vite dev did not start in 30 s:\n${log}`)), 30_000);
      const onData = (d) => {
        log += d;
        const m = log.match(/Local:\s+(http:\/\/127\.0\.0\.1:\d+)/);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`vite dev exited (${code}):\n${log}`));
      });
    });
    return { url, stop, log: () => log };
  } catch (e) {
    await stop();
    throw e;
  }
}
