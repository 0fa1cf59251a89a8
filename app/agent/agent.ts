/**
 * composeAgent: the one place where the session machine meets the adapters. It serialises
 * events through the pure machine, carries out the effects it returns, keeps the PIN out of
 * the core (held in a Uint8Array, zeroed as soon as it has been used or abandoned), and
 * publishes what the UI and the CLI may see: state snapshots, feedback text, audit records.
 * Never a token, never a PIN.
 *
 * Where things live: agent-api.ts (what hosts see), context.ts (what the parts share),
 * snapshot.ts, health.ts, identify.ts (before the PIN), sign-in.ts (every kind of sign-in and
 * their one shared tail), tokens.ts, effects.ts (carrying out the machine's effects),
 * audit-writer.ts, source-events.ts (what readers report).
 */
import { randomInt } from 'node:crypto';
import { checkPinFormat, zeroize } from '../core/pin.js';
import { nextShiftBoundary, type Policy } from '../core/policy.js';
import { TokenVault } from '../adapters/vault/token-vault.js';
import { ecpsWaitMinutes } from '../core/session/ecps.js';
import { dispatch as dispatchEvent, nextDeadline } from '../core/session/machine.js';
import { ECPS_NATIONAL_ID, INITIAL_STATE, type Phase, type SessionEvent } from '../core/session/types.js';
import type { Agent, AgentAdapters, AgentEvent, AgentOptions } from './agent-api.js';
import { writeSystemAudit } from './audit-writer.js';
import type { AgentContext } from './context.js';
import { applyEffects, forgetPin } from './effects.js';
import { INITIAL_HEALTH } from './health.js';
import { cancelEcpsRequest } from './sign-in.js';
import { snapshotOf } from './snapshot.js';
import { onSourceEvent } from './source-events.js';

export type {
  Agent,
  AgentAdapters,
  AgentEvent,
  AgentHealth,
  AgentOptions,
  AgentSnapshot,
  EcpsSubmission,
  PersonView,
  PinSubmission,
} from './agent-api.js';

/** The default binding message: two digits from a cryptographic random source. */
export const randomBindingCode = (): string => String(randomInt(0, 100)).padStart(2, '0');

export function composeAgent(adapters: AgentAdapters, basePolicy: Policy, options: AgentOptions): Agent {
  const policy: Policy = Object.freeze({
    ...basePolicy,
    workstationName: basePolicy.workstationName || adapters.hostname,
  });
  const { clock, log } = adapters;
  let queue: Promise<void> = Promise.resolve();
  const background = new Set<Promise<void>>();
  const listeners = new Set<(event: AgentEvent) => void>();
  const bindingCode = adapters.ecpsBindingCode ?? randomBindingCode;
  let cancelTick: (() => void) | null = null;
  let cancelShift: (() => void) | null = null;
  let stopOsWatch: (() => void) | null = null;
  let running = false;

  const context: AgentContext = {
    adapters,
    policy,
    catalogue: options.catalogue,
    tokens: new TokenVault({ store: adapters.secrets, idp: adapters.idp, now: () => clock.now(), log }),
    knownBadges: new Map(),
    state: INITIAL_STATE,
    health: INITIAL_HEALTH,
    heldPin: null,
    ecpsInFlight: null,
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          log.error('agent listener failed', { error: String(error) });
        }
      }
    },
    enqueue,
    track(task) {
      const tracked = task.catch((error: unknown) =>
        log.error('background task failed', { error: String(error) }),
      );
      background.add(tracked);
      void tracked.finally(() => background.delete(tracked));
    },
  };

  const scheduleTick = (): void => {
    cancelTick?.();
    cancelTick = null;
    if (!running) return;
    const at = nextDeadline(context.state, policy);
    if (at !== null) cancelTick = clock.setTimer(at, () => void enqueue({ type: 'tick' }));
  };

  /** Shift boundaries are wall-clock times; the timer waits the wall-clock distance to the next. */
  const scheduleShiftEnd = (): void => {
    cancelShift?.();
    cancelShift = null;
    if (!running) return;
    const wall = clock.now();
    const at = nextShiftBoundary(policy, wall, clock.utcOffsetMinutes(wall));
    if (at !== null) {
      cancelShift = clock.setTimer(clock.monotonic() + Math.max(0, at - wall), () => {
        void enqueue({ type: 'shift-end' });
        scheduleShiftEnd();
      });
    }
  };

  function enqueue(event: unknown): Promise<void> {
    const run = async (): Promise<void> => {
      const before = context.state;
      const result = dispatchEvent(before, event, policy, clock.monotonic(), clock.now());
      if (result.rejected) {
        log.warn('event rejected', { reason: result.rejected });
        context.emit({ type: 'rejected', reason: result.rejected, at: clock.now() });
        return;
      }
      context.state = result.state;
      if (result.state.phase !== before.phase || result.state.suspended !== before.suspended) {
        context.emit({ type: 'state', snapshot: snapshotOf(context) });
      }
      await applyEffects(context, result.effects);
      scheduleTick();
    };
    queue = queue.then(run, run);
    return queue;
  }

  const agent: Agent = {
    async start() {
      if (running) return;
      running = true;
      await writeSystemAudit(context, 'agent-started', 'start', `mode ${policy.mode}`);
      for (const problem of options.policyProblems ?? []) {
        await writeSystemAudit(context, 'policy-fallback', 'policy-invalid', problem.message);
      }
      await adapters.osSession
        .lock()
        .catch((error: unknown) => log.error('OS session lock failed', { error: String(error) }));
      stopOsWatch = adapters.osSession.watch(
        policy.inactivityLockMinutes * 60_000,
        (event) => void enqueue(event),
      );
      // Sources report readers as they come; start-up never waits on a reader or a service.
      await Promise.all(
        adapters.badgeSources.map((source) => source.start((event) => onSourceEvent(context, event))),
      );
      scheduleShiftEnd();
      context.emit({ type: 'state', snapshot: snapshotOf(context) });
    },
    async stop() {
      if (!running) return;
      running = false;
      cancelTick?.();
      cancelShift?.();
      stopOsWatch?.();
      await Promise.all(adapters.badgeSources.map((source) => source.stop()));
      cancelEcpsRequest(context, null);
      await agent.idle();
      forgetPin(context);
      await writeSystemAudit(context, 'agent-stopped', 'stop');
    },
    snapshot: () => snapshotOf(context),
    policy: () => policy,
    dispatch: (event) => enqueue(event),
    async submitPin(attemptId, pin) {
      await queue;
      const { phase } = context.state;
      if (phase.kind !== 'awaiting-pin' || phase.interaction.attemptId !== attemptId) {
        zeroize(pin);
        return { accepted: false, problem: 'no-prompt' };
      }
      const problem = checkPinFormat(pin, policy);
      if (problem) {
        zeroize(pin);
        return { accepted: false, problem };
      }
      forgetPin(context);
      context.heldPin = { attemptId, bytes: pin };
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
      if (!allowed.includes(context.state.phase.kind)) return { accepted: false, problem: 'busy' };
      const bindingMessage = bindingCode();
      await enqueue({ type: 'ecps-requested', nationalId, bindingMessage } satisfies SessionEvent);
      const phase: Phase = context.state.phase;
      if (phase.kind !== 'ecps-waiting' || phase.ecps.bindingMessage !== bindingMessage) {
        const limited = ecpsWaitMinutes(context.state, nationalId, clock.monotonic()) !== null;
        return { accepted: false, problem: limited ? 'rate-limited' : 'busy' };
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
