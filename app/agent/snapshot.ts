/** The agent's state as the UI and the CLI may see it: people's names, never a token or a PIN. */
import type { Person } from '../core/identity.js';
import type { ReaderInfo } from '../core/ports/index.js';
import { foregroundUser } from '../core/session/machine.js';
import type { AgentSnapshot, PersonView } from './agent-api.js';
import type { AgentContext } from './context.js';

export function viewOf(person: Person): PersonView;
export function viewOf(person: Person | null): PersonView | null;
export function viewOf(person: Person | null): PersonView | null {
  return person
    ? { displayName: person.displayName, profession: person.profession, nationalId: person.nationalId }
    : null;
}

export const readersOf = (context: AgentContext): ReaderInfo[] =>
  context.adapters.badgeSources.flatMap((source) => source.readers());

export function snapshotOf(context: AgentContext): AgentSnapshot {
  const { state } = context;
  const { phase } = state;
  const interaction =
    phase.kind === 'identifying' ||
    phase.kind === 'switching' ||
    phase.kind === 'awaiting-pin' ||
    phase.kind === 'authenticating' ||
    phase.kind === 'ecps-waiting'
      ? phase.interaction
      : null;
  const readers = readersOf(context);
  return {
    phase: phase.kind,
    user: interaction ? null : viewOf(foregroundUser(state)),
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
    suspended: state.suspended.map((s) => viewOf(s.user)),
    readers,
    // A reader list that came back empty is "none", whatever was said about it before.
    health:
      readers.length === 0 && context.health.readers === 'ok'
        ? { ...context.health, readers: 'none' }
        : context.health,
    at: context.adapters.clock.monotonic(),
  };
}
