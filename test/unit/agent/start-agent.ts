/** Starts the real agent over a simulated workstation, for the agent's unit tests. */
import { composeAgent, type Agent, type AgentEvent } from '../../../app/agent/agent.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import { DEFAULT_POLICY, type Policy } from '../../../app/core/policy.js';
import type { AuditSink } from '../../../app/core/ports/index.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../../harness/sim/world.js';

export async function startAgent(
  policy: Policy = DEFAULT_POLICY,
  tweak: (world: SimWorld) => void = () => undefined,
  options: { audit?: AuditSink; problems?: { field: string; message: string }[] } = {},
): Promise<{ agent: Agent; world: SimWorld; events: AgentEvent[] }> {
  const world = createSimWorld();
  tweak(world);
  const running = await simulatedAdapters(world, null)(policy, { auditFile: null });
  const adapters = options.audit ? { ...running.adapters, audit: options.audit } : running.adapters;
  const agent = composeAgent(adapters, policy, {
    catalogue: loadCatalogue(policy.locale),
    policyProblems: options.problems ?? [],
  });
  const events: AgentEvent[] = [];
  agent.subscribe((event) => events.push(event));
  await agent.start();
  return { agent, world, events };
}

export const texts = (events: AgentEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'feedback' ? [e.text] : []));

export const messages = (events: AgentEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'feedback' ? [e.message] : []));
