// The same-origin backend contract (docs/backend-contract.md), for
// resellers who write their own backend instead of deploying the gateway:
// the widget against a minimal backend of that contract written for the
// tests (`same-origin-backend.mjs`: a
// cookie session, ownership, the registrar's body and status unchanged,
// the CSRF header, an idempotency cache), in front of the demo's sandbox.
// If the widget came to need anything the contract does not say, this
// fails.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';
import { startSameOriginBackend } from './same-origin-backend.mjs';

const { T0 } = h;

describe('the same-origin backend contract, against a minimal backend written for the tests', () => {
  let sandbox;
  let browser;
  let backend;
  before(async () => {
    sandbox = await h.startServer();
    browser = await h.launchBrowser();
    backend = await startSameOriginBackend(sandbox.url);
  });
  after(async () => {
    await browser?.close();
    await backend?.close();
    await sandbox?.stop();
  });

  it('each registrar reads, another registrant\'s contact is refused, a resend sends one email', async () => {
    await sandbox.resetAt(T0);
    const page = await h.newPage(browser);
    h.allowProblems(page, /status of 403/);
    try {
      await page.goto(backend.url + '/');
      for (const id of ['openprovider-pending', 'dna-pending', 'namecom-pending']) await h.waitForStatus(page, id, 'pending');
      assert.match(await h.widgetText(page, 'openprovider-pending'), /pending@openprovider\.example/);
      assert.match(await h.widgetText(page, 'namecom-pending'), /\b10 days?\b/);
      // Another registrant's contact: the backend's 403, a neutral error.
      await page.waitForFunction(() =>
        window.__events.some((e) => e.type === 'verification-error' && e.scenario === 'openprovider-neighbour'),
      );
      const refused = (await h.events(page, 'verification-error', 'openprovider-neighbour')).at(-1);
      assert.equal(refused.detail.status, 403);
      assert.notEqual(await h.widget(page, 'openprovider-neighbour').getAttribute('data-status'), 'pending');

      await h.widget(page, 'openprovider-pending').getByRole('button', { name: /resend|send/i }).click();
      await page.waitForFunction(() => window.__events.some((e) => e.type === 'verification-resend' && e.scenario === 'openprovider-pending'));
      const sent = (await h.events(page, 'verification-resend', 'openprovider-pending')).at(-1);
      assert.equal(sent.detail.outcome, 'sent', JSON.stringify(sent.detail));
      assert.equal((await sandbox.emails()).byContact['pending@openprovider.example'], 1);
      h.assertNoProblems(page);
    } finally {
      await page.context().close();
    }
  });
});
