// Drops the stream classes Leptos brings along and no page of ours uses
// from a wasm-bindgen output, before wasm-opt, so their code goes too.
//
// leptos 0.8 always enables server_fn's `browser` feature, which links
// wasm-streams; its `#[wasm_bindgen]` classes (IntoUnderlyingSource, -Sink,
// -ByteSource) are module exports, which no dead-code pass may remove. A
// client-side page never calls a server function, so nothing constructs
// them. Measured on the registrant's wasm (issue 15): -5.5 KB raw, -2.1 KB
// gzip, and their glue. The bench's counter is built the same way.
//
//   node widget/drop-exports.mjs <dir> <out-name>
// edits <out-name>.js, <out-name>.d.ts, <out-name>_bg.wasm.d.ts and
// <out-name>_bg.wasm in <dir>. Fails when anything still names a class
// it dropped.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../tools/node_modules/acorn/dist/acorn.mjs';

const CLASSES = ['IntoUnderlyingByteSource', 'IntoUnderlyingSink', 'IntoUnderlyingSource'];

const [dir, name] = process.argv.slice(2);
if (!dir || !name) {
  console.error('usage: node drop-exports.mjs <dir> <out-name>');
  process.exit(2);
}

/** Whether `text` names one of `names` (as a whole word). */
const names = (text, list) => list.some((n) => new RegExp(`\\b${n}`).test(text));

// --- the JS glue: drop the classes, their finalizers and dispose hooks.
const jsPath = join(dir, `${name}.js`);
const js = readFileSync(jsPath, 'utf8');
const present = CLASSES.filter((c) => new RegExp(`export class ${c}\\b`).test(js));
if (present.length === 0) {
  console.log(`drop-exports: ${name}: no stream classes`);
  process.exit(0);
}
const wasmNames = present.map((c) => c.toLowerCase());
const program = parse(js, { ecmaVersion: 'latest', sourceType: 'module' });
let out = '';
let from = 0;
for (const node of program.body) {
  const text = js.slice(node.start, node.end);
  const isClass = node.type === 'ExportNamedDeclaration' && node.declaration?.type === 'ClassDeclaration'
    && present.includes(node.declaration.id.name);
  const isFinalizer = node.type === 'VariableDeclaration'
    && node.declarations.every((d) => present.some((c) => d.id.name === `${c}Finalization`));
  const isDispose = node.type === 'IfStatement' && names(text, present.map((c) => `${c}\\.prototype`));
  if (isClass || isFinalizer || isDispose) {
    out += js.slice(from, node.start);
    from = node.end;
  }
}
out += js.slice(from);
if (names(out, present) || names(out, wasmNames)) {
  throw new Error(`drop-exports: ${jsPath} still names a dropped class`);
}
writeFileSync(jsPath, out);

// --- the type declarations: the classes and the wasm exports' lines.
for (const file of [`${name}.d.ts`, `${name}_bg.wasm.d.ts`]) {
  const path = join(dir, file);
  if (!existsSync(path)) continue;
  const lines = readFileSync(path, 'utf8').split('\n');
  const kept = [];
  for (let i = 0; i < lines.length; i++) {
    if (present.some((c) => lines[i].startsWith(`export class ${c} `))) {
      while (i < lines.length && lines[i] !== '}') i++;
      continue;
    }
    if (!names(lines[i], wasmNames.map((n) => `(__wbg_)?${n}_`))) kept.push(lines[i]);
  }
  const text = kept.join('\n');
  if (names(text, present) || names(text, wasmNames)) {
    throw new Error(`drop-exports: ${path} still names a dropped class`);
  }
  writeFileSync(path, text);
}

// --- the wasm: rewrite the export section without the classes' exports.
const wasmPath = join(dir, `${name}_bg.wasm`);
const wasm = readFileSync(wasmPath);
const leb = (buf, at) => {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
};
const uleb = (n) => {
  const bytes = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    bytes.push(byte);
  } while (n);
  return Buffer.from(bytes);
};
const droppedExport = (n) => wasmNames.some((c) => n.startsWith(`${c}_`) || n === `__wbg_${c}_free`);
const parts = [wasm.subarray(0, 8)];
const dropped = [];
for (let at = 8; at < wasm.length;) {
  const id = wasm[at];
  const [size, body] = leb(wasm, at + 1);
  let section = wasm.subarray(body, body + size);
  if (id === 7) {
    let [count, p] = leb(section, 0);
    const entries = [];
    while (count--) {
      const start = p;
      const [len, nameAt] = leb(section, p);
      const exportName = section.subarray(nameAt, nameAt + len).toString('utf8');
      [, p] = leb(section, nameAt + len + 1);
      if (droppedExport(exportName)) dropped.push(exportName);
      else entries.push(section.subarray(start, p));
    }
    section = Buffer.concat([uleb(entries.length), ...entries]);
  }
  parts.push(Buffer.from([id]), uleb(section.length), section);
  at = body + size;
}
writeFileSync(wasmPath, Buffer.concat(parts));
console.log(`drop-exports: ${name}: ${present.join(', ')} (${dropped.length} wasm exports)`);
