// Side-effect module for staff pages: loads the list's wasm next to this
// file and defines <registrant-verification-list>.
//   <script type="module" src="/widget/define-list.js"></script>
import init from './registrant_verification_list.js';
import { defineListElement } from './list-element.js';

await init();
export const RegistrantVerificationListElement = defineListElement();
