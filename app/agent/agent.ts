/**
 * composeAgent: the one place where the session machine meets the adapters. It serialises
 * events through the pure machine, carries out the effects it returns, keeps the PIN out of
 * the core (held here in a Uint8Array, zeroed as soon as it has been used or abandoned), and
 * publishes what the UI and the CLI may see: state snapshots, feedback text, audit records.
 * Never a token, never a PIN.
 */
import { randomInt } from 'node:crypto';
import type { AuditRecord } from '../core/audit.js';
import { personSchema, type Person } from '../core/identity.js';
import { formatMessage, type Catalogue, type MessageKey, type MessageParams } from '../core/messages.js';
import { checkPinFormat, zeroize, type PinFormatProblem } from '../core/pin.js';
import { nextShiftBoundary, type Policy, type PolicyProblem } from '../core/policy.js';
import type {
  AuditSink,
  BadgeSource,
  BadgeSourceEvent,
  CardSession,
  DiagnosticLog,
  Clock,
  IdentityProvider,
  IdpResult,
  OsSessionController,
  PinVerifier,
  ReaderInfo,
  SecretStore,
  TokenSet,
} from '../core/ports/index.js';
import type { EcpsResult } from '../core/ports/identity-provider.js';
import { TokenVault } from '../adapters/vault/token-vault.js';
import { dispatch as dispatchEvent, foregroundUser, nextDeadline } from '../core/session/machine.js';
import {
  ECPS_NATIONAL_ID,
  INITIAL_STATE,
  type AuthOutcome,
  type Effect,
  type Phase,
  type SessionEvent,
  type SessionState,
} from '../core/session/types.js';

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
  readonly undoUntil: number | null;
  /** The e-CPS request waiting for the person's app: the code to pick there, and its expiry. */
  readonly ecps: {
    readonly attemptId: number;
    readonly bindingMessage: string;
    readonly expiresAt: number;
  } | null;
  readonly suspended: readonly PersonView[];
  readonly readers: readonly ReaderInfo[];
  readonly at: number;
}

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
      /** not-available: the IdP offers no e-CPS; busy: another sign-in is under way. */
      readonly problem: 'not-available' | 'invalid-national-id' | 'busy';
    };

/** The default binding message: two digits from a cryptographic random source. */
export const randomBindingCode = (): string => String(randomInt(0, 100)).padStart(2, '0');

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

function viewOf(person: Person | null): PersonView | null {
  return person
    ? { displayName: person.displayName, profession: person.profession, nationalId: person.nationalId }
    : null;
}

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** Keeps the `amr` values the audit can carry: short, plain tokens. */
const plainAmr = (amr: readonly string[]): string[] =>
  amr.filter((value) => /^[A-Za-z0-9_.:-]{1,32}$/.test(value)).slice(0, 16);

/** An `acr` the audit can carry (often a URI), or null. */
const plainAcr = (acr: string | null): string | null =>
  acr !== null && /^[\x21-\x7e]{1,128}$/.test(acr) ? acr : null;

function failureOutcome(result: EcpsResult & { ok: false }): AuthOutcome {
  const failure = result.failure;
  switch (failure.reason) {
    case 'ecps-denied':
    case 'ecps-expired':
      return { reason: failure.reason };
    // Only the agent cancels, and it has moved on by then; should an IdP say so unasked, no one signs in.
    case 'cancelled':
      return { reason: 'timeout' };
    case 'wrong-pin':
      return { reason: 'wrong-pin', triesLeft: failure.triesLeft };
    case 'too-many-attempts':
      return { reason: 'too-many-attempts', retryAfterSeconds: failure.retryAfterSeconds };
    case 'unknown-badge':
    case 'idp-unreachable':
    case 'idp-error':
    case 'timeout':
      return { reason: failure.reason };
  }
}

export function composeAgent(adapters: AgentAdapters, basePolicy: Policy, options: AgentOptions): Agent {
  const policy: Policy = Object.freeze({
    ...basePolicy,
    workstationName: basePolicy.workstationName || adapters.hostname,
  });
  const { clock, log } = adapters;
  /** Each person's tokens, in the OS vault only; one refresh in flight per person. */
  const tokens = new TokenVault({ store: adapters.secrets, idp: adapters.idp, now: () => clock.now(), log });
  let state: SessionState = INITIAL_STATE;
  let queue: Promise<void> = Promise.resolve();
  const background = new Set<Promise<void>>();
  const listeners = new Set<(event: AgentEvent) => void>();
  /** People seen on this workstation, by badge: lets a tap greet by name before the PIN. */
  const knownBadges = new Map<string, Person>();
  let heldPin: { attemptId: number; bytes: Uint8Array } | null = null;
  /** The one e-CPS request in flight, if any: never two. */
  let ecpsInFlight: { attemptId: number; controller: AbortController } | null = null;
  const bindingCode = adapters.ecpsBindingCode ?? randomBindingCode;
  let cancelTick: (() => void) | null = null;
  let cancelShift: (() => void) | null = null;
  let stopOsWatch: (() => void) | null = null;
  let running = false;

  const emit = (event: AgentEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error('agent listener failed', { error: String(error) });
      }
    }
  };

  const readers = (): ReaderInfo[] => adapters.badgeSources.flatMap((source) => source.readers());

  const snapshot = (): AgentSnapshot => {
    const { phase } = state;
    const interaction =
      phase.kind === 'identifying' ||
      phase.kind === 'switching' ||
      phase.kind === 'awaiting-pin' ||
      phase.kind === 'authenticating' ||
      phase.kind === 'ecps-waiting'
        ? phase.interaction
        : null;
    const foreground = foregroundUser(state);
    return {
      phase: phase.kind,
      user: interaction ? null : viewOf(foreground),
      prompt: interaction
        ? {
            attemptId: interaction.attemptId,
            person: viewOf(interaction.person),
            pinTriesLeft: interaction.pinTriesLeft,
            over: viewOf(interaction.over),
          }
        : null,
      undoUntil: phase.kind === 'locking' ? phase.undoUntil : null,
      ecps:
        phase.kind === 'ecps-waiting'
          ? {
              attemptId: phase.interaction.attemptId,
              bindingMessage: phase.ecps.bindingMessage,
              expiresAt: phase.interaction.deadline,
            }
          : null,
      suspended: state.suspended.map((s) => viewOf(s.user)!),
      readers: readers(),
      at: clock.now(),
    };
  };

  const forgetPin = (): void => {
    if (heldPin) zeroize(heldPin.bytes);
    heldPin = null;
  };

  const track = (task: Promise<void>): void => {
    const tracked = task.catch((error: unknown) =>
      log.error('background task failed', { error: String(error) }),
    );
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  };

  const scheduleTick = (): void => {
    cancelTick?.();
    cancelTick = null;
    if (!running) return;
    const at = nextDeadline(state, policy);
    if (at !== null) cancelTick = clock.setTimer(at, () => void enqueue({ type: 'tick' }));
  };

  const scheduleShiftEnd = (): void => {
    cancelShift?.();
    cancelShift = null;
    if (!running) return;
    const now = clock.now();
    const at = nextShiftBoundary(policy, now, clock.utcOffsetMinutes(now));
    if (at !== null) {
      cancelShift = clock.setTimer(at, () => {
        void enqueue({ type: 'shift-end' });
        scheduleShiftEnd();
      });
    }
  };

  const writeAudit = async (draft: AuditRecord | Omit<AuditRecord, 'id'>): Promise<void> => {
    const record: AuditRecord = { ...draft, id: adapters.newId() };
    try {
      await adapters.audit.append(record);
    } catch (error) {
      // The record could not be made durable: say so loudly. The action still happened (a lock
      // must not be undone because a disk is full), and diagnostics carry the record.
      log.error('audit append failed', {
        error: String(error),
        action: record.action,
        reason: record.reason,
      });
    }
    emit({ type: 'audit', record });
  };

  /** A record about the agent itself, not about a person. */
  const writeSystemAudit = (action: AuditRecord['action'], reason: string): Promise<void> =>
    writeAudit({
      action,
      outcome: 'info',
      personId: null,
      displayName: null,
      nationalId: null,
      workstation: policy.workstationName,
      badgeKind: null,
      method: null,
      reason,
      time: new Date(clock.now()).toISOString(),
    });

  async function identify(
    attemptId: number,
    badge: Extract<Effect, { type: 'identify-badge' }>['badge'],
  ): Promise<void> {
    if (badge.kind === 'cps-card') {
      if (!adapters.cards) {
        await enqueue({ type: 'badge-unreadable', attemptId, reason: 'no card reader stack configured' });
        return;
      }
      try {
        const card = await adapters.cards.readIdentity(badge.readerName);
        knownBadges.set(badge.badgeId, card.person);
        await enqueue({
          type: 'badge-identified',
          attemptId,
          person: card.person,
          pinTriesLeft: card.pinTriesLeft,
        });
      } catch (error) {
        log.warn('card could not be read', { reader: badge.readerName, error: String(error) });
        await enqueue({ type: 'badge-unreadable', attemptId, reason: 'card could not be read' });
      }
      return;
    }
    await enqueue({
      type: 'badge-identified',
      attemptId,
      person: knownBadges.get(badge.badgeId) ?? null,
      pinTriesLeft: null,
    });
  }

  /**
   * Keeps a person's new tokens in the OS vault without making them wait for the keyring: the
   * write starts once `opened` (the sign-in's result has been applied), and the vault orders it
   * before anything later asks for that person's tokens. Tokens are kept in the vault or not at
   * all: if it refuses, the person stays signed in on this workstation and applications needing
   * their tokens will ask them again.
   */
  function keepTokens(personId: string, set: TokenSet, opened: Promise<void>): void {
    track(
      tokens.save(personId, set, opened).catch((error: unknown) => {
        log.error('could not keep tokens in the OS vault; they are dropped', { error: String(error) });
      }),
    );
  }

  /**
   * A sign-in whose result came too late (the prompt timed out, someone else tapped, the person
   * cancelled) opened no session: its fresh grant is revoked and its tokens forgotten, rather
   * than left in the vault for nobody.
   */
  function dropTokensIfUnused(outcome: AuthOutcome): void {
    if (outcome.reason !== 'ok') return;
    const { personId } = outcome.person;
    const hasSession =
      foregroundUser(state)?.personId === personId ||
      state.suspended.some((s) => s.user.personId === personId);
    if (!hasSession) track(tokens.logout(personId));
  }

  async function authenticate(effect: Extract<Effect, { type: 'authenticate' }>): Promise<void> {
    const pin = heldPin && heldPin.attemptId === effect.attemptId ? heldPin.bytes : null;
    heldPin = null;
    if (!pin) {
      await enqueue({ type: 'auth-result', attemptId: effect.attemptId, outcome: { reason: 'timeout' } });
      return;
    }
    let outcome: AuthOutcome;
    const applied = deferred();
    try {
      outcome = await signIn(effect, pin, applied.promise);
      if (outcome.reason === 'ok' && !personSchema.safeParse(outcome.person).success) {
        // The core would refuse this result and leave the person waiting until the deadline.
        log.error('the IdP named a person the workstation cannot show; sign-in refused');
        outcome = { reason: 'idp-error' };
      }
    } catch (error) {
      log.error('sign-in failed unexpectedly', { error: String(error) });
      outcome = { reason: 'idp-error' };
    } finally {
      zeroize(pin);
    }
    try {
      await enqueue({ type: 'auth-result', attemptId: effect.attemptId, outcome });
    } finally {
      applied.resolve();
    }
    dropTokensIfUnused(outcome);
  }

  async function signIn(
    effect: Extract<Effect, { type: 'authenticate' }>,
    pin: Uint8Array,
    applied: Promise<void>,
  ): Promise<AuthOutcome> {
    const { badge } = effect;
    let result: IdpResult;
    let method: 'card-pin' | 'badge-pin';
    if (badge.kind === 'cps-card') {
      const cards = adapters.cards;
      const nationalId = effect.person?.nationalId;
      if (!cards || !nationalId) return { reason: 'card-error' };
      // The card checks its own PIN, exactly once; the IdP then sees only the card's signature.
      const check = await cards.verifyPin(badge.readerName, pin);
      if (!check.ok) {
        return check.reason === 'wrong-pin'
          ? { reason: 'wrong-pin', triesLeft: check.triesLeft }
          : { reason: check.reason };
      }
      const certificate = await cards.authenticationCertificate(badge.readerName);
      result = await adapters.idp.signInWithCard({
        nationalId,
        certificate,
        sign: (digest) => cards.signDigest(badge.readerName, digest),
      });
      method = 'card-pin';
    } else {
      result = await adapters.idp.signInWithBadge(badge.badgeId, pin);
      method = 'badge-pin';
    }
    if (!result.ok) return failureOutcome(result);
    const { person, amr, acr } = result.value;
    knownBadges.set(badge.badgeId, person);
    keepTokens(person.personId, result.value.tokens, applied);
    return { reason: 'ok', person, method, offline: false, amr: plainAmr(amr), acr: plainAcr(acr) };
  }

  /** Stops waiting for the e-CPS request in flight (all of them, without an attempt ID). */
  function cancelEcpsRequest(attemptId: number | null): void {
    if (!ecpsInFlight || (attemptId !== null && ecpsInFlight.attemptId !== attemptId)) return;
    ecpsInFlight.controller.abort();
    ecpsInFlight = null;
  }

  async function ecpsSignIn(effect: Extract<Effect, { type: 'start-ecps' }>): Promise<void> {
    // Never two in flight: a new request first withdraws any other.
    cancelEcpsRequest(null);
    const controller = new AbortController();
    const mine = { attemptId: effect.attemptId, controller };
    ecpsInFlight = mine;
    let outcome: AuthOutcome;
    const applied = deferred();
    try {
      const signInWithEcps = adapters.idp.signInWithEcps?.bind(adapters.idp);
      const result: EcpsResult = signInWithEcps
        ? await signInWithEcps(effect.nationalId, effect.bindingMessage, controller.signal)
        : { ok: false, failure: { reason: 'idp-error' } };
      // Cancelled here (the person, a lock, a tap): the core has moved on; nothing to report.
      if (controller.signal.aborted) return;
      if (!result.ok) {
        outcome = failureOutcome(result);
      } else if (!personSchema.safeParse(result.value.person).success) {
        log.error('the IdP named a person the workstation cannot show; e-CPS sign-in refused');
        outcome = { reason: 'idp-error' };
      } else {
        const { person, amr, acr } = result.value;
        keepTokens(person.personId, result.value.tokens, applied.promise);
        outcome = {
          reason: 'ok',
          person,
          method: 'ecps',
          offline: false,
          amr: plainAmr(amr),
          acr: plainAcr(acr),
        };
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      log.error('e-CPS sign-in failed unexpectedly', { error: String(error) });
      outcome = { reason: 'idp-error' };
    } finally {
      if (ecpsInFlight === mine) ecpsInFlight = null;
      // An early return (cancelled): nothing waits to be applied.
      if (controller.signal.aborted) applied.resolve();
    }
    try {
      await enqueue({ type: 'auth-result', attemptId: effect.attemptId, outcome });
    } finally {
      applied.resolve();
    }
    dropTokensIfUnused(outcome);
  }

  /**
   * After a grace re-tap: the person's access token is renewed if it is about to expire. When the
   * IdP refuses the refresh token (`invalid_grant`), the person is asked for their PIN again —
   * once, never in a loop. An unreachable IdP leaves the session as it is (offline rules apply).
   */
  async function refreshTokens(personId: string): Promise<void> {
    // No tokens kept (the vault refused them at sign-in): asking again would not bring them back.
    if (!(await tokens.load(personId).catch(() => null))) return;
    const result = await tokens.accessToken(personId);
    if (result.ok) return;
    log.warn('token renewal after a grace re-tap failed', { reason: result.reason });
    if (result.reason === 'reauthenticate') await enqueue({ type: 'sign-in-expired', personId });
  }

  async function runOs(action: string, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      log.error(`OS session ${action} failed`, { error: String(error) });
    }
  }

  async function apply(effects: readonly Effect[]): Promise<void> {
    // Feedback first (a tap is answered at once), then the audit trail, then the actions: the
    // record of an access is durable before the access takes effect.
    for (const effect of effects) {
      if (effect.type === 'feedback') {
        emit({
          type: 'feedback',
          message: effect.message,
          params: effect.params,
          text: formatMessage(options.catalogue, effect.message, effect.params),
          at: clock.now(),
        });
      }
    }
    // All of a transition's records at once: the sink makes them durable together, in order.
    await Promise.all(
      effects.flatMap((effect) => (effect.type === 'audit' ? [writeAudit(effect.record)] : [])),
    );
    for (const effect of effects) {
      switch (effect.type) {
        case 'feedback':
        case 'audit':
          break;
        case 'identify-badge':
          track(identify(effect.attemptId, effect.badge));
          break;
        case 'authenticate':
          track(authenticate(effect));
          break;
        case 'discard-pin':
          forgetPin();
          break;
        case 'open-session':
          await runOs('open', () => adapters.osSession.open(effect.user));
          break;
        case 'resume-session':
          await runOs('resume', () => adapters.osSession.resume(effect.user));
          break;
        case 'suspend-session':
          await runOs('suspend', () => adapters.osSession.suspend(effect.personId));
          break;
        case 'close-session':
          await runOs('close', () => adapters.osSession.close(effect.personId, effect.reason));
          // A closed session's grant ends at the IdP too (best effort, bounded); a locked or
          // suspended one keeps its tokens for the grace re-tap.
          track(tokens.logout(effect.personId));
          break;
        case 'lock-screen':
          await runOs('lock', () => adapters.osSession.lock());
          break;
        case 'unlock-screen':
          await runOs('unlock', () => adapters.osSession.unlock(effect.personId));
          break;
        case 'refresh-tokens':
          track(refreshTokens(effect.personId));
          break;
        case 'start-ecps':
          track(ecpsSignIn(effect));
          break;
        case 'cancel-ecps':
          cancelEcpsRequest(effect.attemptId);
          break;
        default: {
          const unhandled: never = effect;
          log.error('unhandled effect', { effect: JSON.stringify(unhandled) });
        }
      }
    }
  }

  function enqueue(event: unknown): Promise<void> {
    const run = async (): Promise<void> => {
      const before = state;
      const result = dispatchEvent(state, event, policy, clock.now());
      if (result.rejected) {
        log.warn('event rejected', { reason: result.rejected });
        emit({ type: 'rejected', reason: result.rejected, at: clock.now() });
        return;
      }
      state = result.state;
      if (state.phase !== before.phase || state.suspended !== before.suspended) {
        emit({ type: 'state', snapshot: snapshot() });
      }
      await apply(result.effects);
      scheduleTick();
    };
    queue = queue.then(run, run);
    return queue;
  }

  const onSourceEvent = (event: BadgeSourceEvent): void => {
    switch (event.type) {
      case 'badge-presented':
      case 'badge-removed':
        void enqueue(event);
        break;
      case 'reader-lost':
        void enqueue(event);
        emit({
          type: 'source',
          detail: `reader lost: ${event.readerName}`,
          available: false,
          at: clock.now(),
        });
        break;
      case 'reader-added':
        emit({
          type: 'source',
          detail: `reader added: ${event.reader.name}`,
          available: true,
          at: clock.now(),
        });
        break;
      case 'source-status':
        emit({ type: 'source', detail: event.detail, available: event.available, at: clock.now() });
        break;
    }
  };

  const agent: Agent = {
    async start() {
      if (running) return;
      running = true;
      await writeSystemAudit('agent-started', `mode ${policy.mode}`);
      for (const problem of options.policyProblems ?? []) {
        await writeSystemAudit('policy-fallback', problem.message);
      }
      await runOs('lock', () => adapters.osSession.lock());
      stopOsWatch = adapters.osSession.watch(
        policy.inactivityLockMinutes * 60_000,
        (event) => void enqueue(event),
      );
      // Sources report readers as they come; start-up never waits on a reader or a service.
      await Promise.all(adapters.badgeSources.map((source) => source.start(onSourceEvent)));
      scheduleShiftEnd();
      emit({ type: 'state', snapshot: snapshot() });
    },
    async stop() {
      if (!running) return;
      running = false;
      cancelTick?.();
      cancelShift?.();
      stopOsWatch?.();
      await Promise.all(adapters.badgeSources.map((source) => source.stop()));
      cancelEcpsRequest(null);
      await agent.idle();
      forgetPin();
      await writeSystemAudit('agent-stopped', 'stop');
    },
    snapshot,
    policy: () => policy,
    dispatch: (event) => enqueue(event),
    async submitPin(attemptId, pin) {
      await queue;
      const { phase } = state;
      if (phase.kind !== 'awaiting-pin' || phase.interaction.attemptId !== attemptId) {
        zeroize(pin);
        return { accepted: false, problem: 'no-prompt' };
      }
      const problem = checkPinFormat(pin, policy);
      if (problem) {
        zeroize(pin);
        return { accepted: false, problem };
      }
      forgetPin();
      heldPin = { attemptId, bytes: pin };
      await enqueue({ type: 'pin-entered', attemptId } satisfies SessionEvent);
      return { accepted: true };
    },
    cancelPin: (attemptId) => enqueue({ type: 'pin-cancelled', attemptId } satisfies SessionEvent),
    async requestEcps(nationalId) {
      await queue;
      if (!adapters.idp.signInWithEcps) return { accepted: false, problem: 'not-available' };
      if (!ECPS_NATIONAL_ID.test(nationalId)) return { accepted: false, problem: 'invalid-national-id' };
      // Not over a badge sign-in, another e-CPS request or anything else under way.
      const allowed: readonly Phase['kind'][] = [
        'locked',
        'active',
        'offline-active',
        'locking',
        'break-glass',
      ];
      if (!allowed.includes(state.phase.kind)) return { accepted: false, problem: 'busy' };
      const bindingMessage = bindingCode();
      await enqueue({ type: 'ecps-requested', nationalId, bindingMessage } satisfies SessionEvent);
      const phase: Phase = state.phase;
      if (phase.kind !== 'ecps-waiting' || phase.ecps.bindingMessage !== bindingMessage) {
        return { accepted: false, problem: 'busy' };
      }
      return { accepted: true, attemptId: phase.interaction.attemptId, bindingMessage };
    },
    cancelEcps: (attemptId) => enqueue({ type: 'ecps-cancelled', attemptId } satisfies SessionEvent),
    ecpsOffered: () =>
      typeof adapters.idp.signInWithEcps === 'function' && (adapters.idp.offersEcps?.() ?? true),
    undo: () => enqueue({ type: 'undo' } satisfies SessionEvent),
    manualLock: () => enqueue({ type: 'manual-lock' } satisfies SessionEvent),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async idle() {
      // Background work enqueues more events, which may start more work: settle until quiet.
      for (;;) {
        const pending = queue;
        await pending;
        if (background.size === 0 && pending === queue) return;
        await Promise.all([...background]);
      }
    },
  };
  return agent;
}
