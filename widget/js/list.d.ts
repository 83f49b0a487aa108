// registrant-verification-widget/list: the reseller staff list element,
// with its own wasm (a registrant's page never loads it).
import type { RegistrantVerificationListElement } from './index.js';
export type {
  RegistrantVerificationListElement,
  ListLoadEventDetail,
  ListResendEventDetail,
  VerificationListStrings,
  StringTemplate,
  MessageId,
  ListMessageId,
} from './index.js';

/** Loads the list's wasm (browser: fetched next to this module). */
export default function init(
  input?: { module_or_path?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module } | RequestInfo | URL | Response | BufferSource | WebAssembly.Module,
): Promise<unknown>;
export { init };

/** Loads the list's wasm synchronously. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;

/** The attributes `<registrant-verification-list>` observes. */
export const LIST_ATTRIBUTES: readonly [
  'provider',
  'list-url',
  'resend-url',
  'locale',
  'strings',
  'theme',
  'rate-limit',
  'page-size',
  'token-url',
  'queue-url',
];

/**
 * Defines the staff list element (default `registrant-verification-list`);
 * harmless when already defined. Call after `init()`.
 */
export function defineListElement(
  name?: string,
  registry?: CustomElementRegistry,
): { new (): RegistrantVerificationListElement; prototype: RegistrantVerificationListElement };
