// <registrant-verification-list>: the reseller staff list of every contact
// of the account, a custom element whose view is the Rust/Leptos list
// (`mount_list`), mounted into an open shadow root. Like element.js, nothing
// here touches HTMLElement, customElements or window at module top level.
import { mount_list } from './registrant_verification.js';

/** The attributes the list element observes, in their documented order. */
export const LIST_ATTRIBUTES = Object.freeze([
  'provider',
  'list-url',
  'resend-url',
  'locale',
  'theme',
  'rate-limit',
  'page-size',
]);

const LIST_PROVIDERS = ['namecom', 'openprovider'];

function setOrRemove(el, name, value) {
  if (value === null || value === undefined || value === '') el.removeAttribute(name);
  else el.setAttribute(name, String(value));
}

const PROPERTY_NAMES = ['provider', 'listUrl', 'resendUrl', 'locale', 'theme', 'rateLimit', 'pageSize'];

let ListClass = null;

function createListClass() {
  return class RegistrantVerificationListElement extends HTMLElement {
    static get observedAttributes() {
      return LIST_ATTRIBUTES;
    }

    #handle = null;
    #queued = false;

    constructor() {
      super();
      if (!this.shadowRoot) this.attachShadow({ mode: 'open' });
    }

    connectedCallback() {
      for (const prop of PROPERTY_NAMES) {
        if (Object.prototype.hasOwnProperty.call(this, prop)) {
          const value = this[prop];
          delete this[prop];
          this[prop] = value;
        }
      }
      if (!this.#handle) this.#handle = mount_list(this, this.shadowRoot);
    }

    disconnectedCallback() {
      // Unmounts the view, aborts requests, stops the resend queue's timer.
      const handle = this.#handle;
      this.#handle = null;
      if (handle) handle.free();
    }

    attributeChangedCallback(_name, oldValue, newValue) {
      if (oldValue === newValue || !this.#handle || this.#queued) return;
      this.#queued = true;
      queueMicrotask(() => {
        this.#queued = false;
        if (this.#handle) this.#handle.attributesChanged();
      });
    }

    /** Reads every page of the list again. */
    refresh() {
      if (this.#handle) this.#handle.refresh();
    }

    /** `{total, overdue, suspended, critical, rowErrors, pages}` of the last load, or null. */
    get stats() {
      return this.#handle ? this.#handle.stats() : null;
    }

    get provider() {
      const p = (this.getAttribute('provider') || '').toLowerCase();
      return LIST_PROVIDERS.includes(p) ? p : null;
    }
    set provider(v) { setOrRemove(this, 'provider', v); }

    get listUrl() { return this.getAttribute('list-url'); }
    set listUrl(v) { setOrRemove(this, 'list-url', v); }

    get resendUrl() { return this.getAttribute('resend-url'); }
    set resendUrl(v) { setOrRemove(this, 'resend-url', v); }

    get locale() { return this.getAttribute('locale'); }
    set locale(v) { setOrRemove(this, 'locale', v); }

    get theme() {
      const t = this.getAttribute('theme');
      return t === 'light' || t === 'dark' ? t : null;
    }
    set theme(v) { setOrRemove(this, 'theme', v); }

    /** `N/SECONDS` replacing the registrar's account limit (demo/test knob), or null. */
    get rateLimit() { return this.getAttribute('rate-limit'); }
    set rateLimit(v) { setOrRemove(this, 'rate-limit', v); }

    /** Rows per request, 1..1000 (default 1000). */
    get pageSize() {
      const n = Number(this.getAttribute('page-size'));
      return Number.isInteger(n) && n >= 1 ? Math.min(n, 1000) : 1000;
    }
    set pageSize(v) { setOrRemove(this, 'page-size', v); }
  };
}

/**
 * Defines the list element as `name` in `registry` (default
 * `registrant-verification-list` in `customElements`) and returns its
 * class. Defining it twice is harmless. Call after `init()`.
 */
export function defineListElement(name = 'registrant-verification-list', registry = globalThis.customElements) {
  if (!registry) throw new Error('customElements is not available in this environment');
  const existing = registry.get(name);
  if (existing) return existing;
  ListClass ??= createListClass();
  try {
    registry.define(name, ListClass);
  } catch (e) {
    if (e && e.name === 'NotSupportedError' && !registry.get(name)) {
      registry.define(name, class extends ListClass {});
    } else if (!registry.get(name)) {
      throw e;
    }
  }
  return registry.get(name);
}
