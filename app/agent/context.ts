/**
 * What the agent's parts share: the adapters, the effective policy, the session state and the
 * little the agent keeps beside it (the PIN in flight, the e-CPS request in flight, health).
 * One object, created by composeAgent and handed to each part; no part keeps state of its own.
 */
import type { Catalogue } from '../core/messages.js';
import type { Person } from '../core/identity.js';
import type { Policy } from '../core/policy.js';
import type { SessionState } from '../core/session/types.js';
import type { TokenVault } from '../adapters/vault/token-vault.js';
import type { AgentAdapters, AgentEvent, AgentHealth } from './agent-api.js';

export interface AgentContext {
  readonly adapters: AgentAdapters;
  readonly policy: Policy;
  readonly catalogue: Catalogue;
  /** Each person's tokens, in the OS vault only; one refresh in flight per person. */
  readonly tokens: TokenVault;
  /** People seen on this workstation, by badge: lets a tap greet by name before the PIN. */
  readonly knownBadges: Map<string, Person>;
  state: SessionState;
  health: AgentHealth;
  /** The PIN submitted for the attempt in progress, until it is checked or abandoned. */
  heldPin: { attemptId: number; bytes: Uint8Array } | null;
  /** The one e-CPS request in flight, if any: never two. */
  ecpsInFlight: { attemptId: number; controller: AbortController } | null;
  /** Publishes to every subscriber; a failing subscriber is logged, never fatal. */
  emit(event: AgentEvent): void;
  /** Feeds an event to the session machine, after every event already queued. */
  enqueue(event: unknown): Promise<void>;
  /** Runs work in the background; `idle()` waits for it. */
  track(task: Promise<void>): void;
}

/** A promise and the function that settles it. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}
