/**
 * The adapters of a real workstation. This is what the shipped `releve` uses; nothing here may
 * import test/ (lint enforces it), so no simulated reader or demo IdP can reach a clinical build.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { JsonLinesAuditSink } from '../adapters/audit/jsonl-sink.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { createWinstonLog } from '../adapters/log/winston-log.js';
import { HeadlessOsSession } from '../adapters/os-session/headless.js';
import { HidBadgeSource } from '../adapters/hid/hid-badge-source.js';
import { loadTrustedCertificates, PcscCardSession } from '../adapters/pcsc/card-session.js';
import { PcscBadgeSource } from '../adapters/pcsc/pcsc-badge-source.js';
import { OidcIdentityProvider } from '../adapters/idp/oidc-identity-provider.js';
import { KeyringSecretStore } from '../adapters/vault/keyring-secret-store.js';
import type { Policy } from '../core/policy.js';
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

/** The IGC-Santé roots policy trusts; an unreadable file is logged, and chains then show as not validated. */
function trustedCardCertificates(file: string, log: DiagnosticLog) {
  try {
    return loadTrustedCertificates(file);
  } catch (error) {
    log.error('trusted card roots cannot be read', { file, error: String(error) });
    return [];
  }
}

/** The extra CAs policy trusts for the IdP's TLS; unreadable is logged, and TLS then fails clearly. */
function idpCaPem(file: string, log: DiagnosticLog): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    log.error('the IdP CA file cannot be read; only the system CAs are trusted', {
      file,
      error: String(error),
    });
    return undefined;
  }
}

/**
 * The hospital's IdP as policy configures it. The workstation's client keys live in the same OS
 * vault as the people's tokens; the whole sign-in is bounded by the policy's authentication timeout.
 */
export function identityProviderFor(
  policy: Policy,
  vault: SecretStore,
  log: DiagnosticLog,
): IdentityProvider {
  if (!policy.idpIssuer) {
    log.warn('no IdP issuer in policy (idpIssuer): every sign-in fails safely');
    return unconfiguredIdp;
  }
  return new OidcIdentityProvider({
    issuer: policy.idpIssuer,
    secretStore: vault,
    initialAccessToken: policy.idpInitialAccessToken || null,
    configuredClient: policy.idpClientId
      ? { clientId: policy.idpClientId, authMethod: policy.idpClientAuthMethod }
      : null,
    caPem: idpCaPem(policy.idpCaFile, log),
    timeoutMs: policy.authenticationTimeoutSeconds * 1000,
    badgeUsernameTemplate: policy.badgeUsernameTemplate,
    log,
  });
}

export const productionAdapters: AdapterFactory = async (policy, options) => {
  const log = createWinstonLog({ level: process.env.RELEVE_LOG_LEVEL ?? 'warn' });
  const audit = new JsonLinesAuditSink(options.auditFile ?? defaultAuditFile());
  // The OS vault (Secret Service / Credential Manager): tokens and the workstation's keys, nowhere else.
  const vault = new KeyringSecretStore();
  return {
    adapters: {
      clock: new SystemClock(),
      // PC/SC readers (contactless UID badges today; CPS cards are recognised, not yet read).
      badgeSources: [
        new PcscBadgeSource({ log, uidByteOrder: policy.readerUidByteOrder }),
        new HidBadgeSource({ log, readers: policy.hidReaders }),
      ],
      cards: new PcscCardSession(trustedCardCertificates(policy.cardTrustedRootsFile, log)),
      idp: identityProviderFor(policy, vault, log),
      osSession: new HeadlessOsSession(log),
      secrets: vault,
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
