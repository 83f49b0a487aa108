// What the browser-side npm consumer tests (vite.test.mjs,
// script-tag.test.mjs) share: the packed tarball, the status payload the
// page's `status-url` answers with, and a tiny static file server.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NAME = 'registrant-verification-widget';
const DIST = join(ROOT, 'widget', 'pkg', 'dist');

/** The tarball `make package` packed (widget/pkg/dist/*.tgz); fails, never skips, when missing. */
export function packedTarball() {
  const found = existsSync(DIST) ? readdirSync(DIST).filter((f) => f.startsWith(`${NAME}-`) && f.endsWith('.tgz')) : [];
  if (found.length !== 1) {
    throw new Error(`expected one ${NAME}-*.tgz in ${DIST}, found ${JSON.stringify(found)}: run \`make package\``);
  }
  return join(DIST, found[0]);
}

/** The status URL the pages point the widget at (answered by `STATUS_BODY`). */
export const STATUS_PATH = '/api/openprovider/status';
export const STATUS_URL = `${STATUS_PATH}?contact=BA000001-XX`;

/**
 * What a reseller's pass-through returns for one Openprovider contact: the
 * documented list shape (`{code, desc, data: {results, total}}`) holding
 * only that email's rows, taken from tests/fixtures/openprovider/list-multi.json
 * (baker@example.com: three domains "in progress" until 2026-03-03 10:00 UTC).
 */
export function openproviderPendingBody(email = 'baker@example.com') {
  const all = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'openprovider', 'list-multi.json'), 'utf8'));
  const results = all.data.results.filter((r) => r.email.toLowerCase() === email);
  return JSON.stringify({ ...all, data: { ...all.data, results, total: results.length } });
}

/** What `evaluate('openprovider', openproviderPendingBody(), { now: T0 })` must say (core/tests/adapters.rs agrees). */
export const BAKER = {
  email: 'baker@example.com',
  handle: 'BA000001-XX',
  domains: ['bakery.com', 'bakery.net', 'bakery.shop'],
  status: 'pending',
  deadline: '2026-03-03T10:00:00Z',
  daysLeft: 2,
  urgency: 'critical',
};

/** Collects a page's requests and responses of wasm modules: `{ url, status, type }`. */
export function recordWasm(page) {
  const loaded = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.endsWith('.wasm')) {
      loaded.push({ url: res.url(), status: res.status(), type: res.headers()['content-type'] ?? null });
    }
  });
  return loaded;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json',
};

/**
 * Serves `root` at `/` (a folder's `index.html` for its path) and `routes`
 * (`{ '/api/x': { status?, type?, body } }`, matched on the path without
 * the query) in front of it. Resolves to `{ url, requests, close() }`;
 * `requests` lists `{ method, path, status, type }` in order.
 */
export async function serveStatic(root, routes = {}) {
  const base = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const send = (status, type, body) => {
      requests.push({ method: req.method, path: url.pathname, search: url.search, status, type });
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed');
    const route = routes[url.pathname];
    if (route) return send(route.status ?? 200, route.type ?? 'application/json', route.body);
    let file;
    try {
      file = resolve(join(base, decodeURIComponent(url.pathname)));
    } catch {
      return send(400, 'text/plain', 'bad path');
    }
    if (file !== base && !file.startsWith(base + sep)) return send(403, 'text/plain', 'forbidden');
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      return send(200, TYPES[extname(file)] ?? 'application/octet-stream', body);
    } catch {
      return send(404, 'text/plain', 'not found');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
