// What <registrant-verification> and <registrant-verification-list> share:
// a custom element that mounts a Rust/Leptos view into its open shadow
// root, forwards attribute changes (coalesced into one call per microtask)
// and frees the view when removed. Classes are made lazily, so importing
// this module in Node (no HTMLElement) does not throw.

/** The wasm handle of a mounted element (`attributesChanged`, `refresh`, `free`). */
export const HANDLE = Symbol('handle');

/** Set while the wasm draws the element (define.js paints no card then). */
const MOUNTED = Symbol.for('registrant-verification:mounted');

/** Sets an attribute, or removes it for null, undefined and ''. */
export function setOrRemove(el, name, value) {
  if (value === null || value === undefined || value === '') el.removeAttribute(name);
  else el.setAttribute(name, String(value));
}

/** A non-negative number attribute, or `fallback`. */
export function numberAttr(el, name, fallback) {
  const raw = el.getAttribute(name);
  const n = raw === null || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * The `strings` property: the `strings` attribute's JSON as a new object
 * (null when absent or not a JSON object). Assign an object to change it.
 */
export function stringsAttr(el) {
  const raw = el.getAttribute('strings');
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Sets the `strings` attribute from an object (stored as JSON) or a JSON
 * string; null, undefined and '' remove it. An object that cannot be
 * serialized (a cycle) is ignored with one console warning.
 */
export function setStrings(el, value) {
  if (value === null || value === undefined || value === '') {
    el.removeAttribute('strings');
    return;
  }
  let json = value;
  if (typeof value !== 'string') {
    try {
      json = JSON.stringify(value);
    } catch (e) {
      console.warn(`<${el.localName}>: \`strings\` cannot be serialized (${e.message}); ignored`);
      return;
    }
  }
  el.setAttribute('strings', json);
}

/** `light`, `dark`, or null. */
export function themeAttr(el) {
  const t = el.getAttribute('theme');
  return t === 'light' || t === 'dark' ? t : null;
}

/**
 * The base class: observes `attributes`, mounts with `mount(host, root)`
 * on connect, frees on disconnect. `properties` are the element's property
 * names: values set before the element was defined are moved onto them.
 */
export function mountedElement(attributes, properties, mount) {
  return class extends HTMLElement {
    static get observedAttributes() {
      return attributes;
    }

    #queued = false;

    constructor() {
      super();
      this[HANDLE] = null;
      if (!this.shadowRoot) this.attachShadow({ mode: 'open' });
    }

    connectedCallback() {
      // Properties set before the element was defined shadow the accessors:
      // move them to the attributes.
      for (const prop of properties) {
        if (Object.prototype.hasOwnProperty.call(this, prop)) {
          const value = this[prop];
          delete this[prop];
          this[prop] = value;
        }
      }
      if (!this[HANDLE]) this.#takeOver();
    }

    /**
     * Mounts the view. A card painted before the wasm (define.js, or the
     * panel's declarative shadow root) is replaced in the same task by the
     * view, which draws the same answer (define.js hands it over): no frame
     * shows anything between; the focused control keeps the focus.
     */
    #takeOver() {
      const root = this.shadowRoot;
      const focused = root.activeElement?.id;
      this[MOUNTED] = true;
      root.replaceChildren();
      this[HANDLE] = mount(this, root);
      if (focused) requestAnimationFrame(() => root.getElementById(focused)?.focus());
    }

    disconnectedCallback() {
      // Unmounts the view, aborts requests and stops timers.
      const handle = this[HANDLE];
      this[HANDLE] = null;
      this[MOUNTED] = false;
      if (handle) handle.free();
    }

    attributeChangedCallback(_name, oldValue, newValue) {
      if (oldValue === newValue || !this[HANDLE] || this.#queued) return;
      this.#queued = true;
      queueMicrotask(() => {
        this.#queued = false;
        if (this[HANDLE]) this[HANDLE].attributesChanged();
      });
    }

    /** Loads again now. */
    refresh() {
      if (this[HANDLE]) this[HANDLE].refresh();
    }
  };
}

/**
 * Defines `makeClass()` (made once, on first use) as `name` in `registry`
 * and returns the class registered under `name`. Defining twice is
 * harmless; the same class under a second name gets a subclass.
 */
export function defineOnce(name, registry, cache) {
  if (!registry) throw new Error('customElements is not available in this environment');
  const existing = registry.get(name);
  if (existing) return existing;
  cache.cls ??= cache.make();
  try {
    registry.define(name, cache.cls);
  } catch (e) {
    if (e && e.name === 'NotSupportedError' && !registry.get(name)) {
      registry.define(name, class extends cache.cls {});
    } else if (!registry.get(name)) {
      throw e;
    }
  }
  return registry.get(name);
}

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
 * Tokens from a `token-url`, shared by every element of the page that names
 * the same URL: one request for a page of widgets, one renewal when they
 * all meet a 401 at once. Keyed by the absolute URL; define.js may have
 * started an entry's first request before this module loaded.
 */
const sharedTokens = (globalThis[Symbol.for('registrant-verification:tokens')] ??= new Map());

/** The token of `href` (fetched, or reused while fresh; see `sharedTokens`). */
function sharedToken(href, force) {
  let entry = sharedTokens.get(href);
  if (!entry) sharedTokens.set(href, (entry = { fetched: null, fetching: null, at: 0 }));
  const fresh = (t) => !t.exp || t.exp - TOKEN_MARGIN > Date.now() / 1000;
  // A 401 met with a token fetched a moment ago: that token is the answer.
  const justNow = Date.now() - entry.at < 5000;
  if (entry.fetched && fresh(entry.fetched) && (!force || justNow)) return Promise.resolve(entry.fetched);
  entry.fetching ??= fetchToken(href)
    .then((t) => {
      entry.fetched = t;
      entry.at = Date.now();
      return t;
    })
    .finally(() => {
      entry.fetching = null;
    });
  return entry.fetching;
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

/** How long the element waits for the page to answer `verification-token-expiring`. */
const RENEW_WAIT_MS = 5000;

/**
 * Adds the gateway's token to an element class: the `token` property (never
 * reflected), `tokenProvider`, the `token-url` attribute's `tokenUrl`, and
 * what the wasm asks the host for (browser.rs `bearer` and `EventStream`).
 *
 * A token the page set lasts until its `exp`. Shortly before (and after a
 * 401, once), the element asks for a new one: it calls `tokenProvider`
 * when the page gave one, else dispatches `verification-token-expiring`
 * (bubbling, composed; `detail.exp` in epoch seconds), which the page
 * answers by setting `token`. Unanswered, it says so in the console once
 * and goes on with the token it has (the widget then keeps the status it
 * showed, with a quiet "sign in again").
 */
export function withToken(Base) {
  return class extends Base {
    #token = null;
    #provider = null;
    #fetched = null;
    #fetching = null;
    /** A renewal under way: resolves with the new token, or null. */
    #renewal = null;
    #answer = null;
    #timer = null;
    #warned = false;
    /** When the page last answered a renewal (ms). */
    #renewedAt = 0;

    /**
     * The bearer token for the gateway, set by the page (never reflected
     * to an attribute, never put in a URL), or null.
     */
    get token() { return this.#token; }
    set token(v) {
      this.#token = v ? String(v) : null;
      this.#schedule(this.#token);
      if (this.#answer) {
        // The page answered `verification-token-expiring`: the next
        // request carries it; nothing to load again.
        const answer = this.#answer;
        this.#answer = null;
        this.#renewedAt = Date.now();
        answer(this.#token);
        return;
      }
      if (this.isConnected) this.refresh();
    }

    /**
     * A function the element calls for a token (it may return a promise):
     * at first, shortly before each token's `exp`, and after a 401. Or null.
     */
    get tokenProvider() { return this.#provider; }
    set tokenProvider(f) {
      this.#provider = typeof f === 'function' ? f : null;
      this.#fetched = null;
      if (this.#provider && this.isConnected) this.refresh();
    }

    /** Where the element GETs its token (same origin, with cookies), or null. */
    get tokenUrl() { return this.getAttribute('token-url'); }
    set tokenUrl(v) {
      this.#fetched = null;
      setOrRemove(this, 'token-url', v);
    }

    connectedCallback() {
      super.connectedCallback();
      this.#schedule(this.#token);
    }

    disconnectedCallback() {
      clearTimeout(this.#timer);
      this.#timer = null;
      super.disconnectedCallback();
    }

    /** Asks for a new `token` shortly before `token`'s `exp`. */
    #schedule(token) {
      clearTimeout(this.#timer);
      this.#timer = null;
      const exp = token ? expiryOf(token) : 0;
      if (!exp || !this.isConnected) return;
      const ms = Math.max(0, (exp - TOKEN_MARGIN) * 1000 - Date.now());
      // setTimeout holds at most 2^31-1 ms (24.8 days).
      if (ms < 2 ** 31 - 1) this.#timer = setTimeout(() => this.#renew(), ms);
    }

    /**
     * Asks the page for a new `token` (the event), waiting for its answer
     * at most RENEW_WAIT_MS; one renewal at a time. Resolves with the new
     * token, or null when nobody answered.
     */
    #renew() {
      if (this.#renewal) return this.#renewal;
      const exp = this.#token ? expiryOf(this.#token) : 0;
      this.#renewal = new Promise((resolve) => {
        const timer = setTimeout(() => {
          this.#answer = null;
          if (!this.#warned) {
            this.#warned = true;
            console.warn(
              `<${this.localName}>: its token ${exp ? `expires at ${new Date(exp * 1000).toISOString()}` : 'was refused'} and the page did not give a new one: ` +
                'answer the `verification-token-expiring` event by setting `token`, set `tokenProvider`, or use `token-url`',
            );
          }
          resolve(null);
        }, RENEW_WAIT_MS);
        this.#answer = (token) => {
          clearTimeout(timer);
          resolve(token);
        };
        this.dispatchEvent(new CustomEvent('verification-token-expiring', { bubbles: true, composed: true, detail: { exp } }));
      }).finally(() => {
        this.#renewal = null;
      });
      return this.#renewal;
    }

    /**
     * The token to send: from `tokenProvider`, else the `token` property
     * (renewed shortly before its `exp`, or when `force`d after a 401),
     * else one from `token-url` (likewise), else null. One fetch or
     * renewal at a time.
     */
    async [TOKEN](force = false) {
      const provider = this.#provider;
      const url = this.getAttribute('token-url');
      const stale = (t) => force || (t.exp && t.exp - TOKEN_MARGIN <= Date.now() / 1000);
      if (provider || (!this.#token && url)) {
        if (this.#fetched && !stale(this.#fetched)) return this.#fetched.token;
        this.#fetching ??= (provider ? fromProvider(provider) : sharedToken(new URL(url, document.baseURI).href, force)).finally(() => {
          this.#fetching = null;
        });
        try {
          this.#fetched = await this.#fetching;
          this.#schedule(null);
          return this.#fetched.token;
        } catch (e) {
          console.warn(`${this.localName}: could not get a token:`, e.message);
          this.#fetched = null;
          return null;
        }
      }
      if (!this.#token) return null;
      // A 401 to a request sent with the token just replaced: the new one
      // is the answer (a request in flight during a renewal is not a
      // reason to ask the page twice).
      if (force && Date.now() - this.#renewedAt < RENEW_WAIT_MS) return this.#token;
      if (!stale({ exp: expiryOf(this.#token) })) return this.#token;
      return (await this.#renew()) ?? this.#token;
    }

    /** The event stream with the token (browser.rs EventStream), or null without one. */
    [STREAM](url) {
      return this.#token || this.#provider || this.getAttribute('token-url') ? tokenStream(this, url) : null;
    }
  };
}

/** A token from the page's `tokenProvider` (a string, or a promise of one). */
async function fromProvider(provider) {
  const token = String((await provider()) ?? '').trim();
  if (!token) throw new Error('tokenProvider gave no token');
  return { token, exp: expiryOf(token) };
}
