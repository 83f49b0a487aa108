// The registrant widget's words in languages other than English. Its wasm
// carries English only; each other language is a module in ./locales/
// (generated from widget/src/i18n.rs), loaded once when a widget on the
// page speaks it and handed to the wasm before that widget first renders.
// Nothing here touches the DOM at module top level (Node imports it).
import { addCatalog } from './registrant_verification.js';

// One literal import per language, so bundlers (Vite, Rollup, webpack) see
// each module and emit it as a chunk of its own.
const MODULES = {
  de: () => import('./locales/de.js'),
  es: () => import('./locales/es.js'),
  fr: () => import('./locales/fr.js'),
  nl: () => import('./locales/nl.js'),
  tr: () => import('./locales/tr.js'),
};

/** `true` when `code` has a module in ./locales/. */
const loadable = (code) => Object.hasOwn(MODULES, code);

const modules = new Map(); // code -> Promise<words | null>
const added = new Set(); // codes whose words are in the wasm
const adding = new Map(); // code -> Promise<void>

/**
 * The language `el` will speak, as the wasm resolves it (browser.rs
 * `resolve_locale`): the first valid tag of its `locale` attribute, the
 * closest `[lang]`, the document's `lang`, the browser's language; its
 * primary subtag, lowercase (`de-AT` -> `de`), or `en`.
 */
export function languageOf(el) {
  const candidates = [
    el.getAttribute('locale'),
    el.closest('[lang]')?.getAttribute('lang'),
    el.ownerDocument?.documentElement?.getAttribute('lang'),
    globalThis.navigator?.language,
  ];
  for (const raw of candidates) {
    if (!raw || !raw.trim()) continue;
    let tag;
    try {
      [tag] = Intl.getCanonicalLocales(raw.trim());
    } catch {
      continue;
    }
    if (tag) return tag.split('-')[0].toLowerCase();
  }
  return 'en';
}

/**
 * Starts downloading the words of `code` (no wasm needed yet): define.js
 * calls it while the wasm compiles. Resolves to the words, or null when
 * there is no module or it failed to load (the widget then speaks English).
 */
export function loadLanguage(code) {
  if (!loadable(code)) return Promise.resolve(null);
  let words = modules.get(code);
  if (!words) {
    words = MODULES[code]().then(
      (m) => m.default,
      (e) => {
        console.warn(`<registrant-verification>: the \`${code}\` words did not load (${e?.message ?? e}); showing English`);
        return null;
      },
    );
    modules.set(code, words);
  }
  return words;
}

/**
 * Makes sure the wasm has the words of `code` (call after `init()`):
 * null when it already has them (or `code` has no module), else a promise
 * that resolves once they are in (or could not be loaded).
 */
export function ensureLanguage(code) {
  if (added.has(code) || !loadable(code)) return null;
  let p = adding.get(code);
  if (!p) {
    p = loadLanguage(code).then((words) => {
      if (words) addCatalog(code, JSON.stringify(words));
      added.add(code);
    });
    adding.set(code, p);
  }
  return p;
}
