/**
 * `releve idp register` and `releve idp set-secret`: what IT runs when it registers the
 * workstations' client in the IdP's console. The private key and the secret stay in the vault;
 * only the public key is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idpRegisterCommand, idpSetSecretCommand } from '../../../../app/agent/commands/idp-client.js';
import { MemorySecretStore } from '../../../harness/sim/memory-stores.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'releve-idp-client-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(
  command: typeof idpRegisterCommand,
  args: string[],
  vault: MemorySecretStore,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command(
    args,
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    { vault: () => vault },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('releve idp register', () => {
  it('prints the public key only, and the same key when run again', async () => {
    const vault = new MemorySecretStore();
    const first = await run(idpRegisterCommand, ['--client-id', 'releve-ward', '--json'], vault);
    expect(first.code).toBe(0);
    const printed = JSON.parse(first.out) as {
      created: boolean;
      jwks: { keys: Record<string, unknown>[] };
      pem: string;
    };
    expect(printed.created).toBe(true);
    expect(printed.jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(printed.jwks.keys[0]).not.toHaveProperty('d');
    const stored = JSON.parse((await vault.get('idp-client-key:releve-ward')) ?? '{}') as {
      key: { d: string };
    };
    expect(first.out).not.toContain(stored.key.d);
    const again = await run(idpRegisterCommand, ['--client-id', 'releve-ward'], vault);
    expect(again.out).toContain('already holds a key for client releve-ward; it is kept');
    expect(again.out).toContain(printed.pem.trimEnd());
  });

  it('refuses without a client ID (exit 2)', async () => {
    const result = await run(idpRegisterCommand, [], new MemorySecretStore());
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--client-id ID is required/);
  });
});

describe('releve idp set-secret', () => {
  it('puts the secret from the file into the vault and never prints it', async () => {
    const vault = new MemorySecretStore();
    const file = join(dir, 'secret');
    await writeFile(file, 'S3cret-from-the-console-0123456789\n');
    const result = await run(
      idpSetSecretCommand,
      ['--client-id', 'releve-ward', '--secret-file', file],
      vault,
    );
    expect(result.code).toBe(0);
    expect(await vault.get('idp-client-secret:releve-ward')).toBe('S3cret-from-the-console-0123456789');
    expect(result.out + result.err).not.toContain('S3cret');
    expect(result.out).toContain(`Delete ${file}`);
  });

  it('refuses a file that does not hold one secret, without echoing it', async () => {
    const vault = new MemorySecretStore();
    const file = join(dir, 'two-lines');
    await writeFile(file, 'first secret line\nsecond\n');
    const result = await run(
      idpSetSecretCommand,
      ['--client-id', 'releve-ward', '--secret-file', file],
      vault,
    );
    expect(result.code).toBe(1);
    expect(result.err).not.toContain('first secret');
    expect(await vault.get('idp-client-secret:releve-ward')).toBeNull();
  });

  it('takes the secret only from a file, never from the command line', async () => {
    const result = await run(
      idpSetSecretCommand,
      ['--client-id', 'x', '--secret', 'abc'],
      new MemorySecretStore(),
    );
    expect(result.code).toBe(2);
  });
});
