/**
 * Entry point of the shipped `releve` command. Each command loads the adapters it needs when it
 * runs (PC/SC, HID, the OS keyring are native addons): `releve policy check` or `--help` work
 * even where a binding is broken, and a command that needs a broken one says so in one line,
 * with the command that repairs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWinstonLog } from '../adapters/log/winston-log.js';
import type { Policy } from '../core/policy.js';
import { consoleIo, runCli, untilSignal, type CliIo } from './cli.js';
import { bindingFailure } from './native-bindings.js';
import { resourcesDir } from './resources.js';
import { readPinFromTty } from './tty-pin.js';
import { loadWorkstationPolicy, workstationPolicySource } from './workstation-policy.js';

const policySource = workstationPolicySource();

/**
 * The workstation's policy for the diagnostic commands, as the agent settles it: a broken
 * setting takes its default and is said on stderr, so that IT can still diagnose a workstation
 * whose policy is wrong.
 */
async function diagnosticPolicy(io: CliIo): Promise<Policy> {
  const load = await loadWorkstationPolicy(policySource, 'fallback');
  for (const problem of load.problems)
    io.err(`releve: policy ${load.location}: ${problem.message} (default used)`);
  return load.policy;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(resourcesDir(), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const readPin = process.stdin.isTTY
  ? (prompt: string) => readPinFromTty(process.stdin, process.stdout, prompt)
  : undefined;

let bindingReported = false;
function reportBinding(error: unknown): boolean {
  const failure = bindingFailure(error);
  if (!failure) return false;
  if (!bindingReported) consoleIo.err(failure);
  bindingReported = true;
  process.exitCode = 1;
  return true;
}
// Under tsx (a source checkout) a failed native import also rejects a second, unawaited promise.
process.on('unhandledRejection', (reason) => {
  if (!reportBinding(reason)) throw reason;
});

try {
  process.exitCode = await runCli(process.argv.slice(2), consoleIo, {
    version: version(),
    adapterFactory: async (policy, options) =>
      (await import('./production.js')).productionAdapters(policy, options),
    untilSignal,
    commands: {
      audit: async (args, io) => {
        const { auditCommand } = await import('./commands/audit.js');
        const { defaultAuditFile } = await import('./production.js');
        return auditCommand(args, io, { defaultTrail: defaultAuditFile });
      },
      card: async (args, io) => {
        const { cardCommand, trustedRootsFromPolicy } = await import('./commands/card.js');
        return cardCommand(args, io, { trusted: trustedRootsFromPolicy(policySource) });
      },
      enroll: async (args, io) =>
        (await import('./commands/enroll.js')).enrollCommand(args, io, {
          policySource,
          readPin,
          log: createWinstonLog({ level: process.env.RELEVE_LOG_LEVEL ?? 'warn' }),
        }),
      esso: async (args, io) => {
        const { essoCommand } = await import('./commands/esso.js');
        const { essoProfileDirs, x11EssoDriver } = await import('./production.js');
        return essoCommand(args, io, { driver: x11EssoDriver, profileDirs: essoProfileDirs, untilSignal });
      },
      'idp check': async (args, io) => {
        const { KeyringSecretStore } = await import('../adapters/vault/keyring-secret-store.js');
        return (await import('./commands/idp-check.js')).idpCheckCommand(args, io, {
          policy: () => diagnosticPolicy(io),
          vault: () => new KeyringSecretStore(),
        });
      },
      // The privileged service (root) reads policy from the machine's store only: never from
      // RELEVE_POLICY, not even in a source checkout.
      service: async (args, io) =>
        (await import('../service/command.js')).serviceCommand(args, io, {
          version: version(),
          adapterFactory: async (policy, options) =>
            (await import('./production.js')).productionAdapters(policy, options),
          policySource: workstationPolicySource({ development: false }),
          untilSignal,
          projectRoot: join(resourcesDir(), '..'),
          log: createWinstonLog({ level: process.env.RELEVE_LOG_LEVEL ?? 'warn' }),
        }),
      'idp register': async (args, io) => {
        const { idpRegisterCommand } = await import('./commands/idp-client.js');
        const { KeyringSecretStore } = await import('../adapters/vault/keyring-secret-store.js');
        return idpRegisterCommand(args, io, { vault: () => new KeyringSecretStore() });
      },
      'idp set-secret': async (args, io) => {
        const { idpSetSecretCommand } = await import('./commands/idp-client.js');
        const { KeyringSecretStore } = await import('../adapters/vault/keyring-secret-store.js');
        return idpSetSecretCommand(args, io, { vault: () => new KeyringSecretStore() });
      },
      readers: async (args, io) => {
        const { PcscBadgeSource } = await import('../adapters/pcsc/pcsc-badge-source.js');
        return (await import('./commands/readers.js')).readersCommand(args, io, {
          sources: () => [new PcscBadgeSource({ log: createWinstonLog({ level: 'error' }) })],
          untilSignal,
        });
      },
    },
    policySource,
    readPin,
  });
} catch (error) {
  if (!reportBinding(error)) throw error;
}
