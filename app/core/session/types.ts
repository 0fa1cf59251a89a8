/**
 * The workstation session: its states, the events that move it and the effects it asks for.
 * Events are validated at run time (zod) because they arrive from adapters and the UI; states
 * and effects are produced only by the machine itself.
 */
import { z } from 'zod';
import type { AuditDraft, AuditReason } from '../audit.js';
import {
  badgePresentationSchema,
  personSchema,
  type AuthMethod,
  type BadgeKind,
  type BadgePresentation,
  type Person,
} from '../identity.js';
import type { MessageKey, MessageParams } from '../messages.js';

/** A person whose session is open on this workstation (foreground or suspended). */
export interface SessionUser extends Person {
  readonly badgeId: string;
  readonly badgeKind: BadgeKind;
  readonly readerName: string;
  readonly contactCard: boolean;
  /** How the session was last entered. */
  readonly method: AuthMethod;
  /** Time of this person's last full second-factor sign-in on this workstation. */
  readonly fullAuthAt: number;
  /** Signed in while the IdP was unreachable. */
  readonly offline: boolean;
}

export interface SuspendedSession {
  readonly user: SessionUser;
  readonly suspendedAt: number;
}

/** The right to re-tap without a PIN, earned by a full sign-in on this workstation. */
export interface GraceEntry {
  readonly badgeId: string;
  readonly person: Person;
  readonly badgeKind: BadgeKind;
  readonly contactCard: boolean;
  readonly fullAuthAt: number;
  readonly expiresAt: number;
}

/** A badge being identified and authenticated, possibly on top of someone's active session. */
export interface Interaction {
  readonly attemptId: number;
  readonly badge: BadgePresentation;
  readonly person: Person | null;
  readonly pinTriesLeft: number | null;
  readonly wrongPins: number;
  /** The session that stays underneath during a tap-over, restored if the newcomer gives up. */
  readonly over: SessionUser | null;
  /** When this step gives up on its own (PIN not typed, card or IdP not answering). */
  readonly deadline: number;
  /**
   * Set when this sign-in answers a break-glass request: the (sanitised) justification. A
   * successful second factor then opens an emergency session for the person it proved.
   */
  readonly breakGlass?: string;
}

/** Wrong PINs for one badge on this workstation, and the wait they earned. */
export interface PinFailures {
  readonly badgeId: string;
  readonly failures: number;
  readonly lastAt: number;
  /** Until when the badge may not be used here; null while under the cap. */
  readonly cooldownUntil: number | null;
}

/** A break-glass request waiting for its requester to sign in. */
export interface BreakGlassRequest {
  readonly justification: string;
  /** The requester must tap before this; then the request lapses. */
  readonly until: number;
}

/** An e-CPS sign-in waiting for the person's approval in their app (OpenID CIBA, poll mode). */
export interface EcpsRequest {
  /** The national ID the person gave (`8` + RPPS), sent as the CIBA `login_hint`. */
  readonly nationalId: string;
  /** The 2-digit code shown on screen, which the person picks in the e-CPS app. */
  readonly bindingMessage: string;
}

/** A national ID an e-CPS sign-in may be asked for: `8` followed by the 11 digits of the RPPS. */
export const ECPS_NATIONAL_ID = /^8[0-9]{11}$/;
/** The binding message: two digits, as the e-CPS app offers them. */
export const ECPS_BINDING_MESSAGE = /^[0-9]{2}$/;
/** How long an e-CPS request waits for the app's answer: Pro Santé Connect expires it after 120 s. */
export const ECPS_REQUEST_SECONDS = 120;
/** The reader name e-CPS interactions carry: there is no reader, and no real reader bears it. */
export const ECPS_READER = 'e-CPS';
/**
 * e-CPS rate limits. Each request pushes a notification to someone's phone, and the RPPS
 * numbers are public: without a cap, a lock screen sprays any professional with pushes. Fixed
 * here rather than in policy: no site needs more, and a cap IT could raise is a cap an attacker
 * only has to find raised. A person retrying a missed push needs two or three; a busy
 * workstation sees a handful of e-CPS sign-ins in ten minutes.
 */
export const ECPS_RATE_WINDOW_MINUTES = 10;
export const ECPS_REQUESTS_PER_NATIONAL_ID = 3;
export const ECPS_REQUESTS_PER_WORKSTATION = 10;
/** Break-glass requests one workstation accepts per hour (each one is reviewed by a person). */
export const BREAK_GLASS_REQUESTS_PER_HOUR = 3;

export type Phase =
  | { readonly kind: 'locked' }
  | { readonly kind: 'identifying'; readonly interaction: Interaction }
  | { readonly kind: 'switching'; readonly interaction: Interaction }
  | { readonly kind: 'awaiting-pin'; readonly interaction: Interaction }
  | { readonly kind: 'authenticating'; readonly interaction: Interaction }
  /** Waiting for the e-CPS app; `interaction.deadline` is when the request expires. */
  | { readonly kind: 'ecps-waiting'; readonly interaction: Interaction; readonly ecps: EcpsRequest }
  | { readonly kind: 'active'; readonly user: SessionUser }
  | { readonly kind: 'offline-active'; readonly user: SessionUser }
  | { readonly kind: 'locking'; readonly user: SessionUser; readonly undoUntil: number }
  | { readonly kind: 'break-glass'; readonly user: SessionUser; readonly expiresAt: number };

export type PhaseKind = Phase['kind'];
export const PHASE_KINDS: readonly PhaseKind[] = [
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
];

export interface SessionState {
  readonly phase: Phase;
  readonly suspended: readonly SuspendedSession[];
  readonly grace: readonly GraceEntry[];
  /** Source of attempt IDs: a result for an abandoned attempt must never be applied. */
  readonly nextAttemptId: number;
  /** Wrong PINs per badge, for the local cap (whatever the IdP or the card counts). */
  readonly pinFailures: readonly PinFailures[];
  /** e-CPS requests made lately (within the rate window), for the rate limits. */
  readonly ecpsRequests: readonly { readonly nationalId: string; readonly at: number }[];
  /** When break-glass was requested lately (within the hour). */
  readonly breakGlassRequests: readonly number[];
  readonly breakGlassPending: BreakGlassRequest | null;
  /**
   * The latest time an event reached the machine at. Time given to the machine never goes
   * back below it: a clock stepped back cannot reopen a window that was closing.
   */
  readonly latestNow: number;
}

export const INITIAL_STATE: SessionState = Object.freeze({
  phase: Object.freeze({ kind: 'locked' }),
  suspended: [],
  grace: [],
  nextAttemptId: 1,
  pinFailures: [],
  ecpsRequests: [],
  breakGlassRequests: [],
  breakGlassPending: null,
  latestNow: 0,
});

const attemptId = z.number().int().nonnegative();

/** Sign-in failures that carry nothing but their reason. */
export const PLAIN_FAILURE_REASONS = [
  'card-blocked',
  'unknown-badge',
  'idp-unreachable',
  'idp-error',
  'card-error',
  'card-removed',
  'timeout',
  /** The person refused in the e-CPS app. */
  'ecps-denied',
  /** The e-CPS request expired at the IdP before the person answered. */
  'ecps-expired',
] as const;

const authOutcomeSchema = z.discriminatedUnion('reason', [
  z
    .object({
      reason: z.literal('ok'),
      person: personSchema,
      method: z.enum(['card-pin', 'badge-pin', 'ecps']),
      offline: z.boolean(),
      /** How the IdP says the person authenticated (`amr`, `acr`), when it says. */
      amr: z.array(z.string().min(1).max(32)).max(16).optional(),
      acr: z.string().min(1).max(128).nullable().optional(),
    })
    .strict(),
  z
    .object({ reason: z.literal('wrong-pin'), triesLeft: z.number().int().min(0).max(15).nullable() })
    .strict(),
  z
    .object({
      reason: z.literal('too-many-attempts'),
      retryAfterSeconds: z.number().int().nonnegative().nullable(),
    })
    .strict(),
  ...PLAIN_FAILURE_REASONS.map((reason) => z.object({ reason: z.literal(reason) }).strict()),
]);
export type AuthOutcome = z.infer<typeof authOutcomeSchema>;
export type AuthFailureReason = Exclude<AuthOutcome['reason'], 'ok'>;

export const sessionEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('badge-presented'), badge: badgePresentationSchema }).strict(),
  z
    .object({
      type: z.literal('badge-removed'),
      badgeId: z.string().min(1).max(64),
      readerName: z.string().min(1).max(256),
    })
    .strict(),
  z
    .object({
      type: z.literal('badge-identified'),
      attemptId,
      person: personSchema.nullable(),
      pinTriesLeft: z.number().int().min(0).max(15).nullable(),
    })
    .strict(),
  z.object({ type: z.literal('badge-unreadable'), attemptId, reason: z.string().max(200) }).strict(),
  z.object({ type: z.literal('pin-entered'), attemptId }).strict(),
  z.object({ type: z.literal('pin-cancelled'), attemptId }).strict(),
  z.object({ type: z.literal('auth-result'), attemptId, outcome: authOutcomeSchema }).strict(),
  z.object({ type: z.literal('inactivity-timeout') }).strict(),
  z.object({ type: z.literal('undo') }).strict(),
  z.object({ type: z.literal('shift-end') }).strict(),
  z.object({ type: z.literal('reader-lost'), readerName: z.string().min(1).max(256) }).strict(),
  z.object({ type: z.literal('manual-lock') }).strict(),
  z.object({ type: z.literal('power-suspend') }).strict(),
  z.object({ type: z.literal('power-resume') }).strict(),
  z.object({ type: z.literal('revoked'), personId: z.string().min(1).max(256) }).strict(),
  /** The IdP no longer honours the person's sign-in (refresh refused): their PIN is needed again. */
  z.object({ type: z.literal('sign-in-expired'), personId: z.string().min(1).max(256) }).strict(),
  z.object({ type: z.literal('tick') }).strict(),
  /**
   * The audit trail refused the record of an access to this person's session (a full disk, a
   * dead store): the agent carried out none of it, and the session goes back behind the lock.
   */
  z.object({ type: z.literal('audit-unavailable'), personId: z.string().min(1).max(256) }).strict(),
  /**
   * A person chose e-CPS and gave their national ID; the agent drew the binding message (two
   * digits, from a cryptographic random source) that the screen shows and the app asks for.
   */
  z
    .object({
      type: z.literal('ecps-requested'),
      nationalId: z.string().regex(ECPS_NATIONAL_ID),
      bindingMessage: z.string().regex(ECPS_BINDING_MESSAGE),
    })
    .strict(),
  /** The person gave up waiting for the e-CPS app (the screen's Cancel). */
  z.object({ type: z.literal('ecps-cancelled'), attemptId }).strict(),
  /**
   * Someone asks for emergency access, with a justification. Nobody is named: the next sign-in
   * on this workstation (badge or card + PIN) says who, and opens the emergency session.
   */
  z
    .object({
      type: z.literal('break-glass-requested'),
      justification: z.string().min(3).max(500),
    })
    .strict(),
]);
export type SessionEvent = z.infer<typeof sessionEventSchema>;
export type SessionEventType = SessionEvent['type'];
export const SESSION_EVENT_TYPES: readonly SessionEventType[] = sessionEventSchema.options.map(
  (option) => option.shape.type.value,
);

export type Effect =
  /** What the screen says now: the tap feedback, a greeting, an error. */
  | { readonly type: 'feedback'; readonly message: MessageKey; readonly params: MessageParams }
  /** Read the card or look the badge up, then report `badge-identified` or `badge-unreadable`. */
  | { readonly type: 'identify-badge'; readonly attemptId: number; readonly badge: BadgePresentation }
  /**
   * Check the PIN the person submitted (card VERIFY or IdP) and get their tokens, then report
   * `auth-result`. The PIN itself never enters the core: the agent holds it and zeroes it.
   */
  | {
      readonly type: 'authenticate';
      readonly attemptId: number;
      readonly badge: BadgePresentation;
      readonly person: Person | null;
    }
  /**
   * Ask the IdP for an e-CPS approval (CIBA, poll mode) and wait for it, then report
   * `auth-result`. One at a time: a new one first cancels any other.
   */
  | {
      readonly type: 'start-ecps';
      readonly attemptId: number;
      readonly nationalId: string;
      readonly bindingMessage: string;
    }
  /** Stop waiting for an e-CPS approval: the attempt was abandoned; its answer must not count. */
  | { readonly type: 'cancel-ecps'; readonly attemptId: number }
  /** Zero and forget any PIN held for an abandoned attempt. */
  | { readonly type: 'discard-pin' }
  | { readonly type: 'open-session'; readonly user: SessionUser }
  | { readonly type: 'resume-session'; readonly user: SessionUser }
  | { readonly type: 'suspend-session'; readonly personId: string }
  | { readonly type: 'close-session'; readonly personId: string; readonly reason: AuditReason }
  | { readonly type: 'lock-screen' }
  | { readonly type: 'unlock-screen'; readonly personId: string }
  /** After a grace re-tap: renew the person's tokens in the background. */
  | { readonly type: 'refresh-tokens'; readonly personId: string }
  | { readonly type: 'audit'; readonly record: AuditDraft };

export type EffectType = Effect['type'];

export interface Transition {
  readonly state: SessionState;
  readonly effects: readonly Effect[];
}
