/**
 * An agent that lives with its policy, for whichever process hosts it (the headless CLI today,
 * the service or tray next), so that every host applies a changed policy the same way:
 *
 * - a change applies only on a locked workstation with no suspended session (at once if it
 *   already is): the agent is then recomposed on the new policy, readers and IdP client
 *   included — nobody's open or suspended session has its mode, IdP or timeouts changed
 *   under them;
 * - it is audited `policy-changed` (naming the settings), between the old agent's
 *   `agent-stopped` and the new one's `agent-started`;
 * - a change the loader refuses (strict mode, or a store that cannot be read) keeps the policy
 *   in force, audited `policy-changed` with outcome `failure`.
 */
import type { AuditRecord } from '../core/audit.js';
import type { Policy } from '../core/policy.js';
import type { PolicySource } from '../core/ports/index.js';
import type { Agent } from './agent.js';
import type { RunningAdapters } from './cli.js';
import {
  watchWorkstationPolicy,
  type PolicyMode,
  type PolicyUpdate,
  type SettledPolicy,
} from './workstation-policy.js';

export interface HostedAgent {
  readonly agent: Agent;
  readonly running: RunningAdapters;
  /** The policy as loaded, before the agent fills in the host name. */
  readonly policy: Policy;
}

export interface LivePolicyOptions {
  /** Where the policy comes from; null: no live changes (the defaults, or a test). */
  readonly source: PolicySource | null;
  readonly mode: PolicyMode;
  /** Makes the adapters and composes (does not start) an agent on a settled policy. */
  readonly compose: (load: SettledPolicy) => Promise<HostedAgent>;
  /** What happened to a change, one line and its details (the CLI prints them; a service logs). */
  readonly report: (line: string, details: readonly string[]) => void;
  /** Each `policy-changed` record, once written (the CLI prints it beside the agent's records). */
  readonly onAudit?: (record: AuditRecord) => void;
  /** The agent was replaced (a host that bound the old one rebinds). */
  readonly onReplaced?: (hosted: HostedAgent) => void;
}

export interface LivePolicyHost {
  /** The agent in force. */
  current(): HostedAgent;
  /** Starts the agent in force and watches the policy. */
  start(): Promise<void>;
  /** Stops watching, lets a change under way finish, stops the agent and its adapters. */
  stop(): Promise<void>;
}

/**
 * A record about the policy itself, written to the agent's audit sink: the agent records its
 * own start, stop and fallbacks, the host what it did with a changed policy.
 */
async function auditPolicyChange(
  hosted: HostedAgent,
  outcome: 'info' | 'failure',
  reason: 'policy-changed' | 'policy-change-refused',
  detail: string,
): Promise<AuditRecord> {
  const { adapters } = hosted.running;
  const record: AuditRecord = {
    id: adapters.newId(),
    action: 'policy-changed',
    outcome,
    personId: null,
    displayName: null,
    nationalId: null,
    workstation: hosted.agent.policy().workstationName,
    badgeKind: null,
    method: null,
    reason,
    detail,
    time: new Date(adapters.clock.now()).toISOString(),
  };
  try {
    await adapters.audit.append(record);
  } catch (error) {
    adapters.log.error('audit append failed', { error: String(error), action: record.action });
  }
  return record;
}

/** Composes the agent on `first` and keeps it on the policy in force, as the file header says. */
export async function hostWithLivePolicy(
  first: SettledPolicy,
  options: LivePolicyOptions,
): Promise<LivePolicyHost> {
  let pending: Extract<PolicyUpdate, { kind: 'changed' }> | null = null;
  let applying: Promise<void> = Promise.resolve();
  let stopping = false;
  let stopWatching: () => void = () => undefined;

  const compose = async (load: SettledPolicy): Promise<HostedAgent> => {
    const next = await options.compose(load);
    next.agent.subscribe((event) => {
      if (event.type === 'state' && pending) applyWhenSafe();
    });
    return next;
  };
  let hosted = await compose(first);

  const audit = async (outcome: 'info' | 'failure', detail: string): Promise<void> => {
    const reason = outcome === 'info' ? 'policy-changed' : 'policy-change-refused';
    const record = await auditPolicyChange(hosted, outcome, reason, detail);
    options.onAudit?.(record);
  };

  function applyWhenSafe(): void {
    applying = applying.then(async () => {
      const snapshot = hosted.agent.snapshot();
      if (!pending || stopping || snapshot.phase !== 'locked' || snapshot.suspended.length > 0) return;
      const update = pending;
      pending = null;
      await hosted.agent.stop();
      await hosted.running.close();
      hosted = await compose(update.load);
      await audit('info', update.changed.join(', '));
      options.onReplaced?.(hosted);
      await hosted.agent.start();
    });
  }

  const onUpdate = (update: PolicyUpdate): void => {
    if (update.kind === 'refused') {
      const problems = update.load.problems.map((problem) => problem.message);
      options.report(
        `the changed policy (${update.load.location}) is refused; the policy in force stays:`,
        problems,
      );
      applying = applying.then(() => audit('failure', problems.join('; ')));
      return;
    }
    options.report(
      `policy changed (${update.changed.join(', ')}); it applies once the workstation is locked with no suspended session`,
      [],
    );
    pending = update;
    applyWhenSafe();
  };

  return {
    current: () => hosted,
    async start() {
      await hosted.agent.start();
      if (options.source) {
        stopWatching = watchWorkstationPolicy(options.source, options.mode, () => hosted.policy, onUpdate);
      }
    },
    async stop() {
      stopping = true;
      stopWatching();
      await applying;
      await hosted.agent.stop();
      await hosted.running.close();
    },
  };
}
