/**
 * The reference IdP on its own, for the demo and manual runs:
 *   tsx test/harness/idp/main.ts [--port N] [--ca-file PATH] [--initial-access-token T]
 * Prints the issuer, where the CA certificate to trust was written, the initial access token
 * workstations register with, and the test people; runs until interrupted. Never packaged.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startReferenceIdp } from './reference-idp.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'ca-file': { type: 'string' },
    'initial-access-token': { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a TCP port number, not "${values.port}"`);
  process.exit(2);
}

const startedAt = performance.now();
const idp = await startReferenceIdp({ port, initialAccessToken: values['initial-access-token'] });
const tempDir = values['ca-file'] ? null : await mkdtemp(join(tmpdir(), 'releve-idp-'));
const caFile = values['ca-file'] ?? join(tempDir ?? tmpdir(), 'idp-ca.pem');
await writeFile(caFile, idp.caPem);

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
out(`Reference IdP started in ${Math.round(performance.now() - startedAt)} ms`);
out(`issuer                ${idp.issuer}`);
out(`CA file (trust this)  ${caFile}`);
out(`initial access token  ${idp.initialAccessToken}`);
out(`check it              releve idp check --issuer ${idp.issuer} --ca-file ${caFile}`);
out();
out('Test people (badge + PIN: username badge:<UID>, password <PIN>;');
out('badge enrollment login page: username <login>, directory password <password>):');
for (const person of idp.directory.all()) {
  out(
    `  ${person.displayName.padEnd(16)} ${person.profession.padEnd(16)} national ID ${(person.nationalId ?? '(none)').padEnd(13)}` +
      ` badge ${person.badgeUids.join(', ')}  PIN ${person.pin}  login ${person.personId}` +
      ` password ${person.password ?? '(none)'}`,
  );
}
out();
out('e-CPS requests are approved here automatically after 2 s (standing in for the e-CPS app).');
idp.events.on(
  'ciba-request',
  (request: { authReqId: string; nationalId: string; bindingMessage: string | null }) => {
    out(`e-CPS: ${request.nationalId} asked to approve "${request.bindingMessage ?? ''}"`);
    setTimeout(() => {
      idp.approve(request.authReqId).then(
        () => out(`e-CPS: approved for ${request.nationalId}`),
        (error: unknown) =>
          out(`e-CPS: could not approve: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, 2000);
  },
);

async function shutdown(): Promise<void> {
  await idp.stop();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
