/**
 * A simulated workstation: scripted reader, in-memory IdP, recording OS session, fake clock.
 * Composed with the real agent through the same AdapterFactory the shipped CLI uses.
 */
import { randomUUID } from 'node:crypto';
import { JsonLinesAuditSink } from '../../../app/adapters/audit/jsonl-sink.js';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import type { Agent } from '../../../app/agent/agent.js';
import type { AdapterFactory } from '../../../app/agent/cli.js';
import type { AuditSink, BadgeSource, CardSession, PinVerifier } from '../../../app/core/ports/index.js';
import { FakeClock } from './fake-clock.js';
import { MemoryAuditSink, MemorySecretStore } from './memory-stores.js';
import { RecordingOsSession } from './recording-os-session.js';
import { SimulatedBadgeSource } from './simulated-badge-source.js';
import { SimulatedIdp } from './simulated-idp.js';

export interface SimWorld {
  readonly clock: FakeClock;
  /** A CPS card stack (null: the workstation has no PC/SC card support). */
  card: (CardSession & PinVerifier) | null;
  readonly reader: SimulatedBadgeSource;
  readonly idp: SimulatedIdp;
  readonly os: RecordingOsSession;
  readonly secrets: MemorySecretStore;
  readonly memoryAudit: MemoryAuditSink;
  /** Where taps come from: the scripted reader, or the real PC/SC chain (VpcdReader). */
  badgeSource: BadgeSource;
  /** A tap of the badge with this UID, through whichever reader the world uses. */
  tap(uid: string): Promise<void>;
}

export function createSimWorld(start = Date.UTC(2026, 10, 23, 6, 10, 0)): SimWorld {
  const reader = new SimulatedBadgeSource('Lecteur simulé 00');
  const clock = new FakeClock(start, 60);
  return {
    clock,
    card: null,
    reader,
    idp: new SimulatedIdp(undefined, undefined, () => clock.now()),
    os: new RecordingOsSession(),
    secrets: new MemorySecretStore(),
    memoryAudit: new MemoryAuditSink(),
    badgeSource: reader,
    async tap(uid) {
      reader.tap(uid);
    },
  };
}

/** An AdapterFactory over a simulated world; `drive` plays a script once the agent runs. */
export function simulatedAdapters(
  world: SimWorld,
  drive: ((agent: Agent) => Promise<void>) | null,
): AdapterFactory {
  return async (_policy, options) => {
    const file = options.auditFile ? new JsonLinesAuditSink(options.auditFile) : null;
    const audit: AuditSink = {
      async append(record) {
        await world.memoryAudit.append(record);
        await file?.append(record);
      },
    };
    return {
      adapters: {
        clock: world.clock,
        badgeSources: [world.badgeSource],
        cards: world.card,
        idp: world.idp,
        osSession: world.os,
        secrets: world.secrets,
        audit,
        log: silentLog,
        newId: randomUUID,
        hostname: 'POSTE-SIM-01',
      },
      drive,
      close: async () => {
        await file?.close();
      },
    };
  };
}
