// Side-effect module for pages: loads the wasm next to this file and defines
// <registrant-verification> and <registrant-verification-list>.
//   <script type="module" src="/widget/define.js"></script>
import init from './registrant_verification.js';
import { defineElement } from './element.js';
import { defineListElement } from './list-element.js';

await init();
export const RegistrantVerificationElement = defineElement();
export const RegistrantVerificationListElement = defineListElement();
