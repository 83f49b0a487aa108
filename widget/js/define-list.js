// Side-effect module for staff pages: loads the list's wasm next to this
// file and defines <registrant-verification-list>.
//   <script type="module" src="/widget/define-list.js"></script>
//
// No static imports: the wasm download starts as soon as this module runs,
// beside the JS glue (see define.js).
const wasm = fetch(new URL('./registrant_verification_list_bg.wasm', import.meta.url));
const [{ default: init }, { defineListElement }] = await Promise.all([
  import('./registrant_verification_list.js'),
  import('./list-element.js'),
]);
await init({ module_or_path: wasm });
export const RegistrantVerificationListElement = defineListElement();
