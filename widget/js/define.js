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
// is dropped. Only widgets that will ask are prefetched: a known provider
// (the core's names, ignoring case and punctuation) and a status URL, and
// no `token-url` (that request waits for its token).
const PREFETCH = Symbol.for('registrant-verification:prefetch');
const PROVIDERS = ['dna', 'domainnameapi', 'namecom', 'openprovider', 'op'];
const prefetched = (globalThis[PREFETCH] ??= new Map());
for (const el of document.querySelectorAll('registrant-verification[status-url]:not([token-url])')) {
  const provider = (el.getAttribute('provider') || '').replace(/[^a-z0-9]/gi, '').toLowerCase();
  const raw = el.getAttribute('status-url').trim();
  if (!PROVIDERS.includes(provider) || !raw) continue;
  let url;
  try {
    url = new URL(raw, document.baseURI).href;
  } catch {
    continue;
  }
  if (prefetched.has(url)) continue;
  const controller = new AbortController();
  const response = fetch(url, {
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
    signal: controller.signal,
  });
  response.catch(() => {}); // read (and reported) by the widget that takes it
  const entry = { response, controller };
  prefetched.set(url, entry);
  setTimeout(() => {
    if (prefetched.get(url) === entry) {
      prefetched.delete(url);
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
