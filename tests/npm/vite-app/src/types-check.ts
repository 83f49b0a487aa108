// Type-level checks of the package's index.d.ts, run by `tsc --noEmit`
// (never bundled: nothing imports this file). Each @ts-expect-error must
// be an error, so typings that degrade to `any` fail the check.
import { ATTRIBUTES, defineElement, evaluate, initSync } from 'registrant-verification-widget';
import type {
  DeadlineKind,
  EvaluateOptions,
  RegistrantVerificationElement,
  Status,
  Urgency,
  VerificationRecord,
} from 'registrant-verification-widget';

export const options: EvaluateOptions = { now: Date.now(), changedAt: '2026-03-01T12:00:00Z' };
export const records: VerificationRecord[] = evaluate('namecom', {}, options);
export const status: Status = records[0].status;
export const daysLeft: number | null = records[0].daysLeft;
export const kind: DeadlineKind | null = records[0].deadlineKind;
export const attribute: (typeof ATTRIBUTES)[number] = 'status-url';
export const Element: { new (): RegistrantVerificationElement } = defineElement('my-verification');
export const queried: RegistrantVerificationElement | null = document.querySelector('registrant-verification');
export const sync = (bytes: ArrayBuffer): unknown => initSync({ module: bytes });

// @ts-expect-error: not an Urgency
export const badUrgency: Urgency = 'soon';
// @ts-expect-error: a link's validity is `linkExpiry`, not a free string
export const badKind: DeadlineKind = 'link';
// @ts-expect-error: `now` is a time, not a boolean
export const badOptions: EvaluateOptions = { now: true };
// @ts-expect-error: evaluate returns records, not a string
export const badResult: string = evaluate('dna', '{}');
// @ts-expect-error: the record property is read-only
queried!.record = null;
// @ts-expect-error: not an attribute the element observes
export const badAttribute: (typeof ATTRIBUTES)[number] = 'status';
