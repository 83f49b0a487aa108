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
    entry.fetching = fetch(href, { credentials: 'same-origin', cache: 'no-cache', priority: 'high', headers: { Accept: 'application/json, text/plain' } })
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

// What the wasm and the page share on each element (base.js, browser.rs).
const MOUNTED = Symbol.for('registrant-verification:mounted');
const PRESSED = Symbol.for('registrant-verification:pressed');

/**
 * The locale the widget speaks, resolved as the wasm resolves it
 * (browser.rs `resolve_locale`): its `locale`, else the closest `[lang]`,
 * else the document's, else the browser's.
 */
function localeOf(el) {
  const tags = [el.getAttribute('locale'), el.closest('[lang]')?.getAttribute('lang'), document.documentElement.getAttribute('lang'), navigator.language];
  for (const tag of tags) {
    try {
      if (tag && tag.trim()) return Intl.getCanonicalLocales(tag.trim())[0];
    } catch {
      // not a language tag: the next one
    }
  }
  return 'en';
}

/** The attributes of the element that change the gateway's card. */
const CARD_ATTRIBUTES = ['changed-at', 'cooldown', 'refresh', 'domains', 'edit-contact-url', 'strings'];

/**
 * The card's dates in the reader's words: what browser.rs `Intl` writes
 * for the same instant (`date-time`: full date, short time and the zone's
 * short name; `time`: the time, with the date when not today).
 */
function dateText(kind, t, locale) {
  const date = new Date(t);
  if (kind === 'time') {
    const today = date.toDateString() === new Date().toDateString();
    return date.toLocaleString(locale, today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' });
  }
  const when = date.toLocaleString(locale, { dateStyle: 'full', timeStyle: 'short' });
  const zone = new Intl.DateTimeFormat([locale], { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName');
  return zone ? `${when} ${zone.value}` : when;
}

/** Writes each date of a painted card in the reader's locale and zone. */
function fillDates(root) {
  for (const span of root.querySelectorAll('[data-rv-date]')) {
    const t = Number(span.dataset.t);
    const locale = span.closest('[lang]')?.getAttribute('lang') || 'en';
    if (Number.isFinite(t)) span.replaceWith(dateText(span.dataset.rvDate, t, locale));
  }
  root.normalize();
}

/**
 * A press of a painted card's resend button: kept for the wasm, which
 * sends it once when it takes over (view/mod.rs `Widget`); meanwhile the
 * button shows it is busy.
 */
function keepPresses(el, root) {
  root.addEventListener('click', (e) => {
    const button = e.target.closest?.('#rv-action');
    if (!button || el[MOUNTED] || button.getAttribute('aria-disabled') === 'true') return;
    if (button.dataset.action !== 'resend') return;
    el[PRESSED] = 'resend';
    button.setAttribute('aria-disabled', 'true');
    button.setAttribute('aria-busy', 'true');
  });
}

const sheets = new Map();
/** The card's stylesheets, adopted (so a strict CSP allows them), one per text. */
function sheetsOf(styles) {
  return styles.map((css) => {
    let sheet = sheets.get(css);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      sheets.set(css, sheet);
    }
    return sheet;
  });
}

/** Paints the gateway's card into the element's shadow root, unless the wasm has it already. */
function paint(el, envelope) {
  if (el[MOUNTED] || typeof envelope.card !== 'string') return;
  const root = el.shadowRoot ?? el.attachShadow({ mode: 'open' });
  if (root.childNodes.length) return;
  try {
    root.adoptedStyleSheets = sheetsOf(envelope.styles ?? []);
  } catch {
    return; // no constructable stylesheets: the wasm draws it
  }
  root.innerHTML = envelope.card;
  fillDates(root);
  keepPresses(el, root);
  // For the page's own timing (PerformanceObserver, `mark`): when the
  // status was painted, before the wasm.
  performance.mark?.('registrant-verification:painted');
}

/** The envelope of `?card=1` (the gateway's card.rs), or null for another answer. */
function envelopeOf(value) {
  return value && typeof value === 'object' && typeof value.card === 'string' && typeof value.body === 'string' && Number.isInteger(value.status)
    ? value
    : null;
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
  if (prefetched.has(url.href)) continue;
  // A card the panel put into the page (the gateway's `/card`, a
  // declarative shadow root): its answer is the first status.
  const inline = el.shadowRoot?.querySelector('script[data-rv-answer]');
  if (inline) {
    try {
      const answer = JSON.parse(inline.textContent);
      inline.remove();
      // (Read already: the wasm takes `answer` as it is, browser.rs
      // `take_prefetched`.)
      prefetched.set(url.href, { answer });
      fillDates(el.shadowRoot);
      keepPresses(el, el.shadowRoot);
      continue;
    } catch {
      // unreadable: asked for as any other
    }
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
  const controller = new AbortController();
  // With a token the answer is the gateway's: ask it for the card too.
  const asked = new URL(url.href);
  if (token || tokenUrl) {
    asked.searchParams.set('card', '1');
    asked.searchParams.set('locale', localeOf(el));
    asked.searchParams.set('now', String(Date.now()));
    // The resend this browser remembers for the contact (browser.rs
    // `load_last_resend`): the card shows its cooldown, as the wasm will.
    try {
      const canonical = { domainnameapi: 'dna', op: 'openprovider' }[provider] ?? provider;
      const last = localStorage.getItem(`registrant-verification:last-resend:${canonical}:${raw}`);
      if (last) asked.searchParams.set('last-resend', last);
    } catch {
      // no storage (a sandboxed frame): the wasm shows what it knows
    }
    for (const name of CARD_ATTRIBUTES) {
      const value = el.getAttribute(name);
      if (value !== null) asked.searchParams.set(name, value);
    }
  }
  const request = async (bearer) => {
    const headers = { Accept: 'application/json' };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const res = await fetch(asked.href, { headers, credentials: 'same-origin', priority: 'high', signal: controller.signal });
    if (asked.href === url.href || !res.ok) return res;
    // The envelope: paint its card, and give the wasm the answer in it.
    const envelope = envelopeOf(await res.clone().json().catch(() => null));
    if (!envelope) return res;
    entry.answer = { status: envelope.status, headers: envelope.headers ?? {}, body: envelope.body };
    paint(el, envelope);
    try {
      return new Response(envelope.body, { status: envelope.status, headers: envelope.headers ?? {} });
    } catch {
      return res;
    }
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
  const entry = { response, controller, card: asked.href !== url.href };
  prefetched.set(url.href, entry);
  setTimeout(() => {
    if (prefetched.get(url.href) === entry) {
      prefetched.delete(url.href);
      controller.abort();
    }
  }, 30_000);
}

// The first cards come before the JS the wasm needs: a slow network's
// few connections and little bandwidth go to the token and the status
// (what the registrant reads) first; the JS is small and still arrives
// long before the wasm it runs. At most 400 ms of waiting.
// Only cards the gateway paints gain from it (without a card the wasm
// draws the first status: nothing to wait for).
const first = [...prefetched.values()].filter((e) => e.card).map((e) => e.response);
if (first.length) await Promise.race([Promise.allSettled(first), new Promise((r) => setTimeout(r, 400))]);

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
