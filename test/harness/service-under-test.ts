/**
 * `releve service` as it ships (the production adapters, the private keyring, the root-only
 * state directory, the peer check), except for where its policy is read: this development
 * entry point reads the JSON file named on the command line, so a test can say which uids may
 * connect without writing the machine's /etc/releve/policy.json. Never packaged (test/).
 * Usage: tsx test/harness/service-under-test.ts POLICY_FILE --socket PATH --state-dir DIR
 */
import { join } from 'node:path';
import { JsonFilePolicySource } from '../../app/adapters/policy/json-file-source.js';
import { createWinstonLog } from '../../app/adapters/log/winston-log.js';
import { consoleIo, untilSignal } from '../../app/agent/cli.js';
import { productionAdapters } from '../../app/agent/production.js';
import { resourcesDir } from '../../app/agent/resources.js';
import { serviceCommand } from '../../app/service/command.js';

const [policyFile, ...args] = process.argv.slice(2);
if (!policyFile) {
  process.stderr.write('usage: service-under-test.ts POLICY_FILE --socket PATH --state-dir DIR\n');
  process.exit(2);
}
process.exitCode = await serviceCommand(args, consoleIo, {
  version: 'test',
  adapterFactory: productionAdapters,
  policySource: new JsonFilePolicySource(policyFile),
  untilSignal,
  projectRoot: join(resourcesDir(), '..'),
  log: createWinstonLog({ level: 'warn' }),
});
