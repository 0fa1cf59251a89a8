/**
 * Holes a security review proved in the session machine (issue 11), each as the story that
 * showed it. Every test here failed on the machine before its fix.
 */
import { describe, expect, it } from '@jest/globals';
import { dispatch } from '../../../../app/core/session/machine.js';
import type { SessionEvent } from '../../../../app/core/session/types.js';
import {
  Bench,
  POLICY,
  aide,
  aideBadge,
  audits,
  doctor,
  doctorBadge,
  effectTypes,
  feedbacks,
  nurse,
  nurseBadge,
} from './fixtures.js';

const SECOND = 1000;

/** The aide taps over the nurse's session with a badge nobody knows yet: the PIN prompt shows. */
function tapOverPrompt(): Bench {
  const ws = new Bench().signIn(nurseBadge, nurse).tap(aideBadge);
  ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
  expect(ws.phase).toBe('awaiting-pin');
  return ws;
}

describe('an abandoned tap-over keeps the inactivity lock', () => {
  it('locks the session underneath when the idle timer fires during the prompt', () => {
    const ws = tapOverPrompt();
    ws.send({ type: 'inactivity-timeout' });
    // The host reports idleness once per idle period: nothing will say it again.
    ws.now += 31 * SECOND;
    ws.send({ type: 'tick' });
    expect(ws.phase).toBe('locked');
    expect(ws.who).toBeNull();
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual([nurse.personId]);
    expect(audits(ws.effects)).toContainEqual(
      expect.objectContaining({ action: 'session-locked', reason: 'inactivity', personId: nurse.personId }),
    );
  });

  it('lets the newcomer finish signing in on top of nobody', () => {
    const ws = tapOverPrompt().send({ type: 'inactivity-timeout' });
    ws.send({ type: 'pin-entered', attemptId: ws.attempt });
    ws.result({ reason: 'ok', person: aide, method: 'badge-pin', offline: false });
    expect(ws.phase).toBe('active');
    expect(ws.who).toBe(aide.personId);
  });

  it('locks the session under an e-CPS request too', () => {
    const ws = new Bench().signIn(nurseBadge, nurse);
    ws.send({ type: 'ecps-requested', nationalId: doctor.nationalId!, bindingMessage: '42' });
    ws.send({ type: 'inactivity-timeout' });
    ws.send({ type: 'ecps-cancelled', attemptId: ws.attempt });
    expect(ws.phase).toBe('locked');
    expect(ws.who).toBeNull();
  });
});

describe('an e-CPS request over a session', () => {
  it('leaves the session underneath alone on events that do not concern it', () => {
    const ws = new Bench().signIn(nurseBadge, nurse);
    ws.send({ type: 'ecps-requested', nationalId: doctor.nationalId!, bindingMessage: '42' });
    for (const event of [
      { type: 'badge-removed', badgeId: aideBadge.badgeId, readerName: aideBadge.readerName },
      { type: 'pin-cancelled', attemptId: 999 },
      { type: 'audit-unavailable', personId: aide.personId },
    ] as const) {
      ws.send(event);
      expect(ws.phase).toBe('ecps-waiting');
      expect(effectTypes(ws.last)).toEqual([]);
    }
    ws.send({ type: 'ecps-cancelled', attemptId: ws.attempt });
    expect(ws.who).toBe(nurse.personId);
  });
});

describe('deadlines are checked on every event, not only on a tick', () => {
  it('refuses an undo that comes after the undo window, tick or no tick', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).tap(nurseBadge);
    expect(ws.phase).toBe('locking');
    ws.now += (POLICY.tapOutUndoSeconds + 1) * SECOND;
    ws.send({ type: 'undo' });
    expect(ws.phase).toBe('locked');
    expect(ws.who).toBeNull();
    expect(audits(ws.effects).map((a) => a.action)).not.toContain('tap-out-undone');
  });

  it('does not check a PIN typed after its prompt expired', () => {
    const ws = new Bench().tap(nurseBadge);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    const attemptId = ws.attempt;
    ws.now += (POLICY.pinEntryTimeoutSeconds + 1) * SECOND;
    ws.send({ type: 'pin-entered', attemptId });
    expect(effectTypes(ws.last)).not.toContain('authenticate');
    expect(ws.phase).toBe('locked');
  });

  it('ends a break-glass session past its time on the next event', () => {
    const ws = new Bench({ ...POLICY, breakGlassEnabled: true, breakGlassMinutes: 5 });
    ws.send({ type: 'break-glass-requested', justification: 'arrêt cardiaque lit 12' });
    ws.signIn(aideBadge, aide);
    expect(ws.phase).toBe('break-glass');
    ws.now += 6 * 60 * SECOND;
    ws.send({ type: 'undo' });
    expect(ws.phase).toBe('locked');
  });
});

describe('a local cap on wrong PINs, per badge', () => {
  const wrongPin = (ws: Bench): Bench => {
    ws.send({ type: 'pin-entered', attemptId: ws.attempt });
    return ws.result({ reason: 'wrong-pin', triesLeft: null });
  };

  it('stops asking after five wrong PINs in one tap, audits it, and makes the badge wait', () => {
    const ws = new Bench().tap(nurseBadge);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    for (let i = 0; i < 4; i += 1) wrongPin(ws);
    expect(ws.phase).toBe('awaiting-pin');
    wrongPin(ws);
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toContain('too-many-attempts');
    expect(ws.last).toContainEqual({
      type: 'feedback',
      message: 'too-many-attempts',
      params: { minutes: 5 },
    });
    expect(audits(ws.last)).toContainEqual(
      expect.objectContaining({ action: 'pin-cooldown', outcome: 'failure', reason: 'pin-cooldown' }),
    );
    // The same badge, a minute later: refused without a prompt; the wait left is shown.
    ws.now += 60 * SECOND;
    ws.tap(nurseBadge);
    expect(ws.phase).toBe('locked');
    expect(effectTypes(ws.last)).not.toContain('identify-badge');
    expect(ws.last).toContainEqual({
      type: 'feedback',
      message: 'too-many-attempts',
      params: { minutes: 4 },
    });
    // Another badge is not held back.
    ws.tap(doctorBadge);
    expect(ws.phase).toBe('identifying');
  });

  it('counts across taps, and a good PIN clears the count', () => {
    const ws = new Bench().tap(nurseBadge);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    for (let i = 0; i < 3; i += 1) wrongPin(ws);
    ws.send({ type: 'pin-cancelled', attemptId: ws.attempt });
    ws.tap(nurseBadge);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    wrongPin(ws);
    wrongPin(ws);
    expect(ws.phase).toBe('locked');
    ws.now += (POLICY.pinCooldownMinutes * 60 + 1) * SECOND;
    ws.signIn(nurseBadge, nurse);
    expect(ws.phase).toBe('active');
    expect(ws.state.pinFailures).toEqual([]);
  });
});

describe('e-CPS requests are rate-limited', () => {
  const request = (ws: Bench, nationalId: string): Bench => {
    ws.send({ type: 'ecps-requested', nationalId, bindingMessage: '42' });
    if (ws.phase === 'ecps-waiting') ws.send({ type: 'ecps-cancelled', attemptId: ws.attempt });
    return ws;
  };

  it('refuses a fourth request for the same national ID within ten minutes, and audits it', () => {
    const ws = new Bench();
    for (let i = 0; i < 3; i += 1) request(ws, doctor.nationalId!);
    ws.send({ type: 'ecps-requested', nationalId: doctor.nationalId!, bindingMessage: '42' });
    expect(ws.phase).toBe('locked');
    expect(effectTypes(ws.last)).not.toContain('start-ecps');
    expect(feedbacks(ws.last)).toEqual(['ecps-rate-limited']);
    expect(audits(ws.last)).toEqual([
      expect.objectContaining({ action: 'authentication', outcome: 'failure', reason: 'ecps-rate-limited' }),
    ]);
    ws.now += 10 * 60 * SECOND;
    ws.send({ type: 'ecps-requested', nationalId: doctor.nationalId!, bindingMessage: '42' });
    expect(ws.phase).toBe('ecps-waiting');
  });

  it('refuses an eleventh request from one workstation within ten minutes, whoever it is for', () => {
    const ws = new Bench();
    for (let i = 0; i < 10; i += 1) request(ws, `8100000000${String(i).padStart(2, '0')}`);
    ws.send({ type: 'ecps-requested', nationalId: nurse.nationalId!, bindingMessage: '42' });
    expect(effectTypes(ws.last)).not.toContain('start-ecps');
    expect(feedbacks(ws.last)).toEqual(['ecps-rate-limited']);
  });
});

describe('break-glass: the requester authenticates', () => {
  const policy = { ...POLICY, breakGlassEnabled: true, breakGlassMinutes: 15 };

  it('refuses an event that names whoever it likes', () => {
    const ws = new Bench(policy);
    const named = dispatch(
      ws.state,
      { type: 'break-glass-requested', person: aide, justification: 'arrêt cardiaque lit 12' },
      policy,
      ws.now,
    );
    expect(named.rejected).toMatch(/malformed/);
    expect(named.state.phase.kind).toBe('locked');
  });

  it('opens the emergency session only for the person who then signs in, with a clean justification', () => {
    const ws = new Bench(policy);
    ws.send({
      type: 'break-glass-requested',
      justification: 'arrêt\u0007 cardiaque\u202e lit 12\n\u001b[31m',
    } as SessionEvent);
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toEqual(['break-glass-tap']);
    ws.signIn(aideBadge, aide);
    expect(ws.phase).toBe('break-glass');
    expect(ws.who).toBe(aide.personId);
    const record = ws.effects.flatMap((e) =>
      e.type === 'audit' && e.record.action === 'break-glass' && e.record.outcome === 'success'
        ? [e.record]
        : [],
    )[0];
    expect(record).toMatchObject({ personId: aide.personId, reason: 'break-glass-requested' });
    expect(record?.detail).toBe('arrêt cardiaque lit 12 [31m');
  });

  it('opens nothing when the sign-in fails', () => {
    const ws = new Bench(policy).send({ type: 'break-glass-requested', justification: 'arrêt cardiaque' });
    ws.tap(aideBadge).send({
      type: 'badge-identified',
      attemptId: ws.attempt,
      person: null,
      pinTriesLeft: null,
    });
    ws.send({ type: 'pin-cancelled', attemptId: ws.attempt });
    expect(ws.phase).toBe('locked');
    expect(ws.who).toBeNull();
  });

  it('limits repeats: a fourth request within the hour is refused and audited', () => {
    const ws = new Bench(policy);
    for (let i = 0; i < 3; i += 1) {
      ws.send({ type: 'break-glass-requested', justification: 'arrêt cardiaque' });
      ws.now += 60 * SECOND;
    }
    ws.send({ type: 'break-glass-requested', justification: 'arrêt cardiaque' });
    expect(feedbacks(ws.last)).toEqual(['break-glass-rate-limited']);
    expect(audits(ws.last)).toEqual([
      expect.objectContaining({
        action: 'break-glass',
        outcome: 'failure',
        reason: 'break-glass-rate-limited',
      }),
    ]);
  });
});
