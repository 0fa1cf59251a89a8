/**
 * Properties of the session machine over random event sequences and random policies:
 * - nobody gets a session without a successful second factor for the current attempt, a valid
 *   grace re-tap (a full sign-in of that person with that badge, within the grace period), or
 *   break-glass where policy allows it (itself opened only by the requester's own sign-in); an e-CPS session needs the app's approval for the very
 *   national ID that was asked for, and a withdrawn (cancelled, expired) request opens nothing;
 * - the effects never leave two people in the foreground, and never unlock anyone but the
 *   person in the foreground;
 * - every tap is answered with visible feedback; the suspended list respects its cap;
 * - time that jumps forward or goes back (a host clock stepped, a late event) never keeps a
 *   window open past its end: undo, PIN prompt, e-CPS request, break-glass;
 * - once the workstation has reported idleness, no session uncovers until someone at the
 *   workstation does something and, if it is a session coming back, proves who they are.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { BadgePresentation, Person } from '../../../../app/core/identity.js';
import type { Policy } from '../../../../app/core/policy.js';
import { foregroundUser, transition } from '../../../../app/core/session/machine.js';
import {
  INITIAL_STATE,
  PLAIN_FAILURE_REASONS,
  type AuthOutcome,
  type SessionEvent,
  type SessionState,
} from '../../../../app/core/session/types.js';
import { POLICY, T0, aide, badge, doctor, nurse } from './fixtures.js';

const PEOPLE: readonly Person[] = [nurse, doctor, aide];
const BADGES: readonly BadgePresentation[] = [
  badge('04A1B2C3D4E5F6'),
  badge('04112233445566'),
  badge('8A4F2C1D'),
  badge('80250000012345', true),
  badge('80250000067890', true),
];

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    graceRetapMinutes: fc.constantFrom(0, 1, 30, 240),
    tapOutUndoSeconds: fc.constantFrom(0, 5),
    maxSuspendedSessions: fc.constantFrom(0, 1, 3),
    maxSuspendedMinutes: fc.constantFrom(1, 480),
    tapOverPreviousSession: fc.constantFrom('suspend' as const, 'close' as const),
    contactCardRemoval: fc.constantFrom('lock' as const, 'end-grace' as const, 'ignore' as const),
    otherTapInEndsGrace: fc.boolean(),
    breakGlassEnabled: fc.boolean(),
  })
  .map((overrides) => ({ ...POLICY, ...overrides }));

const outcomeArb: fc.Arbitrary<AuthOutcome> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      reason: fc.constant('ok' as const),
      person: fc.constantFrom(...PEOPLE),
      method: fc.constantFrom('card-pin' as const, 'badge-pin' as const, 'ecps' as const),
      offline: fc.boolean(),
    }),
  },
  fc.record({ reason: fc.constant('wrong-pin' as const), triesLeft: fc.constantFrom(0, 1, 2, null) }),
  fc.record({
    reason: fc.constant('too-many-attempts' as const),
    retryAfterSeconds: fc.constantFrom(60, null),
  }),
  fc.constantFrom(...PLAIN_FAILURE_REASONS.map((reason) => ({ reason }))),
);

/** National IDs e-CPS may be asked for: the nurse's, the doctor's, and one nobody holds. */
const NATIONAL_IDS = [nurse.nationalId!, doctor.nationalId!, '810009999999'] as const;

/**
 * Mostly the attempt the machine is on (CURRENT, resolved when the event is applied), sometimes
 * a stale or future one: results must hit current and abandoned attempts alike.
 */
const CURRENT = -1;
const attemptArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(CURRENT) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) },
);

function resolveAttempt(event: SessionEvent, state: SessionState): SessionEvent {
  if (!('attemptId' in event) || event.attemptId !== CURRENT) return event;
  const attemptId = 'interaction' in state.phase ? state.phase.interaction.attemptId : 0;
  return { ...event, attemptId };
}

const eventArb: fc.Arbitrary<SessionEvent> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(...BADGES).map((b) => ({ type: 'badge-presented' as const, badge: b })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...BADGES)
      .map((b) => ({ type: 'badge-removed' as const, badgeId: b.badgeId, readerName: b.readerName })),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('badge-identified' as const),
      attemptId: attemptArb,
      person: fc.option(fc.constantFrom(...PEOPLE), { nil: null }),
      pinTriesLeft: fc.constantFrom(null, 0, 1, 3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('badge-unreadable' as const),
      attemptId: attemptArb,
      reason: fc.constant('garbled'),
    }),
  },
  { weight: 6, arbitrary: fc.record({ type: fc.constant('pin-entered' as const), attemptId: attemptArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('pin-cancelled' as const), attemptId: attemptArb }) },
  {
    weight: 8,
    arbitrary: fc.record({
      type: fc.constant('auth-result' as const),
      attemptId: attemptArb,
      outcome: outcomeArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...(
        [
          'inactivity-timeout',
          'undo',
          'shift-end',
          'manual-lock',
          'power-suspend',
          'power-resume',
          'tick',
        ] as const
      ).map((type) => ({ type })),
    ),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'reader-lost' as const, readerName: 'Reader A' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...PEOPLE).map((p) => ({ type: 'revoked' as const, personId: p.personId })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...PEOPLE)
      .map((p) => ({ type: 'sign-in-expired' as const, personId: p.personId })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ type: 'break-glass-requested' as const, justification: 'urgence vitale' }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('ecps-requested' as const),
      nationalId: fc.constantFrom(...NATIONAL_IDS),
      bindingMessage: fc.constantFrom('07', '42', '99'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('ecps-cancelled' as const), attemptId: attemptArb }),
  },
);

const elapsedArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0, 1_000, 20_000) },
  { weight: 1, arbitrary: fc.constantFrom(10 * 60_000, 3 * 3_600_000) },
);

/** A whole badge + PIN sign-in (tap, identified, PIN, IdP says ok), so that sign-ins, tap-overs and grace re-taps are common. */
const signInArb = fc
  .tuple(fc.constantFrom(...BADGES), fc.constantFrom(...PEOPLE), fc.boolean())
  .map(([b, person, offline]): SessionEvent[] => [
    { type: 'badge-presented', badge: b },
    {
      type: 'badge-identified',
      attemptId: CURRENT,
      person: b.contact ? person : null,
      pinTriesLeft: b.contact ? 3 : null,
    },
    { type: 'pin-entered', attemptId: CURRENT },
    {
      type: 'auth-result',
      attemptId: CURRENT,
      outcome: { reason: 'ok', person, method: b.contact ? 'card-pin' : 'badge-pin', offline },
    },
  ]);

/** A whole e-CPS sign-in: chosen, then approved in the app (for the person asked, or not). */
const ecpsSignInArb = fc
  .tuple(fc.constantFrom(...NATIONAL_IDS), fc.constantFrom(...PEOPLE))
  .map(([nationalId, person]): SessionEvent[] => [
    { type: 'ecps-requested', nationalId, bindingMessage: '42' },
    {
      type: 'auth-result',
      attemptId: CURRENT,
      outcome: { reason: 'ok', person, method: 'ecps', offline: false, amr: ['swk', 'pin', 'mfa'] },
    },
  ]);

/** Events with the time (ms) elapsed before each. */
const runArb = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 4, arbitrary: eventArb.map((e) => [e]) },
        { weight: 1, arbitrary: signInArb },
        { weight: 1, arbitrary: ecpsSignInArb },
      ),
      elapsedArb,
    ),
    { minLength: 1, maxLength: 40, size: 'max' },
  )
  .map((steps) =>
    steps.flatMap(([events, elapsed]) => events.map((e, i) => [e, i === 0 ? elapsed : 0] as const)),
  );

interface FullSignIn {
  readonly personId: string;
  readonly badgeId: string;
  readonly at: number;
}

type Machine = typeof transition;

/** Statistics across runs, to show the properties were exercised where it matters. */
const seen = {
  transitions: 0,
  sessionsOpened: 0,
  graceReTaps: 0,
  tapOvers: 0,
  ecpsSessions: 0,
  breakGlass: 0,
};

function check(
  policy: Policy,
  run: readonly (readonly [SessionEvent, number])[],
  machine: Machine = transition,
): void {
  let state: SessionState = INITIAL_STATE;
  let now = T0;
  const signIns: FullSignIn[] = [];
  let osForeground: string | null = null;

  for (const [symbolic, elapsed] of run) {
    now += elapsed;
    const before = state;
    const event = resolveAttempt(symbolic, before);
    const heldBefore = foregroundUser(before)?.personId ?? null;
    const { state: after, effects } = machine(before, event, policy, now);
    seen.transitions += 1;
    const heldAfter = foregroundUser(after)?.personId ?? null;

    // A successful second factor for the attempt the machine was actually waiting on: a PIN
    // checked, or an approval in the e-CPS app for the national ID that was asked for.
    const ecpsApproval =
      event.type === 'auth-result' &&
      event.outcome.reason === 'ok' &&
      before.phase.kind === 'ecps-waiting' &&
      before.phase.interaction.attemptId === event.attemptId &&
      event.outcome.person.nationalId === before.phase.ecps.nationalId;
    const secondFactor =
      event.type === 'auth-result' &&
      event.outcome.reason === 'ok' &&
      ((before.phase.kind === 'authenticating' && before.phase.interaction.attemptId === event.attemptId) ||
        ecpsApproval);
    if (ecpsApproval && foregroundUser(after)?.personId !== heldBefore) seen.ecpsSessions += 1;
    if (secondFactor && event.outcome.reason === 'ok' && before.phase.kind === 'authenticating') {
      signIns.push({
        personId: event.outcome.person.personId,
        badgeId: before.phase.interaction.badge.badgeId,
        at: now,
      });
    }

    if (heldAfter !== null && heldAfter !== heldBefore) {
      const viaSecondFactor =
        secondFactor &&
        event.type === 'auth-result' &&
        event.outcome.reason === 'ok' &&
        event.outcome.person.personId === heldAfter;
      const viaGrace =
        event.type === 'badge-presented' &&
        policy.graceRetapMinutes > 0 &&
        signIns.some(
          (s) =>
            s.personId === heldAfter &&
            s.badgeId === event.badge.badgeId &&
            now - s.at < policy.graceRetapMinutes * 60_000,
        );
      // Break-glass opens only through a sign-in too: the requester proves who they are.
      if (viaSecondFactor) seen.sessionsOpened += 1;
      if (viaSecondFactor && after.phase.kind === 'break-glass') seen.breakGlass += 1;
      if (viaGrace) seen.graceReTaps += 1;
      if (heldBefore !== null) seen.tapOvers += 1;
      if (!viaSecondFactor && !viaGrace) {
        throw new Error(`${heldAfter} got a session from ${before.phase.kind} on ${JSON.stringify(event)}`);
      }
    }

    for (const effect of effects) {
      switch (effect.type) {
        case 'open-session':
        case 'resume-session':
          if (osForeground !== null && osForeground !== effect.user.personId) {
            throw new Error(
              `${effect.type} ${effect.user.personId} while ${osForeground} is in the foreground`,
            );
          }
          osForeground = effect.user.personId;
          break;
        case 'suspend-session':
        case 'close-session':
          if (osForeground === effect.personId) osForeground = null;
          break;
        case 'unlock-screen':
          if (osForeground !== effect.personId)
            throw new Error(`unlock for ${effect.personId}, foreground ${osForeground}`);
          break;
        default:
          break;
      }
    }

    if (event.type === 'badge-presented' && !effects.some((e) => e.type === 'feedback')) {
      throw new Error(`a tap in ${before.phase.kind} got no feedback`);
    }
    // An e-CPS request left behind (cancelled, expired, replaced by a tap, a lock) is withdrawn
    // at the IdP, so that a late approval in the app cannot count; one ending in a result needs no withdrawal.
    if (before.phase.kind === 'ecps-waiting' && after.phase.kind !== 'ecps-waiting') {
      const attempt = before.phase.interaction.attemptId;
      const ended = event.type === 'auth-result' && event.attemptId === attempt;
      const withdrawn = effects.some((e) => e.type === 'cancel-ecps' && e.attemptId === attempt);
      if (!ended && !withdrawn) throw new Error(`e-CPS request left in flight on ${JSON.stringify(event)}`);
    }
    // Every e-CPS request the machine starts is for the phase it enters, one at a time.
    const started = effects.filter((e) => e.type === 'start-ecps');
    if (started.length > 1) throw new Error('two e-CPS requests started at once');
    if (started.length === 1 && after.phase.kind !== 'ecps-waiting') {
      throw new Error('an e-CPS request started outside ecps-waiting');
    }
    if (after.suspended.length > policy.maxSuspendedSessions) throw new Error('too many suspended sessions');
    const foreground = foregroundUser(after)?.personId;
    if (
      foreground &&
      after.suspended.some((s) => s.user.personId === foreground) &&
      after.phase.kind !== 'switching'
    ) {
      throw new Error(`${foreground} is both in the foreground and suspended`);
    }
    state = after;
  }
}

/** Time steps that jump far ahead without a tick, or go back (a wall clock stepped). */
const jumpyElapsedArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(0, 1_000, 20_000) },
  { weight: 1, arbitrary: fc.constantFrom(10 * 60_000, 3 * 3_600_000) },
  { weight: 2, arbitrary: fc.constantFrom(-5_000, -60_000, -3_600_000) },
);

type TimedEvents = (readonly [SessionEvent, number])[];

/** A sign-in, a tap-out with the same badge, then an undo after some time (maybe far too late). */
const tapOutUndoArb: fc.Arbitrary<TimedEvents> = fc
  .tuple(signInArb, jumpyElapsedArb)
  .map(([signIn, elapsed]) => {
    const tap = signIn[0]!;
    return [...signIn.map((e) => [e, 0] as const), [tap, 0] as const, [{ type: 'undo' }, elapsed] as const];
  });

/** Someone signed in, another badge's prompt over them, idleness, then the prompt left to time out. */
const abandonedOverIdleArb: fc.Arbitrary<TimedEvents> = fc
  .tuple(signInArb, fc.constantFrom(...BADGES), fc.constantFrom(0, 40_000, 10 * 60_000))
  .map(([signIn, other, wait]) => [
    ...signIn.map((e) => [e, 0] as const),
    [{ type: 'badge-presented', badge: other }, 1_000] as const,
    [{ type: 'badge-identified', attemptId: CURRENT, person: null, pinTriesLeft: null }, 0] as const,
    [{ type: 'inactivity-timeout' }, 1_000] as const,
    [{ type: 'tick' }, wait] as const,
  ]);

const withElapsed = (events: SessionEvent[], elapsed: number): TimedEvents =>
  events.map((e, i) => [e, i === 0 ? elapsed : 0] as const);

const jumpyRunArb: fc.Arbitrary<TimedEvents> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(eventArb, jumpyElapsedArb).map(([e, t]) => withElapsed([e], t)) },
      { weight: 1, arbitrary: fc.tuple(signInArb, jumpyElapsedArb).map(([e, t]) => withElapsed(e, t)) },
      { weight: 1, arbitrary: fc.tuple(ecpsSignInArb, jumpyElapsedArb).map(([e, t]) => withElapsed(e, t)) },
      { weight: 1, arbitrary: tapOutUndoArb },
    ),
    { minLength: 1, maxLength: 25, size: 'max' },
  )
  .map((steps) => steps.flat());

const idleRunArb: fc.Arbitrary<TimedEvents> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(eventArb, elapsedArb).map(([e, t]) => withElapsed([e], t)) },
      { weight: 1, arbitrary: fc.tuple(signInArb, elapsedArb).map(([e, t]) => withElapsed(e, t)) },
      { weight: 1, arbitrary: fc.tuple(ecpsSignInArb, elapsedArb).map(([e, t]) => withElapsed(e, t)) },
      { weight: 1, arbitrary: abandonedOverIdleArb },
    ),
    { minLength: 1, maxLength: 25, size: 'max' },
  )
  .map((steps) => steps.flat());

const timeSeen = { windowsClosedLate: 0, lateUndos: 0, backwardSteps: 0 };

/**
 * Deadlines against the latest time any event came at: a window's end, once reached, stays
 * reached, whatever time the next event claims and whether or not a tick came.
 */
function checkDeadlines(
  policy: Policy,
  run: readonly (readonly [SessionEvent, number])[],
  machine: Machine = transition,
): void {
  let state: SessionState = INITIAL_STATE;
  let now = T0;
  let latest = Number.NEGATIVE_INFINITY;
  for (const [symbolic, elapsed] of run) {
    now += elapsed;
    if (now < latest) timeSeen.backwardSteps += 1;
    latest = Math.max(latest, now);
    const before = state;
    const event = resolveAttempt(symbolic, before);
    const { state: after, effects } = machine(before, event, policy, now);
    const { phase } = after;
    const end =
      phase.kind === 'locking'
        ? phase.undoUntil
        : phase.kind === 'break-glass'
          ? phase.expiresAt
          : 'interaction' in phase
            ? phase.interaction.deadline
            : null;
    if (end !== null && latest >= end) {
      throw new Error(
        `${phase.kind} still open ${latest - end} ms after its end, on ${JSON.stringify(event)}`,
      );
    }
    const beforeEnd =
      before.phase.kind === 'locking'
        ? before.phase.undoUntil
        : 'interaction' in before.phase
          ? before.phase.interaction.deadline
          : null;
    if (beforeEnd !== null && latest >= beforeEnd) timeSeen.windowsClosedLate += 1;
    if (before.phase.kind === 'locking' && event.type === 'undo' && latest >= before.phase.undoUntil) {
      timeSeen.lateUndos += 1;
    }
    if (
      effects.some((e) => e.type === 'authenticate') &&
      before.phase.kind === 'awaiting-pin' &&
      latest >= before.phase.interaction.deadline
    ) {
      throw new Error('a PIN was checked after its prompt expired');
    }
    state = after;
  }
}

/** Events that only someone at the workstation causes: they end an idle period. */
const ACTIVITY: ReadonlySet<SessionEvent['type']> = new Set([
  'badge-presented',
  'pin-entered',
  'pin-cancelled',
  'undo',
  'ecps-requested',
  'ecps-cancelled',
  'manual-lock',
  'break-glass-requested',
]);
const UNCOVERED: ReadonlySet<string> = new Set(['active', 'offline-active', 'break-glass', 'locking']);

const idleSeen = { idlePeriods: 0, promptsLeftWhileIdle: 0 };

/**
 * Idleness and the screen: once the host reports inactivity (it does so once per idle period),
 * no session's screen uncovers until someone acts at the workstation, except through a second
 * factor proved meanwhile (a PIN typed before, checked now; an approval in the e-CPS app).
 */
function checkIdleness(
  policy: Policy,
  run: readonly (readonly [SessionEvent, number])[],
  machine: Machine = transition,
): void {
  let state: SessionState = INITIAL_STATE;
  let now = T0;
  let idle = false;
  for (const [symbolic, elapsed] of run) {
    now += Math.max(0, elapsed);
    const before = state;
    const event = resolveAttempt(symbolic, before);
    const { state: after } = machine(before, event, policy, now);
    if (ACTIVITY.has(event.type)) idle = false;
    const uncovers = !UNCOVERED.has(before.phase.kind) && UNCOVERED.has(after.phase.kind);
    if (idle && uncovers) {
      const proved =
        event.type === 'auth-result' &&
        event.outcome.reason === 'ok' &&
        'interaction' in before.phase &&
        before.phase.interaction.attemptId === event.attemptId;
      if (!proved) {
        throw new Error(
          `an idle workstation uncovered ${after.phase.kind} from ${before.phase.kind} on ${JSON.stringify(event)}`,
        );
      }
    }
    if (idle && 'interaction' in before.phase && !('interaction' in after.phase)) {
      idleSeen.promptsLeftWhileIdle += 1;
    }
    if (event.type === 'inactivity-timeout' && foregroundUser(before) !== null) {
      idle = true;
      idleSeen.idlePeriods += 1;
    }
    state = after;
  }
}

describe('session machine properties', () => {
  it('never opens a session without a second factor, a valid grace re-tap or allowed break-glass', () => {
    fc.assert(
      fc.property(policyArb, runArb, (policy, run) => check(policy, run)),
      { numRuns: 3000 },
    );
  });

  it('exercised sign-ins, grace re-taps and tap-overs along the way', () => {
    expect(seen.transitions).toBeGreaterThan(50_000);
    expect(seen.sessionsOpened).toBeGreaterThan(1000);
    expect(seen.graceReTaps).toBeGreaterThan(100);
    expect(seen.tapOvers).toBeGreaterThan(500);
    expect(seen.ecpsSessions).toBeGreaterThan(300);
    expect(seen.breakGlass).toBeGreaterThan(10);
  });

  it('never keeps a window open past its end, whatever the clock does', () => {
    fc.assert(
      fc.property(policyArb, jumpyRunArb, (policy, run) => checkDeadlines(policy, run)),
      { numRuns: 2000 },
    );
    expect(timeSeen.backwardSteps).toBeGreaterThan(1000);
    expect(timeSeen.windowsClosedLate).toBeGreaterThan(200);
    expect(timeSeen.lateUndos).toBeGreaterThan(10);
  });

  it('never uncovers a session after idleness without someone acting at the workstation', () => {
    fc.assert(
      fc.property(policyArb, idleRunArb, (policy, run) => checkIdleness(policy, run)),
      { numRuns: 3000 },
    );
    expect(idleSeen.idlePeriods).toBeGreaterThan(1000);
    expect(idleSeen.promptsLeftWhileIdle).toBeGreaterThan(100);
  });

  it('the checker catches a machine that opens a session on a stale result', () => {
    // Guard against a property that cannot fail: a broken machine must be caught.
    const broken: Machine = (state, event, policy, now) => {
      if (event.type === 'auth-result' && event.outcome.reason === 'ok' && state.phase.kind === 'locked') {
        const user = {
          ...event.outcome.person,
          badgeId: 'x',
          badgeKind: 'rfid' as const,
          readerName: 'r',
          contactCard: false,
          method: 'badge-pin' as const,
          fullAuthAt: now,
          offline: false,
        };
        return { state: { ...state, phase: { kind: 'active', user } }, effects: [] };
      }
      return transition(state, event, policy, now);
    };
    const stale: SessionEvent = {
      type: 'auth-result',
      attemptId: 99,
      outcome: { reason: 'ok', person: nurse, method: 'badge-pin', offline: false },
    };
    expect(() => check(POLICY, [[stale, 0]], broken)).toThrow(/got a session from locked/);
    expect(() => check(POLICY, [[stale, 0]])).not.toThrow();
  });

  it('the checker catches a machine that signs in whoever the IdP names for an e-CPS request', () => {
    // The e-CPS request was for the doctor; an IdP (or a confused result) names the nurse.
    const trusting: Machine = (state, event, policy, now) => {
      if (
        event.type === 'auth-result' &&
        event.outcome.reason === 'ok' &&
        state.phase.kind === 'ecps-waiting'
      ) {
        const ecps = state.phase.ecps;
        const relabelled = {
          ...event.outcome,
          person: { ...event.outcome.person, nationalId: ecps.nationalId },
        };
        return transition(state, { ...event, outcome: relabelled }, policy, now);
      }
      return transition(state, event, policy, now);
    };
    const run: [SessionEvent, number][] = [
      [{ type: 'ecps-requested', nationalId: doctor.nationalId!, bindingMessage: '42' }, 0],
      [
        {
          type: 'auth-result',
          attemptId: CURRENT,
          outcome: { reason: 'ok', person: nurse, method: 'ecps', offline: false },
        },
        0,
      ],
    ];
    expect(() => check(POLICY, run, trusting)).toThrow(/got a session from ecps-waiting/);
    expect(() => check(POLICY, run)).not.toThrow();
  });
});
