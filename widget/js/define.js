// Side-effect module for registrant pages: loads the wasm next to this file
// and defines <registrant-verification>.
//   <script type="module" src="/widget/define.js"></script>
//
// No static imports: this module's body runs as soon as it arrives, so the
// wasm download and the first status request of each widget already on the
// page start at once, beside the JS glue, instead of one after the other
// (glue, then wasm, then compile, then the status request).

const wasm = fetch(new URL('./registrant_verification_bg.wasm', import.meta.url));

// The first status request of each widget in the document, keyed by its
// absolute URL. The widget takes the answer from here instead of asking
// again (browser.rs `take_prefetched`); an answer nobody took within 30 s
// is dropped. Only widgets that will ask, and be answered, are prefetched:
// a known provider (the core's names, ignoring case and punctuation) and a
// status URL; with a `token` the page set before this module ran, the
// request carries it; with a same-origin `token-url` the token is asked
// for at once too (one request per token URL, shared with the elements:
// base.js `sharedToken`), and the status request follows it; a URL on
// another origin without either is left alone (a gateway answers it 401:
// nothing is ever sent without the token a widget has).
const PREFETCH = Symbol.for('registrant-verification:prefetch');
const TOKENS = Symbol.for('registrant-verification:tokens');
const PROVIDERS = ['dna', 'domainnameapi', 'namecom', 'openprovider', 'op'];
const prefetched = (globalThis[PREFETCH] ??= new Map());
const tokens = (globalThis[TOKENS] ??= new Map());

/** A JWT's `exp` (epoch seconds), or 0 when it cannot be read. */
function expiryOf(token) {
  try {
    return Number(JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp) || 0;
  } catch {
    return 0;
  }
}

/**
 * The token of the panel's `href`, asked for once: the entry base.js's
 * `sharedToken` reads (`{fetched, fetching, at}`). Resolves with the token
 * text, or null when there is none (the element then asks, and reports).
 */
function tokenOf(href) {
  let entry = tokens.get(href);
  if (!entry) {
    entry = { fetched: null, fetching: null, at: 0 };
    entry.fetching = fetch(href, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json, text/plain' } })
      .then(async (res) => {
        if (!res.ok) throw new Error(`token-url answered HTTP ${res.status}`);
        const text = (await res.text()).trim();
        const token = text.startsWith('{') ? String(JSON.parse(text).token ?? '') : text;
        if (!token) throw new Error('token-url gave no token');
        entry.fetched = { token, exp: expiryOf(token) };
        entry.at = Date.now();
        return entry.fetched;
      })
      .finally(() => {
        entry.fetching = null;
      });
    entry.fetching.catch(() => {}); // the element asks again, and reports
    tokens.set(href, entry);
  }
  return entry.fetched ? Promise.resolve(entry.fetched.token) : entry.fetching.then((t) => t.token, () => null);
}

for (const el of document.querySelectorAll('registrant-verification[status-url]')) {
  const provider = (el.getAttribute('provider') || '').replace(/[^a-z0-9]/gi, '').toLowerCase();
  const raw = el.getAttribute('status-url').trim();
  if (!PROVIDERS.includes(provider) || !raw) continue;
  let url;
  try {
    url = new URL(raw, document.baseURI);
  } catch {
    continue;
  }
  // Set as a property before the element was defined (the WHMCS hook's
  // inline script): an own property of the element.
  const token = typeof el.token === 'string' && el.token ? el.token : null;
  let tokenUrl = null;
  if (!token && el.hasAttribute('token-url')) {
    try {
      tokenUrl = new URL(el.getAttribute('token-url'), document.baseURI);
    } catch {
      continue;
    }
    // The panel's own endpoint, with its cookies; a provider function or
    // another origin is the element's to ask.
    if (tokenUrl.origin !== location.origin || el.tokenProvider) continue;
  }
  if (!token && !tokenUrl && url.origin !== location.origin) continue;
  if (prefetched.has(url.href)) continue;
  const controller = new AbortController();
  const request = (bearer) => {
    const headers = { Accept: 'application/json' };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    return fetch(url.href, { headers, credentials: 'same-origin', signal: controller.signal });
  };
  // Without a token the element would not ask: neither is the request sent.
  const response = tokenUrl
    ? tokenOf(tokenUrl.href).then((t) => {
        if (t) return request(t);
        if (prefetched.get(url.href) === entry) prefetched.delete(url.href);
        throw new Error('no token');
      })
    : request(token);
  response.catch(() => {}); // read (and reported) by the widget that takes it
  const entry = { response, controller };
  prefetched.set(url.href, entry);
  setTimeout(() => {
    if (prefetched.get(url.href) === entry) {
      prefetched.delete(url.href);
      controller.abort();
    }
  }, 30_000);
}

// element.js's own imports (base.js, languages.js) are asked for here too,
// so they load beside it rather than after it.
const [{ default: init }, { defineElement }, { languageOf, loadLanguage }] = await Promise.all([
  import('./registrant_verification.js'),
  import('./element.js'),
  import('./languages.js'),
  import('./base.js'),
]);
// The words of the languages the widgets speak (other than English) load
// while the wasm compiles.
for (const el of document.querySelectorAll('registrant-verification')) loadLanguage(languageOf(el));
await init({ module_or_path: wasm });
export const RegistrantVerificationElement = defineElement();
