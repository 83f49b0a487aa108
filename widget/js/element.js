// <registrant-verification>: a custom element whose view is the Rust/Leptos
// widget, mounted into an open shadow root. Nothing here touches
// HTMLElement, customElements or window at module top level, so importing
// this module in Node (for `evaluate`) does not throw.
import { mount } from './registrant_verification.js';
import { HANDLE, defineOnce, mountedElement, numberAttr, setOrRemove, setStrings, stringsAttr, themeAttr, withToken } from './base.js';
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
  'domains',
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
  'tokenProvider',
  'domains',
];

const cache = {
  make: () =>
    class RegistrantVerificationElement extends withToken(mountedElement(ATTRIBUTES, PROPERTY_NAMES, mount)) {
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

      /**
       * The contact's domains as the panel knows them, shown when the
       * registrar names none (Domain Name API). Set an array or a space- or
       * comma-separated string.
       */
      get domains() {
        return (this.getAttribute('domains') || '').split(/[\s,]+/).filter(Boolean);
      }
      set domains(v) {
        setOrRemove(this, 'domains', Array.isArray(v) ? v.join(' ') : v);
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
