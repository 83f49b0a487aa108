// <registrant-verification>: a custom element whose view is the Rust/Leptos
// widget, mounted into an open shadow root. Nothing here touches
// HTMLElement, customElements or window at module top level, so importing
// this module in Node (for `evaluate`) does not throw.
import { mount } from './registrant_verification.js';
import { HANDLE, defineOnce, mountedElement, numberAttr, setOrRemove, setStrings, stringsAttr, themeAttr } from './base.js';
import { ensureLanguage, languageOf } from './languages.js';

/** The attributes the element observes, in their documented order. */
export const ATTRIBUTES = Object.freeze([
  'provider',
  'status-url',
  'resend-url',
  'events-url',
  'locale',
  'strings',
  'edit-contact-url',
  'cooldown',
  'refresh',
  'changed-at',
  'theme',
  'token-url',
]);

const PROVIDERS = ['dna', 'namecom', 'openprovider'];

const PROPERTY_NAMES = [
  'provider',
  'statusUrl',
  'resendUrl',
  'eventsUrl',
  'locale',
  'strings',
  'editContactUrl',
  'cooldown',
  'refreshInterval',
  'changedAt',
  'theme',
  'tokenUrl',
  'token',
];

// What the wasm asks the host for (browser.rs `bearer`, `EventStream`).
const TOKEN = Symbol.for('registrant-verification:token');
const STREAM = Symbol.for('registrant-verification:stream');

/** Seconds before a token's `exp` at which a new one is asked for. */
const TOKEN_MARGIN = 60;

/** A JWT's `exp` (epoch seconds), or 0 when it cannot be read. */
function expiryOf(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return Number(JSON.parse(atob(part)).exp) || 0;
  } catch {
    return 0;
  }
}

/**
 * GETs a token from the panel (same origin, with its cookies): a JSON
 * `{"token": ...}` or the token as plain text.
 */
async function fetchToken(url) {
  const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json, text/plain' } });
  if (!res.ok) throw new Error(`token-url answered HTTP ${res.status}`);
  const text = (await res.text()).trim();
  let token = text;
  if (text.startsWith('{')) token = String(JSON.parse(text).token ?? '');
  if (!token) throw new Error('token-url gave no token');
  return { token, exp: expiryOf(token) };
}

/**
 * A server-sent event stream read with `fetch`, so it can carry
 * `Authorization: Bearer` (an `EventSource` cannot): an EventTarget that
 * behaves as the widget's EventSource does (`readyState`, `close()`,
 * `open`/`error` and message events). It reconnects after a network
 * error (backing off to 30 s), asks for a new token once after a 401, and
 * gives up (`readyState` 2) on any other answer than an event stream.
 */
function tokenStream(el, url) {
  const target = new EventTarget();
  target.url = url;
  target.readyState = 0;
  let stopped = false;
  let controller = null;
  target.close = () => {
    stopped = true;
    target.readyState = 2;
    controller?.abort();
  };
  const emit = (type, data) =>
    target.dispatchEvent(data === undefined ? new Event(type) : new MessageEvent(type, { data }));
  (async () => {
    let wait = 1000;
    let force = false;
    while (!stopped) {
      let fatal = false;
      try {
        controller = new AbortController();
        const token = await el[TOKEN](force);
        const headers = { Accept: 'text/event-stream' };
        if (token) headers.Authorization = `Bearer ${token}`;
        const res = await fetch(url, { headers, credentials: 'same-origin', cache: 'no-store', signal: controller.signal });
        if (res.status === 401 && !force) {
          force = true;
          continue;
        }
        force = false;
        if (!res.ok || !(res.headers.get('content-type') || '').startsWith('text/event-stream')) {
          fatal = true;
          throw new Error(`events-url answered HTTP ${res.status}`);
        }
        target.readyState = 1;
        emit('open');
        wait = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        let event = 'message';
        let data = [];
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.search(/\r\n|\n|\r/)) >= 0) {
            const line = buffer.slice(0, end);
            buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
            if (line === '') {
              if (data.length) emit(event, data.join('\n'));
              event = 'message';
              data = [];
            } else if (!line.startsWith(':')) {
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') event = v;
              else if (field === 'data') data.push(v);
            }
          }
        }
      } catch {
        // A network error, an abort, or a fatal answer (below).
      }
      if (stopped) return;
      if (fatal) {
        target.readyState = 2;
        emit('error');
        return;
      }
      target.readyState = 0;
      emit('error');
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 30_000);
    }
  })();
  return target;
}

const cache = {
  make: () =>
    class RegistrantVerificationElement extends mountedElement(ATTRIBUTES, PROPERTY_NAMES, mount) {
      // A widget speaking a language whose words are not loaded yet waits
      // for them before it first renders (English is built in), so it never
      // shows English first.
      connectedCallback() {
        const pending = ensureLanguage(languageOf(this));
        if (!pending) {
          super.connectedCallback();
          return;
        }
        pending.then(() => {
          if (this.isConnected && !this[HANDLE]) super.connectedCallback();
        });
      }

      // A new `locale` takes effect once its words are here (the old words
      // stay until then).
      attributeChangedCallback(name, oldValue, newValue) {
        const pending = name === 'locale' && oldValue !== newValue && ensureLanguage(languageOf(this));
        if (!pending) {
          super.attributeChangedCallback(name, oldValue, newValue);
          return;
        }
        pending.then(() => super.attributeChangedCallback(name, oldValue, newValue));
      }

      #token = null;
      #fetched = null;
      #fetching = null;

      /**
       * The bearer token for the gateway, set by the page (never reflected
       * to an attribute, never put in a URL), or null.
       */
      get token() { return this.#token; }
      set token(v) {
        this.#token = v ? String(v) : null;
        if (this.isConnected) this.refresh();
      }

      /** Where the widget GETs its token (same origin, with cookies), or null. */
      get tokenUrl() { return this.getAttribute('token-url'); }
      set tokenUrl(v) {
        this.#fetched = null;
        setOrRemove(this, 'token-url', v);
      }

      /**
       * The token to send: the `token` property, else one from
       * `token-url` (asked again shortly before its `exp`, or when
       * `force`d after a 401), else null. One fetch at a time.
       */
      async [TOKEN](force = false) {
        if (this.#token) return this.#token;
        const url = this.getAttribute('token-url');
        if (!url) return null;
        const fresh = this.#fetched && (!this.#fetched.exp || this.#fetched.exp - TOKEN_MARGIN > Date.now() / 1000);
        if (fresh && !force) return this.#fetched.token;
        this.#fetching ??= fetchToken(new URL(url, document.baseURI).href).finally(() => {
          this.#fetching = null;
        });
        try {
          this.#fetched = await this.#fetching;
          return this.#fetched.token;
        } catch (e) {
          console.warn('registrant-verification: could not get a token:', e.message);
          this.#fetched = null;
          return null;
        }
      }

      /** The event stream with the token (browser.rs EventStream). */
      [STREAM](url) {
        return this.#token || this.getAttribute('token-url') ? tokenStream(this, url) : null;
      }

      /** The latest normalized record, or null. */
      get record() {
        return this[HANDLE] ? this[HANDLE].record() : null;
      }

      get provider() {
        const p = (this.getAttribute('provider') || '').toLowerCase();
        return PROVIDERS.includes(p) ? p : null;
      }
      set provider(v) { setOrRemove(this, 'provider', v); }

      get statusUrl() { return this.getAttribute('status-url'); }
      set statusUrl(v) { setOrRemove(this, 'status-url', v); }

      get resendUrl() { return this.getAttribute('resend-url'); }
      set resendUrl(v) { setOrRemove(this, 'resend-url', v); }

      /** A server-sent event stream of this contact's changes, or null. */
      get eventsUrl() { return this.getAttribute('events-url'); }
      set eventsUrl(v) { setOrRemove(this, 'events-url', v); }

      get locale() { return this.getAttribute('locale'); }
      set locale(v) { setOrRemove(this, 'locale', v); }

      /** Wording overrides `{ id: template }` (README: Languages and wording), or null. */
      get strings() { return stringsAttr(this); }
      set strings(v) { setStrings(this, v); }

      get editContactUrl() { return this.getAttribute('edit-contact-url'); }
      set editContactUrl(v) { setOrRemove(this, 'edit-contact-url', v); }

      /** Seconds between resends where the registrar gives no time (900). */
      get cooldown() { return numberAttr(this, 'cooldown', 900); }
      set cooldown(v) { setOrRemove(this, 'cooldown', v); }

      /** Seconds between re-checks while action is pending (300). */
      get refreshInterval() { return numberAttr(this, 'refresh', 300); }
      set refreshInterval(v) { setOrRemove(this, 'refresh', v); }

      /** When the contact last changed, or null. */
      get changedAt() {
        const raw = this.getAttribute('changed-at');
        const d = raw ? new Date(raw) : null;
        return d && !Number.isNaN(d.getTime()) ? d : null;
      }
      set changedAt(v) {
        setOrRemove(this, 'changed-at', v instanceof Date ? v.toISOString() : v);
      }

      get theme() { return themeAttr(this); }
      set theme(v) { setOrRemove(this, 'theme', v); }
  },
};

/**
 * Defines the element as `name` in `registry` (default
 * `registrant-verification` in `customElements`) and returns its class.
 * Defining it twice is harmless. Call after `init()`.
 */
export function defineElement(name = 'registrant-verification', registry = globalThis.customElements) {
  return defineOnce(name, registry, cache);
}
