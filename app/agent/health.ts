/**
 * Reader and IdP health, kept from what the readers and the sign-ins report, so that the tray
 * and the screens read it from the snapshot instead of guessing it from feedback messages.
 */
import type { BadgeSourceEvent } from '../core/ports/index.js';
import type { AuthOutcome } from '../core/session/types.js';
import { missingCase } from '../core/exhaustive.js';
import type { AgentHealth } from './agent-api.js';
import type { AgentContext } from './context.js';
import { snapshotOf } from './snapshot.js';

export const INITIAL_HEALTH: AgentHealth = { readers: 'ok', idp: 'unknown' };

/** Readers after the reader layer reported one coming or going, or its service. */
export function readersAfter(health: AgentHealth, event: BadgeSourceEvent): AgentHealth['readers'] {
  switch (event.type) {
    case 'reader-lost':
      return 'lost';
    case 'reader-added':
      return 'ok';
    case 'source-status':
      return event.available ? 'ok' : 'none';
    case 'badge-presented':
    case 'badge-removed':
      return health.readers;
    default:
      return missingCase(event);
  }
}

/** The IdP after a sign-in ended: any answer from it says it is there; silence says it is not. */
export function idpAfter(health: AgentHealth, outcome: AuthOutcome): AgentHealth['idp'] {
  switch (outcome.reason) {
    case 'idp-unreachable':
      return 'unreachable';
    case 'ok':
      return outcome.offline ? health.idp : 'ok';
    case 'wrong-pin':
    case 'too-many-attempts':
    case 'unknown-badge':
    case 'idp-error':
    case 'ecps-denied':
    case 'ecps-expired':
      return 'ok';
    // The card answered, or nobody was asked: nothing learnt about the IdP.
    case 'card-blocked':
    case 'card-error':
    case 'card-removed':
    case 'timeout':
      return health.idp;
    default:
      return missingCase(outcome);
  }
}

/** Records new health; subscribers get a fresh snapshot when it changed. */
export function setHealth(context: AgentContext, next: AgentHealth): void {
  if (next.readers === context.health.readers && next.idp === context.health.idp) return;
  context.health = next;
  context.emit({ type: 'state', snapshot: snapshotOf(context) });
}

/**
 * Records what a sign-in's outcome says about the IdP, then has the outcome applied: the state
 * event of the phase it moves to carries the new health (one event, not two); should the phase
 * stay, the new health gets a state event of its own.
 */
export async function applyWithIdpHealth(
  context: AgentContext,
  outcome: AuthOutcome,
  apply: () => Promise<void>,
): Promise<void> {
  const before = context.health;
  const idp = idpAfter(before, outcome);
  if (idp !== before.idp) context.health = { ...before, idp };
  const phase = context.state.phase;
  await apply();
  if (context.health !== before && context.state.phase === phase) {
    context.emit({ type: 'state', snapshot: snapshotOf(context) });
  }
}
