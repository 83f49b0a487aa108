// registrant-verification-widget: the <registrant-verification> element and
// the rules without the UI. Call `init()` (browser) or `initSync({ module })`
// (Node) first. The staff list is a separate entry (`./list`) with its own
// wasm, so a registrant's page never downloads it.
export { default, default as init, initSync } from './registrant_verification.js';
export { evaluate } from './registrant_verification.js';
export { defineElement, ATTRIBUTES } from './element.js';
