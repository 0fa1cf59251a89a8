/**
 * Carrying out what the session machine asked for, in order: feedback first (a tap is answered
 * at once), then the audit trail, then the actions, so that the record of an access is durable
 * before the access takes effect. A new effect is one more case in `carryOut`.
 */
import { missingCase } from '../core/exhaustive.js';
import { formatMessage } from '../core/messages.js';
import { zeroize } from '../core/pin.js';
import type { UnlockOutcome } from '../core/ports/index.js';
import { foregroundUser } from '../core/session/machine.js';
import type { Effect, SessionEvent } from '../core/session/types.js';
import { writeAudit } from './audit-writer.js';
import type { AgentContext } from './context.js';
import { identify } from './identify.js';
import { authenticate, cancelEcpsRequest, ecpsSignIn } from './sign-in.js';
import { refreshTokens } from './tokens.js';

/** Zeroes and forgets the PIN held for an attempt, if any. */
export function forgetPin(context: AgentContext): void {
  if (context.heldPin) zeroize(context.heldPin.bytes);
  context.heldPin = null;
}

async function runOs(context: AgentContext, action: string, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    context.adapters.log.error(`OS session ${action} failed`, { error: String(error) });
  }
}

/**
 * os-lock: the OS session is unlocked only for its owner (the adapter checks it against the
 * OS). Anyone else is never let in: they reach their own session or the greeter, or are
 * refused; it is audited, the workstation locks again, and the person is told why.
 */
async function unlockFor(context: AgentContext, personId: string): Promise<void> {
  const { adapters, catalogue, policy } = context;
  let outcome: UnlockOutcome;
  try {
    outcome = await adapters.osSession.unlock(personId);
  } catch (error) {
    adapters.log.error('OS session unlock failed', { error: String(error) });
    outcome = { kind: 'refused', reason: 'the OS session could not be unlocked' };
  }
  if (outcome.kind === 'unlocked') return;
  const user = foregroundUser(context.state);
  const person = user?.personId === personId ? user : null;
  await writeAudit(context, {
    action: 'session-opened',
    outcome: outcome.kind === 'switched' ? 'info' : 'failure',
    personId,
    displayName: person?.displayName ?? null,
    nationalId: person?.nationalId ?? null,
    workstation: policy.workstationName,
    badgeKind: person?.badgeKind ?? null,
    method: person?.method ?? null,
    reason: outcome.kind === 'switched' ? 'os-session-own' : 'os-session-not-owner',
    detail:
      outcome.kind === 'switched'
        ? 'their own session brought to the front'
        : `${outcome.kind}: ${outcome.reason}`,
    time: new Date(adapters.clock.now()).toISOString(),
  });
  if (outcome.kind === 'switched') return;
  // After this transition: the machine locks (the person is set aside), then says why.
  context.track(
    context.enqueue({ type: 'manual-lock' } satisfies SessionEvent).then(() =>
      context.emit({
        type: 'feedback',
        message: 'os-session-not-yours',
        params: {},
        text: formatMessage(catalogue, 'os-session-not-yours'),
        at: adapters.clock.now(),
      }),
    ),
  );
}

async function carryOut(context: AgentContext, effect: Effect): Promise<void> {
  const { adapters } = context;
  const os = adapters.osSession;
  switch (effect.type) {
    case 'feedback':
    case 'audit':
      return;
    case 'identify-badge':
      context.track(identify(context, effect.attemptId, effect.badge));
      return;
    case 'authenticate':
      context.track(authenticate(context, effect));
      return;
    case 'discard-pin':
      forgetPin(context);
      return;
    case 'open-session':
      return runOs(context, 'open', () => os.open(effect.user));
    case 'resume-session':
      return runOs(context, 'resume', () => os.resume(effect.user));
    case 'suspend-session':
      return runOs(context, 'suspend', () => os.suspend(effect.personId));
    case 'close-session':
      await runOs(context, 'close', () => os.close(effect.personId, effect.reason));
      // A closed session's grant ends at the IdP too (best effort, bounded); a locked or
      // suspended one keeps its tokens for the grace re-tap.
      context.track(context.tokens.logout(effect.personId));
      return;
    case 'lock-screen':
      return runOs(context, 'lock', () => os.lock());
    case 'unlock-screen':
      return unlockFor(context, effect.personId);
    case 'refresh-tokens':
      context.track(refreshTokens(context, effect.personId));
      return;
    case 'start-ecps':
      context.track(ecpsSignIn(context, effect));
      return;
    case 'cancel-ecps':
      cancelEcpsRequest(context, effect.attemptId);
      return;
    default:
      return missingCase(effect);
  }
}

export async function applyEffects(context: AgentContext, effects: readonly Effect[]): Promise<void> {
  const { adapters, catalogue } = context;
  for (const effect of effects) {
    if (effect.type === 'feedback') {
      context.emit({
        type: 'feedback',
        message: effect.message,
        params: effect.params,
        text: formatMessage(catalogue, effect.message, effect.params),
        at: adapters.clock.now(),
      });
    }
  }
  // All of a transition's records at once: the sink makes them durable together, in order.
  const durable = await Promise.all(
    effects.flatMap((effect) => (effect.type === 'audit' ? [writeAudit(context, effect.record)] : [])),
  );
  const unrecorded = durable.includes(false);
  const refused = new Set<string>();
  for (const effect of effects) {
    const person = unrecorded ? grantsAccessTo(effect) : null;
    if (person !== null) {
      // The trail fails closed: an access that cannot be recorded does not happen. Locks,
      // suspends and closes still go through (a full disk must not keep a session open).
      refused.add(person);
      continue;
    }
    await carryOut(context, effect);
  }
  for (const personId of refused) {
    adapters.log.error('access refused: the audit trail could not record it', {});
    context.track(context.enqueue({ type: 'audit-unavailable', personId }));
  }
}

/** The person an effect lets in (a session opened, resumed or unlocked), or null. */
function grantsAccessTo(effect: Effect): string | null {
  switch (effect.type) {
    case 'open-session':
    case 'resume-session':
      return effect.user.personId;
    case 'unlock-screen':
    case 'refresh-tokens':
      return effect.personId;
    default:
      return null;
  }
}
