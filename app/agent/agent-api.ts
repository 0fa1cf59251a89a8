/**
 * What the agent offers its hosts (the Electron shell, the privileged service, the CLI, tests):
 * the adapters it is composed from, the snapshot and events it publishes, and its methods.
 * Nothing here carries a token or a PIN.
 */
import type { AuditRecord } from '../core/audit.js';
import type { Catalogue, MessageKey, MessageParams } from '../core/messages.js';
import type { PinFormatProblem } from '../core/pin.js';
import type { Policy, PolicyProblem } from '../core/policy.js';
import type {
  AuditSink,
  BadgeSource,
  CardSession,
  Clock,
  DiagnosticLog,
  IdentityProvider,
  OsSessionController,
  PinVerifier,
  ReaderInfo,
  SecretStore,
} from '../core/ports/index.js';
import type { Phase } from '../core/session/types.js';

export interface AgentAdapters {
  readonly clock: Clock;
  readonly badgeSources: readonly BadgeSource[];
  /** CPS cards (null when no PC/SC stack is configured). */
  readonly cards: (CardSession & PinVerifier) | null;
  readonly idp: IdentityProvider;
  readonly osSession: OsSessionController;
  /** The OS vault: where each person's tokens are kept. */
  readonly secrets: SecretStore;
  readonly audit: AuditSink;
  readonly log: DiagnosticLog;
  /** A unique ID for each audit record. */
  readonly newId: () => string;
  /** The host name, used when policy leaves the workstation name empty. */
  readonly hostname: string;
  /**
   * Draws the e-CPS binding message: two digits. Default: a cryptographic random source, so
   * that nobody can guess the code a workstation will show next.
   */
  readonly ecpsBindingCode?: () => string;
}

export interface AgentOptions {
  readonly catalogue: Catalogue;
  /** Problems found in the policy when the agent was told to fall back to defaults: audited at start. */
  readonly policyProblems?: readonly PolicyProblem[];
}

/** What the UI may show about the person in front of the screen. */
export interface PersonView {
  readonly displayName: string;
  readonly profession: string | null;
  readonly nationalId: string | null;
}

/**
 * What the workstation can count on, as the agent last saw it:
 * - readers: `ok` at least one reader is there; `none` no reader was ever found (or the
 *   reader service is away); `lost` the reader in use went away and none came back;
 * - idp: `ok` the IdP answered the last sign-in; `unreachable` it did not; `unknown` no
 *   sign-in has asked it yet.
 */
export interface AgentHealth {
  readonly readers: 'ok' | 'none' | 'lost';
  readonly idp: 'ok' | 'unreachable' | 'unknown';
}

export interface AgentSnapshot {
  readonly phase: Phase['kind'];
  readonly user: PersonView | null;
  /** The prompt in progress, if any: who is being asked for a PIN, on top of whom. */
  readonly prompt: {
    readonly attemptId: number;
    readonly person: PersonView | null;
    readonly pinTriesLeft: number | null;
    readonly over: PersonView | null;
  } | null;
  /** End of the tap-out undo window, on the agent's deadline clock (compare with `at`). */
  readonly undoUntil: number | null;
  /** The e-CPS request waiting for the person's app: the code to pick there, and its expiry. */
  readonly ecps: {
    readonly attemptId: number;
    readonly bindingMessage: string;
    readonly expiresAt: number;
  } | null;
  readonly suspended: readonly PersonView[];
  readonly readers: readonly ReaderInfo[];
  readonly health: AgentHealth;
  /** When the snapshot was taken, on the agent's deadline clock (Clock.monotonic). */
  readonly at: number;
}

/** Events other than `state` carry `at`: wall-clock time, for people reading logs. */
export type AgentEvent =
  | { readonly type: 'state'; readonly snapshot: AgentSnapshot }
  | {
      readonly type: 'feedback';
      readonly message: MessageKey;
      readonly params: MessageParams;
      readonly text: string;
      readonly at: number;
    }
  | { readonly type: 'audit'; readonly record: AuditRecord }
  | { readonly type: 'rejected'; readonly reason: string; readonly at: number }
  | { readonly type: 'source'; readonly detail: string; readonly available: boolean; readonly at: number };

export type PinSubmission =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly problem: PinFormatProblem | 'no-prompt' };

export type EcpsSubmission =
  | { readonly accepted: true; readonly attemptId: number; readonly bindingMessage: string }
  | {
      readonly accepted: false;
      /**
       * not-available: the IdP offers no e-CPS; busy: another sign-in is under way;
       * rate-limited: too many requests lately, from this workstation or for this national ID.
       */
      readonly problem: 'not-available' | 'invalid-national-id' | 'busy' | 'rate-limited';
    };

export interface Agent {
  start(): Promise<void>;
  stop(): Promise<void>;
  snapshot(): AgentSnapshot;
  policy(): Policy;
  /** Feeds an event from outside (validated; a malformed one changes nothing and is reported). */
  dispatch(event: unknown): Promise<void>;
  /** Takes ownership of the PIN bytes: they are zeroed once used, refused or abandoned. */
  submitPin(attemptId: number, pin: Uint8Array): Promise<PinSubmission>;
  cancelPin(attemptId: number): Promise<void>;
  /**
   * e-CPS: the person gave their national ID (`8` + RPPS). The agent draws the binding message
   * and asks the IdP; the answer says which code to show (the snapshot says it too).
   */
  requestEcps(nationalId: string): Promise<EcpsSubmission>;
  /** Whether this workstation's IdP offers e-CPS at all (the screens offer it only then). */
  ecpsOffered(): boolean;
  /** The person gave up waiting for their e-CPS app. */
  cancelEcps(attemptId: number): Promise<void>;
  undo(): Promise<void>;
  manualLock(): Promise<void>;
  subscribe(listener: (event: AgentEvent) => void): () => void;
  /** Resolves once every event and effect under way has been handled (tests, demo, shutdown). */
  idle(): Promise<void>;
}
