// Side-effect module for registrant pages: loads the wasm next to this file
// and defines <registrant-verification>.
//   <script type="module" src="/widget/define.js"></script>
import init from './registrant_verification.js';
import { defineElement } from './element.js';

await init();
export const RegistrantVerificationElement = defineElement();
