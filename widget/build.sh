#!/usr/bin/env bash
# Builds the npm package of the widget into widget/pkg (and a tarball in
# widget/pkg/dist). Assumes the tools exist; override their paths with
# WASM_BINDGEN and WASM_OPT.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
pkg="$here/pkg"
name=registrant_verification
WASM_BINDGEN="${WASM_BINDGEN:-$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")}"
WASM_OPT="${WASM_OPT:-$root/tools/node_modules/.bin/wasm-opt}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

cd "$root"
cargo build --release --target wasm32-unknown-unknown -p verification-widget

rm -rf "$pkg"
mkdir -p "$pkg"
"$WASM_BINDGEN" --target web --out-dir "$pkg" --out-name "$name" \
  "$target_dir/wasm32-unknown-unknown/release/verification_widget.wasm"
"$WASM_OPT" -Oz --enable-bulk-memory --enable-reference-types --enable-multivalue \
  --enable-sign-ext --enable-nontrapping-float-to-int \
  -o "$pkg/${name}_bg.wasm" "$pkg/${name}_bg.wasm"

cp "$here"/js/{index.js,base.js,element.js,list-element.js,define.js,index.d.ts,define.d.ts} "$pkg/"

cat > "$pkg/package.json" <<JSON
{
  "name": "registrant-verification-widget",
  "version": "0.1.0",
  "description": "<registrant-verification>: the registrant email-verification widget (ICANN 15-day rule) and evaluate() for Domain Name API, name.com and Openprovider payloads.",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "./index.js",
  "module": "./index.js",
  "types": "./index.d.ts",
  "exports": {
    ".": { "types": "./index.d.ts", "default": "./index.js" },
    "./define": { "types": "./define.d.ts", "default": "./define.js" },
    "./registrant_verification_bg.wasm": "./registrant_verification_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": [
    "index.js",
    "index.d.ts",
    "base.js",
    "element.js",
    "list-element.js",
    "define.js",
    "define.d.ts",
    "${name}.js",
    "${name}.d.ts",
    "${name}_bg.wasm",
    "${name}_bg.wasm.d.ts",
    "README.md"
  ],
  "sideEffects": ["./define.js"]
}
JSON

cat > "$pkg/README.md" <<'MD'
# registrant-verification-widget

`<registrant-verification>` shows a registrant whether their email is
verified, by when, which domains stop resolving otherwise, and lets them
resend the verification email. Your backend passes the registrar's answer
through unchanged; the widget reads Domain Name API, name.com and
Openprovider shapes.

```html
<script type="module" src="/widget/define.js"></script>
<registrant-verification provider="namecom"
  status-url="/api/verification/status" resend-url="/api/verification/resend"
  edit-contact-url="/account/contact"></registrant-verification>
```

Attributes: `provider` (`dna` | `namecom` | `openprovider`), `status-url`,
`resend-url`, `locale`, `edit-contact-url`, `cooldown` (s, 900), `refresh`
(s, 300), `changed-at` (RFC 3339), `theme` (`light` | `dark`).
Events (bubbling, composed): `verification-change` (detail: the record),
`verification-resend` (`{outcome, nextEligibleAt, message}`),
`verification-error` (`{kind, message, status, detail, during}`).
Styling: `--rv-*` custom properties and `::part(card|status|deadline|domains|button)`.

Without the UI (Node or browser):

```js
import { initSync, evaluate } from 'registrant-verification-widget';
initSync({ module: fs.readFileSync(new URL(import.meta.resolve('registrant-verification-widget/registrant_verification_bg.wasm'))) });
const records = evaluate('namecom', body, { now: new Date() });
```
MD

mkdir -p "$pkg/dist"
(cd "$pkg" && npm pack --silent --pack-destination dist >/dev/null)

gz() { gzip -9 -c "$@" | wc -c; }
wasm_gz=$(gz "$pkg/${name}_bg.wasm")
js_gz=$(cat "$pkg"/{index.js,base.js,element.js,list-element.js,define.js,${name}.js} | gzip -9 -c | wc -c)
echo "widget/pkg: wasm $(wc -c <"$pkg/${name}_bg.wasm") B raw, ${wasm_gz} B gzip -9; js ${js_gz} B gzip -9; total $((wasm_gz + js_gz)) B"
ls "$pkg/dist"
