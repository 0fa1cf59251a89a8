/**
 * The one contract between the agent (Electron main) and the screens (renderer). Every request
 * with its response, and every event, is declared once here with a runtime schema; main's
 * handler map and the renderer's `window.releve` are derived from it by mapped types, so the
 * two sides cannot drift. The renderer is untrusted: main checks every payload against these
 * schemas, and checks every event it sends too, so nothing outside the contract crosses.
 *
 * What never crosses: tokens (no field can hold one), stack traces (errors are codes), and the
 * PIN more than once. The PIN crosses exactly once, renderer → main, as a string of 4 to 12
 * digits, because structured clone through contextBridge cannot move a buffer's ownership:
 * a Uint8Array would be copied anyway. Main turns it into a Uint8Array at once, hands the bytes
 * to the agent (which zeroes them), and the string itself is dropped without being logged.
 */
import { z } from 'zod';

/** Text that came from a card or an IdP: bounded, never trusted to be printable. */
const externalText = z.string().max(256);

export const personViewSchema = z
  .object({
    displayName: externalText,
    profession: externalText.nullable(),
    nationalId: z.string().max(64).nullable(),
  })
  .strict();
export type PersonView = z.infer<typeof personViewSchema>;

export const PHASES = [
  'locked',
  'identifying',
  'switching',
  'awaiting-pin',
  'authenticating',
  'ecps-waiting',
  'active',
  'offline-active',
  'locking',
  'break-glass',
] as const;
export type PhaseName = (typeof PHASES)[number];

export const readerViewSchema = z
  .object({
    name: z.string().max(256),
    kind: z.enum(['pcsc', 'hid', 'simulated']),
    cardPresent: z.boolean(),
  })
  .strict();
export type ReaderView = z.infer<typeof readerViewSchema>;

/** The e-CPS binding message: two digits. */
export const BINDING_MESSAGE_PATTERN = /^[0-9]{2}$/;
/** A national ID e-CPS accepts: `8` then the 11 digits of the RPPS number. */
export const NATIONAL_ID_PATTERN = /^8[0-9]{11}$/;
export const NATIONAL_ID_LENGTH = 12;

export const snapshotSchema = z
  .object({
    phase: z.enum(PHASES),
    user: personViewSchema.nullable(),
    prompt: z
      .object({
        attemptId: z.number().int().nonnegative(),
        person: personViewSchema.nullable(),
        pinTriesLeft: z.number().int().min(0).max(15).nullable(),
        over: personViewSchema.nullable(),
      })
      .strict()
      .nullable(),
    /**
     * Milliseconds left in the tap-out undo window when the snapshot was taken. A duration, not
     * a date: the agent's clock and the screen's need not agree.
     */
    undoRemainingMs: z.number().int().nonnegative().nullable(),
    /**
     * The e-CPS request waiting for the person's app: the two digits to pick there, and the
     * milliseconds left before it expires (a duration, as above).
     */
    ecps: z
      .object({
        attemptId: z.number().int().nonnegative(),
        bindingMessage: z.string().regex(BINDING_MESSAGE_PATTERN),
        remainingMs: z.number().int().nonnegative(),
      })
      .strict()
      .nullable(),
    suspended: z.array(personViewSchema).max(16),
    readers: z.array(readerViewSchema).max(64),
    /**
     * What the workstation can count on: readers `ok`, `none` (never found, or their service is
     * away) or `lost` (the one in use went away); the IdP `ok`, `unreachable` or `unknown` (not
     * asked yet). The agent keeps it; the tray and the screens only show it.
     */
    health: z
      .object({
        readers: z.enum(['ok', 'none', 'lost']),
        idp: z.enum(['ok', 'unreachable', 'unknown']),
      })
      .strict(),
  })
  .strict();
export type Snapshot = z.infer<typeof snapshotSchema>;

/** Message keys the screens react to beyond showing the text (error screens, banners). */
export const feedbackSchema = z
  .object({
    message: z.string().regex(/^[a-z-]{1,40}$/),
    text: z.string().max(400),
  })
  .strict();
export type Feedback = z.infer<typeof feedbackSchema>;

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const policyValue = z.union([
  z.string().max(4096),
  z.number(),
  z.boolean(),
  z.array(z.string().max(256)).max(32),
]);

export const diagnosticsSchema = z
  .object({
    version: z.string().max(64),
    workstationName: z.string().max(64),
    mode: z.enum(['shared-kiosk', 'os-lock']),
    locale: z.enum(LOCALES),
    pinMinLength: z.number().int().min(4).max(12),
    pinMaxLength: z.number().int().min(4).max(12),
    /** Whether the IdP offers e-CPS: the lock screen offers it only then. */
    ecpsOffered: z.boolean(),
    readers: z.array(readerViewSchema).max(64),
    /** The policy in force, with secrets (the initial access token) shown only as set or not. */
    policy: z.record(z.string().max(64), policyValue),
  })
  .strict();
export type Diagnostics = z.infer<typeof diagnosticsSchema>;

export const PIN_PATTERN = /^[0-9]{4,12}$/;
const attemptId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const none = z.object({}).strict();

/** Every request: its payload and the value of its success. */
export const requests = {
  getSnapshot: { request: none, response: snapshotSchema },
  submitPin: {
    request: z.object({ attemptId, pin: z.string().regex(PIN_PATTERN) }).strict(),
    response: z.object({ accepted: z.literal(true) }).strict(),
  },
  cancelPin: { request: z.object({ attemptId }).strict(), response: none },
  undo: { request: none, response: none },
  lockNow: { request: none, response: none },
  /**
   * e-CPS (OpenID CIBA): the person's national ID; the answer is the code to show. Fails with
   * `ecps-not-available` when the IdP offers no e-CPS, `ecps-busy` while another sign-in is under way,
   * `ecps-rate-limited` after too many requests from this workstation or for this national ID.
   */
  chooseEcps: {
    request: z.object({ nationalId: z.string().regex(NATIONAL_ID_PATTERN) }).strict(),
    response: z.object({ attemptId, bindingMessage: z.string().regex(BINDING_MESSAGE_PATTERN) }).strict(),
  },
  cancelEcps: { request: z.object({ attemptId }).strict(), response: none },
  /**
   * The person closed a screen opened over someone's session (the e-CPS pad, from the tray):
   * main shows or hides the windows as the phase calls for.
   */
  screenClosed: { request: none, response: none },
  getDiagnostics: { request: none, response: diagnosticsSchema },
} as const;

/** Screens main may ask the renderer to show (from the tray menu). */
export const SCREENS = ['lock', 'diagnostics', 'ecps'] as const;

/** Every event, main → renderer. */
export const events = {
  state: snapshotSchema,
  feedback: feedbackSchema,
  navigate: z.object({ screen: z.enum(SCREENS) }).strict(),
  /** The badge readers came or went: false while no reader (or its service) is usable. */
  reader: z.object({ available: z.boolean() }).strict(),
} as const;

export type RequestName = keyof typeof requests;
export type EventName = keyof typeof events;
export type RequestOf<N extends RequestName> = z.infer<(typeof requests)[N]['request']>;
export type ResponseOf<N extends RequestName> = z.infer<(typeof requests)[N]['response']>;
export type EventOf<N extends EventName> = z.infer<(typeof events)[N]>;

/**
 * Why a request failed, as a code the screens can word for a clinician. Never a stack trace,
 * never the payload: the payload may hold a PIN.
 */
export const ERROR_CODES = [
  'invalid-request',
  'forbidden',
  'no-prompt',
  'pin-too-short',
  'pin-too-long',
  'pin-not-digits',
  'ecps-not-available',
  'ecps-busy',
  'ecps-rate-limited',
  'national-id-invalid',
  'internal-error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: ErrorCode };

export const resultSchema = <T extends z.ZodType>(value: T) =>
  z.union([
    z.object({ ok: z.literal(true), value }).strict(),
    z.object({ ok: z.literal(false), code: z.enum(ERROR_CODES) }).strict(),
  ]);

/** What main implements: one handler per request, already given a validated payload. */
export type RequestHandlers = {
  readonly [N in RequestName]: (request: RequestOf<N>) => Promise<Result<ResponseOf<N>>>;
};

/** What the renderer sees as `window.releve`: one method per request, and `on` for events. */
export type ReleveApi = {
  readonly [N in RequestName]: (request: RequestOf<N>) => Promise<Result<ResponseOf<N>>>;
} & {
  readonly on: <N extends EventName>(event: N, listener: (payload: EventOf<N>) => void) => () => void;
};

export const REQUEST_NAMES = Object.keys(requests) as RequestName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

/** The IPC channel of a request or an event: one namespace, so a foreign channel is obvious. */
export const requestChannel = (name: RequestName): string => `releve:request:${name}`;
export const eventChannel = (name: EventName): string => `releve:event:${name}`;

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(requests, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** Checks a request payload; null when it is not exactly what the contract allows. */
export function parseRequest<N extends RequestName>(name: N, payload: unknown): RequestOf<N> | null {
  const checked = requests[name].request.safeParse(payload);
  return checked.success ? (checked.data as RequestOf<N>) : null;
}

/** Checks an event payload; null when it is not exactly what the contract allows. */
export function parseEvent<N extends EventName>(name: N, payload: unknown): EventOf<N> | null {
  const checked = events[name].safeParse(payload);
  return checked.success ? (checked.data as EventOf<N>) : null;
}

/** Checks a response (the renderer's side of the same check, and main's before sending). */
export function parseResult<N extends RequestName>(name: N, result: unknown): Result<ResponseOf<N>> | null {
  const checked = resultSchema(requests[name].response).safeParse(result);
  return checked.success ? (checked.data as Result<ResponseOf<N>>) : null;
}
