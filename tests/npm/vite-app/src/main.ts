// A Vite + TypeScript app using the npm package: the element, and the rules
// without the UI. No Vite configuration: the package's
// `new URL('registrant_verification_bg.wasm', import.meta.url)` makes Vite
// emit the wasm as a hashed asset.
import { init, defineElement, evaluate } from 'registrant-verification-widget';
import type { EvaluateError, VerificationRecord } from 'registrant-verification-widget';

const STATUS_URL = '/api/openprovider/status?contact=BA000001-XX';
const NOW = new Date('2026-03-01T23:30:00Z');

await init(); // fetches the wasm Vite emitted to dist/assets/
defineElement(); // <registrant-verification>

// document.createElement knows the tag: `widget` is a RegistrantVerificationElement.
const widget = document.createElement('registrant-verification');
widget.provider = 'openprovider';
widget.statusUrl = STATUS_URL;
widget.addEventListener('verification-change', (e) => {
  document.body.dataset.changed = e.detail.status; // e.detail: VerificationRecord
});
document.querySelector('#app')!.append(widget);

// The same contact in German: the words of languages other than English are
// modules of their own (locales/de.js), which Vite emits as a chunk.
const german = document.createElement('registrant-verification');
german.id = 'german';
german.locale = 'de';
german.provider = 'openprovider';
german.statusUrl = STATUS_URL;
document.querySelector('#app')!.append(german);

const body = await (await fetch(STATUS_URL, { headers: { Accept: 'application/json' } })).text();
const records: VerificationRecord[] = evaluate('openprovider', body, { now: NOW });
const [record] = records;
document.querySelector('#summary')!.textContent =
  `${record.email}: ${record.status}, ${record.daysLeft} days left (${record.urgency})`;

let errorKind: EvaluateError['kind'] | null = null;
try {
  evaluate('openprovider', '{"code":196,"desc":"Authentication/Authorization Failed","data":""}');
} catch (e) {
  errorKind = (e as EvaluateError).kind;
}
document.querySelector('#records')!.textContent = JSON.stringify({ records, errorKind });
