// The list element's 1000-row measurement, shared by `make bench` and the
// e2e list test: parse, evaluate and first render of exactly 1000 name.com
// rows (the element's own performance measure, from the answer received to
// the rows painted), over several fresh loads of /support, and the frames
// and long tasks while scrolling through them.

const LIST = 'registrant-verification-list';

/**
 * Loads `url` (a /support page) `loads` times with the sandbox's first page
 * of 1000 contacts said to be the only one; resolves to each load's
 * `parseRenderMs`.
 */
export async function loadThousandRows(page, url, loads) {
  await page.addInitScript(() => {
    window.__loads = [];
    window.__longtasks = [];
    document.addEventListener('verification-list-load', (e) => window.__loads.push(e.detail));
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.route('**/api/namecom/list?*', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    body.nextPage = null;
    body.totalCount = body.unverifiedContacts.length;
    await route.fulfill({ response: res, json: body });
  });
  const runs = [];
  for (let i = 0; i < loads; i++) {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__loads.length > 0, null, { timeout: 30_000 });
    const d = await page.evaluate(() => window.__loads[0]);
    if (d.total !== 1000) throw new Error(`expected 1000 rows, got ${d.total}`);
    runs.push(d.parseRenderMs);
  }
  return runs;
}

/**
 * Scrolls the loaded list from top to bottom, `step` pixels a frame (or
 * `'page'`: a screenful, every row replaced each frame); the frames and the
 * long tasks on the way.
 */
export function scrollThrough(page, step) {
  return page.locator(LIST).locator('.viewport').evaluate(async (v, step) => {
    v.scrollTop = 0;
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)));
    window.__longtasks.length = 0;
    const px = step === 'page' ? v.clientHeight : Number(step);
    const frames = [];
    let last = performance.now();
    const t0 = last;
    while (v.scrollTop + v.clientHeight < v.scrollHeight - 1) {
      v.scrollTop += px;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    await new Promise((r) => setTimeout(r, 200));
    const sorted = [...frames].sort((a, b) => a - b);
    const tasks = window.__longtasks;
    return {
      stepPx: px,
      frames: frames.length,
      medianFrameMs: sorted[Math.floor(sorted.length / 2)],
      maxFrameMs: sorted.at(-1),
      totalMs: Math.round(performance.now() - t0),
      longTasksOver50ms: tasks.filter((d) => d > 50).length,
      longestTaskMs: Math.max(0, ...tasks),
    };
  }, step);
}

/** `make bench`'s figures: the 1000-row runs and a mouse wheel's scroll (3 rows a frame). */
export async function measureList({ context, base, loads }) {
  const page = await context.newPage();
  const runs = await loadThousandRows(page, `${base}/support?provider=namecom`, loads);
  const wheel = await scrollThrough(page, 132);
  await page.close();
  return { runs, longTasksOver50ms: wheel.longTasksOver50ms, longestTaskMs: wheel.longestTaskMs };
}
