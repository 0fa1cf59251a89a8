/** Entry point of the shipped `releve` command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWinstonLog } from '../adapters/log/winston-log.js';
import { PcscBadgeSource } from '../adapters/pcsc/pcsc-badge-source.js';
import { consoleIo, runCli, untilSignal, type CliIo } from './cli.js';
import { KeyringSecretStore } from '../adapters/vault/keyring-secret-store.js';
import { cardCommand, trustedRootsFromPolicy } from './commands/card.js';
import { enrollCommand } from './commands/enroll.js';
import { idpCheckCommand } from './commands/idp-check.js';
import { readersCommand } from './commands/readers.js';

import { productionAdapters } from './production.js';
import { resourcesDir } from './resources.js';
import { readPinFromTty } from './tty-pin.js';
import type { Policy } from '../core/policy.js';
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
        policy: () => diagnosticPolicy(io),
        vault: () => new KeyringSecretStore(),
      }),
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
