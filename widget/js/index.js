// registrant-verification-widget: the custom element and the rules without
// the UI. Call `init()` (browser) or `initSync({ module })` (Node) first.
export { default, default as init, initSync } from './registrant_verification.js';
export { evaluate } from './registrant_verification.js';
export { defineElement, ATTRIBUTES } from './element.js';
export { defineListElement, LIST_ATTRIBUTES } from './list-element.js';
