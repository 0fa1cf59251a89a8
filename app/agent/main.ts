/** Entry point of the shipped `releve` command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonFilePolicySource } from '../adapters/policy/json-file-source.js';
import { WindowsRegistryPolicySource } from '../adapters/policy/windows-registry-source.js';
import { createWinstonLog } from '../adapters/log/winston-log.js';
import { PcscBadgeSource } from '../adapters/pcsc/pcsc-badge-source.js';
import { consoleIo, runCli, untilSignal, type CliIo } from './cli.js';
import { KeyringSecretStore } from '../adapters/vault/keyring-secret-store.js';
import { DEFAULT_POLICY, policyWithFallback, type Policy } from '../core/policy.js';
import type { PolicySource } from '../core/ports/index.js';
import { cardCommand, trustedRootsFromPolicy } from './commands/card.js';
import { enrollCommand } from './commands/enroll.js';
import { idpCheckCommand } from './commands/idp-check.js';
import { idpRegisterCommand, idpSetSecretCommand } from './commands/idp-client.js';
import { readersCommand } from './commands/readers.js';

import { productionAdapters } from './production.js';
import { resourcesDir } from './resources.js';
import { readPinFromTty } from './tty-pin.js';

const policySource: PolicySource =
  process.platform === 'win32'
    ? new WindowsRegistryPolicySource()
    : new JsonFilePolicySource(process.env.RELEVE_POLICY ?? '/etc/releve/policy.json');

/**
 * The workstation's policy for the diagnostic commands: a broken setting falls back to its
 * default, and says so, so that IT can still diagnose a workstation whose policy is wrong.
 */
async function workstationPolicy(io: CliIo): Promise<Policy> {
  const read = await policySource.read();
  if (!read.ok) {
    io.err(`releve: ${read.problem}; using the default policy`);
    return DEFAULT_POLICY;
  }
  const { policy, problems } = policyWithFallback(read.raw);
  for (const problem of problems)
    io.err(`releve: policy ${read.location}: ${problem.message} (default used)`);
  return policy;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(resourcesDir(), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const code = await runCli(process.argv.slice(2), consoleIo, {
  version: version(),
  adapterFactory: productionAdapters,
  untilSignal,
  commands: {
    card: (args, io) => cardCommand(args, io, { trusted: trustedRootsFromPolicy(policySource) }),
    enroll: (args, io) =>
      enrollCommand(args, io, {
        policySource,
        readPin: process.stdin.isTTY
          ? (prompt) => readPinFromTty(process.stdin, process.stdout, prompt)
          : undefined,
        log: createWinstonLog({ level: process.env.RELEVE_LOG_LEVEL ?? 'warn' }),
      }),
    'idp check': (args, io) =>
      idpCheckCommand(args, io, {
        policy: () => workstationPolicy(io),
        vault: () => new KeyringSecretStore(),
      }),
    'idp register': (args, io) => idpRegisterCommand(args, io, { vault: () => new KeyringSecretStore() }),
    'idp set-secret': (args, io) => idpSetSecretCommand(args, io, { vault: () => new KeyringSecretStore() }),
    readers: (args, io) =>
      readersCommand(args, io, {
        sources: () => [new PcscBadgeSource({ log: createWinstonLog({ level: 'error' }) })],
        untilSignal,
      }),
  },
  policySource,
  readPin: process.stdin.isTTY
    ? (prompt) => readPinFromTty(process.stdin, process.stdout, prompt)
    : undefined,
});
process.exitCode = code;
