// registrant-verification-widget/list: <registrant-verification-list>, the
// reseller staff list, with its own wasm. Call `init()` first.
export { default, default as init, initSync } from './registrant_verification_list.js';
export { defineListElement, LIST_ATTRIBUTES } from './list-element.js';
