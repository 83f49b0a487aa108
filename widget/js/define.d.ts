import type { RegistrantVerificationElement } from './index.js';

/** The element class, defined as `<registrant-verification>`. */
export declare const RegistrantVerificationElement: {
  new (): RegistrantVerificationElement;
  prototype: RegistrantVerificationElement;
};
