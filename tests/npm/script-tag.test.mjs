// The npm package without a bundler: the tarball's files, unpacked into a
// plain static folder as a CDN would serve them (<tmp>/static/widget/), used
// from hand-written HTML in headless Chromium: `define.js` by a script tag,
// and `index.js` imported by an inline module script for `evaluate()`.
//
// Needs `make package` (widget/pkg/dist/*.tgz), Chromium and tools/
// (playwright). No network.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { assertNoProblems, launchBrowser, newPage, norm, T0 } from '../e2e/harness.mjs';
import {
  BAKER,
  STATUS_PATH,
  STATUS_URL,
  openproviderPendingBody,
  packedTarball,
  recordWasm,
  serveStatic,
} from './support.mjs';

const ELEMENT_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <link rel="icon" href="data:,">
  <title>Script tag</title>
  <script type="module" src="/widget/define.js"></script>
</head>
<body>
  <registrant-verification
    provider="openprovider"
    status-url="${STATUS_URL}"
    resend-url="/api/openprovider/resend?contact=BA000001-XX"
    edit-contact-url="/account/contact">
  </registrant-verification>
</body>
</html>
`;

const EVALUATE_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <link rel="icon" href="data:,">
  <title>evaluate() from a module script</title>
</head>
<body>
  <pre id="out"></pre>
  <script type="module">
    import init, { evaluate } from '/widget/index.js';

    await init(); // fetches /widget/registrant_verification_bg.wasm
    const body = await (await fetch('${STATUS_URL}')).text();
    const records = evaluate('openprovider', body, { now: new Date('2026-03-01T23:30:00Z') });
    let error = null;
    try {
      evaluate('namecom', 'not json');
    } catch (e) {
      error = { kind: e.kind, isError: e instanceof Error };
    }
    document.querySelector('#out').textContent = JSON.stringify({ records, error });
  </script>
</body>
</html>
`;

describe('the package files in a plain static folder, used by script tags', () => {
  let work;
  let server;
  let browser;

  before(async () => {
    const tarball = packedTarball();
    work = mkdtempSync(join(tmpdir(), 'rv-script-tag-'));
    // The tarball as a CDN serves it: its `package/` folder at /widget/.
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    mkdirSync(join(work, 'static'));
    renameSync(join(work, 'package'), join(work, 'static', 'widget'));
    writeFileSync(join(work, 'static', 'index.html'), ELEMENT_PAGE);
    writeFileSync(join(work, 'static', 'evaluate.html'), EVALUATE_PAGE);
    server = await serveStatic(join(work, 'static'), { [STATUS_PATH]: { body: openproviderPendingBody() } });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves exactly the packed files', () => {
    const files = readdirSync(join(work, 'static', 'widget'));
    for (const f of ['package.json', 'index.js', 'define.js', 'registrant_verification.js', 'registrant_verification_bg.wasm']) {
      assert.ok(files.includes(f), `${f} is packed: ${files}`);
    }
    assert.ok(!existsSync(join(work, 'static', 'widget', 'dist')), 'the tarball does not contain itself');
  });

  it('<script type="module" src="/widget/define.js"> defines the element, which renders the status', async () => {
    const page = await newPage(browser, { time: T0 });
    const wasm = recordWasm(page);
    try {
      await page.goto(server.url + '/', { waitUntil: 'load' });
      const el = page.locator('registrant-verification');
      await page
        .waitForFunction(() => {
          const s = document.querySelector('registrant-verification')?.getAttribute('data-status');
          return s && s !== 'loading';
        }, null, { timeout: 15_000 })
        .catch((e) => {
          throw new Error(`${e.message}\n${page.problems.join('\n')}`);
        });
      const text = norm(await el.evaluate((e) => e.shadowRoot.textContent));
      assert.equal(await el.getAttribute('data-status'), BAKER.status, text);
      assert.equal(await el.getAttribute('data-urgency'), BAKER.urgency);
      for (const domain of BAKER.domains) assert.ok(text.includes(domain), `${domain} in: ${text}`);
      assert.ok(
        await page.evaluate(() => customElements.get('registrant-verification') !== undefined),
        'define.js defined <registrant-verification>',
      );
      const record = await el.evaluate((e) => e.record);
      assert.equal(record?.status, BAKER.status, 'the record property');
      assert.deepEqual(record.domains, BAKER.domains);

      // Only the registrant widget's wasm, from the static folder, as application/wasm.
      assert.deepEqual(
        wasm.map((w) => [new URL(w.url).pathname, w.status, w.type]),
        [['/widget/registrant_verification_bg.wasm', 200, 'application/wasm']],
      );
      assert.ok(!page.consoleLog.some((l) => /instantiateStreaming|MIME/i.test(l)), page.consoleLog.join('\n'));
      const failed = server.requests.filter((q) => q.status !== 200);
      assert.deepEqual(failed, [], 'every request found its file');
      assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it("an inline module script imports init and evaluate from '/widget/index.js'", async () => {
    const page = await newPage(browser, { time: T0 });
    const wasm = recordWasm(page);
    try {
      await page.goto(server.url + '/evaluate.html', { waitUntil: 'load' });
      await page
        .waitForFunction(() => document.querySelector('#out')?.textContent, null, { timeout: 15_000 })
        .catch((e) => {
          throw new Error(`${e.message}\n${page.problems.join('\n')}`);
        });
      const out = JSON.parse(await page.locator('#out').textContent());
      assert.equal(out.records.length, 1, JSON.stringify(out.records));
      const [r] = out.records;
      assert.equal(r.provider, 'openprovider');
      assert.equal(r.email.toLowerCase(), BAKER.email);
      assert.equal(r.handle, BAKER.handle);
      assert.deepEqual(r.domains, BAKER.domains);
      assert.equal(r.status, BAKER.status);
      assert.equal(Date.parse(r.deadline), Date.parse(BAKER.deadline));
      assert.equal(r.daysLeft, BAKER.daysLeft);
      assert.equal(r.urgency, BAKER.urgency);
      assert.equal(r.suspended, false);
      assert.equal(r.resend.allowed, true);
      assert.deepEqual(out.error, { kind: 'invalidJson', isError: true });
      assert.deepEqual(
        wasm.map((w) => [new URL(w.url).pathname, w.status, w.type]),
        [['/widget/registrant_verification_bg.wasm', 200, 'application/wasm']],
      );
      assert.equal(
        await page.evaluate(() => customElements.get('registrant-verification')),
        undefined,
        'importing index.js defines nothing by itself',
      );
      assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
