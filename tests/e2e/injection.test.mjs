// Hostile strings from a registrar (or from whoever controls a contact's
// email, handle or domain names) render as inert text: for each provider,
// HTML/script payloads, template syntax, RTL overrides and very long
// strings in the email, handle, domains and a registrar error message
// appear exactly as text; the shadow root gains no element, attribute
// handler or dialog; and `edit-contact-url` cannot smuggle in a
// `javascript:` (or any non-http) link.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './harness.mjs';

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const PROVIDERS = ['dna', 'namecom', 'openprovider'];
const DEADLINE = '2026-03-10T12:00:00Z';

const PAYLOADS = [
  { name: 'img-onerror', text: '<img src=x onerror=alert(1)>' },
  { name: 'attr-breakout-svg', text: '"><svg onload=alert(1)>' },
  { name: 'javascript-url', text: 'javascript:alert(1)' },
  { name: 'style-script', text: '</style><script>alert(1)</script>' },
  { name: 'template', text: "{{constructor.constructor('alert(1)')()}}" },
  { name: 'rtl-override', text: 'evil\u202Egnp.exe@example.com\u202Dx\u2066y' },
  { name: 'iframe-srcdoc', text: '<iframe srcdoc="<script>parent.alert(1)</script>"></iframe>' },
  { name: 'very-long', text: `${'a'.repeat(4000)}<b>${'x'.repeat(4000)}</b>@${'long-'.repeat(400)}example.com` },
];

/** The registrar's answer for `provider` with `s` in every text field. */
function payload(provider, s) {
  const domains = [s, `${s}.example`];
  switch (provider) {
    case 'dna':
      return { VerificationStatus: 'Pending', ExpirationDate: DEADLINE.replace('Z', ''), ContactEmail: s, ExternalId: s };
    case 'namecom':
      return { unverifiedContacts: [{ verificationId: 77, verifyBy: DEADLINE, email: s, domains }], totalCount: 1 };
    default:
      return {
        code: 0,
        desc: '',
        data: {
          results: domains.map((domain) => ({
            domain,
            email: s,
            handle: s,
            status: 'in progress',
            expiration_date: DEADLINE.replace('T', ' ').replace('Z', ''),
            is_suspended: false,
          })),
          total: 2,
        },
      };
  }
}

/** A page with one widget per provider whose status answers are `answers[provider]()`. */
async function injectionPage(browser, server, answers, extra = '') {
  const page = await h.newPage(browser);
  page.dialogs = [];
  page.on('dialog', async (d) => {
    page.dialogs.push(d.message());
    await d.dismiss().catch(() => {});
  });
  await page.route(
    (url) => url.pathname === '/api/injection/status',
    (route) => {
      const p = new URL(route.request().url()).searchParams.get('provider');
      const [status, body] = answers[p]();
      return route.fulfill({ status, contentType: 'application/json', body: typeof body === 'string' ? body : JSON.stringify(body) });
    },
  );
  const widgets = PROVIDERS.map(
    (p) => `<article class="card"><h3>${p}</h3>
<registrant-verification data-scenario="inj-${p}" provider="${p}" status-url="/api/injection/status?provider=${p}"
 resend-url="/api/injection/resend?provider=${p}"></registrant-verification></article>`,
  ).join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Injection</title>
<link rel="stylesheet" href="/static/panel.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script type="module" src="/widget/define.js"></script></head>
<body><main id="main"><div class="cards">${widgets}${extra}</div></main></body></html>`;
  await page.route(server.url + '/test/injection', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': CSP }, body: html }),
  );
  await page.goto(server.url + '/test/injection');
  return page;
}

/** Everything in the shadow root that is not inert text. */
async function activeContent(page, scenario) {
  return h.widget(page, scenario).evaluate((el) => {
    const root = el.shadowRoot;
    const all = [...root.querySelectorAll('*')];
    return {
      dangerous: [...root.querySelectorAll('img,script,iframe,object,embed,style,link,base,form,svg[onload],math')].map(
        (e) => e.outerHTML.slice(0, 80),
      ),
      svgs: [...root.querySelectorAll('svg')].map((s) => s.getAttribute('class')),
      handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName} ${a.name}`)),
      jsUrls: all.flatMap((e) =>
        [...e.attributes].filter((a) => /^\s*(javascript|data|vbscript):/i.test(a.value)).map((a) => `${e.tagName} ${a.name}`),
      ),
      lightDom: [...el.children].map((c) => c.tagName),
    };
  });
}

async function assertInert(page, scenario, what) {
  const a = await activeContent(page, scenario);
  assert.deepEqual(a.dangerous, [], `${what}: no active element in the shadow root`);
  assert.deepEqual(a.svgs, ['icon'], `${what}: the only svg is the widget's icon`);
  assert.deepEqual(a.handlers, [], `${what}: no on* attribute`);
  assert.deepEqual(a.jsUrls, [], `${what}: no script URL in any attribute`);
  assert.deepEqual(a.lightDom, [], `${what}: nothing added to the light DOM`);
  const doc = await page.evaluate(() => ({
    scripts: document.querySelectorAll('script').length,
    active: document.querySelectorAll('img,iframe,object,embed,svg').length,
  }));
  assert.deepEqual(doc, { scripts: 1, active: 0 }, `${what}: the document gained nothing`);
  assert.deepEqual(page.dialogs, [], `${what}: no dialog opened`);
}

/** Refreshes the widget and waits for the record carrying `email`. */
async function refreshTo(page, scenario, email) {
  await page.evaluate((k) => {
    window.__events = window.__events.filter((e) => e.scenario !== k);
    document.querySelector(`[data-scenario="${k}"]`).refresh();
  }, scenario);
  await page.waitForFunction(
    ([k, email]) => window.__events.some((e) => e.type === 'verification-change' && e.scenario === k && e.detail.email === email),
    [scenario, email],
    { timeout: 10_000 },
  );
  await h.settle(page);
}

let server;
let browser;

describe('injection', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('payloads in email, handle and domains render as exact, inert text for every provider', async () => {
    let current = 'jane@example.com';
    const answers = Object.fromEntries(PROVIDERS.map((p) => [p, () => [200, payload(p, current)]]));
    const page = await injectionPage(browser, server, answers);
    try {
      for (const p of PROVIDERS) await h.waitForStatus(page, `inj-${p}`, 'pending');
      for (const { name, text } of PAYLOADS) {
        current = text;
        for (const p of PROVIDERS) {
          const key = `inj-${p}`;
          const what = `${p} ${name}`;
          await refreshTo(page, key, text);
          assert.equal(await h.widget(page, key).getAttribute('data-status'), 'pending', `${what}: read as a normal record`);
          const shown = await h.widget(page, key).evaluate((el) => ({
            lead: el.shadowRoot.querySelector('.lead').textContent,
            domains: [...el.shadowRoot.querySelectorAll('.domains li')].map((li) => li.textContent),
            record: el.record,
            overflow: (() => {
              const card = el.shadowRoot.querySelector('article');
              return card.scrollWidth - card.clientWidth;
            })(),
          }));
          assert.ok(shown.lead.includes(text), `${what}: the email appears exactly in: ${shown.lead.slice(0, 200)}`);
          if (/[\u202A-\u202E\u2066-\u2069]/.test(text)) {
            assert.ok(shown.lead.includes(`\u2068${text}\u2069`), `${what}: direction controls are isolated`);
            // Laid out, no part of the address lands after the sentence's
            // next words ("Click the link") on their line.
            const leaked = await h.widget(page, key).evaluate((el, text) => {
              const lead = el.shadowRoot.querySelector('.lead');
              // The address is set apart (it wraps only at @ and dots).
              const address = document.createRange();
              address.selectNodeContents(lead.querySelector('.address') ?? lead);
              const walker = document.createTreeWalker(lead, NodeFilter.SHOW_TEXT);
              let node;
              while ((node = walker.nextNode()) && !node.data.includes('Click the link'));
              const click = document.createRange();
              click.setStart(node, node.data.indexOf('Click the link'));
              click.setEnd(node, node.data.indexOf('Click the link') + 5);
              const at = click.getBoundingClientRect();
              return [...address.getClientRects()].filter(
                (r) => r.width > 0 && Math.abs(r.top - at.top) < 2 && r.left >= at.right - 1,
              ).length;
            }, text);
            assert.equal(leaked, 0, `${what}: the override does not reorder the rest of the sentence`);
          }
          assert.equal(shown.record.email, text, `${what}: record.email`);
          if (p !== 'namecom') assert.equal(shown.record.handle, text, `${what}: record.handle`);
          if (p === 'dna') {
            assert.deepEqual(shown.domains, [], `${what}: DNA names no domains`);
          } else {
            assert.deepEqual(shown.domains, [text, `${text}.example`], `${what}: domains appear exactly`);
          }
          assert.ok(shown.overflow <= 1, `${what}: the card does not overflow sideways (${shown.overflow}px)`);
          await assertInert(page, key, what);
        }
        if (name === 'img-onerror' || name === 'rtl-override') {
          await h.screenshot(h.card(page, 'inj-namecom'), `injection-${name}-light`);
        }
      }
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it("a registrar's error message and a bad provider attribute render as inert text", async () => {
    const evil = '<img src=x onerror=alert(1)>"><svg onload=alert(2)>';
    const answers = {
      dna: () => [200, { OperationResult: 'ERROR', ErrorCode: 596, OperationMessage: evil }],
      namecom: () => [400, { message: evil, details: '</style><script>alert(3)</script>' }],
      openprovider: () => [200, { code: 196, desc: evil, data: '' }],
    };
    const page = await injectionPage(browser, server, answers);
    h.allowProblems(page, /status of 400/);
    try {
      for (const p of PROVIDERS) {
        const key = `inj-${p}`;
        await h.waitForStatus(page, key, 'error');
        const text = await h.widget(page, key).evaluate((el) => el.shadowRoot.querySelector('.lead').textContent);
        assert.ok(text.includes(evil), `${p}: the registrar's message appears as text: ${text}`);
        const ev = (await h.events(page, 'verification-error', key)).at(-1);
        assert.equal(ev.detail.kind, 'registrar');
        await assertInert(page, key, `${p} error`);
      }
      await h.screenshot(h.card(page, 'inj-namecom'), 'injection-registrar-message-light');
      // A hostile provider attribute: the registrant reads neutral words;
      // the event's detail carries it, as text.
      await page.evaluate((evil) => document.querySelector('[data-scenario="inj-dna"]').setAttribute('provider', evil), evil);
      await page.waitForFunction(() =>
        document.querySelector('[data-scenario="inj-dna"]').shadowRoot.textContent.includes("We can't show your verification status"),
      );
      const config = (await h.events(page, 'verification-error', 'inj-dna')).at(-1);
      assert.equal(config.detail.kind, 'config');
      assert.ok(config.detail.detail.includes(evil), config.detail.detail);
      await assertInert(page, 'inj-dna', 'provider attribute');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('edit-contact-url: only http(s) and relative URLs become a link', async () => {
    const bounced = {
      code: 0,
      desc: '',
      data: {
        results: [
          { domain: 'typo.org', email: 'typo@exmaple.com', handle: 'TY000002-XX', status: 'failed', description: 'bounced', expiration_date: '2026-03-10 12:00:00', is_suspended: false },
        ],
        total: 1,
      },
    };
    const answers = Object.fromEntries(PROVIDERS.map((p) => [p, () => [200, p === 'openprovider' ? bounced : payload(p, 'jane@example.com')]]));
    const page = await injectionPage(browser, server, answers);
    const key = 'inj-openprovider';
    const w = h.widget(page, key);
    const link = () =>
      w.evaluate((el) => {
        const a = el.shadowRoot.querySelector('a');
        const hint = el.shadowRoot.querySelector('.hint');
        return {
          href: a ? a.getAttribute('href') : null,
          protocol: a ? new URL(a.href).protocol : null,
          hint: hint ? hint.textContent : null,
          text: el.shadowRoot.textContent,
        };
      });
    const setUrl = async (url) => {
      await page.evaluate(([k, url]) => document.querySelector(`[data-scenario="${k}"]`).setAttribute('edit-contact-url', url), [key, url]);
      await h.settle(page);
      await page.waitForTimeout(50);
    };
    try {
      await h.waitForStatus(page, key, 'failed');
      const refused = [
        'javascript:alert(1)',
        'JaVaScRiPt:alert(1)',
        '  javascript:alert(1)',
        '\u0001javascript:alert(1)',
        'java\tscript:alert(1)',
        'java\nscript:alert(1)',
        'javascript\r:alert(1)',
        'data:text/html,<script>alert(1)</script>',
        'vbscript:msgbox(1)',
        'file:///etc/passwd',
      ];
      for (const url of refused) {
        // A safe link first, so the refusal is a change the test can see.
        await setUrl('/account/contact');
        assert.equal((await link()).href, '/account/contact');
        await setUrl(url);
        const l = await link();
        assert.equal(l.href, null, `${JSON.stringify(url)}: no link`);
        assert.match(l.hint ?? '', /Contact support to correct your email address/, `${JSON.stringify(url)}: the fallback hint`);
        await assertInert(page, key, `edit-contact-url ${JSON.stringify(url)}`);
      }
      await h.screenshot(h.card(page, key), 'injection-edit-url-refused-light');
      const accepted = [
        ['/account/contact?from="><img src=x onerror=alert(1)>', 'http:'],
        ['https://panel.example/account/contact', 'https:'],
        ['contact', 'http:'],
        ['  /account/contact  ', 'http:'],
      ];
      for (const [url, protocol] of accepted) {
        await setUrl(url);
        const l = await link();
        assert.equal(l.href, url.trim(), `${JSON.stringify(url)}: linked as given`);
        assert.equal(l.protocol, protocol, `${JSON.stringify(url)}: an ${protocol} link`);
        await assertInert(page, key, `edit-contact-url ${JSON.stringify(url)}`);
      }
      assert.deepEqual(page.dialogs, []);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
