// <registrant-verification>: a custom element whose view is the Rust/Leptos
// widget, mounted into an open shadow root. Nothing here touches
// HTMLElement, customElements or window at module top level, so importing
// this module in Node (for `evaluate`) does not throw.
import { mount } from './registrant_verification.js';

/** The attributes the element observes, in their documented order. */
export const ATTRIBUTES = Object.freeze([
  'provider',
  'status-url',
  'resend-url',
  'locale',
  'edit-contact-url',
  'cooldown',
  'refresh',
  'changed-at',
  'theme',
]);

const PROVIDERS = ['dna', 'namecom', 'openprovider'];

function numberAttr(el, name, fallback) {
  const raw = el.getAttribute(name);
  const n = raw === null || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

function setOrRemove(el, name, value) {
  if (value === null || value === undefined || value === '') el.removeAttribute(name);
  else el.setAttribute(name, String(value));
}

let BaseClass = null;

function createClass() {
  return class RegistrantVerificationElement extends HTMLElement {
    static get observedAttributes() {
      return ATTRIBUTES;
    }

    #handle = null;
    #queued = false;

    constructor() {
      super();
      if (!this.shadowRoot) this.attachShadow({ mode: 'open' });
    }

    connectedCallback() {
      // Properties set before the element was defined shadow the accessors:
      // move them to the attributes.
      for (const prop of PROPERTY_NAMES) {
        if (Object.prototype.hasOwnProperty.call(this, prop)) {
          const value = this[prop];
          delete this[prop];
          this[prop] = value;
        }
      }
      if (!this.#handle) this.#handle = mount(this, this.shadowRoot);
    }

    disconnectedCallback() {
      // Unmounts the view, aborts requests and stops timers.
      const handle = this.#handle;
      this.#handle = null;
      if (handle) handle.free();
    }

    attributeChangedCallback(_name, oldValue, newValue) {
      if (oldValue === newValue || !this.#handle || this.#queued) return;
      // Coalesce several attribute changes into one update.
      this.#queued = true;
      queueMicrotask(() => {
        this.#queued = false;
        if (this.#handle) this.#handle.attributesChanged();
      });
    }

    /** Checks the status again now. */
    refresh() {
      if (this.#handle) this.#handle.refresh();
    }

    /** The latest normalized record, or null. */
    get record() {
      return this.#handle ? this.#handle.record() : null;
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

    get locale() { return this.getAttribute('locale'); }
    set locale(v) { setOrRemove(this, 'locale', v); }

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

    get theme() {
      const t = this.getAttribute('theme');
      return t === 'light' || t === 'dark' ? t : null;
    }
    set theme(v) { setOrRemove(this, 'theme', v); }
  };
}

const PROPERTY_NAMES = [
  'provider',
  'statusUrl',
  'resendUrl',
  'locale',
  'editContactUrl',
  'cooldown',
  'refreshInterval',
  'changedAt',
  'theme',
];

/**
 * Defines the element as `name` in `registry` (default
 * `registrant-verification` in `customElements`) and returns its class.
 * Defining it twice is harmless. Call after `init()`.
 */
export function defineElement(name = 'registrant-verification', registry = globalThis.customElements) {
  if (!registry) throw new Error('customElements is not available in this environment');
  const existing = registry.get(name);
  if (existing) return existing;
  BaseClass ??= createClass();
  try {
    registry.define(name, BaseClass);
  } catch (e) {
    // The same class is already defined under another name: define a
    // subclass for this one.
    if (e && e.name === 'NotSupportedError' && !registry.get(name)) {
      registry.define(name, class extends BaseClass {});
    } else if (!registry.get(name)) {
      throw e;
    }
  }
  return registry.get(name);
}
