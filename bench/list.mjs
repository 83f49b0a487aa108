// The list element's part of `make bench`: parse, evaluate and first
// render of exactly 1000 name.com rows (the element's own performance
// measure, from the answer received to the rows painted), over several
// fresh loads of /support, and the long tasks while scrolling through them
// a mouse wheel's worth (3 rows) per frame.

const LIST = 'registrant-verification-list';

export async function measureList({ context, base, loads }) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__loads = [];
    window.__longtasks = [];
    document.addEventListener('verification-list-load', (e) => window.__loads.push(e.detail));
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  // The sandbox's first page of 1000 contacts, said to be the only one.
  await page.route('**/api/namecom/list?*', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    body.nextPage = null;
    body.totalCount = body.unverifiedContacts.length;
    await route.fulfill({ response: res, json: body });
  });
  const runs = [];
  for (let i = 0; i < loads; i++) {
    await page.goto(`${base}/support?provider=namecom`);
    await page.waitForFunction(() => window.__loads.length > 0, null, { timeout: 30_000 });
    const d = await page.evaluate(() => window.__loads[0]);
    if (d.total !== 1000) throw new Error(`expected 1000 rows, got ${d.total}`);
    runs.push(d.parseRenderMs);
  }
  const longTasks = await page.locator(LIST).locator('.viewport').evaluate(async (v) => {
    v.scrollTop = 0;
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)));
    window.__longtasks.length = 0;
    while (v.scrollTop + v.clientHeight < v.scrollHeight - 1) {
      v.scrollTop += 132;
      await new Promise((r) => requestAnimationFrame(r));
    }
    await new Promise((r) => setTimeout(r, 200));
    return window.__longtasks;
  });
  await page.close();
  return { runs, longTasksOver50ms: longTasks.filter((d) => d > 50).length, longestTaskMs: Math.max(0, ...longTasks) };
}
