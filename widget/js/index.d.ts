// Types of registrant-verification-widget. The record shape is the stable
// contract of DESIGN.md ("The normalized record").

/** A registrar whose verification API the package understands. */
export type Provider = 'dna' | 'namecom' | 'openprovider';

/** Where the registrant's email verification stands. */
export type Status = 'not_started' | 'pending' | 'verified' | 'failed' | 'unknown';

/** Why a verification failed. */
export type FailureReason = 'expired' | 'bounced';

/** How urgently the registrant must act, least to most urgent. */
export type Urgency = 'none' | 'info' | 'warning' | 'critical' | 'overdue';

/** Why a resend is not possible now. */
export type ResendReason =
  | 'verified'
  | 'bounced'
  | 'cooldown'
  | 'throttled'
  | 'awaiting_registrar'
  | 'missing_contact';

/** An RFC 3339 timestamp in UTC, e.g. `2026-03-03T12:00:00Z`. */
export type Timestamp = string;

/**
 * What a record's `deadline` is: `suspension` (the domains are suspended
 * after it: name.com `verifyBy`, Openprovider `expiration_date`),
 * `linkExpiry` (the verification link stops working: Domain Name API's
 * 60-day key; ICANN's 15 days from the email may end sooner), `estimated`
 * (derived by a documented rule where a registrar gives only a start).
 */
export type DeadlineKind = 'suspension' | 'linkExpiry' | 'estimated';

/** Whether the registrant may ask for the verification email again. */
export interface ResendState {
  allowed: boolean;
  nextEligibleAt: Timestamp | null;
  reason: ResendReason | null;
}

/** One contact's verification, normalized. */
export interface VerificationRecord {
  provider: Provider;
  email: string | null;
  handle: string | null;
  verificationId: string | null;
  domains: string[];
  status: Status;
  failureReason: FailureReason | null;
  suspended: boolean;
  deadline: Timestamp | null;
  /** What `deadline` is; `null` exactly when there is no deadline. */
  deadlineKind: DeadlineKind | null;
  /** `deadline - now` in seconds; negative once past. */
  secondsLeft: number | null;
  /** `ceil(secondsLeft / 86400)`, never below 0. */
  daysLeft: number | null;
  urgency: Urgency;
  lastNotificationAt: Timestamp | null;
  resend: ResendState;
  /** For `unknown` (name.com propagation window): when to ask again. */
  recheckAt: Timestamp | null;
}

/** A time: a `Date`, milliseconds since the epoch, or a timestamp string. */
export type TimeInput = Date | number | string;

export interface EvaluateOptions {
  /** The current time (default: now). */
  now?: TimeInput;
  /** When the contact last changed (name.com's 10-minute propagation rule). */
  changedAt?: TimeInput | null;
}

/** The `kind` of an error thrown by `evaluate`. */
export type EvaluateErrorKind =
  | 'invalidJson'
  | 'http'
  | 'unexpectedShape'
  | 'registrar'
  | 'provider'
  | 'invalidOption';

/** The error `evaluate` throws. */
export interface EvaluateError extends Error {
  kind: EvaluateErrorKind;
  /** The HTTP status, when the payload carried one. */
  status?: number;
}

/**
 * Evaluates a registrar status payload (the body as a string, or parsed)
 * into normalized records. Throws an {@link EvaluateError}.
 */
export function evaluate(
  provider: Provider | string,
  payload: string | object,
  options?: EvaluateOptions,
): VerificationRecord[];

/** Loads the wasm (browser: fetched next to the module). */
export default function init(
  input?: { module_or_path?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module } | RequestInfo | URL | Response | BufferSource | WebAssembly.Module,
): Promise<unknown>;
export { init };

/** Loads the wasm synchronously (Node: `initSync({ module: fs.readFileSync(path) })`). */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;

/** A CLDR plural category (these six languages use `one`, `many` and `other`). */
export type PluralCategory = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';

/**
 * One wording override: a template for every count, or one per plural
 * category (a missing category falls back to `other`, then to the built-in
 * text). `{name}` marks a value (`{email}`, `{date}`, `{n}`); values are
 * inserted as text, never as HTML.
 */
export type StringTemplate = string | Partial<Record<PluralCategory, string>>;

/** The message ids of `<registrant-verification>` (README: Languages and wording). */
export type MessageId =
  | 'checking'
  | 'problem'
  | 'verified'
  | 'actionNeeded'
  | 'dueSoon'
  | 'urgent'
  | 'overdue'
  | 'suspended'
  | 'yourEmail'
  | 'domainsBelow'
  | 'yourDomains'
  | 'loadingHeadline'
  | 'problemHeadline'
  | 'notStartedHeadline'
  | 'notStartedLead'
  | 'atRiskHeading'
  | 'pendingHeadline'
  | 'pendingLead'
  | 'dueSoonHeadline'
  | 'dueNowHeadline'
  | 'dueSoonLead'
  | 'suspendedHeadline'
  | 'overdueHeadline'
  | 'overdueLead'
  | 'suspendedHeading'
  | 'affectedHeading'
  | 'verifiedHeadline'
  | 'verifiedLead'
  | 'expiredHeadline'
  | 'expiredLead'
  | 'failedHeadline'
  | 'failedLead'
  | 'stillSuspended'
  | 'bouncedHeadline'
  | 'bouncedLead'
  | 'unknownHeadline'
  | 'unknownLead'
  | 'nextCheckAt'
  | 'stillUnconfirmedAt'
  | 'daysLeft'
  | 'hoursLeft'
  | 'minutesLeft'
  | 'verifyBy'
  | 'suspendedAfter'
  | 'deadlineWas'
  | 'linkValidUntil'
  | 'linkExpiredOn'
  | 'linkSoonerLead'
  | 'verifyByEstimated'
  | 'estimatedDeadlineWas'
  | 'retry'
  | 'retrying'
  | 'checkAgain'
  | 'checkingNow'
  | 'sending'
  | 'tryAgain'
  | 'sendEmail'
  | 'sendNewEmail'
  | 'resendEmail'
  | 'correctEmail'
  | 'contactSupport'
  | 'resendSent'
  | 'resendAllowedAt'
  | 'resendThrottled'
  | 'resendAlreadyVerified'
  | 'resendNotSentBecause'
  | 'resendNotSent'
  | 'resendFailed'
  | 'resendRecent'
  | 'sendAnotherIn'
  | 'sendAnotherInMinutes'
  | 'retryNow'
  | 'retryInSeconds'
  | 'retryAt'
  | 'serverAskedToWait'
  | 'errorConfig'
  | 'errorNetwork'
  | 'errorOffline'
  | 'errorRegistrarUnreachable'
  | 'staleSince'
  | 'staleAt'
  | 'staleSession'
  | 'errorTimeout'
  | 'errorNotFound'
  | 'errorHttp401'
  | 'errorHttp403'
  | 'errorHttp404'
  | 'errorHttp429'
  | 'errorHttp500'
  | 'errorHttp5xx'
  | 'errorHttp'
  | 'errorRegistrar'
  | 'errorRegistrarSession'
  | 'errorInvalidJson'
  | 'errorUnexpectedShape'
  | 'errorUnreadable';

/** The staff list's own message ids (it also takes every {@link MessageId}). */
export type ListMessageId =
  | 'listLabel'
  | 'loading'
  | 'noneLoaded'
  | 'contacts'
  | 'countOverdue'
  | 'countSuspended'
  | 'showing'
  | 'status'
  | 'statusAny'
  | 'statusUnverified'
  | 'statusNotStarted'
  | 'statusPending'
  | 'statusFailed'
  | 'statusUnknown'
  | 'statusBounced'
  | 'statusExpired'
  | 'statusOverdue'
  | 'statusVerified'
  | 'statusSuspended'
  | 'withSuspended'
  | 'suspendedAny'
  | 'notSuspended'
  | 'searchLabel'
  | 'search'
  | 'resendTo'
  | 'confirmBulk'
  | 'confirmPaced'
  | 'confirmPacedGateway'
  | 'confirmNow'
  | 'confirmSend'
  | 'confirmCancel'
  | 'exportCsv'
  | 'rowResend'
  | 'rowResendTo'
  | 'pacedAccount'
  | 'pacedContact'
  | 'windowHour'
  | 'windowDays'
  | 'windowHours'
  | 'windowMinutes'
  | 'windowSeconds'
  | 'loadError'
  | 'rowsUnreadable'
  | 'otherRowsListed'
  | 'rowError'
  | 'queueLabel'
  | 'queueTitle'
  | 'queueItem'
  | 'queueMore'
  | 'queueCancel'
  | 'queueSent'
  | 'queueSendingNow'
  | 'queueQueuedFor'
  | 'queueQueuedFromTo'
  | 'queueNotSent'
  | 'notQueued'
  | 'skipVerified'
  | 'skipBounced'
  | 'skipAwaitingRegistrar'
  | 'skipMissingContact'
  | 'skipCoolingDown'
  | 'queuedFor'
  | 'rowSending'
  | 'rowSent'
  | 'rowThrottled'
  | 'rowNotSent'
  | 'selectContact'
  | 'selectAllShown'
  | 'tableLabel'
  | 'columnContact'
  | 'columnDeadline'
  | 'columnResend'
  | 'noMatch'
  | 'overdueByHours'
  | 'overdueByDays'
  | 'linkValidDays'
  | 'linkExpired'
  | 'estimatedLeft';

/**
 * The `strings` property: `{ id: template }` applies in every locale; an
 * object under a locale tag (`de`, `de-AT`, `it`) applies in that locale and
 * the tags under it, the longest tag winning. Unknown ids and values of the
 * wrong type are ignored with one console warning.
 */
export type Strings<Id extends string> = Partial<Record<Id, StringTemplate>> & {
  [localeTag: string]: StringTemplate | Partial<Record<Id, StringTemplate>> | undefined;
};

/** `strings` of `<registrant-verification>`. */
export type VerificationStrings = Strings<MessageId>;

/** `strings` of `<registrant-verification-list>`. */
export type VerificationListStrings = Strings<MessageId | ListMessageId>;

/** The attributes `<registrant-verification>` observes. */
export const ATTRIBUTES: readonly [
  'provider',
  'status-url',
  'resend-url',
  'events-url',
  'locale',
  'strings',
  'edit-contact-url',
  'cooldown',
  'refresh',
  'changed-at',
  'theme',
  'token-url',
  'domains',
];

/** `detail` of `verification-resend`. */
export interface ResendEventDetail {
  outcome: 'sent' | 'throttled' | 'already_verified' | 'not_sent';
  nextEligibleAt: Timestamp | null;
  message: string | null;
}

/** `detail` of `verification-error`. */
export interface ErrorEventDetail {
  kind:
    | 'config'
    | 'network'
    | 'blocked'
    | 'timeout'
    | 'notFound'
    | 'http'
    | 'registrar'
    | 'invalidJson'
    | 'unexpectedShape'
    | 'other';
  /** What failed, in plain words (shown to the registrant). */
  message: string;
  /** The HTTP status, when there was one. */
  status: number | null;
  /** The technical description. */
  detail: string;
  /** Which request failed. */
  during: 'status' | 'resend';
}

/** The events `<registrant-verification>` dispatches (bubbling, composed). */
/** `verification-token-expiring` detail. */
export interface TokenExpiringEventDetail {
  /** The current token's `exp` (epoch seconds), or 0 when it has none or was refused. */
  exp: number;
}

export interface RegistrantVerificationEventMap extends HTMLElementEventMap {
  'verification-change': CustomEvent<VerificationRecord>;
  'verification-token-expiring': CustomEvent<TokenExpiringEventDetail>;
  'verification-resend': CustomEvent<ResendEventDetail>;
  'verification-error': CustomEvent<ErrorEventDetail>;
}

/** `<registrant-verification>`. */
export interface RegistrantVerificationElement extends HTMLElement {
  /** `provider`: `null` when missing or not a known provider. */
  provider: Provider | null;
  /** `status-url`: GET, returns the registrar's status body unchanged. */
  statusUrl: string | null;
  /** `resend-url`: POST `{"operation": ...}`, returns the registrar's answer. */
  resendUrl: string | null;
  /**
   * `events-url`: a `text/event-stream` of this contact's changes (events
   * `verification` or unnamed, data: name.com's status-change webhook or a
   * status body). While it is open the widget does not poll; a verified
   * event shows at once, any other asks for one status check. Relative or
   * http(s); cookies are sent for same-origin URLs only.
   */
  eventsUrl: string | null;
  /** `locale` (default: closest `[lang]`, document, browser): the language of the words and dates. */
  locale: string | null;
  /**
   * Wording overrides, reflected as JSON in the `strings` attribute (the
   * getter returns a copy: assign a new object to change them), or null.
   */
  strings: VerificationStrings | null;
  /** `edit-contact-url`, linked when the email bounced. */
  editContactUrl: string | null;
  /** `cooldown` in seconds (default 900). */
  cooldown: number;
  /** `refresh` in seconds (default 300). */
  refreshInterval: number;
  /** `changed-at`. */
  changedAt: Date | null;
  /** `theme` (default: follows `prefers-color-scheme`). */
  theme: 'light' | 'dark' | null;
  /**
   * `token-url`: where the widget GETs the gateway's token (same origin,
   * with cookies; JSON `{"token"}` or plain text), asked again shortly
   * before its `exp` and once after a 401.
   */
  tokenUrl: string | null;
  /**
   * The gateway's token, set by the page (property only: never an
   * attribute, never in a URL). Wins over `token-url`. Shortly before its
   * `exp`, and once after a 401, the element dispatches
   * `verification-token-expiring`: set a new `token` in answer.
   */
  token: string | null;
  /**
   * Called for a token (a string or a promise of one): at first, shortly
   * before each token's `exp` and once after a 401. Wins over `token`
   * and `token-url`.
   */
  tokenProvider: (() => string | Promise<string>) | null;
  /**
   * `domains`: the contact's domains as the panel knows them, shown when
   * the registrar names none (Domain Name API). Set an array or a space-
   * or comma-separated string; reads as an array.
   */
  get domains(): string[];
  set domains(value: string[] | string | null);
  /** The latest record, or null before the first answer. */
  readonly record: VerificationRecord | null;
  /** Checks the status again now. */
  refresh(): void;
  addEventListener<K extends keyof RegistrantVerificationEventMap>(
    type: K,
    listener: (this: RegistrantVerificationElement, ev: RegistrantVerificationEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof RegistrantVerificationEventMap>(
    type: K,
    listener: (this: RegistrantVerificationElement, ev: RegistrantVerificationEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

/**
 * Defines the element (default `registrant-verification` in
 * `customElements`); harmless when already defined. Call after `init()`.
 */
export function defineElement(
  name?: string,
  registry?: CustomElementRegistry,
): { new (): RegistrantVerificationElement; prototype: RegistrantVerificationElement };

/** `verification-list-load` detail. */
export interface ListLoadEventDetail {
  total: number;
  overdue: number;
  suspended: number;
  critical: number;
  /** Rows of the registrar's list that could not be read (listed beside the others). */
  rowErrors: number;
  pages: number;
  /** Milliseconds from the first page's body to the rendered rows. */
  parseRenderMs: number | null;
}

/** `verification-list-resend` detail, one per contact of a bulk resend. */
export interface ListResendEventDetail {
  /** The contact id sent as `contact=` (name.com verification id, else email). */
  contact: string;
  email: string;
  outcome: 'sent' | 'throttled' | 'already_verified' | 'not_sent' | 'error';
  nextEligibleAt: string | null;
  message: string | null;
}

/** `<registrant-verification-list>`: every contact of the reseller account. */
export interface RegistrantVerificationListElement extends HTMLElement {
  /** `provider`: `namecom` or `openprovider`; `null` otherwise. */
  provider: 'namecom' | 'openprovider' | null;
  /** `list-url`: GET, the registrar's list page unchanged (`page`/`perPage` or `limit`/`offset` appended). */
  listUrl: string | null;
  /** `resend-url`: POST `{"operation": ...}` with `contact=` appended. */
  resendUrl: string | null;
  /**
   * `queue-url`: the gateway's staff queue (`/api/<provider>/support/queue`
   * in `serve`). With it the gateway paces and sends bulk resends (they
   * survive the tab and a restart; every staff browser sees them); without
   * it this tab does, and leaving the page asks first while sends wait.
   */
  queueUrl: string | null;
  /** `locale`: the language of the words and dates (as for `<registrant-verification>`). */
  locale: string | null;
  /** Wording overrides, reflected as JSON in the `strings` attribute, or null. */
  strings: VerificationListStrings | null;
  theme: 'light' | 'dark' | null;
  /** `rate-limit`: `N/SECONDS` replacing the registrar's account limit (demo and test knob). */
  rateLimit: string | null;
  /** `page-size`: rows per request, 1..1000 (default 1000). */
  pageSize: number;
  /** `token-url`: where the list GETs a staff token for the gateway (as for `<registrant-verification>`). */
  tokenUrl: string | null;
  /** A staff token for the gateway set by the page (property only), or null; renewed as for `<registrant-verification>`. */
  token: string | null;
  /** Called for a staff token (as for `<registrant-verification>`), or null. */
  tokenProvider: (() => string | Promise<string>) | null;
  /** Counts of the last load, or null. */
  readonly stats: Omit<ListLoadEventDetail, 'parseRenderMs'> | null;
  /** Reads every page again. */
  refresh(): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'registrant-verification': RegistrantVerificationElement;
    'registrant-verification-list': RegistrantVerificationListElement;
  }
  interface GlobalEventHandlersEventMap {
    'verification-change': CustomEvent<VerificationRecord>;
    'verification-resend': CustomEvent<ResendEventDetail>;
    'verification-error': CustomEvent<ErrorEventDetail>;
    'verification-list-load': CustomEvent<ListLoadEventDetail>;
    'verification-list-resend': CustomEvent<ListResendEventDetail>;
    'verification-list-error': CustomEvent<ErrorEventDetail>;
  }
}
