/**
 * The adapters of a real workstation. This is what the shipped `releve` uses; nothing here may
 * import test/ (lint enforces it), so no simulated reader or demo IdP can reach a clinical build.
 */
import { randomUUID } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { VaultCheckpointKey } from '../adapters/audit/chain-crypto.js';
import { ChainedAuditStore } from '../adapters/audit/chained-store.js';
import { SiemForwarder } from '../adapters/audit/siem-forwarder.js';
import { parseSiemUrl } from '../adapters/audit/syslog-tls.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { createWinstonLog } from '../adapters/log/winston-log.js';
import { HeadlessOsSession } from '../adapters/os-session/headless.js';
import { execRunner, LogindOsSession } from '../adapters/os-session/linux-logind.js';
import { osAccountFor } from '../adapters/os-session/os-account.js';
import { X11EssoDriver } from '../adapters/esso/x11-driver.js';
import { BUNDLED_PROFILES_DIR } from './esso-profiles.js';
import { HidBadgeSource } from '../adapters/hid/hid-badge-source.js';
import { parsePemBundle, PcscCardSession } from '../adapters/pcsc/card-session.js';
import { PcscBadgeSource } from '../adapters/pcsc/pcsc-badge-source.js';
import { OidcIdentityProvider } from '../adapters/idp/oidc-identity-provider.js';
import { KeyringSecretStore } from '../adapters/vault/keyring-secret-store.js';
import type { Policy } from '../core/policy.js';
import type {
  DiagnosticLog,
  IdentityProvider,
  OsSessionController,
  SecretStore,
} from '../core/ports/index.js';
import type { AdapterFactory } from './cli.js';
import { readPolicyFiles, workstationPolicySource } from './workstation-policy.js';

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

/**
 * The hospital's IdP as policy configures it. The workstation's client keys live in the same OS
 * vault as the people's tokens; the whole sign-in is bounded by the policy's authentication timeout.
 */
export function identityProviderFor(
  policy: Policy,
  idpCaPem: string | undefined,
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
    caPem: idpCaPem,
    timeoutMs: policy.authenticationTimeoutSeconds * 1000,
    badgeUsernameTemplate: policy.badgeUsernameTemplate,
    log,
  });
}

/** Why the workstation cannot run in the policy's mode here (os-lock without a lock that works). */
export class UnsupportedModeError extends Error {
  override readonly name = 'UnsupportedModeError';
}

/**
 * The OS side for the policy's mode. shared-kiosk: the overlay is the lock (headless here, the
 * tray draws it). os-lock: personal OS sessions locked and unlocked by their owner only — logind
 * on Linux; on Windows the credential provider (native/) is not built yet, so os-lock is refused
 * at start rather than silently run with no lock at all.
 */
export function osSessionFor(
  policy: Policy,
  platform: NodeJS.Platform,
  log: DiagnosticLog,
): OsSessionController {
  if (policy.mode !== 'os-lock') return new HeadlessOsSession(log);
  if (platform === 'linux') {
    // The service acts on the seat's sessions; idleness is reported by the tray in the session.
    return new LogindOsSession({
      log,
      run: execRunner,
      accountOf: (user) => osAccountFor(policy.osAccountTemplate, user),
    });
  }
  throw new UnsupportedModeError(
    `os-lock mode is not available on ${platform}: its session lock (the Windows credential provider) ` +
      'is not installed; use shared-kiosk or install it',
  );
}

export const productionAdapters: AdapterFactory = async (policy, options) => {
  const log = createWinstonLog({
    level: process.env.RELEVE_LOG_LEVEL ?? policy.logLevel,
    file: policy.logFile || undefined,
  });
  // Before anything is opened: a mode this workstation cannot honour stops the start here.
  const osSession = osSessionFor(policy, process.platform, log);
  // The loader has read the files policy names; a host that did not pass them gets them read
  // the same way here, each problem logged (that setting then counts as empty).
  let files = options.policyFiles;
  if (!files) {
    const read = await readPolicyFiles(policy);
    for (const problem of read.problems)
      log.error('policy file setting ignored', { problem: problem.message });
    files = read.files;
  }
  // The OS vault (Secret Service / Credential Manager): tokens and the workstation's keys, nowhere else.
  const vault = new KeyringSecretStore();
  const workstation = policy.workstationName || (hostname().split('.')[0] ?? 'releve');
  const auditFile = options.auditFile ?? defaultAuditFile();
  const trail = { directory: dirname(auditFile), fileName: basename(auditFile) };
  const siem = siemForwarderFor(policy, trail, files.siemCaFile, log);
  // The hash-chained trail; its checkpoints are signed with a key kept in the same vault.
  const audit = new ChainedAuditStore({
    ...trail,
    workstation,
    checkpointKey: new VaultCheckpointKey(vault),
    log,
    retentionDays: policy.auditRetentionDays,
    ...(siem ? { forwardedUpTo: () => siem.forwardedUpTo(), onDurable: () => siem.notify() } : {}),
  });
  // Whatever the SIEM has not confirmed yet (a previous run's queue included) goes now.
  siem?.notify();
  return {
    adapters: {
      clock: new SystemClock(),
      // PC/SC readers: contactless UID badges, and CPS cards (their identity read by `cards`).
      badgeSources: [
        new PcscBadgeSource({ log, uidByteOrder: policy.readerUidByteOrder }),
        new HidBadgeSource({ log, readers: policy.hidReaders }),
      ],
      cards: new PcscCardSession(parsePemBundle(files.cardTrustedRootsFile ?? '')),
      idp: identityProviderFor(policy, files.idpCaFile, vault, log),
      osSession,
      secrets: vault,
      audit,
      log,
      newId: randomUUID,
      hostname: hostname().split('.')[0] ?? 'releve',
    },
    drive: null,
    close: async () => {
      await audit.close();
      await siem?.stop();
    },
  };
};

/** Where eSSO profiles come from: IT's directory (RELEVE_ESSO_PROFILES or /etc/releve/esso), then the bundled examples. */
export function essoProfileDirs(): string[] {
  return [process.env.RELEVE_ESSO_PROFILES ?? '/etc/releve/esso', BUNDLED_PROFILES_DIR()];
}

/** The desktop's eSSO driver: X11 on Linux (UI Automation on Windows is designed in native/, not built). */
export async function x11EssoDriver(): Promise<X11EssoDriver> {
  if (process.platform === 'win32')
    throw new Error('the Windows eSSO driver (UI Automation) is not built yet: see native/esso-windows');
  return X11EssoDriver.connect({ log: createWinstonLog({ level: process.env.RELEVE_LOG_LEVEL ?? 'warn' }) });
}

/** The SIEM forwarder policy asks for (siemUrl, siemCaFile), or null when the trail stays local. */
function siemForwarderFor(
  policy: Policy,
  trail: { directory: string; fileName: string },
  caPem: string | undefined,
  log: DiagnosticLog,
): SiemForwarder | null {
  if (!policy.siemUrl) return null;
  const target = parseSiemUrl(policy.siemUrl, caPem);
  if (!target) {
    log.error('siemUrl is not tls://HOST:PORT; the audit trail stays local', { siemUrl: policy.siemUrl });
    return null;
  }
  return new SiemForwarder({ ...trail, target, log });
}

/**
 * The production parts the Electron shell composes itself (policy source, os-lock session,
 * logging): main reaches adapters only through the agent layer, as DESIGN.md's layering says.
 * The policy source is the loader's `workstationPolicySource`; the two source classes stay
 * exported only until app/main/entry.ts takes it.
 */
export { workstationPolicySource };
export { JsonFilePolicySource } from '../adapters/policy/json-file-source.js';
export { WindowsRegistryPolicySource } from '../adapters/policy/windows-registry-source.js';
export { createWinstonLog } from '../adapters/log/winston-log.js';
