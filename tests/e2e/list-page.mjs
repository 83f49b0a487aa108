// Reading the staff list <registrant-verification-list> on a page, for the
// list's tests (list.test.mjs, staff.test.mjs).

export const LIST = 'registrant-verification-list';

/** Opens the demo's /support page and waits for the list to be ready. */
export async function openSupport(page, server, query = '') {
  await page.goto(`${server.url}/support${query}`, { waitUntil: 'load' });
  await waitReady(page);
}

export async function waitReady(page, timeout = 30_000) {
  await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-state') === 'ready', LIST, {
    timeout,
  });
  await frame(page);
}

/** Waits for a frame and the task after it (the list re-rendered). */
export function frame(page) {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
}

/**
 * The rows in the DOM, in list order: {index (1-based among data rows),
 * email, urgency, contact, suspended, badges, deadline, text}.
 */
export function domRows(page) {
  return page.evaluate((sel) => {
    const root = document.querySelector(sel).shadowRoot;
    return [...root.querySelectorAll('.viewport .row')]
      .map((r) => ({
        index: Number(r.getAttribute('aria-rowindex')) - 1,
        email: r.querySelector('.email')?.textContent,
        urgency: r.dataset.urgency,
        contact: r.dataset.contact,
        suspended: !!r.querySelector('.badge[data-suspended="true"]'),
        badges: [...r.querySelectorAll('.badge')].map((b) => b.textContent.trim()),
        deadline: r.querySelector('.deadline time')?.getAttribute('datetime') ?? null,
        text: r.innerText.replace(/\s+/g, ' '),
      }))
      .sort((a, b) => a.index - b.index);
  }, LIST);
}

/** A locator inside the list's shadow root. */
export function part(page, selector) {
  return page.locator(LIST).locator(selector);
}

/** The summary line's text. */
export function summary(page) {
  return page.evaluate((sel) => document.querySelector(sel).shadowRoot.querySelector('.summary').textContent, LIST);
}
