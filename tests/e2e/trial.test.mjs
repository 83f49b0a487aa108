// `make gateway-demo` (www/examples/panel/try-gateway.mjs): one command
// starts the sandbox, the gateway and a panel on its own origin; the
// panel's page shows a registrant's status through the gateway.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import * as h from './harness.mjs';

let trial;
let browser;
let panel;

describe('make gateway-demo', () => {
  before(async () => {
    const [demo, gateway, panelPort] = [await h.freePort(), await h.freePort(), await h.freePort()];
    trial = spawn('node', [join(h.ROOT, 'www', 'examples', 'panel', 'try-gateway.mjs')], {
      env: { ...process.env, DEMO_PORT: String(demo), GATEWAY_PORT: String(gateway), PANEL_PORT: String(panelPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not start: ${out}`)), 30_000);
      trial.stdout.on('data', (d) => {
        out += d;
        if (/Ctrl-C stops all three/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      trial.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    trial.removeAllListeners('exit');
    panel = out.match(/Panel: +(http:\/\/127\.0\.0\.1:\d+)\//)[1];
    browser = await h.launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (trial && trial.exitCode === null) {
      const exited = new Promise((r) => trial.once('exit', r));
      trial.kill('SIGTERM');
      await exited;
    }
  });

  it("the panel's page shows the registrant's status through the gateway", async () => {
    const page = await h.newPage(browser, { time: new Date().toISOString() });
    try {
      await page.goto(panel + '/');
      await page.waitForFunction(() => document.querySelector('registrant-verification')?.getAttribute('data-status') === 'pending', null, { timeout: 20_000 });
      const text = await page.evaluate(() => document.querySelector('registrant-verification').shadowRoot.textContent);
      assert.match(text, /pending@openprovider\.example/);
      await h.screenshot(page.locator('main'), 'gateway-demo-light');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
