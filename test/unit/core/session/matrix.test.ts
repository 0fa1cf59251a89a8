/**
 * Every (phase, event) pair of the session machine has a decided outcome, written down here.
 * The matrix is typed as a total record, so a new phase or event without a decision does not
 * compile; each cell is then checked against the machine.
 */
import { describe, expect, it } from '@jest/globals';
import { transition } from '../../../../app/core/session/machine.js';
import {
  PHASE_KINDS,
  SESSION_EVENT_TYPES,
  type PhaseKind,
  type SessionEventType,
} from '../../../../app/core/session/types.js';
import { POLICY, T0, aideBadge, eventOf, stateIn } from './fixtures.js';

type Row = Readonly<Record<SessionEventType, PhaseKind>>;

/** What each phase becomes on each representative event (see fixtures.ts). */
const EXPECTED: Readonly<Record<PhaseKind, Row>> = {
  locked: {
    'badge-presented': 'identifying',
    'badge-removed': 'locked',
    'badge-identified': 'locked',
    'badge-unreadable': 'locked',
    'pin-entered': 'locked',
    'pin-cancelled': 'locked',
    'auth-result': 'locked',
    'inactivity-timeout': 'locked',
    undo: 'locked',
    'shift-end': 'locked',
    'reader-lost': 'locked',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'locked',
    revoked: 'locked',
    'sign-in-expired': 'locked',
    tick: 'locked',
    'audit-unavailable': 'locked',
    'break-glass-requested': 'locked', // disabled by default policy
    'ecps-requested': 'ecps-waiting', // the e-CPS request goes to the person's app
    'ecps-cancelled': 'locked',
  },
  identifying: {
    'badge-presented': 'identifying', // the newest badge wins
    'badge-removed': 'locked', // the contact card left before the PIN
    'badge-identified': 'awaiting-pin',
    'badge-unreadable': 'locked',
    'pin-entered': 'identifying',
    'pin-cancelled': 'locked',
    'auth-result': 'identifying',
    'inactivity-timeout': 'identifying',
    undo: 'identifying',
    'shift-end': 'identifying',
    'reader-lost': 'locked',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'identifying',
    revoked: 'identifying',
    'sign-in-expired': 'identifying',
    tick: 'identifying',
    'audit-unavailable': 'identifying',
    'break-glass-requested': 'identifying',
    'ecps-requested': 'identifying', // "busy": a badge sign-in is under way
    'ecps-cancelled': 'identifying',
  },
  switching: {
    'badge-presented': 'switching',
    'badge-removed': 'active', // the newcomer left: the nurse's session is still there
    'badge-identified': 'awaiting-pin',
    'badge-unreadable': 'active',
    'pin-entered': 'switching',
    'pin-cancelled': 'active',
    'auth-result': 'switching',
    // The idle session underneath locks; the prompt goes on as a plain tap-in.
    'inactivity-timeout': 'identifying',
    undo: 'switching',
    'shift-end': 'switching',
    'reader-lost': 'active',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'switching',
    revoked: 'identifying', // the nurse's session underneath is closed; the newcomer goes on
    'sign-in-expired': 'switching', // the nurse underneath will need her PIN; the newcomer goes on
    tick: 'switching',
    'audit-unavailable': 'identifying',
    'break-glass-requested': 'switching',
    'ecps-requested': 'switching',
    'ecps-cancelled': 'switching',
  },
  'awaiting-pin': {
    'badge-presented': 'identifying',
    'badge-removed': 'locked',
    'badge-identified': 'awaiting-pin',
    'badge-unreadable': 'awaiting-pin',
    'pin-entered': 'authenticating',
    'pin-cancelled': 'locked',
    'auth-result': 'awaiting-pin',
    'inactivity-timeout': 'awaiting-pin',
    undo: 'awaiting-pin',
    'shift-end': 'awaiting-pin',
    'reader-lost': 'locked',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'awaiting-pin',
    revoked: 'awaiting-pin',
    'sign-in-expired': 'awaiting-pin',
    tick: 'awaiting-pin',
    'audit-unavailable': 'awaiting-pin',
    'break-glass-requested': 'awaiting-pin',
    'ecps-requested': 'awaiting-pin',
    'ecps-cancelled': 'awaiting-pin',
  },
  authenticating: {
    'badge-presented': 'authenticating', // a stray tap does not abort a PIN check
    'badge-removed': 'locked',
    'badge-identified': 'authenticating',
    'badge-unreadable': 'authenticating',
    'pin-entered': 'authenticating',
    'pin-cancelled': 'locked',
    'auth-result': 'active',
    'inactivity-timeout': 'authenticating',
    undo: 'authenticating',
    'shift-end': 'authenticating',
    'reader-lost': 'locked',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'authenticating',
    revoked: 'authenticating',
    'sign-in-expired': 'authenticating',
    tick: 'authenticating',
    'audit-unavailable': 'authenticating',
    'break-glass-requested': 'authenticating',
    'ecps-requested': 'authenticating',
    'ecps-cancelled': 'authenticating',
  },
  'ecps-waiting': {
    'badge-presented': 'identifying', // a badge at the reader wins: the e-CPS request is withdrawn
    'badge-removed': 'ecps-waiting', // no badge takes part in e-CPS
    'badge-identified': 'ecps-waiting',
    'badge-unreadable': 'ecps-waiting',
    'pin-entered': 'ecps-waiting',
    'pin-cancelled': 'ecps-waiting',
    'auth-result': 'active', // approved in the app, for the national ID asked for
    'inactivity-timeout': 'ecps-waiting',
    undo: 'ecps-waiting',
    'shift-end': 'ecps-waiting',
    'reader-lost': 'ecps-waiting',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'ecps-waiting',
    revoked: 'ecps-waiting',
    'sign-in-expired': 'ecps-waiting',
    tick: 'ecps-waiting', // before the request expires
    'audit-unavailable': 'ecps-waiting',
    'break-glass-requested': 'ecps-waiting',
    'ecps-requested': 'ecps-waiting', // never two e-CPS requests at once
    'ecps-cancelled': 'locked',
  },
  active: {
    'badge-presented': 'switching',
    'badge-removed': 'locked', // contact card pulled: policy "lock"
    'badge-identified': 'active',
    'badge-unreadable': 'active',
    'pin-entered': 'active',
    'pin-cancelled': 'active',
    'auth-result': 'active',
    'inactivity-timeout': 'locked',
    undo: 'active',
    'shift-end': 'active',
    'reader-lost': 'locked',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'active',
    revoked: 'locked',
    'sign-in-expired': 'locked', // the IdP refused the refresh: locked, session kept, PIN asked next
    tick: 'active',
    'audit-unavailable': 'locked',
    'break-glass-requested': 'active',
    'ecps-requested': 'ecps-waiting', // an e-CPS tap-over: the nurse stays underneath until approval
    'ecps-cancelled': 'active',
  },
  'offline-active': {
    'badge-presented': 'switching',
    'badge-removed': 'locked',
    'badge-identified': 'offline-active',
    'badge-unreadable': 'offline-active',
    'pin-entered': 'offline-active',
    'pin-cancelled': 'offline-active',
    'auth-result': 'offline-active',
    'inactivity-timeout': 'locked',
    undo: 'offline-active',
    'shift-end': 'offline-active',
    'reader-lost': 'locked',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'offline-active',
    revoked: 'locked',
    'sign-in-expired': 'locked',
    tick: 'offline-active',
    'audit-unavailable': 'locked',
    'break-glass-requested': 'offline-active',
    'ecps-requested': 'ecps-waiting',
    'ecps-cancelled': 'offline-active',
  },
  locking: {
    'badge-presented': 'identifying', // the tap-out is committed, then the newcomer is served
    'badge-removed': 'locked',
    'badge-identified': 'locking',
    'badge-unreadable': 'locking',
    'pin-entered': 'locking',
    'pin-cancelled': 'locking',
    'auth-result': 'locking',
    'inactivity-timeout': 'locked',
    undo: 'active',
    'shift-end': 'locking',
    'reader-lost': 'locked',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'locking',
    revoked: 'locked',
    'sign-in-expired': 'locked',
    tick: 'locking', // before the end of the undo window
    'audit-unavailable': 'locked',
    'break-glass-requested': 'locking',
    'ecps-requested': 'ecps-waiting', // the tap-out is committed, then the e-CPS request goes
    'ecps-cancelled': 'locking',
  },
  'break-glass': {
    'badge-presented': 'identifying', // normal access resumes: the emergency session ends
    'badge-removed': 'break-glass',
    'badge-identified': 'break-glass',
    'badge-unreadable': 'break-glass',
    'pin-entered': 'break-glass',
    'pin-cancelled': 'break-glass',
    'auth-result': 'break-glass',
    'inactivity-timeout': 'locked',
    undo: 'break-glass',
    'shift-end': 'break-glass',
    'reader-lost': 'break-glass',
    'manual-lock': 'locked',
    'power-suspend': 'locked',
    'power-resume': 'break-glass',
    revoked: 'break-glass', // revocation concerns the nurse, not the emergency user
    'sign-in-expired': 'break-glass', // an emergency access is bound by its own time limit
    tick: 'break-glass',
    'audit-unavailable': 'break-glass',
    'break-glass-requested': 'break-glass',
    'ecps-requested': 'ecps-waiting', // normal access resumes: the emergency session ends
    'ecps-cancelled': 'break-glass',
  },
};

/** Where each phase goes on a tick once its own deadline has passed. */
const AFTER_DEADLINE: Readonly<Record<PhaseKind, PhaseKind>> = {
  locked: 'locked',
  identifying: 'locked',
  switching: 'active',
  'awaiting-pin': 'locked',
  authenticating: 'locked',
  'ecps-waiting': 'locked',
  active: 'active',
  'offline-active': 'offline-active',
  locking: 'locked',
  'break-glass': 'locked',
};

describe('session machine: every (phase, event) pair', () => {
  const pairs = PHASE_KINDS.flatMap((phase) => SESSION_EVENT_TYPES.map((event) => [phase, event] as const));

  it('covers all 10 phases and 21 events', () => {
    expect(PHASE_KINDS).toHaveLength(10);
    expect(SESSION_EVENT_TYPES).toHaveLength(21);
    expect(pairs).toHaveLength(210);
  });

  it.each(pairs)('%s + %s', (phase, eventType) => {
    const before = stateIn(phase);
    const event = eventOf(eventType, before);
    const { state } = transition(before, event, POLICY, T0);
    expect(state.phase.kind).toBe(EXPECTED[phase][eventType]);
  });

  it.each(PHASE_KINDS)('%s + tick after its deadline', (phase) => {
    const { state } = transition(stateIn(phase), { type: 'tick' }, POLICY, T0 + 24 * 3600_000);
    expect(state.phase.kind).toBe(AFTER_DEADLINE[phase]);
  });

  it('answers every tap with visible feedback, in every phase', () => {
    for (const phase of PHASE_KINDS) {
      for (const tapped of ['aide', 'own'] as const) {
        const before = stateIn(phase);
        const own =
          'interaction' in before.phase
            ? before.phase.interaction.badge
            : 'user' in before.phase && before.phase.kind !== 'break-glass'
              ? {
                  badgeId: before.phase.user.badgeId,
                  kind: before.phase.user.badgeKind,
                  readerName: 'Reader A',
                  contact: true,
                }
              : null;
        const badge = tapped === 'own' && own ? own : aideBadge;
        const { effects } = transition(before, { type: 'badge-presented', badge }, POLICY, T0);
        expect({ phase, tapped, feedback: effects.some((e) => e.type === 'feedback') }).toEqual({
          phase,
          tapped,
          feedback: true,
        });
      }
    }
  });
});
