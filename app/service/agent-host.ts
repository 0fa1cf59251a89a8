/**
 * The agent seen through the IPC contract: the request handlers the service answers its
 * clients with over its socket, and the events it forwards to them. No Electron here, so the
 * same code serves the service and the test bridge that drives the screens in a real browser.
 */
import type { Agent, AgentEvent, AgentSnapshot } from '../agent/agent.js';
import { isSecretSetting } from '../agent/workstation-policy.js';
import type { Policy } from '../core/policy.js';
import type { Diagnostics, EventName, EventOf, RequestHandlers, Result, Snapshot } from '../ipc/contract.js';

export interface HostInfo {
  readonly version: string;
}

/** What the shell does beyond the agent when the screens ask (nothing, in the test bridge). */
export interface HostHooks {
  /** A screen opened over a session was closed: the windows follow the phase again. */
  readonly screenClosed?: () => void;
}

export function toSnapshot(snapshot: AgentSnapshot): Snapshot {
  return {
    phase: snapshot.phase,
    user: snapshot.user,
    prompt: snapshot.prompt,
    undoRemainingMs:
      snapshot.undoUntil === null ? null : Math.max(0, Math.round(snapshot.undoUntil - snapshot.at)),
    ecps:
      snapshot.ecps === null
        ? null
        : {
            attemptId: snapshot.ecps.attemptId,
            bindingMessage: snapshot.ecps.bindingMessage,
            remainingMs: Math.max(0, Math.round(snapshot.ecps.expiresAt - snapshot.at)),
          },
    suspended: [...snapshot.suspended],
    readers: snapshot.readers.map((reader) => ({ ...reader })),
    health: { readers: snapshot.health.readers, idp: snapshot.health.idp },
  };
}

export function diagnosticsOf(
  policy: Policy,
  snapshot: AgentSnapshot,
  info: HostInfo,
  ecpsOffered = false,
): Diagnostics {
  const shown: Diagnostics['policy'] = {};
  for (const [key, value] of Object.entries(policy) as [string, Diagnostics['policy'][string]][]) {
    // Secrets (marked in the policy table): whether they are set, never their value.
    shown[key] = isSecretSetting(key) ? (value === '' ? '' : '(set)') : value;
  }
  return {
    version: info.version,
    workstationName: policy.workstationName,
    mode: policy.mode,
    locale: policy.locale,
    pinMinLength: policy.pinMinLength,
    pinMaxLength: policy.pinMaxLength,
    ecpsOffered,
    readers: snapshot.readers.map((reader) => ({ ...reader })),
    policy: shown,
  };
}

/** What of an agent event the screens may see, as a contract event; null: nothing. */
export function toUiEvent(
  event: AgentEvent,
): { [N in EventName]: { name: N; payload: EventOf<N> } }[EventName] | null {
  switch (event.type) {
    case 'state':
      return { name: 'state', payload: toSnapshot(event.snapshot) };
    case 'feedback':
      return { name: 'feedback', payload: { message: event.message, text: event.text } };
    case 'source':
      return { name: 'reader', payload: { available: event.available } };
    case 'audit':
    case 'rejected':
      // Audit records name people and reasons for the security officer, not for the screen.
      return null;
  }
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** The request handlers, given payloads the contract has already validated. */
export function createRequestHandlers(agent: Agent, info: HostInfo, hooks: HostHooks = {}): RequestHandlers {
  return {
    getSnapshot: async () => ok(toSnapshot(agent.snapshot())),
    async submitPin({ attemptId, pin }) {
      // The one conversion of the PIN: the string from IPC becomes bytes the agent owns and
      // zeroes. The string cannot be wiped (JS strings are immutable); it is dropped here.
      const bytes = new Uint8Array(pin.length);
      for (let i = 0; i < pin.length; i += 1) bytes[i] = pin.charCodeAt(i);
      const submitted = await agent.submitPin(attemptId, bytes);
      if (submitted.accepted) return ok({ accepted: true as const });
      switch (submitted.problem) {
        case 'no-prompt':
          return { ok: false, code: 'no-prompt' };
        case 'too-short':
          return { ok: false, code: 'pin-too-short' };
        case 'too-long':
          return { ok: false, code: 'pin-too-long' };
        case 'not-digits':
          return { ok: false, code: 'pin-not-digits' };
      }
    },
    async cancelPin({ attemptId }) {
      await agent.cancelPin(attemptId);
      return ok({});
    },
    async undo() {
      await agent.undo();
      return ok({});
    },
    async lockNow() {
      await agent.manualLock();
      return ok({});
    },
    async chooseEcps({ nationalId }) {
      const submitted = await agent.requestEcps(nationalId);
      if (submitted.accepted) {
        return ok({ attemptId: submitted.attemptId, bindingMessage: submitted.bindingMessage });
      }
      switch (submitted.problem) {
        case 'not-available':
          return { ok: false, code: 'ecps-not-available' };
        case 'busy':
          return { ok: false, code: 'ecps-busy' };
        case 'rate-limited':
          return { ok: false, code: 'ecps-rate-limited' };
        case 'invalid-national-id':
          return { ok: false, code: 'national-id-invalid' };
      }
    },
    async cancelEcps({ attemptId }) {
      await agent.cancelEcps(attemptId);
      return ok({});
    },
    async screenClosed() {
      hooks.screenClosed?.();
      return ok({});
    },
    getDiagnostics: async () =>
      ok(diagnosticsOf(agent.policy(), agent.snapshot(), info, agent.ecpsOffered())),
  };
}
