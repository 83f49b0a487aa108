// <registrant-verification-list>: the reseller staff list of every contact
// of the account, a custom element whose view is the Rust/Leptos list
// (`mount_list`), mounted into an open shadow root. Like element.js, nothing
// here touches HTMLElement, customElements or window at module top level.
import { mount_list } from './registrant_verification_list.js';
import { HANDLE, defineOnce, mountedElement, setOrRemove, setStrings, stringsAttr, themeAttr, withToken } from './base.js';

/** The attributes the list element observes, in their documented order. */
export const LIST_ATTRIBUTES = Object.freeze([
  'provider',
  'list-url',
  'resend-url',
  'locale',
  'strings',
  'theme',
  'rate-limit',
  'page-size',
  'token-url',
  'queue-url',
]);

const LIST_PROVIDERS = ['namecom', 'openprovider'];

const PROPERTY_NAMES = ['provider', 'listUrl', 'resendUrl', 'locale', 'strings', 'theme', 'rateLimit', 'pageSize', 'tokenUrl', 'token', 'tokenProvider', 'queueUrl'];

const cache = {
  make: () =>
    class RegistrantVerificationListElement extends withToken(mountedElement(LIST_ATTRIBUTES, PROPERTY_NAMES, mount_list)) {
      /** `{total, overdue, suspended, critical, rowErrors, pages}` of the last load, or null. */
      get stats() {
        return this[HANDLE] ? this[HANDLE].stats() : null;
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

      /**
       * The gateway's staff queue (`serve`: `/api/<provider>/support/queue`),
       * or null: with it, bulk resends are queued and sent by the gateway
       * (they survive the tab and a restart, every staff browser sees them);
       * without it, this tab paces them.
       */
      get queueUrl() { return this.getAttribute('queue-url'); }
      set queueUrl(v) { setOrRemove(this, 'queue-url', v); }

      get locale() { return this.getAttribute('locale'); }
      set locale(v) { setOrRemove(this, 'locale', v); }

      /** Wording overrides `{ id: template }` (README: Languages and wording), or null. */
      get strings() { return stringsAttr(this); }
      set strings(v) { setStrings(this, v); }

      get theme() { return themeAttr(this); }
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
  },
};

/**
 * Defines the list element as `name` in `registry` (default
 * `registrant-verification-list` in `customElements`) and returns its
 * class. Defining it twice is harmless. Call after `init()`.
 */
export function defineListElement(name = 'registrant-verification-list', registry = globalThis.customElements) {
  return defineOnce(name, registry, cache);
}
