/**
 * e-CPS: a request pushed to the person's app (OpenID CIBA), the code shown on screen, and how
 * the request ends (approved for the very national ID asked for, refused, expired, withdrawn).
 */
import type { AuditOutcome, AuditReason } from '../audit.js';
import { missingCase } from '../exhaustive.js';
import type { MessageKey, MessageParams } from '../messages.js';
import {
  ECPS_RATE_WINDOW_MINUTES,
  ECPS_READER,
  ECPS_REQUESTS_PER_NATIONAL_ID,
  ECPS_REQUESTS_PER_WORKSTATION,
  ECPS_REQUEST_SECONDS,
  type AuthOutcome,
  type EcpsRequest,
  type Interaction,
  type SessionState,
  type SessionUser,
} from './types.js';
import type { Step } from './step.js';
import { MINUTE, SECOND, activePhase, withPhase, type EcpsPhase } from './step.js';
import { signIn } from './sign-in.js';

/**
 * e-CPS: a person chose it and gave their national ID. The IdP pushes a request to their e-CPS
 * app; the screen shows the binding message they must pick there. Whoever was in the foreground
 * stays underneath (a tap-over) until the approval comes.
 */
/**
 * Minutes to wait before another e-CPS request for `nationalId` may leave this workstation, or
 * null when it may leave now (see the limits in types.ts).
 */
export function ecpsWaitMinutes(state: SessionState, nationalId: string, now: number): number | null {
  const window = ECPS_RATE_WINDOW_MINUTES * MINUTE;
  const recent = state.ecpsRequests.filter((r) => now - r.at < window);
  const forPerson = recent.filter((r) => r.nationalId === nationalId);
  const blocking =
    forPerson.length >= ECPS_REQUESTS_PER_NATIONAL_ID
      ? forPerson[forPerson.length - ECPS_REQUESTS_PER_NATIONAL_ID]
      : recent.length >= ECPS_REQUESTS_PER_WORKSTATION
        ? recent[recent.length - ECPS_REQUESTS_PER_WORKSTATION]
        : undefined;
  return blocking === undefined ? null : Math.max(1, Math.ceil((blocking.at + window - now) / MINUTE));
}

export function startEcps(
  step: Step,
  state: SessionState,
  request: EcpsRequest,
  over: SessionUser | null,
): SessionState {
  const wait = ecpsWaitMinutes(state, request.nationalId, step.now);
  if (wait !== null) {
    step.feedback('ecps-rate-limited', { minutes: wait });
    step.audit('authentication', 'failure', 'ecps-rate-limited', {
      nationalId: request.nationalId,
      badgeKind: 'ecps',
      method: 'ecps',
    });
    return state;
  }
  const attemptId = state.nextAttemptId;
  const interaction: Interaction = {
    attemptId,
    badge: { badgeId: `ecps:${request.nationalId}`, kind: 'ecps', readerName: ECPS_READER, contact: false },
    person: null,
    pinTriesLeft: null,
    wrongPins: 0,
    over,
    deadline: step.now + ECPS_REQUEST_SECONDS * SECOND,
  };
  if (over) step.feedback('switching-user', { previous: over.displayName });
  step.feedback('ecps-waiting', { code: request.bindingMessage });
  step.audit('authentication', 'info', over ? 'ecps-requested-over' : 'ecps-requested', {
    nationalId: request.nationalId,
    badgeKind: 'ecps',
    method: 'ecps',
  });
  step.effect({
    type: 'start-ecps',
    attemptId,
    nationalId: request.nationalId,
    bindingMessage: request.bindingMessage,
  });
  return {
    ...state,
    ecpsRequests: [...state.ecpsRequests, { nationalId: request.nationalId, at: step.now }],
    nextAttemptId: attemptId + 1,
    phase: {
      kind: 'ecps-waiting',
      interaction,
      ecps: { nationalId: request.nationalId, bindingMessage: request.bindingMessage },
    },
  };
}

/**
 * An e-CPS attempt ends without a session: audited with the national ID asked for, and the
 * workstation goes back to what it was (locked, or the session underneath). `cancel` stops the
 * request still waiting at the IdP, so that a late approval opens nothing.
 */
export function endEcps(
  step: Step,
  state: SessionState,
  phase: EcpsPhase,
  message: MessageKey | null,
  audit: { outcome: AuditOutcome; reason: AuditReason },
  cancel: boolean,
  params: MessageParams = {},
): SessionState {
  const { interaction, ecps } = phase;
  if (cancel) step.effect({ type: 'cancel-ecps', attemptId: interaction.attemptId });
  if (message) step.feedback(message, params);
  step.audit('authentication', audit.outcome, audit.reason, {
    nationalId: ecps.nationalId,
    badgeKind: 'ecps',
    method: 'ecps',
  });
  return withPhase(state, interaction.over ? activePhase(interaction.over) : { kind: 'locked' });
}

export function onEcpsResult(
  step: Step,
  state: SessionState,
  phase: EcpsPhase,
  outcome: AuthOutcome,
): SessionState {
  if (outcome.reason === 'ok') {
    // The IdP must have approved the very person whose national ID was asked for.
    if (outcome.person.nationalId !== phase.ecps.nationalId) {
      return endEcps(
        step,
        state,
        phase,
        'idp-error',
        { outcome: 'failure', reason: 'ecps-person-mismatch' },
        false,
      );
    }
    return signIn(step, state, phase.interaction, { ...outcome, method: 'ecps' });
  }
  const failed = (message: MessageKey, reason: AuditReason, params: MessageParams = {}): SessionState =>
    endEcps(step, state, phase, message, { outcome: 'failure', reason }, false, params);
  switch (outcome.reason) {
    case 'ecps-denied':
      return failed('ecps-denied', 'ecps-denied');
    case 'ecps-expired':
    case 'timeout':
      return failed('ecps-expired', outcome.reason === 'timeout' ? 'ecps-timeout' : 'ecps-expired');
    case 'too-many-attempts':
      return failed('too-many-attempts', 'too-many-attempts', {
        minutes: outcome.retryAfterSeconds === null ? '' : Math.ceil(outcome.retryAfterSeconds / 60),
      });
    case 'unknown-badge':
      return failed('ecps-unknown', 'unknown-national-id');
    case 'idp-unreachable':
    case 'idp-error':
      return failed(outcome.reason, outcome.reason);
    // A PIN or a card has no part in e-CPS: an IdP that says so is answering something else.
    case 'wrong-pin':
    case 'card-blocked':
    case 'card-error':
    case 'card-removed':
      return failed('idp-error', 'unexpected-idp-answer');
    default:
      return missingCase(outcome);
  }
}
