/**
 * `releve service`: the privileged Relève service (root). It owns what carries trust — the
 * readers, the session machine, the IdP client and its keys, each person's tokens, policy and
 * the audit trail — and serves the screens and the eSSO driver over its socket.
 * - policy: from the machine's store only (/etc/releve/policy.json, root-owned; the registry's
 *   HKLM on Windows); RELEVE_POLICY and other environment overrides are not read here;
 * - state: a root-only directory (/var/lib/releve, 0700): audit/ and keyring/;
 * - vault: a gnome-keyring of its own on a private bus inside that directory (private-keyring.ts);
 * - clients: peer-checked (SO_PEERCRED) against policy's serviceClientUids.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { composeAgent } from '../agent/agent.js';
import type { AdapterFactory, CliIo } from '../agent/cli.js';
import { loadCatalogue } from '../agent/resources.js';
import { loadWorkstationPolicy } from '../agent/workstation-policy.js';
import type { DiagnosticLog, PolicySource } from '../core/ports/index.js';
import { SERVICE_SOCKET_PATH } from '../ipc/wire.js';
import { peerCheckAvailable, peerOf } from './peer-credentials.js';
import { startPrivateKeyring, type PrivateKeyring } from './private-keyring.js';
import { startService } from './service.js';
import { DEFAULT_STATE_DIR, ensurePrivateDir } from './state-dir.js';

export interface ServiceCommandDeps {
  readonly version: string;
  readonly adapterFactory: AdapterFactory;
  /** The machine's policy store (workstationPolicySource({ development: false })): never a path from the environment. */
  readonly policySource: PolicySource;
  readonly untilSignal: () => Promise<void>;
  /** Where native/ sits (the peer-credential addon). */
  readonly projectRoot: string;
  readonly log: DiagnosticLog;
  /** Whether this process is root; injectable for tests. */
  readonly isRoot?: () => boolean;
  /** Starts the private vault; injectable (a test may give the service an existing bus). */
  readonly startVault?: (stateDir: string) => Promise<PrivateKeyring>;
  /** Told once the service listens (tests wait on it). */
  readonly onListening?: (where: { socketPath: string; stateDir: string }) => void;
}

export async function serviceCommand(
  args: readonly string[],
  io: CliIo,
  deps: ServiceCommandDeps,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: { socket: { type: 'string' }, 'state-dir': { type: 'string' } },
  });
  if (positionals.length > 0) {
    io.err(`releve service: unexpected argument: ${positionals[0]}`);
    return 2;
  }
  const isRoot = deps.isRoot ?? (() => process.getuid?.() === 0);
  if (process.platform !== 'linux') {
    io.err('releve service: on Windows the service is the native one (native/service); see README');
    return 1;
  }
  if (!isRoot()) {
    io.err('releve service: runs as root (it owns the readers, the tokens and the audit trail)');
    return 1;
  }
  if (!peerCheckAvailable(deps.projectRoot)) {
    io.err(
      'releve service: the peer-credential addon (native/peercred) is not built: no client could be ' +
        'checked, so the service does not start (run build/dev/setup.sh)',
    );
    return 1;
  }
  const socketPath = values.socket ?? SERVICE_SOCKET_PATH.linux;
  let stateDir: string;
  try {
    stateDir = ensurePrivateDir(values['state-dir'] ?? DEFAULT_STATE_DIR);
    ensurePrivateDir(join(stateDir, 'audit'));
  } catch (error) {
    io.err(`releve service: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  // Through the one policy loader: an invalid setting takes its safe default, printed and audited.
  const load = await loadWorkstationPolicy(deps.policySource, 'fallback');
  for (const problem of load.problems) {
    io.err(`releve service: policy ${load.location}: ${problem.message} (default used)`);
  }
  const { policy, problems } = load;

  let vault: PrivateKeyring;
  try {
    vault = await (deps.startVault ?? startPrivateKeyring)(stateDir);
  } catch (error) {
    io.err(`releve service: the service's vault did not start: ${String(error)}`);
    return 1;
  }
  // The vault adapter reaches the Secret Service on "the session bus": the service's own.
  process.env.DBUS_SESSION_BUS_ADDRESS = vault.busAddress;
  try {
    let running;
    try {
      running = await deps.adapterFactory(policy, {
        auditFile: join(stateDir, 'audit', 'audit.jsonl'),
        policyFiles: load.files,
      });
    } catch (error) {
      io.err(`releve service: refusing to start: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    const agent = composeAgent(running.adapters, policy, {
      catalogue: loadCatalogue(policy.locale),
      policyProblems: problems,
    });
    const service = await startService({
      agent,
      version: deps.version,
      socketPath,
      peerOf: (socket) => peerOf(socket, deps.projectRoot),
      log: deps.log,
    });
    try {
      await agent.start();
      io.out(`releve service: listening on ${socketPath}; state in ${stateDir}; mode ${policy.mode}`);
      deps.onListening?.({ socketPath, stateDir });
      await deps.untilSignal();
      await agent.idle();
    } finally {
      await service.stop();
      await agent.stop();
      await running.close();
    }
    return 0;
  } finally {
    await vault.stop();
  }
}
