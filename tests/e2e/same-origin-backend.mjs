// A minimal backend of the same-origin contract (docs/backend-contract.md),
// written for the browser tests: what a reseller who does not deploy the
// gateway writes. One origin serves the page, the widget's files and
// `/api/{provider}/status|resend?contact=…`, with a cookie session,
// ownership, the registrar's body and status unchanged, the CSRF header and
// an idempotency cache, in front of the demo's sandbox. Contacts are named
// by the demo's scenario keys.

import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';

import * as h from './harness.mjs';

const C = h.sandboxCredentials();

/** The panel's contacts, by the id its URLs name, and whose they are. */
export const CONTACTS = {
  'openprovider-pending': { owner: 'jane', provider: 'openprovider', email: 'pending@openprovider.example' },
  'openprovider-verified': { owner: 'jane', provider: 'openprovider', email: 'verified@openprovider.example' },
  'dna-pending': { owner: 'jane', provider: 'dna', email: 'pending@dna.example' },
  'namecom-pending': { owner: 'jane', provider: 'namecom', verificationId: 98752464 },
  'openprovider-neighbour': { owner: 'someone-else', provider: 'openprovider', email: 'neighbour@openprovider.example' },
};

/** The cards of the backend's page `/`. */
export const CARDS = ['openprovider-pending', 'dna-pending', 'namecom-pending', 'openprovider-neighbour'];

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.html': 'text/html; charset=utf-8' };

/**
 * Starts the backend on 127.0.0.1 in front of the sandbox of the demo at
 * `sandbox`, serving the widget's files (and any page beside them) from
 * `widgetDir` at `/widget/`; resolves with `{ url, close() }`.
 */
export async function startSameOriginBackend(sandbox, { widgetDir = h.WIDGET_DIR } = {}) {
  const server = backend(sandbox, widgetDir);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** The minimal backend: one origin, the page, the widget's files, `/api`. */
function backend(sandbox, widgetDir) {
  const sessions = new Map(); // sid → user
  const replies = new Map(); // `${sid} ${key}` → {status, body}
  const upstream = (path, init = {}) => fetch(`${sandbox}/sandbox${path}`, init);
  const send = (res, status, body, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const owned = (req, url) => {
    const sid = /(?:^|;\s*)sid=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
    const user = sid && sessions.get(sid);
    if (!user) return { error: 401 };
    const contact = CONTACTS[url.searchParams.get('contact')];
    if (!contact || contact.owner !== user || `/api/${contact.provider}/` !== url.pathname.replace(/[^/]+$/, '')) {
      return { error: 403 };
    }
    return { sid, contact };
  };
  return http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      const sid = randomBytes(16).toString('hex');
      sessions.set(sid, 'jane');
      const card = (id) => {
        const p = CONTACTS[id].provider;
        return `<registrant-verification data-scenario="${id}" provider="${p}" status-url="/api/${p}/status?contact=${id}" resend-url="/api/${p}/resend?contact=${id}"></registrant-verification>`;
      };
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': `sid=${sid}; Path=/; HttpOnly; SameSite=Lax` });
      return res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>My panel</title>
<script type="module" src="/widget/define.js"></script></head><body>
${CARDS.map(card).join('')}</body></html>`);
    }
    if (url.pathname.startsWith('/widget/')) {
      const file = normalize(join(widgetDir, url.pathname.slice('/widget/'.length)));
      if (!file.startsWith(widgetDir) || !existsSync(file)) return send(res, 404, 'not found', 'text/plain');
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      // The build's brotli copy when the browser takes it, as a static
      // file server (and the gateway's `/widget/`) sends it.
      if (/\bbr\b/.test(req.headers['accept-encoding'] ?? '') && existsSync(`${file}.br`)) {
        res.writeHead(200, { 'content-type': type, 'content-encoding': 'br', vary: 'accept-encoding', 'cache-control': 'no-cache' });
        return res.end(readFileSync(`${file}.br`));
      }
      return send(res, 200, readFileSync(file), type);
    }
    const who = owned(req, url);
    if (who.error) return send(res, who.error, JSON.stringify({ error: who.error === 401 ? 'unauthenticated' : 'forbidden' }));
    const { sid, contact } = who;
    let up;
    if (req.method === 'GET' && url.pathname.endsWith('/status')) {
      if (contact.provider === 'openprovider') {
        up = await upstream(`/openprovider/v1beta/customers/verifications/emails/domains?email=${encodeURIComponent(contact.email)}`, {
          headers: { authorization: `Bearer ${C.OPENPROVIDER_TOKEN}` },
        });
      } else if (contact.provider === 'dna') {
        up = await upstream('/dna/ContactApi.svc/GetDetails', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ UserName: C.DNA_USERNAME, Password: C.DNA_PASSWORD, ContactEmail: contact.email }),
        });
      } else {
        // name.com's list is account-wide: page through it, keep this
        // contact's entries, in the same shape.
        const auth = `Basic ${Buffer.from(`${C.NAMECOM_USERNAME}:${C.NAMECOM_TOKEN}`).toString('base64')}`;
        const mine = [];
        for (let page = 1; page; ) {
          const r = await upstream(`/namecom/core/v1/contacts/unverified?page=${page}&perPage=1000`, { headers: { authorization: auth } });
          if (!r.ok) return send(res, r.status, await r.text());
          const body = await r.json();
          mine.push(...body.unverifiedContacts.filter((c) => c.verificationId === contact.verificationId));
          page = body.nextPage ?? 0;
        }
        return send(res, 200, JSON.stringify({ unverifiedContacts: mine, totalCount: mine.length, lastPage: 1 }));
      }
      return send(res, up.status, await up.text());
    }
    if (req.method === 'POST' && url.pathname === '/api/openprovider/resend') {
      if (req.headers['x-requested-with'] !== 'registrant-verification') return send(res, 403, '{"error":"csrf"}');
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const { operation } = JSON.parse(raw || '{}');
      if (operation !== 'restart' && operation !== 'start') return send(res, 400, '{"error":"bad_operation"}');
      const key = `${sid} ${req.headers['x-idempotency-key'] ?? ''}`;
      if (!replies.has(key)) {
        up = await upstream(`/openprovider/v1beta/customers/verifications/emails/${operation}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${C.OPENPROVIDER_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email: contact.email }),
        });
        replies.set(key, { status: up.status, body: await up.text() });
      }
      const { status, body } = replies.get(key);
      return send(res, status, body);
    }
    return send(res, 404, '{"error":"not_found"}');
  });
}

