#!/usr/bin/env bash
# Builds the npm package of the widget into widget/pkg (and a tarball in
# widget/pkg/dist). Assumes the tools exist; override their paths with
# WASM_BINDGEN and WASM_OPT.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
final="$here/pkg"
# Built beside the package and swapped in at the end, so a failed or
# concurrent build never leaves widget/pkg empty or half-written.
pkg="$here/pkg.tmp.$$"
trap 'rm -rf "$pkg"' EXIT
name=registrant_verification
WASM_BINDGEN="${WASM_BINDGEN:-$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")}"
WASM_OPT="${WASM_OPT:-$root/tools/node_modules/.bin/wasm-opt}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

cd "$root"
# shellcheck source=widget/wasm-release.sh
. "$here/wasm-release.sh"
rm -rf "$pkg"
mkdir -p "$pkg"

# One wasm per element: a registrant's page loads only the widget (and
# `evaluate`); the staff list is its own module, loaded by its own entry.
# build <feature> <out-name>
build() {
  wasm_release -p verification-widget --no-default-features --features "$1"
  "$WASM_BINDGEN" --target web --out-dir "$pkg" --out-name "$2" \
    "$target_dir/wasm32-unknown-unknown/release/verification_widget.wasm"
  node "$here/drop-exports.mjs" "$pkg" "$2"
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-reference-types --enable-multivalue \
    --enable-sign-ext --enable-nontrapping-float-to-int \
    -o "$pkg/${2}_bg.wasm" "$pkg/${2}_bg.wasm"
}
build element "$name"
build list "${name}_list"

cp "$here"/js/{index.js,base.js,element.js,languages.js,list.js,list-element.js,define.js,define-list.js} "$pkg/"
cp -r "$here/js/locales" "$pkg/"
cp "$here"/js/{index.d.ts,list.d.ts,define.d.ts,define-list.d.ts} "$pkg/"

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
    "./list": { "types": "./list.d.ts", "default": "./list.js" },
    "./define-list": { "types": "./define-list.d.ts", "default": "./define-list.js" },
    "./registrant_verification_bg.wasm": "./registrant_verification_bg.wasm",
    "./registrant_verification_list_bg.wasm": "./registrant_verification_list_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": [
    "index.js",
    "index.d.ts",
    "base.js",
    "element.js",
    "languages.js",
    "locales/",
    "list.js",
    "list.d.ts",
    "list-element.js",
    "define.js",
    "define.d.ts",
    "define-list.js",
    "define-list.d.ts",
    "${name}.js",
    "${name}.d.ts",
    "${name}_bg.wasm",
    "${name}_bg.wasm.d.ts",
    "${name}_list.js",
    "${name}_list.d.ts",
    "${name}_list_bg.wasm",
    "${name}_list_bg.wasm.d.ts",
    "README.md"
  ],
  "sideEffects": ["./define.js", "./define-list.js"]
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

The reseller staff list is a separate entry with its own wasm, so a
registrant's page never downloads it:

```html
<script type="module" src="/widget/define-list.js"></script>
<registrant-verification-list provider="namecom"
  list-url="/api/verification/list" resend-url="/api/verification/resend"></registrant-verification-list>
```

(or `import { init, defineListElement } from 'registrant-verification-widget/list'`).

Without the UI (Node or browser):

```js
import { initSync, evaluate } from 'registrant-verification-widget';
initSync({ module: fs.readFileSync(new URL(import.meta.resolve('registrant-verification-widget/registrant_verification_bg.wasm'))) });
const records = evaluate('namecom', body, { now: new Date() });
```
MD

# What pages download is minified (the commented sources are widget/js/).
(cd "$pkg" && node "$here/minify.mjs" . index.js base.js element.js languages.js list.js \
  list-element.js define.js define-list.js "${name}.js" "${name}_list.js" locales/*.js)

mkdir -p "$pkg/dist"
(cd "$pkg" && npm pack --silent --pack-destination dist >/dev/null)
# Brotli and gzip copies for servers that send precompressed files (not in
# the npm package).
node "$here/precompress.mjs" "$pkg"

gz() { gzip -9 -c "$@" | wc -c; }
# What a page loads for each element (the entry, its module graph, the wasm).
report() {
  local label=$1 wasm=$2
  shift 2
  local wasm_gz js_gz
  wasm_gz=$(gz "$pkg/$wasm")
  js_gz=$(cd "$pkg" && cat "$@" | gzip -9 -c | wc -c)
  echo "widget/pkg $label: wasm $(wc -c <"$pkg/$wasm") B raw, ${wasm_gz} B gzip -9; js ${js_gz} B gzip -9; total $((wasm_gz + js_gz)) B"
}
report "<registrant-verification>" "${name}_bg.wasm" define.js base.js element.js "${name}.js"
report "<registrant-verification-list>" "${name}_list_bg.wasm" define-list.js base.js list-element.js "${name}_list.js"
ls "$pkg/dist"

old="$here/pkg.old.$$"
if [ -e "$final" ]; then mv "$final" "$old"; fi
mv "$pkg" "$final"
rm -rf "$old"
