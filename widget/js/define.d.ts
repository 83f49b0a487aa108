import type { RegistrantVerificationElement, RegistrantVerificationListElement } from './index.js';

/** The element class, defined as `<registrant-verification>`. */
export declare const RegistrantVerificationElement: {
  new (): RegistrantVerificationElement;
  prototype: RegistrantVerificationElement;
};

/** The staff list class, defined as `<registrant-verification-list>`. */
export declare const RegistrantVerificationListElement: {
  new (): RegistrantVerificationListElement;
  prototype: RegistrantVerificationListElement;
};
