/**
 * The adapters of a real workstation. This is what the shipped `releve` uses; nothing here may
 * import test/ (lint enforces it), so no simulated reader or demo IdP can reach a clinical build.
 */
import { randomUUID } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { JsonLinesAuditSink } from '../adapters/audit/jsonl-sink.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { createWinstonLog } from '../adapters/log/winston-log.js';
import { HeadlessOsSession } from '../adapters/os-session/headless.js';
import { HidBadgeSource } from '../adapters/hid/hid-badge-source.js';
import { loadTrustedCertificates, PcscCardSession } from '../adapters/pcsc/card-session.js';
import { PcscBadgeSource } from '../adapters/pcsc/pcsc-badge-source.js';
import type { DiagnosticLog, IdentityProvider, SecretStore } from '../core/ports/index.js';
import type { AdapterFactory } from './cli.js';

/** Where the local audit trail lives when no --audit file is given. */
export function defaultAuditFile(): string {
  if (process.getuid?.() === 0) return '/var/lib/releve/audit.jsonl';
  const state = process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  return join(state, 'releve', 'audit.jsonl');
}

/** Until an issuer is configured, every sign-in fails safely and says why. */
const unconfiguredIdp: IdentityProvider = {
  signInWithBadge: async () => ({ ok: false, failure: { reason: 'idp-unreachable' } }),
  signInWithCard: async () => ({ ok: false, failure: { reason: 'idp-unreachable' } }),
  refresh: async () => ({ ok: false, reason: 'idp-unreachable' }),
  revoke: async () => undefined,
};

/** Refuses to keep secrets anywhere but a real vault. */
const noVault: SecretStore = {
  get: async () => null,
  set: async () => {
    throw new Error('no OS vault configured');
  },
  delete: async () => false,
};

/** The IGC-Santé roots policy trusts; an unreadable file is logged, and chains then show as not validated. */
function trustedCardCertificates(file: string, log: DiagnosticLog) {
  try {
    return loadTrustedCertificates(file);
  } catch (error) {
    log.error('trusted card roots cannot be read', { file, error: String(error) });
    return [];
  }
}

export const productionAdapters: AdapterFactory = async (policy, options) => {
  const log = createWinstonLog({ level: process.env.RELEVE_LOG_LEVEL ?? 'warn' });
  const audit = new JsonLinesAuditSink(options.auditFile ?? defaultAuditFile());
  return {
    adapters: {
      clock: new SystemClock(),
      // PC/SC readers (contactless UID badges today; CPS cards are recognised, not yet read).
      badgeSources: [
        new PcscBadgeSource({ log, uidByteOrder: policy.readerUidByteOrder }),
        new HidBadgeSource({ log, readers: policy.hidReaders }),
      ],
      cards: new PcscCardSession(trustedCardCertificates(policy.cardTrustedRootsFile, log)),
      idp: unconfiguredIdp,
      osSession: new HeadlessOsSession(log),
      secrets: noVault,
      audit,
      log,
      newId: randomUUID,
      hostname: hostname().split('.')[0] ?? 'releve',
    },
    drive: null,
    close: () => audit.close(),
  };
};

/**
 * The production parts the Electron shell composes itself (policy source, os-lock session,
 * logging): main reaches adapters only through the agent layer, as DESIGN.md's layering says.
 */
export { execRunner, LogindOsSession, logindIdleProbe } from '../adapters/os-session/linux-logind.js';
export { JsonFilePolicySource } from '../adapters/policy/json-file-source.js';
export { WindowsRegistryPolicySource } from '../adapters/policy/windows-registry-source.js';
export { createWinstonLog } from '../adapters/log/winston-log.js';
