// What <registrant-verification> and <registrant-verification-list> share:
// a custom element that mounts a Rust/Leptos view into its open shadow
// root, forwards attribute changes (coalesced into one call per microtask)
// and frees the view when removed. Classes are made lazily, so importing
// this module in Node (no HTMLElement) does not throw.

/** The wasm handle of a mounted element (`attributesChanged`, `refresh`, `free`). */
export const HANDLE = Symbol('handle');

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
      if (!this[HANDLE]) this[HANDLE] = mount(this, this.shadowRoot);
    }

    disconnectedCallback() {
      // Unmounts the view, aborts requests and stops timers.
      const handle = this[HANDLE];
      this[HANDLE] = null;
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
