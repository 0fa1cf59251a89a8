/** Entry point of the shipped `releve` command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonFilePolicySource } from '../adapters/policy/json-file-source.js';
import { WindowsRegistryPolicySource } from '../adapters/policy/windows-registry-source.js';
import { createWinstonLog } from '../adapters/log/winston-log.js';
import { PcscBadgeSource } from '../adapters/pcsc/pcsc-badge-source.js';
import { consoleIo, runCli, untilSignal } from './cli.js';
import { loadTrustedCertificates } from '../adapters/pcsc/card-session.js';
import { cardCommand } from './commands/card.js';
import { readersCommand } from './commands/readers.js';

import { productionAdapters } from './production.js';
import { resourcesDir } from './resources.js';
import { readPinFromTty } from './tty-pin.js';

/** Trusted card roots for `releve card`; unreadable means none (the chain then shows as not validated). */
function loadTrustedCertificatesOr(file: string) {
  try {
    return loadTrustedCertificates(file);
  } catch {
    return [];
  }
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
    card: (args, io) =>
      cardCommand(args, io, {
        trusted: () => loadTrustedCertificatesOr(process.env.RELEVE_CARD_ROOTS ?? ''),
      }),
    readers: (args, io) =>
      readersCommand(args, io, {
        sources: () => [new PcscBadgeSource({ log: createWinstonLog({ level: 'error' }) })],
        untilSignal,
      }),
  },
  policySource:
    process.platform === 'win32'
      ? new WindowsRegistryPolicySource()
      : new JsonFilePolicySource(process.env.RELEVE_POLICY ?? '/etc/releve/policy.json'),
  readPin: process.stdin.isTTY
    ? (prompt) => readPinFromTty(process.stdin, process.stdout, prompt)
    : undefined,
});
process.exitCode = code;
