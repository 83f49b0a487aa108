// Writes `X.br` (brotli, quality 11) and `X.gz` (gzip -9) beside every
// `.wasm` and `.js` file directly in a directory, for servers that send
// precompressed files as they are (the gateway's `/widget/`, nginx's
// `brotli_static`/`gzip_static`). Brotli is about a sixth smaller than gzip
// on the wasm: that is what a registrant on a slow phone connection waits
// for. Not part of the npm package (its `files` list names the originals).
//   node widget/precompress.mjs <dir>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node precompress.mjs <dir>');
  process.exit(2);
}
for (const entry of readdirSync(dir, { withFileTypes: true })) {
  if (!entry.isFile() || !/\.(wasm|js)$/.test(entry.name)) continue;
  const path = join(dir, entry.name);
  const data = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  }));
  writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
}
