/**
 * The chains the benchmark can run on. `openBestChain` picks the most real one this machine
 * offers, and says which parts are simulated; the measures themselves do not change.
 */
import { composeAgent, type Agent, type AgentEvent } from '../../app/agent/agent.js';
import { loadCatalogue } from '../../app/agent/resources.js';
import { DEFAULT_POLICY, type Policy } from '../../app/core/policy.js';
import type { BadgeSource, BadgeSourceEvent } from '../../app/core/ports/index.js';
import type { Phase } from '../../app/core/session/types.js';
import type { TestPerson } from '../harness/people.js';
import { SystemClock } from '../../app/adapters/clock/system-clock.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../harness/sim/world.js';
import { silentLog } from '../../app/adapters/log/winston-log.js';
import { pcscdProblem, startPcscd } from '../harness/pcscd.js';
import { VpcdReader } from '../harness/vcard/index.js';

export interface BenchChain {
  readonly description: string;
  readonly badgeKindLabel: string;
  readonly notMeasured: readonly string[];
  /** Presents the person's badge; ms from the reader event reaching the agent to `phase`. */
  tapUntil(person: TestPerson, phase: Phase['kind']): Promise<number>;
  /** Types the person's PIN on the prompt; ms from submission to the session being active. */
  pinUntilActive(person: TestPerson): Promise<number>;
  /** The same sign-in done directly (IdP token call, and APDUs for a card): the floor. */
  floorSignIn(person: TestPerson): Promise<number>;
  /** Back to a locked workstation with no grace, between runs. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** The bench measures tap-out → locked itself, so the undo window is off. */
export const BENCH_POLICY: Policy = { ...DEFAULT_POLICY, tapOutUndoSeconds: 0, shiftBoundaries: [] };

/** Records when each reader event reaches the agent: the start of every tap measure. */
export class TimedBadgeSource implements BadgeSource {
  lastEventAt = 0;
  constructor(private readonly inner: BadgeSource) {}
  start(listener: (event: BadgeSourceEvent) => void): Promise<void> {
    return this.inner.start((event) => {
      if (event.type === 'badge-presented') this.lastEventAt = performance.now();
      listener(event);
    });
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  readers() {
    return this.inner.readers();
  }
}

/** Resolves with the time at which the agent reaches `phase` (or rejects after `timeoutMs`). */
export function whenPhase(agent: Agent, phase: Phase['kind'], timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `the agent did not reach ${phase} within ${timeoutMs} ms (it is ${agent.snapshot().phase})`,
        ),
      );
    }, timeoutMs);
    const stop = agent.subscribe((event: AgentEvent) => {
      if (event.type === 'state' && event.snapshot.phase === phase) {
        const at = performance.now();
        clearTimeout(timer);
        stop();
        resolve(at);
      }
    });
  });
}

interface ChainParts {
  readonly description: string;
  readonly notMeasured: readonly string[];
  readonly world: SimWorld;
  /** The reader the agent listens to, timed. */
  readonly source: TimedBadgeSource;
  /** A person's tap, through that reader. */
  readonly tap: (uid: string) => Promise<void>;
  readonly ready?: () => Promise<unknown>;
  readonly tapTimeoutMs?: number;
  readonly closeAlso?: () => Promise<void>;
}

/** The real agent on a real clock, over the given reader, with the simulated IdP. */
async function openAgentChain(parts: ChainParts): Promise<BenchChain> {
  const { world, source } = parts;
  world.badgeSource = source;
  const running = await simulatedAdapters(world, null)(BENCH_POLICY, { auditFile: null });
  const agent = composeAgent({ ...running.adapters, clock: new SystemClock() }, BENCH_POLICY, {
    catalogue: loadCatalogue('fr'),
  });
  await agent.start();
  await parts.ready?.();
  return {
    description: parts.description,
    badgeKindLabel: 'badge + PIN, simulated IdP',
    notMeasured: parts.notMeasured,
    async tapUntil(person, phase) {
      const reached = whenPhase(agent, phase, parts.tapTimeoutMs);
      await parts.tap(person.badgeUid);
      return (await reached) - source.lastEventAt;
    },
    async pinUntilActive(person) {
      await agent.idle();
      const prompt = agent.snapshot().prompt;
      if (!prompt) throw new Error('no PIN prompt');
      const reached = whenPhase(agent, 'active');
      const started = performance.now();
      await agent.submitPin(prompt.attemptId, new TextEncoder().encode(person.pin));
      return (await reached) - started;
    },
    async floorSignIn(person) {
      const started = performance.now();
      const result = await world.idp.signInWithBadge(person.badgeUid, new TextEncoder().encode(person.pin));
      if (!result.ok) throw new Error(`floor sign-in failed: ${result.failure.reason}`);
      return performance.now() - started;
    },
    async reset() {
      await agent.idle();
      await agent.manualLock();
      await agent.dispatch({ type: 'shift-end' });
      await agent.idle();
    },
    async close() {
      await agent.stop();
      await running.close();
      await parts.closeAlso?.();
    },
  };
}

/** Simulated reader and IdP, real agent and real clock: the fallback where pcscd is not there. */
export function openSimulatedChain(): Promise<BenchChain> {
  const world = createSimWorld(Date.now());
  return openAgentChain({
    description: 'simulated reader + simulated IdP (in-process), real agent',
    notMeasured: ['CPS card + PIN (no PC/SC chain on this run)', 'the reference OIDC IdP (not built yet)'],
    world,
    source: new TimedBadgeSource(world.reader),
    tap: async (uid) => world.reader.tap(uid),
  });
}

/** Virtual badges on a real pcscd, the production PC/SC badge source, the real agent; simulated IdP. */
export async function openPcscChain(): Promise<BenchChain> {
  const pcscd = await startPcscd();
  const reader = new VpcdReader(silentLog);
  return openAgentChain({
    description:
      'virtual badges on a real pcscd (vpcd reader) + production PC/SC badge source, real agent, simulated IdP',
    notMeasured: ['CPS card + PIN (CPS cards are not read yet)', 'the reference OIDC IdP (not built yet)'],
    world: createSimWorld(Date.now()),
    source: new TimedBadgeSource(reader),
    tap: (uid) => reader.tap(uid),
    ready: () => reader.ready(),
    tapTimeoutMs: 15_000,
    closeAlso: () => pcscd.stop(),
  });
}

export async function openBestChain(): Promise<BenchChain> {
  return pcscdProblem() === null ? openPcscChain() : openSimulatedChain();
}
