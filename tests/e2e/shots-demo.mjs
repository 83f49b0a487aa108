// Not a test: full-page screenshots of the demo's pages (the panel, the
// support list, the mailbox) at 1280 and 390 px, light and dark, to look at.
//   node tests/e2e/shots-demo.mjs [OUTDIR]
import * as h from './harness.mjs';

const out = process.argv[2] ?? h.SCREENSHOTS;
const server = await h.startServer();
const browser = await h.launchBrowser();
try {
  await server.resetAt(h.T0);
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 390]) {
      const page = await h.newPage(browser, { colorScheme });
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path] of [['panel', '/'], ['support', '/support'], ['mailbox', '/mailbox']]) {
        await page.goto(server.url + path, { waitUntil: 'load' });
        await page.waitForTimeout(name === 'mailbox' ? 300 : 2500);
        await page.screenshot({ path: `${out}/demo-${name}-${colorScheme}-${width}.png`, fullPage: name !== 'panel' || width === 1280 });
      }
      await page.context().close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
