/**
 * A throwaway OpenLDAP directory (Debian's slapd 2.5) on a loopback port: the hospital's
 * directory in the tests. Built from the kit IT gets (resources/idp/lemonldap-ng/): its slapd
 * fragment (ppolicy overlay, ACLs) and its layout (people, badges, the password policy), with the
 * test people and their badges' PINs as salted hashes. Started by the test, no systemd; stopped
 * by its pid file. Never packaged.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestPerson } from '../people.js';

const run = promisify(execFile);

export const DIRECTORY_SUFFIX = 'dc=hopital,dc=test';
export const KIT_DIR = join(import.meta.dirname, '..', '..', '..', 'resources', 'idp', 'lemonldap-ng');

export interface DirectoryPerson {
  readonly personId: string;
  readonly givenName: string;
  readonly surname: string;
  readonly displayName: string;
  readonly nationalId: string | null;
  readonly profession: string;
  /** The directory password (enrollment logs in with it). */
  readonly password: string;
  readonly badges: readonly { readonly uid: string; readonly pin: string }[];
}

/** A test person as the directory holds them: their badge with its PIN, a password of their own. */
export const asDirectoryPerson = (person: TestPerson): DirectoryPerson => ({
  personId: person.personId,
  givenName: person.givenName,
  surname: person.surname,
  displayName: person.displayName,
  nationalId: person.nationalId,
  profession: person.profession ?? '',
  password: `directory-${person.personId}`,
  badges: [{ uid: person.badgeUid, pin: person.pin }],
});

export interface LdapDirectory {
  readonly url: string;
  readonly port: number;
  readonly suffix: string;
  /** The account LemonLDAP::NG searches with (read-only). */
  readonly readerDn: string;
  readonly readerPassword: string;
  readonly adminDn: string;
  readonly adminPassword: string;
  /** Wrong PINs before the directory locks a badge (ppolicy pwdMaxFailure). */
  readonly maxPinFailures: number;
  readonly lockoutSeconds: number;
  /** Runs ldapsearch as the admin; the LDIF it prints. */
  search(base: string, filter: string, attributes?: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface LdapDirectoryOptions {
  readonly people: readonly DirectoryPerson[];
  readonly maxPinFailures?: number;
  readonly lockoutSeconds?: number;
}

/** `{SSHA}`: SHA-1 over the secret and a random salt, as slapd stores and checks it. */
export function sshaHash(secret: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(secret, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${what} exited with code ${child.exitCode} before it was ready`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Fails with the apt-get line to run when a system package is missing. */
export function requireSystemFiles(files: Readonly<Record<string, string>>): void {
  const missing = Object.entries(files).filter(([path]) => !existsSync(path));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(
      `missing ${missing.map(([path]) => path).join(', ')}: install the system packages with ` +
        `\`apt-get install ${packages}\` (build/dev/setup.sh does)`,
    );
  }
}

const ldifValue = (value: string): string =>
  /^[\x20-\x7e]*$/.test(value) && !/^[ :<]/.test(value)
    ? ` ${value}`
    : `: ${Buffer.from(value, 'utf8').toString('base64')}`;
const attr = (name: string, value: string): string => `${name}:${ldifValue(value)}`;

/** The entries of the test people and their badges, in the kit's layout. */
export function peopleLdif(people: readonly DirectoryPerson[], suffix = DIRECTORY_SUFFIX): string {
  const entries: string[] = [];
  for (const person of people) {
    const personDn = `uid=${person.personId},ou=people,${suffix}`;
    entries.push(
      [
        `dn: ${personDn}`,
        'objectClass: inetOrgPerson',
        attr('uid', person.personId),
        attr('cn', person.displayName),
        attr('displayName', person.displayName),
        attr('givenName', person.givenName),
        attr('sn', person.surname),
        attr('title', person.profession),
        ...(person.nationalId ? [attr('employeeNumber', person.nationalId)] : []),
        attr('userPassword', sshaHash(person.password)),
      ].join('\n'),
    );
    for (const badge of person.badges) {
      entries.push(
        [
          `dn: uid=badge:${badge.uid},ou=badges,${suffix}`,
          'objectClass: inetOrgPerson',
          attr('uid', `badge:${badge.uid}`),
          attr('cn', person.displayName),
          attr('displayName', person.displayName),
          attr('givenName', person.givenName),
          attr('sn', person.surname),
          attr('title', person.profession),
          ...(person.nationalId ? [attr('employeeNumber', person.nationalId)] : []),
          attr('employeeType', person.personId),
          attr('seeAlso', personDn),
          attr('userPassword', sshaHash(badge.pin)),
        ].join('\n'),
      );
    }
  }
  return `${entries.join('\n\n')}\n`;
}

export async function startLdapDirectory(options: LdapDirectoryOptions): Promise<LdapDirectory> {
  requireSystemFiles({
    '/usr/sbin/slapd': 'slapd',
    '/usr/sbin/slapadd': 'slapd',
    '/usr/bin/ldapsearch': 'ldap-utils',
    '/usr/lib/ldap/ppolicy.so': 'slapd',
  });
  const maxPinFailures = options.maxPinFailures ?? 3;
  const lockoutSeconds = options.lockoutSeconds ?? 300;
  const dir = await mkdtemp(join(tmpdir(), 'releve-slapd-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const port = await freePort();
  const adminPassword = randomBytes(12).toString('hex');
  const readerPassword = randomBytes(12).toString('hex');
  const adminDn = `cn=admin,${DIRECTORY_SUFFIX}`;
  const readerDn = `cn=lemonldap,ou=services,${DIRECTORY_SUFFIX}`;
  const fragment = await readFile(join(KIT_DIR, 'slapd-releve.conf'), 'utf8');
  const conf = [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload ppolicy',
    `pidfile ${join(dir, 'slapd.pid')}`,
    'database mdb',
    `suffix "${DIRECTORY_SUFFIX}"`,
    `rootdn "${adminDn}"`,
    `rootpw ${sshaHash(adminPassword)}`,
    `directory ${dataDir}`,
    fragment.replaceAll('@SUFFIX@', DIRECTORY_SUFFIX),
  ].join('\n');
  await writeFile(join(dir, 'slapd.conf'), conf);
  const layout = (await readFile(join(KIT_DIR, 'layout.ldif'), 'utf8'))
    .replaceAll('@SUFFIX@', DIRECTORY_SUFFIX)
    .replaceAll('@MAX_FAILURES@', String(maxPinFailures))
    .replaceAll('@LOCKOUT_SECONDS@', String(lockoutSeconds))
    .replaceAll('@READER_PASSWORD_HASH@', sshaHash(readerPassword));
  await writeFile(join(dir, 'base.ldif'), `${layout.trimEnd()}\n\n${peopleLdif(options.people)}`);
  try {
    await run('/usr/sbin/slapadd', ['-q', '-f', join(dir, 'slapd.conf'), '-l', join(dir, 'base.ldif')]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `slapadd refused the directory: ${String((error as { stderr?: unknown }).stderr ?? error)}`,
      { cause: error },
    );
  }
  await chown(dir, 0, 0).catch(() => undefined);
  const child = spawn(
    '/usr/sbin/slapd',
    ['-f', join(dir, 'slapd.conf'), '-h', `ldap://127.0.0.1:${port}/`, '-d', '0'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  try {
    await waitForPort(port, child, 'slapd', 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}: ${stderr}`, { cause: error });
  }
  const url = `ldap://127.0.0.1:${port}`;
  return {
    url,
    port,
    suffix: DIRECTORY_SUFFIX,
    readerDn,
    readerPassword,
    adminDn,
    adminPassword,
    maxPinFailures,
    lockoutSeconds,
    search: async (base, filter, attributes = []) =>
      (
        await run('/usr/bin/ldapsearch', [
          '-LLL',
          '-x',
          '-H',
          url,
          '-D',
          adminDn,
          '-w',
          adminPassword,
          '-b',
          base,
          filter,
          ...attributes,
        ])
      ).stdout,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
