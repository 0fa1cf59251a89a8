/** The rules that matter to clinicians, each as a short story through the pure machine. */
import { describe, expect, it } from '@jest/globals';
import type { Person } from '../../../../app/core/identity.js';
import type { Policy } from '../../../../app/core/policy.js';
import { dispatch, nextDeadline } from '../../../../app/core/session/machine.js';
import {
  INITIAL_STATE,
  type AuthOutcome,
  type Effect,
  type SessionEvent,
} from '../../../../app/core/session/types.js';
import {
  Bench,
  POLICY,
  T0,
  aide,
  aideBadge,
  audits,
  doctor,
  doctorBadge,
  effectTypes,
  feedbacks,
  nurse,
  nurseBadge,
  nurseCard,
} from './fixtures.js';

const MIN = 60_000;

/** A workstation under test: feeds events at a given time and remembers every effect. */

describe('tap-in', () => {
  it('reads the badge, asks for the PIN, checks it, then opens the session and audits it', () => {
    const ws = new Bench().tap(nurseBadge);
    expect(ws.phase).toBe('identifying');
    expect(effectTypes(ws.last)).toEqual(['feedback', 'identify-badge']);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: nurse, pinTriesLeft: null });
    expect(ws.phase).toBe('awaiting-pin');
    expect(feedbacks(ws.last)).toEqual(['greeting-pin']);
    ws.send({ type: 'pin-entered', attemptId: ws.attempt });
    expect(ws.phase).toBe('authenticating');
    expect(effectTypes(ws.last)).toContain('authenticate');
    ws.result({ reason: 'ok', person: nurse, method: 'badge-pin', offline: false });
    expect(ws.phase).toBe('active');
    expect(ws.who).toBe(nurse.personId);
    expect(effectTypes(ws.last)).toEqual(expect.arrayContaining(['open-session', 'unlock-screen']));
    expect(audits(ws.last)).toEqual([
      { action: 'authentication', outcome: 'success', reason: 'tap-in', personId: nurse.personId },
      { action: 'session-opened', outcome: 'success', reason: 'tap-in', personId: nurse.personId },
    ]);
  });

  it('keeps asking after a wrong PIN, shows the tries left, and audits the failure', () => {
    const ws = new Bench().tap(nurseCard);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: nurse, pinTriesLeft: 3 });
    ws.send({ type: 'pin-entered', attemptId: ws.attempt }).result({ reason: 'wrong-pin', triesLeft: 2 });
    expect(ws.phase).toBe('awaiting-pin');
    expect(feedbacks(ws.last)).toEqual(['wrong-pin']);
    expect(ws.state.phase.kind === 'awaiting-pin' && ws.state.phase.interaction.pinTriesLeft).toBe(2);
    expect(audits(ws.last)).toEqual([
      { action: 'authentication', outcome: 'failure', reason: 'wrong-pin', personId: nurse.personId },
    ]);
    expect(effectTypes(ws.last)).toContain('discard-pin');
  });

  it('warns before the last try and gives up when the card blocks', () => {
    const ws = new Bench().tap(nurseCard);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: nurse, pinTriesLeft: 1 });
    expect(feedbacks(ws.last)).toEqual(['last-try']);
    ws.send({ type: 'pin-entered', attemptId: ws.attempt }).result({ reason: 'wrong-pin', triesLeft: 0 });
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toEqual(['card-blocked']);
  });

  it('does not ask for a PIN on a card that is already blocked', () => {
    const ws = new Bench().tap(nurseCard);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: nurse, pinTriesLeft: 0 });
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toEqual(['card-blocked']);
    expect(audits(ws.last)[0]).toMatchObject({ outcome: 'failure', reason: 'card-blocked' });
  });

  it('reports IdP lockout as too many attempts with the wait in minutes', () => {
    const ws = new Bench().tap(nurseBadge);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    ws.send({ type: 'pin-entered', attemptId: ws.attempt }).result({
      reason: 'too-many-attempts',
      retryAfterSeconds: 290,
    });
    expect(ws.phase).toBe('locked');
    expect(ws.last).toContainEqual({
      type: 'feedback',
      message: 'too-many-attempts',
      params: { minutes: 5 },
    });
  });

  it.each([
    'unknown-badge',
    'idp-unreachable',
    'idp-error',
    'card-error',
    'card-removed',
    'timeout',
  ] as const)('fails safe and locked on %s', (reason) => {
    const ws = new Bench().tap(nurseBadge);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    ws.send({ type: 'pin-entered', attemptId: ws.attempt }).result({ reason });
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toEqual([reason]);
    expect(effectTypes(ws.last)).not.toContain('unlock-screen');
  });

  it('ignores a result for an attempt that was abandoned', () => {
    const ws = new Bench().tap(nurseBadge);
    const stale = ws.attempt;
    ws.send({ type: 'pin-cancelled', attemptId: stale }).tap(doctorBadge);
    ws.send({
      type: 'auth-result',
      attemptId: stale,
      outcome: { reason: 'ok', person: nurse, method: 'badge-pin', offline: false },
    });
    expect(ws.phase).toBe('identifying');
    expect(ws.last).toEqual([]);
  });

  it('cancels a PIN prompt left unanswered, and says so', () => {
    const ws = new Bench().tap(nurseBadge);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    expect(nextDeadline(ws.state, ws.policy)).toBe(T0 + POLICY.pinEntryTimeoutSeconds * 1000);
    ws.at(0.4).send({ type: 'tick' });
    expect(ws.phase).toBe('awaiting-pin');
    ws.at(1).send({ type: 'tick' });
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toEqual(['timeout']);
    expect(effectTypes(ws.last)).toContain('discard-pin');
  });

  it('flags and audits a person whose account has no national ID link', () => {
    const ws = new Bench().signIn(aideBadge, aide);
    expect(ws.phase).toBe('active');
    expect(feedbacks(ws.last)).toContain('no-national-id');
    expect(audits(ws.last)).toContainEqual({
      action: 'authentication',
      outcome: 'info',
      reason: 'no-national-id',
      personId: aide.personId,
    });
  });

  it('rejects a malformed event without changing anything', () => {
    const ws = new Bench().signIn(nurseBadge, nurse);
    const before = ws.state;
    for (const bad of [
      { type: 'badge-presented' },
      { type: 'badge-presented', badge: { badgeId: '', kind: 'rfid', readerName: 'r', contact: false } },
      { type: 'auth-result', attemptId: 1, outcome: { reason: 'ok', person: { personId: 'x' } } },
      { type: 'teleport' },
      null,
      'manual-lock',
      { type: 'manual-lock', extra: true },
    ]) {
      const result = dispatch(before, bad, POLICY, T0);
      expect(result.state).toBe(before);
      expect(result.effects).toEqual([]);
      expect(result.rejected).toMatch(/^malformed event/);
    }
  });
});

describe('tap-over', () => {
  it('suspends the first session, opens the newcomer’s, and the first resumes on return', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).at(5).tap(doctorBadge);
    expect(ws.phase).toBe('switching');
    expect(feedbacks(ws.last)).toEqual(['switching-user']);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    ws.send({ type: 'pin-entered', attemptId: ws.attempt }).result({
      reason: 'ok',
      person: doctor,
      method: 'badge-pin',
      offline: false,
    });
    expect(ws.who).toBe(doctor.personId);
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual([nurse.personId]);
    const types = effectTypes(ws.last);
    expect(types.indexOf('suspend-session')).toBeLessThan(types.indexOf('open-session'));
    expect(audits(ws.last).map((a) => `${a.action}:${a.reason}`)).toEqual([
      'authentication:tap-over',
      'session-suspended:tap-over',
      'session-opened:tap-over',
    ]);
  });

  it('returns to the first session untouched when the newcomer cancels', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).tap(doctorBadge);
    ws.send({ type: 'pin-cancelled', attemptId: ws.attempt });
    expect(ws.phase).toBe('active');
    expect(ws.who).toBe(nurse.personId);
    expect(effectTypes(ws.last)).not.toContain('suspend-session');
  });

  it('closes the first session instead when policy says close', () => {
    const ws = new Bench({ ...POLICY, tapOverPreviousSession: 'close' })
      .signIn(nurseBadge, nurse)
      .signIn(doctorBadge, doctor);
    expect(ws.state.suspended).toEqual([]);
    expect(ws.last).toContainEqual({ type: 'close-session', personId: nurse.personId, reason: 'tap-over' });
  });

  it('caps suspended sessions and closes the oldest first', () => {
    const people = ['a', 'b', 'c', 'd'].map((id) => ({ ...nurse, personId: `p-${id}`, displayName: id }));
    const ws = new Bench({ ...POLICY, maxSuspendedSessions: 2 });
    people.forEach((person, i) => ws.at(i).signIn({ ...nurseBadge, badgeId: `0400000${i}` }, person));
    expect(ws.who).toBe('p-d');
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual(['p-b', 'p-c']);
    expect(ws.effects).toContainEqual({
      type: 'close-session',
      personId: 'p-a',
      reason: 'too-many-suspended',
    });
  });

  it('closes a suspended session that waited longer than policy allows', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).signIn(doctorBadge, doctor);
    expect(nextDeadline(ws.state, ws.policy)).toBeLessThanOrEqual(T0 + POLICY.maxSuspendedMinutes * MIN);
    ws.at(POLICY.maxSuspendedMinutes + 1).send({ type: 'tick' });
    expect(ws.state.suspended).toEqual([]);
    expect(ws.last).toContainEqual({
      type: 'close-session',
      personId: nurse.personId,
      reason: 'suspended-too-long',
    });
  });
});

describe('grace re-tap', () => {
  it('lets the same badge back in without a PIN within the grace period, and refreshes tokens', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).at(1).send({ type: 'manual-lock' });
    // Manual lock ends grace: sign in again, then tap out and come back.
    ws.at(2).signIn(nurseBadge, nurse).at(3).tap(nurseBadge).at(4).send({ type: 'tick' });
    expect(ws.phase).toBe('locked');
    ws.at(60).tap(nurseBadge);
    expect(ws.phase).toBe('active');
    expect(ws.who).toBe(nurse.personId);
    expect(effectTypes(ws.last)).toEqual(
      expect.arrayContaining(['resume-session', 'unlock-screen', 'refresh-tokens']),
    );
    expect(effectTypes(ws.last)).not.toContain('identify-badge');
    expect(feedbacks(ws.last)).toEqual(['welcome-back']);
    expect(audits(ws.last)[0]).toMatchObject({
      action: 'authentication',
      outcome: 'success',
      reason: 'grace-re-tap',
    });
  });

  it('asks for the PIN again once the grace period is over', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).at(1).send({ type: 'inactivity-timeout' });
    ws.at(POLICY.graceRetapMinutes + 2).tap(nurseBadge);
    expect(ws.phase).toBe('identifying');
  });

  it('is off when the grace period is 0', () => {
    const ws = new Bench({ ...POLICY, graceRetapMinutes: 0 })
      .signIn(nurseBadge, nurse)
      .send({ type: 'inactivity-timeout' });
    ws.tap(nurseBadge);
    expect(ws.phase).toBe('identifying');
  });

  it('serves a grace re-tap over another person: the doctor is suspended, the nurse resumes', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).at(1).signIn(doctorBadge, doctor).at(2).tap(nurseBadge);
    expect(ws.who).toBe(nurse.personId);
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual([doctor.personId]);
    expect(audits(ws.last)[0]).toMatchObject({ reason: 'grace-tap-over', outcome: 'success' });
  });

  const endings: [string, (ws: Bench) => void][] = [
    ['shift end', (ws) => ws.send({ type: 'shift-end' })],
    ['manual lock', (ws) => ws.send({ type: 'manual-lock' })],
    ['revocation', (ws) => ws.send({ type: 'revoked', personId: nurse.personId })],
    ['an expired sign-in', (ws) => ws.send({ type: 'sign-in-expired', personId: nurse.personId })],
  ];
  it.each(endings)('ends early on %s, and the reason is audited', (_name, end) => {
    const ws = new Bench().signIn(nurseBadge, nurse);
    end(ws);
    expect(ws.state.grace).toEqual([]);
    expect(audits(ws.effects).some((a) => a.action === 'grace-ended' || a.reason === 'revoked')).toBe(true);
    ws.send({ type: 'manual-lock' }).tap(nurseBadge);
    expect(ws.phase).toBe('identifying');
  });

  it("ends on another person's full tap-in when policy says so", () => {
    const ws = new Bench({ ...POLICY, otherTapInEndsGrace: true })
      .signIn(nurseBadge, nurse)
      .signIn(doctorBadge, doctor);
    expect(audits(ws.last)).toContainEqual({
      action: 'grace-ended',
      outcome: 'info',
      reason: 'other-person-tap-in',
      personId: nurse.personId,
    });
    ws.tap(nurseBadge);
    expect(ws.phase).toBe('switching');
  });

  it("survives another person's tap-in by default (tap-over is the normal flow on a shared PC)", () => {
    const ws = new Bench().signIn(nurseBadge, nurse).signIn(doctorBadge, doctor).tap(nurseBadge);
    expect(ws.who).toBe(nurse.personId);
  });
});

describe('contact cards', () => {
  const withCard = (policy: Policy) => new Bench(policy).signIn(nurseCard, nurse, nurse);

  it('locks and ends the grace when the card is pulled (default policy)', () => {
    const ws = withCard(POLICY).send({
      type: 'badge-removed',
      badgeId: nurseCard.badgeId,
      readerName: nurseCard.readerName,
    });
    expect(ws.phase).toBe('locked');
    expect(ws.state.grace).toEqual([]);
    expect(feedbacks(ws.last)).toContain('card-removed');
  });

  it('only ends the grace when policy says end-grace', () => {
    const ws = withCard({ ...POLICY, contactCardRemoval: 'end-grace' }).send({
      type: 'badge-removed',
      badgeId: nurseCard.badgeId,
      readerName: nurseCard.readerName,
    });
    expect(ws.phase).toBe('active');
    expect(ws.state.grace).toEqual([]);
  });

  it('ignores the removal when policy says ignore', () => {
    const ws = withCard({ ...POLICY, contactCardRemoval: 'ignore' }).send({
      type: 'badge-removed',
      badgeId: nurseCard.badgeId,
      readerName: nurseCard.readerName,
    });
    expect(ws.phase).toBe('active');
    expect(ws.state.grace).toHaveLength(1);
  });

  it('treats a contactless badge taken away as nothing at all', () => {
    const ws = new Bench()
      .signIn(nurseBadge, nurse)
      .send({ type: 'badge-removed', badgeId: nurseBadge.badgeId, readerName: nurseBadge.readerName });
    expect(ws.phase).toBe('active');
    expect(ws.last).toEqual([]);
  });

  it('treats the loss of the card’s reader like a pulled card', () => {
    const ws = withCard(POLICY).send({ type: 'reader-lost', readerName: nurseCard.readerName });
    expect(ws.phase).toBe('locked');
  });
});

describe('tap-out', () => {
  it('waits for the undo window, then locks and keeps the session for a grace re-tap', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).tap(nurseBadge);
    expect(ws.phase).toBe('locking');
    expect(ws.last).toContainEqual({
      type: 'feedback',
      message: 'tap-out-undo',
      params: { seconds: 5, name: nurse.displayName },
    });
    expect(nextDeadline(ws.state, ws.policy)).toBe(T0 + 5000);
    ws.send({ type: 'tick' });
    expect(ws.phase).toBe('locking');
    ws.now = T0 + 5000;
    ws.send({ type: 'tick' });
    expect(ws.phase).toBe('locked');
    expect(effectTypes(ws.last)).toEqual(expect.arrayContaining(['suspend-session', 'lock-screen']));
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual([nurse.personId]);
  });

  it('is undone by a touch or by tapping the same badge again', () => {
    const touched = new Bench().signIn(nurseBadge, nurse).tap(nurseBadge).send({ type: 'undo' });
    expect(touched.phase).toBe('active');
    expect(audits(touched.last)).toEqual([
      { action: 'tap-out-undone', outcome: 'info', reason: 'undo', personId: nurse.personId },
    ]);
    const retapped = new Bench().signIn(nurseBadge, nurse).tap(nurseBadge).tap(nurseBadge);
    expect(retapped.phase).toBe('active');
    expect(effectTypes(retapped.effects)).not.toContain('lock-screen');
  });

  it('locks at once when the undo window is 0', () => {
    const ws = new Bench({ ...POLICY, tapOutUndoSeconds: 0 }).signIn(nurseBadge, nurse).tap(nurseBadge);
    expect(ws.phase).toBe('locked');
  });

  it('commits the lock when someone else taps during the undo window', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).tap(nurseBadge).tap(doctorBadge);
    expect(ws.phase).toBe('identifying');
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual([nurse.personId]);
  });
});

describe('locks', () => {
  it.each([
    ['inactivity-timeout', 'locked-inactivity'],
    ['power-suspend', 'locked-power'],
    ['manual-lock', 'locked'],
  ] as const)('%s locks with its own message and keeps the session suspended', (type, message) => {
    const ws = new Bench().signIn(nurseBadge, nurse).send({ type });
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toContain(message);
    expect(audits(ws.last)).toContainEqual({
      action: 'session-locked',
      outcome: 'info',
      reason: type === 'inactivity-timeout' ? 'inactivity' : type,
      personId: nurse.personId,
    });
    expect(ws.state.suspended).toHaveLength(1);
  });

  it('closes and locks a revoked person’s session at once', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).send({ type: 'revoked', personId: nurse.personId });
    expect(ws.phase).toBe('locked');
    expect(ws.last).toContainEqual({ type: 'close-session', personId: nurse.personId, reason: 'revoked' });
    expect(ws.state.suspended).toEqual([]);
  });

  it('locks, keeps the session and asks for the PIN when the IdP refuses to renew a sign-in', () => {
    const ws = new Bench()
      .signIn(nurseBadge, nurse)
      .at(1)
      .send({ type: 'sign-in-expired', personId: nurse.personId });
    expect(ws.phase).toBe('locked');
    expect(effectTypes(ws.last)).not.toContain('close-session');
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual([nurse.personId]);
    expect(ws.last).toContainEqual({
      type: 'feedback',
      message: 'sign-in-again',
      params: { name: nurse.displayName },
    });
    ws.at(2).tap(nurseBadge);
    expect(ws.phase).toBe('identifying');
  });

  it('does not lock out the person at the screen when someone else’s sign-in expires', () => {
    const ws = new Bench()
      .signIn(nurseBadge, nurse)
      .at(1)
      .signIn(doctorBadge, doctor)
      .send({ type: 'sign-in-expired', personId: nurse.personId });
    expect(ws.who).toBe(doctor.personId);
    ws.send({ type: 'manual-lock' }).at(2).tap(nurseBadge);
    expect(ws.phase).toBe('identifying');
  });

  it('locks a tap-over prompt and the session under it on manual lock', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).tap(doctorBadge).send({ type: 'manual-lock' });
    expect(ws.phase).toBe('locked');
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual([nurse.personId]);
    expect(effectTypes(ws.last)).toContain('discard-pin');
  });
});

describe('offline and break-glass', () => {
  it('enters offline-active when the sign-in was offline', () => {
    const ws = new Bench().tap(nurseBadge);
    ws.send({ type: 'badge-identified', attemptId: ws.attempt, person: null, pinTriesLeft: null });
    ws.send({ type: 'pin-entered', attemptId: ws.attempt }).result({
      reason: 'ok',
      person: nurse,
      method: 'badge-pin',
      offline: true,
    });
    expect(ws.phase).toBe('offline-active');
  });

  it('refuses break-glass unless policy enables it, and audits the refusal', () => {
    const ws = new Bench().send({ type: 'break-glass-requested', justification: 'arrêt cardiaque' });
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toEqual(['break-glass-disabled']);
    expect(audits(ws.last)).toEqual([
      { action: 'break-glass', outcome: 'failure', reason: 'break-glass-disabled', personId: null },
    ]);
    // The next sign-in is an ordinary one.
    ws.signIn(aideBadge, aide);
    expect(ws.phase).toBe('active');
  });

  it("opens a loud, time-limited, audited emergency session for the requester's own sign-in", () => {
    const ws = new Bench({ ...POLICY, breakGlassEnabled: true, breakGlassMinutes: 15 });
    ws.send({ type: 'break-glass-requested', justification: 'arrêt cardiaque lit 12' });
    expect(ws.phase).toBe('locked');
    ws.signIn(aideBadge, aide);
    expect(ws.phase).toBe('break-glass');
    expect(feedbacks(ws.last)).toContain('break-glass');
    expect(ws.last).toContainEqual(
      expect.objectContaining({
        type: 'audit',
        record: expect.objectContaining({
          action: 'break-glass',
          outcome: 'success',
          reason: 'break-glass-requested',
          personId: aide.personId,
          detail: 'arrêt cardiaque lit 12',
        }),
      }),
    );
    ws.at(16).send({ type: 'tick' });
    expect(ws.phase).toBe('locked');
    expect(ws.last).toContainEqual({
      type: 'close-session',
      personId: aide.personId,
      reason: 'break-glass-expired',
    });
  });
});

describe('e-CPS', () => {
  const DOCTOR_ID = doctor.nationalId!;
  const ecps = (nationalId = DOCTOR_ID, bindingMessage = '42'): SessionEvent => ({
    type: 'ecps-requested',
    nationalId,
    bindingMessage,
  });
  const approved = (person: Person = doctor): AuthOutcome => ({
    reason: 'ok',
    person,
    method: 'ecps',
    offline: false,
    amr: ['swk', 'pin', 'mfa'],
  });
  const auditsWithId = (effects: readonly Effect[]) =>
    effects.flatMap((e) =>
      e.type === 'audit'
        ? [
            {
              reason: e.record.reason,
              outcome: e.record.outcome,
              nationalId: e.record.nationalId,
              method: e.record.method,
              ...(e.record.amr ? { amr: e.record.amr } : {}),
            },
          ]
        : [],
    );

  it('asks the IdP with the national ID and the code, shows the code, and opens the session on approval', () => {
    const ws = new Bench().send(ecps());
    expect(ws.phase).toBe('ecps-waiting');
    expect(ws.last).toContainEqual({ type: 'feedback', message: 'ecps-waiting', params: { code: '42' } });
    expect(ws.last).toContainEqual({
      type: 'start-ecps',
      attemptId: ws.attempt,
      nationalId: DOCTOR_ID,
      bindingMessage: '42',
    });
    expect(auditsWithId(ws.last)).toEqual([
      { reason: 'ecps-requested', outcome: 'info', nationalId: DOCTOR_ID, method: 'ecps' },
    ]);
    // The request expires with Pro Santé Connect's 120 s.
    expect(nextDeadline(ws.state, ws.policy)).toBe(T0 + 120_000);

    ws.result(approved());
    expect(ws.phase).toBe('active');
    expect(ws.who).toBe(doctor.personId);
    const user = ws.state.phase.kind === 'active' ? ws.state.phase.user : null;
    expect(user).toMatchObject({ method: 'ecps', badgeKind: 'ecps', nationalId: DOCTOR_ID });
    expect(auditsWithId(ws.last)).toEqual([
      {
        reason: 'ecps-tap-in',
        outcome: 'success',
        nationalId: DOCTOR_ID,
        method: 'ecps',
        amr: ['swk', 'pin', 'mfa'],
      },
      { reason: 'tap-in', outcome: 'success', nationalId: DOCTOR_ID, method: 'ecps' },
    ]);
    expect(feedbacks(ws.last)).toEqual(['welcome']);
  });

  it('gives no badge grace: there is no badge to re-tap after e-CPS', () => {
    const ws = new Bench().send(ecps()).result(approved());
    expect(ws.state.grace).toEqual([]);
  });

  it('refuses an approval that names someone other than the national ID asked for', () => {
    const ws = new Bench().send(ecps()).result(approved(nurse));
    expect(ws.phase).toBe('locked');
    expect(ws.who).toBeNull();
    expect(effectTypes(ws.last)).not.toContain('open-session');
    expect(feedbacks(ws.last)).toEqual(['idp-error']);
    expect(auditsWithId(ws.last)).toEqual([
      { reason: 'ecps-person-mismatch', outcome: 'failure', nationalId: DOCTOR_ID, method: 'ecps' },
    ]);
  });

  it.each([
    [{ reason: 'ecps-denied' } as AuthOutcome, 'ecps-denied', 'ecps-denied'],
    [{ reason: 'ecps-expired' } as AuthOutcome, 'ecps-expired', 'ecps-expired'],
    [{ reason: 'timeout' } as AuthOutcome, 'ecps-expired', 'ecps-timeout'],
    [{ reason: 'unknown-badge' } as AuthOutcome, 'ecps-unknown', 'unknown-national-id'],
    [{ reason: 'idp-unreachable' } as AuthOutcome, 'idp-unreachable', 'idp-unreachable'],
    [{ reason: 'wrong-pin', triesLeft: 2 } as AuthOutcome, 'idp-error', 'unexpected-idp-answer'],
  ])('on %j: says %s, audits %s, and stays locked', (outcome, message, reason) => {
    const ws = new Bench().send(ecps()).result(outcome);
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toEqual([message]);
    expect(auditsWithId(ws.last)).toEqual([
      { reason, outcome: 'failure', nationalId: DOCTOR_ID, method: 'ecps' },
    ]);
    expect(effectTypes(ws.last)).not.toContain('open-session');
  });

  it('cancels: withdraws the request, says so, audits it, and a late approval opens nothing', () => {
    const ws = new Bench().send(ecps());
    const attempt = ws.attempt;
    ws.send({ type: 'ecps-cancelled', attemptId: attempt });
    expect(ws.phase).toBe('locked');
    expect(ws.last).toContainEqual({ type: 'cancel-ecps', attemptId: attempt });
    expect(feedbacks(ws.last)).toEqual(['cancelled']);
    expect(auditsWithId(ws.last)).toEqual([
      { reason: 'ecps-cancelled', outcome: 'cancelled', nationalId: DOCTOR_ID, method: 'ecps' },
    ]);
    ws.send({ type: 'auth-result', attemptId: attempt, outcome: approved() });
    expect(ws.phase).toBe('locked');
    expect(ws.last).toEqual([]);
  });

  it('gives up when the request expires unanswered, and withdraws it', () => {
    const ws = new Bench().send(ecps());
    ws.now = T0 + 119_000;
    ws.send({ type: 'tick' });
    expect(ws.phase).toBe('ecps-waiting');
    ws.now = T0 + 120_000;
    ws.send({ type: 'tick' });
    expect(ws.phase).toBe('locked');
    expect(feedbacks(ws.last)).toEqual(['ecps-expired']);
    expect(effectTypes(ws.last)).toContain('cancel-ecps');
    expect(audits(ws.last).map((a) => `${a.outcome}:${a.reason}`)).toEqual(['failure:ecps-timeout']);
  });

  it('never runs two requests at once: a second choice is answered "busy"', () => {
    const ws = new Bench().send(ecps());
    const attempt = ws.attempt;
    ws.send(ecps(nurse.nationalId!, '07'));
    expect(ws.attempt).toBe(attempt);
    expect(feedbacks(ws.last)).toEqual(['busy']);
    expect(effectTypes(ws.last)).not.toContain('start-ecps');
  });

  it('is not started over a badge sign-in under way', () => {
    const ws = new Bench().tap(nurseBadge).send(ecps());
    expect(ws.phase).toBe('identifying');
    expect(feedbacks(ws.last)).toEqual(['busy']);
  });

  it('serves a badge tapped while waiting: the e-CPS request is withdrawn, the tap goes on', () => {
    const ws = new Bench().send(ecps());
    const attempt = ws.attempt;
    ws.tap(nurseBadge);
    expect(ws.phase).toBe('identifying');
    expect(ws.last).toContainEqual({ type: 'cancel-ecps', attemptId: attempt });
    expect(audits(ws.last)[0]).toMatchObject({ outcome: 'cancelled', reason: 'badge-presented' });
  });

  it('takes over a session: the nurse stays underneath while waiting, is suspended on approval', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).at(5).send(ecps());
    expect(ws.phase).toBe('ecps-waiting');
    expect(ws.who).toBe(nurse.personId);
    expect(feedbacks(ws.last)).toEqual(['switching-user', 'ecps-waiting']);
    expect(audits(ws.last).map((a) => a.reason)).toEqual(['ecps-requested-over']);
    ws.result(approved());
    expect(ws.who).toBe(doctor.personId);
    expect(ws.state.suspended.map((s) => s.user.personId)).toEqual([nurse.personId]);
    expect(audits(ws.last).map((a) => `${a.action}:${a.reason}`)).toEqual([
      'authentication:ecps-tap-over',
      'session-suspended:tap-over',
      'session-opened:tap-over',
    ]);
  });

  it('returns to the session underneath when the newcomer is refused or cancels', () => {
    const refused = new Bench().signIn(nurseBadge, nurse).send(ecps()).result({ reason: 'ecps-denied' });
    expect(refused.phase).toBe('active');
    expect(refused.who).toBe(nurse.personId);
    expect(effectTypes(refused.last)).not.toContain('suspend-session');
    const cancelled = new Bench().signIn(nurseBadge, nurse).send(ecps());
    cancelled.send({ type: 'ecps-cancelled', attemptId: cancelled.attempt });
    expect(cancelled.phase).toBe('active');
    expect(cancelled.who).toBe(nurse.personId);
  });

  it('locks both the request and the session underneath on a manual lock', () => {
    const ws = new Bench().signIn(nurseBadge, nurse).send(ecps());
    ws.send({ type: 'manual-lock' });
    expect(ws.phase).toBe('locked');
    expect(effectTypes(ws.last)).toEqual(
      expect.arrayContaining(['cancel-ecps', 'suspend-session', 'lock-screen']),
    );
  });

  it('refuses an e-CPS request whose national ID or code is malformed, without changing anything', () => {
    for (const bad of [
      { type: 'ecps-requested', nationalId: '012345678', bindingMessage: '42' },
      { type: 'ecps-requested', nationalId: DOCTOR_ID, bindingMessage: '420' },
      { type: 'ecps-requested', nationalId: DOCTOR_ID },
    ]) {
      const result = dispatch(INITIAL_STATE, bad, POLICY, T0);
      expect(result.rejected).toMatch(/malformed event/);
      expect(result.state).toBe(INITIAL_STATE);
    }
  });
});
