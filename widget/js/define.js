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
// request carries it; with `token-url` it waits for its token (the
// element's own request); and a URL on another origin without a token is
// left alone (a gateway answers it 401: nothing is ever sent without the
// token a widget has).
const PREFETCH = Symbol.for('registrant-verification:prefetch');
const PROVIDERS = ['dna', 'domainnameapi', 'namecom', 'openprovider', 'op'];
const prefetched = (globalThis[PREFETCH] ??= new Map());
for (const el of document.querySelectorAll('registrant-verification[status-url]:not([token-url])')) {
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
  if (!token && url.origin !== location.origin) continue;
  if (prefetched.has(url.href)) continue;
  const controller = new AbortController();
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = fetch(url.href, { headers, credentials: 'same-origin', signal: controller.signal });
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
