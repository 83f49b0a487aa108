// Languages: both elements speak English, German, Spanish, French, Dutch and
// Turkish, chosen from the resolved locale (`locale`, else `[lang]`, else
// the browser), with CLDR plurals and dates formatted by `Intl` in the same
// locale and the browser's time zone; the `locale` and `strings` attributes
// switch live without a new request; `strings` overrides any text (escaped,
// per locale, bad input ignored with one console warning).
//
// The widgets here read a fixed name.com answer served with `page.route`
// (on a test page with the demo's CSP, like faults.test.mjs), so the days
// left are exact. Screenshots of the widget in each language go to
// tests/output/screenshots/i18n-widget-<lang>.png, the French list to
// i18n-list-fr.png.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import * as h from './harness.mjs';

const { T0, DAY, HOUR } = h;
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const STATUS = '/api/test/status';
const LIST_URL = '/api/test/list';
const LIST = 'registrant-verification-list';

// Deadlines relative to T0 (the page's clock starts there): 5 days left
// (minus an hour, so a second of page load never makes it 4), and 40
// seconds, which the widget shows as one minute.
const FIVE_DAYS = h.addMs(T0, 5 * DAY - HOUR);
const ONE_MINUTE = h.addMs(T0, 40_000);

/** A name.com status answer for one pending contact. */
function namecomStatus(contact, verifyBy) {
  return JSON.stringify({
    unverifiedContacts: [
      { verificationId: contact.length, verifyBy, email: `${contact}@example.com`, domains: [`${contact}.example`] },
    ],
    totalCount: 1,
  });
}

/** The name.com list page of the staff list test. */
const LIST_BODY = JSON.stringify({
  unverifiedContacts: [
    { verificationId: 1, verifyBy: h.addMs(T0, -(DAY + HOUR)), email: 'late@example.com', domains: ['late.example'] },
    { verificationId: 2, verifyBy: FIVE_DAYS, email: 'week@example.com', domains: ['week.example'] },
    { verificationId: 3, verifyBy: h.addMs(T0, -3 * HOUR - 60_000), email: 'hours@example.com', domains: ['hours.example'] },
  ],
  totalCount: 3,
  nextPage: null,
});

/**
 * A page holding `body` (widgets or a list), answering the status URL per
 * `contact` query parameter from `answers` and the list URL with
 * LIST_BODY. `requests` counts the status and list requests.
 */
async function testPage(browser, server, { body, answers = {}, lang = 'en', script = '/widget/define.js', cards = true }) {
  const page = await h.newPage(browser);
  const requests = { status: 0, list: 0 };
  await page.route(
    (url) => url.pathname === STATUS || url.pathname === LIST_URL,
    (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === LIST_URL) {
        requests.list += 1;
        return route.fulfill({ status: 200, contentType: 'application/json', body: LIST_BODY });
      }
      requests.status += 1;
      const contact = url.searchParams.get('contact');
      return route.fulfill({ status: 200, contentType: 'application/json', body: answers[contact] ?? '{}' });
    },
  );
  const html = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>Languages</title>
<link rel="stylesheet" href="/static/panel.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script type="module" src="${script}"></script></head>
<body><main id="main">${cards ? `<div class="cards">${body}</div>` : body}</main></body></html>`;
  await page.route(server.url + '/test/i18n', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': CSP }, body: html }),
  );
  await page.goto(server.url + '/test/i18n');
  page.requests = requests;
  return page;
}

/** A card with a widget for `contact` and extra attributes. */
function widgetCard(contact, attrs = '', wrapperLang = null) {
  const el = `<registrant-verification data-scenario="${contact}" provider="namecom"
 status-url="${STATUS}?contact=${contact}" resend-url="/api/test/resend?contact=${contact}" ${attrs}></registrant-verification>`;
  const inner = wrapperLang ? `<div lang="${wrapperLang}">${el}</div>` : el;
  return `<article class="card"><h3>${contact}</h3>${inner}</article>`;
}

/** Waits until `fn(arg)` holds in the page (polling: rAF-independent). */
async function until(page, fn, arg, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await page.evaluate(fn, arg).catch(() => false);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until the widget's text matches `re`; returns the text. */
async function waitForText(page, key, re) {
  const end = Date.now() + 10_000;
  for (;;) {
    const text = await h.widgetText(page, key);
    if (re.test(text)) return text;
    if (Date.now() > end) throw new Error(`${key}: ${re} not shown; text: ${text}`);
    await sleep(25);
  }
}

/** `instant` as `Intl` writes it in `locale` (full date, short time) in the test's zone. */
async function fullDate(page, instant, locale) {
  const [s] = await h.formatInPage(page, instant, [{ dateStyle: 'full', timeStyle: 'short' }], locale);
  return s;
}

function headline(page, key) {
  return h.widget(page, key).locator('h2.headline');
}

/** The card's label as written (the stylesheet shows it in capitals). */
async function label(page, key) {
  return h.norm(await h.widget(page, key).locator('p.label').textContent());
}

/** The `lang` of the card: the language of its words. */
function cardLang(page, key) {
  return h.widget(page, key).locator('article.card').getAttribute('lang');
}

let server;
let browser;

describe('languages and wording', () => {
  h.serverAndBrowser((s, b) => {
    server = s;
    browser = b;
  });

  it('German: German words, plural and singular counts, a German date', async () => {
    const page = await testPage(browser, server, {
      body: widgetCard('five', 'locale="de"') + widgetCard('soon', 'locale="de-AT"'),
      answers: { five: namecomStatus('five', FIVE_DAYS), soon: namecomStatus('soon', ONE_MINUTE) },
    });
    try {
      await h.waitForStatus(page, 'five', 'pending');
      await h.waitForStatus(page, 'soon', 'pending');
      const five = await waitForText(page, 'five', /Noch 5 Tage/);
      assert.equal(await label(page, 'five'), 'Bald fällig', 'the label (≤ 7 days: due soon)');
      assert.equal(await cardLang(page, 'five'), 'de');
      assert.equal(h.norm(await headline(page, 'five').innerText()), 'Bestätigen Sie Ihre E-Mail-Adresse bald');
      assert.match(five, /Klicken Sie auf den Link in der Bestätigungs-E-Mail an five@example\.com\./);
      assert.match(five, /Domains, die ohne Bestätigung nicht mehr funktionieren/);
      assert.match(five, /Bestätigungs-E-Mail erneut senden/, 'the button');
      assert.doesNotMatch(five, /\bdays?\b|\bleft\b|Verify/, 'no English left');
      // The date, in German, in the browser's zone (Berlin), after "bis".
      const date = await fullDate(page, FIVE_DAYS, 'de');
      assert.ok(five.includes(`Bestätigen Sie bis ${date}`), `"Bestätigen Sie bis ${date}" in: ${five}`);
      assert.match(date, /März 2026/);
      assert.equal(await h.widget(page, 'five').locator('time').getAttribute('datetime'), new Date(FIVE_DAYS).toISOString().replace('.000Z', 'Z'));

      // de-AT is German words; one minute left is singular.
      const soon = await waitForText(page, 'soon', /Noch 1 Minute\b/);
      assert.doesNotMatch(soon, /Minuten/, `singular: ${soon}`);
      assert.equal(await label(page, 'soon'), 'Dringend');
      assert.equal(await cardLang(page, 'soon'), 'de-AT');
      assert.equal(h.norm(await headline(page, 'soon').innerText()), 'Bestätigen Sie Ihre E-Mail-Adresse jetzt');
      assert.ok(soon.includes(await fullDate(page, ONE_MINUTE, 'de-AT')), `an Austrian date in: ${soon}`);
      await h.screenshot(h.card(page, 'five'), 'i18n-de-5-days');
      await h.screenshot(h.card(page, 'soon'), 'i18n-de-1-minute');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('the language comes from locale, else [lang], else the document; others get English', async () => {
    const page = await testPage(browser, server, {
      lang: 'nl',
      body:
        widgetCard('doc') +
        widgetCard('ancestor', '', 'es-MX') +
        widgetCard('attr', 'locale="fr-CA"', 'es') +
        widgetCard('unknown', 'locale="xx-YY"'),
      answers: {
        doc: namecomStatus('doc', FIVE_DAYS),
        ancestor: namecomStatus('ancestor', FIVE_DAYS),
        attr: namecomStatus('attr', FIVE_DAYS),
        unknown: namecomStatus('unknown', FIVE_DAYS),
      },
    });
    try {
      for (const key of ['doc', 'ancestor', 'attr', 'unknown']) await h.waitForStatus(page, key, 'pending');
      assert.match(await waitForText(page, 'doc', /Nog 5 dagen/), /Verifieer uw e-mailadres binnenkort/);
      const es = await waitForText(page, 'ancestor', /Quedan 5 días/);
      assert.ok(es.includes(await fullDate(page, FIVE_DAYS, 'es-MX')), `a Spanish date: ${es}`);
      const fr = await waitForText(page, 'attr', /Il reste 5 jours/);
      assert.ok(fr.includes(`Vérifiez avant le ${await fullDate(page, FIVE_DAYS, 'fr-CA')}`), fr);
      // No catalog for xx: English words, and an English date to match.
      const en = await waitForText(page, 'unknown', /5 days left/);
      assert.equal(await cardLang(page, 'unknown'), 'en', 'English words, English lang');
      assert.equal(await cardLang(page, 'doc'), 'nl');
      assert.ok(en.includes(`Verify by ${await fullDate(page, FIVE_DAYS, 'en')}`), en);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('switching locale from en to tr changes the words and the date without a new request', async () => {
    const page = await testPage(browser, server, {
      body: widgetCard('live', 'locale="en"'),
      answers: { live: namecomStatus('live', FIVE_DAYS) },
    });
    try {
      await h.waitForStatus(page, 'live', 'pending');
      const en = await waitForText(page, 'live', /5 days left/);
      assert.ok(en.includes(await fullDate(page, FIVE_DAYS, 'en')), en);
      await h.settle(page);
      const before = page.requests.status;
      assert.equal(before, 1, 'one status request to show the status');

      await h.widget(page, 'live').evaluate((el) => el.setAttribute('locale', 'tr'));
      const tr = await waitForText(page, 'live', /5 gün kaldı/);
      assert.equal(h.norm(await headline(page, 'live').innerText()), 'E-posta adresinizi yakında doğrulayın');
      assert.equal(await label(page, 'live'), 'Süre doluyor');
      assert.equal(await cardLang(page, 'live'), 'tr', 'Turkish capitals (i → İ) need the lang');
      assert.match(tr, /live@example\.com adresine gönderilen doğrulama e-postasındaki bağlantıya tıklayın/);
      assert.ok(tr.includes(await fullDate(page, FIVE_DAYS, 'tr')), `a Turkish date: ${tr}`);
      assert.doesNotMatch(tr, /days left|Verify by/);
      // The property works the same way, and back to English.
      await h.widget(page, 'live').evaluate((el) => {
        el.locale = 'en-GB';
      });
      const gb = await waitForText(page, 'live', /5 days left/);
      assert.ok(gb.includes(await fullDate(page, FIVE_DAYS, 'en-GB')), gb);
      await h.settle(page);
      assert.equal(page.requests.status, before, 'no status request for a new locale');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('strings overrides the title per locale, as text; bad input is ignored with one warning', async () => {
    const strings = JSON.stringify({ dueSoonHeadline: 'Confirm {email} <b>soon</b>', de: { dueSoonHeadline: 'Jetzt {email} bestätigen' } });
    const page = await testPage(browser, server, {
      body: widgetCard('custom', `locale="en" strings='${strings}'`),
      answers: { custom: namecomStatus('custom', FIVE_DAYS) },
    });
    const warnings = () => page.consoleLog.filter((l) => l.startsWith('warning:') && l.includes('ignored in `strings`'));
    try {
      await h.waitForStatus(page, 'custom', 'pending');
      const title = headline(page, 'custom');
      await until(page, () => !!document.querySelector('[data-scenario=custom]').shadowRoot.querySelector('h2.headline')?.textContent.includes('Confirm'), null, 'the override');
      // The attribute's value, with the placeholder filled, as text (no <b>).
      assert.equal(h.norm(await title.innerText()), 'Confirm custom@example.com <b>soon</b>');
      assert.equal(await h.widget(page, 'custom').locator('h2.headline b').count(), 0, 'the override is text, not HTML');
      // The property; a layer for the locale wins over the top level.
      await h.widget(page, 'custom').evaluate((el) => {
        el.locale = 'de';
      });
      await waitForText(page, 'custom', /Jetzt custom@example\.com bestätigen/);
      assert.deepEqual(
        await h.widget(page, 'custom').evaluate((el) => el.strings.de),
        { dueSoonHeadline: 'Jetzt {email} bestätigen' },
        'the property reads the attribute back',
      );
      await h.widget(page, 'custom').evaluate((el) => {
        el.strings = { daysLeft: { one: 'Nur noch {n} Tag', other: 'Nur noch {n} Tage' }, de: { pendingHeadline: 'x' } };
      });
      const de = await waitForText(page, 'custom', /Nur noch 5 Tage/);
      assert.equal(h.norm(await title.innerText()), 'Bestätigen Sie Ihre E-Mail-Adresse bald', 'back to the catalog');
      assert.equal(await label(page, 'custom'), 'Bald fällig');
      assert.deepEqual(warnings(), [], 'valid overrides warn nothing');

      // Unknown ids: ignored, one warning, the rest applies.
      await h.widget(page, 'custom').evaluate((el) => {
        el.strings = { noSuchId: 'x', dueSoonHeadline: 'Bald!', de: { alsoUnknown: 'y' } };
      });
      await waitForText(page, 'custom', /Bald!/);
      assert.equal(warnings().length, 1, `one warning: ${JSON.stringify(page.consoleLog)}`);
      assert.match(warnings()[0], /noSuchId/);
      assert.match(warnings()[0], /de\.alsoUnknown/);
      // Invalid JSON in the attribute: ignored, one more warning, the
      // catalog's words; the widget keeps working.
      await h.widget(page, 'custom').evaluate((el) => el.setAttribute('strings', '{"dueSoonHeadline": '));
      await waitForText(page, 'custom', /Bestätigen Sie Ihre E-Mail-Adresse bald/);
      assert.equal(warnings().length, 2);
      assert.match(warnings()[1], /not valid JSON/);
      assert.equal(await h.widget(page, 'custom').evaluate((el) => el.strings), null);
      await h.widget(page, 'custom').evaluate((el) => {
        el.strings = null;
      });
      assert.equal(await h.widget(page, 'custom').getAttribute('strings'), null, 'null removes the attribute');
      await h.settle(page);
      assert.equal(page.requests.status, 1, 'no status request for new strings');
      await h.screenshot(h.card(page, 'custom'), 'i18n-strings-override');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('the list in French: French headers, filters, summary, counts and dates', async () => {
    const page = await testPage(browser, server, {
      script: '/widget/define-list.js',
      cards: false,
      body: `<${LIST} provider="namecom" list-url="${LIST_URL}" resend-url="/api/test/support/resend" locale="fr"></${LIST}>`,
    });
    const shadowText = (sel) =>
      page.evaluate(([l, s]) => [...document.querySelector(l).shadowRoot.querySelectorAll(s)].map((e) => e.textContent.replace(/\s+/g, ' ').trim()), [LIST, sel]);
    try {
      await until(page, (l) => document.querySelector(l)?.getAttribute('data-state') === 'ready', LIST, 'the list');
      await until(page, (l) => document.querySelector(l).shadowRoot.querySelectorAll('.viewport .row').length === 3, LIST, 'three rows');
      assert.deepEqual(await shadowText('[role=columnheader]'), ['', 'Contact', 'Statut', 'Date limite', 'Renvoi']);
      assert.equal(h.norm((await shadowText('.summary'))[0]), '3 contacts, 2 en retard, 2 suspendus');
      const options = await shadowText('select[name=status] option');
      // Each choice with how many it matches (only choices that match).
      assert.equal(options[0], 'Tous les statuts (3)');
      assert.ok(options.some((o) => o.startsWith('En retard (')) && options.some((o) => o.startsWith('En attente (')), options.join(' | '));
      assert.equal(
        await page.evaluate((l) => document.querySelector(l).shadowRoot.querySelector('input[name=q]').placeholder, LIST),
        'Rechercher',
      );
      const rows = (await shadowText('.viewport .row')).map(h.norm);
      assert.ok(rows.some((r) => r.includes('en retard de 1 jour')), `singular: ${rows}`);
      assert.ok(rows.some((r) => r.includes('en retard de 3 heures')), `plural: ${rows}`);
      assert.ok(rows.some((r) => r.includes('Il reste 5 jours')), rows.join('\n'));
      const [date] = await h.formatInPage(page, FIVE_DAYS, [{ dateStyle: 'medium', timeStyle: 'short' }], 'fr');
      assert.ok(rows.some((r) => r.includes(date)), `the French date ${date} in: ${rows}`);
      assert.match((await shadowText('.bulk button'))[0], /Renvoyer l’e-mail de vérification/);
      await h.screenshot(page.locator(LIST), 'i18n-list-fr');

      // Live: Dutch, with no new list request.
      await page.evaluate((l) => document.querySelector(l).setAttribute('locale', 'nl'), LIST);
      await until(page, (l) => document.querySelector(l).shadowRoot.querySelector('.summary').textContent.includes('contacten'), LIST, 'Dutch');
      assert.deepEqual(await shadowText('[role=columnheader]'), ['', 'Contact', 'Status', 'Deadline', 'Opnieuw sturen']);
      assert.ok((await shadowText('.viewport .row')).some((r) => r.includes('Nog 5 dagen')));
      // The list's own ids and the shared ones, per locale.
      await page.evaluate((l) => {
        document.querySelector(l).strings = { nl: { columnContact: 'Klant' }, statusPending: 'Wacht' };
      }, LIST);
      await until(page, (l) => document.querySelector(l).shadowRoot.querySelector('[role=columnheader].who').textContent === 'Klant', LIST, 'the override');
      assert.ok((await shadowText('.viewport .row .badge')).includes('Wacht'));
      assert.equal(page.requests.list, 1, 'no list request for a new locale or new strings');
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });

  it('screenshots: the widget in each of the six languages', async () => {
    const langs = ['en', 'de', 'es', 'fr', 'nl', 'tr'];
    const page = await testPage(browser, server, {
      body: langs.map((l) => widgetCard(`shot-${l}`, `locale="${l}"`)).join(''),
      answers: Object.fromEntries(langs.map((l) => [`shot-${l}`, namecomStatus(`shot-${l}`, FIVE_DAYS)])),
    });
    const left = { en: '5 days left', de: 'Noch 5 Tage', es: 'Quedan 5 días', fr: 'Il reste 5 jours', nl: 'Nog 5 dagen', tr: '5 gün kaldı' };
    try {
      for (const l of langs) {
        await h.waitForStatus(page, `shot-${l}`, 'pending');
        const text = await waitForText(page, `shot-${l}`, new RegExp(left[l]));
        assert.ok(text.includes(await fullDate(page, FIVE_DAYS, l)), `${l}: the date in ${l}: ${text}`);
        await h.screenshot(h.card(page, `shot-${l}`), `i18n-widget-${l}`);
      }
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
