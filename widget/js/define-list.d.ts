import type { RegistrantVerificationListElement } from './index.js';

/** The staff list class, defined as `<registrant-verification-list>`. */
export declare const RegistrantVerificationListElement: {
  new (): RegistrantVerificationListElement;
  prototype: RegistrantVerificationListElement;
};
