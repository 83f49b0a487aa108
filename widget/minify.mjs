// Minifies the package's JavaScript in place (terser, as ES modules: only
// names that are not exported are shortened). The sources with their
// comments are in widget/js/; what a page downloads is the minified copy:
// 7 KB less gzip for a registrant's page (issue 15).
//   node widget/minify.mjs <dir> <file>...
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from '../tools/node_modules/terser/main.js';

const [dir, ...files] = process.argv.slice(2);
if (!dir || files.length === 0) {
  console.error('usage: node minify.mjs <dir> <file>...');
  process.exit(2);
}
for (const file of files) {
  const path = join(dir, file);
  const out = await minify(readFileSync(path, 'utf8'), {
    module: true,
    ecma: 2020,
    compress: { passes: 2 },
    format: { comments: false },
  });
  writeFileSync(path, out.code);
}
