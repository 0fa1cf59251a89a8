/**
 * The privileged service as the desktop user meets it: the real service process (production
 * adapters, its own keyring on a private bus, a root-only state directory, the SO_PEERCRED peer
 * check), and throwaway Unix users made for this test, each command run as them with setpriv.
 * The allowed user can use the screens' requests and nothing else; no user can read a token,
 * touch the audit trail, reach the service's vault or change its policy. Needs root (useradd,
 * setpriv): this suite says so and fails when it is not.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  statSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const NODE = realpathSync('node_modules/.bin/node');
const TSX = realpathSync('node_modules/.bin/tsx');
const CLIENT = realpathSync('test/harness/service-client.mjs');
const IAT = 'iat-SECRET-4f9c2';
const TOKEN = 'access-token-of-claire-7d1e';

interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function makeUser(name: string): TestUser {
  spawnSync('userdel', [name]);
  const made = spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  if (made.status !== 0) throw new Error(`useradd ${name}: ${made.stderr.toString()}`);
  const id = (flag: string) => Number(spawnSync('id', [flag, name]).stdout.toString().trim());
  return { name, uid: id('-u'), gid: id('-g') };
}

/** Runs a command as the user: their uid and gid, no supplementary groups, a plain environment. */
function asUser(user: TestUser, command: string, args: readonly string[]) {
  const run = spawnSync(
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', command, ...args],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' }, timeout: 20_000 },
  );
  return { status: run.status, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

/** Frames sent by a client running as the user; the lines the service sent back. */
function clientAs(user: TestUser, socket: string, frames: readonly object[]) {
  const run = asUser(user, NODE, [CLIENT, socket, ...frames.map((frame) => JSON.stringify(frame))]);
  return run.stdout.split('\n').filter(Boolean);
}

const responses = (lines: readonly string[]) =>
  lines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { t: string; result?: unknown });

function startService(args: readonly string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(TSX, [...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`service did not start: ${out} ${err}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}): ${out} ${err}`));
    });
  });
}

function stopService(child: ChildProcess | undefined): Promise<number | null> {
  if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

const root = mkdtempSync('/tmp/releve-service-');
chmodSync(root, 0o755);
const policyFile = join(root, 'etc', 'policy.json');
const socket = join(root, 'run', 'service.sock');
const state = join(root, 'state');
let desktop: TestUser;
let stranger: TestUser;
let service: ChildProcess | undefined;

/**
 * The throwaway users run node, the client and the CLI from this checkout, so they must be able
 * to traverse every folder above it; a checkout under a 0700 folder (`mktemp -d`) is not. The
 * search bit alone is granted for the suite (never read), and taken back after.
 */
const searchBitsGranted: string[] = [];
function letOthersTraverseCheckout(): void {
  for (let folder = process.cwd(); ; folder = dirname(folder)) {
    const mode = statSync(folder).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(folder, mode | 0o001);
      searchBitsGranted.push(folder);
    }
    if (dirname(folder) === folder) break;
  }
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this suite needs root (useradd, setpriv): run it as root');
  letOthersTraverseCheckout();
  const suffix = String(process.pid % 100000);
  desktop = makeUser(`rlvdesk${suffix}`);
  stranger = makeUser(`rlvother${suffix}`);
  mkdirSync(join(root, 'etc'), { mode: 0o755 });
  writeFileSync(
    policyFile,
    JSON.stringify({ serviceClientUids: [String(desktop.uid)], idpInitialAccessToken: IAT }),
    { mode: 0o644 },
  );
  service = await startService([
    'test/harness/service-under-test.ts',
    policyFile,
    '--socket',
    socket,
    '--state-dir',
    state,
  ]);
}, 40_000);

afterAll(async () => {
  expect(await stopService(service)).toBe(0);
  for (const user of [desktop, stranger]) if (user) spawnSync('userdel', [user.name]);
  rmSync(root, { recursive: true, force: true });
  for (const folder of searchBitsGranted) chmodSync(folder, statSync(folder).mode & 0o7776);
});

describe('the service socket, as the desktop user', () => {
  it("answers the allowed desktop user's screen requests", () => {
    const lines = clientAs(desktop, socket, [
      { t: 'hello', role: 'tray' },
      { t: 'request', id: 1, name: 'getSnapshot', payload: {} },
    ]);
    expect(responses(lines)).toEqual([
      { t: 'response', id: 1, result: { ok: true, value: expect.objectContaining({ phase: 'locked' }) } },
    ]);
  });

  it('refuses a user who is not on the allow-list before reading a byte', () => {
    const lines = clientAs(stranger, socket, [
      { t: 'hello', role: 'tray' },
      { t: 'request', id: 1, name: 'getSnapshot', payload: {} },
    ]);
    expect(responses(lines)).toEqual([]);
    expect(lines.at(-1)).toBe('closed');
  });

  it('has no request for tokens or policy: asking for one ends the connection', () => {
    for (const name of ['getTokens', 'setPolicy', 'readAudit']) {
      const lines = clientAs(desktop, socket, [
        { t: 'hello', role: 'tray' },
        { t: 'request', id: 1, name, payload: { idpIssuer: 'https://evil.example' } },
      ]);
      expect({ name, answered: responses(lines) }).toEqual({ name, answered: [] });
    }
  });

  it('shows the policy in diagnostics with its secret masked', () => {
    const lines = clientAs(desktop, socket, [
      { t: 'hello', role: 'tray' },
      { t: 'request', id: 7, name: 'getDiagnostics', payload: {} },
    ]);
    expect(responses(lines)).toEqual([
      {
        t: 'response',
        id: 7,
        result: { ok: true, value: expect.objectContaining({ mode: 'shared-kiosk' }) },
      },
    ]);
    expect(lines.join('\n')).toContain('"idpInitialAccessToken":"(set)"');
    expect(lines.join('\n')).not.toContain(IAT);
  });

  it('lets the eSSO role learn who is in front, and nothing else', () => {
    const lines = clientAs(desktop, socket, [
      { t: 'hello', role: 'esso' },
      { t: 'request', id: 1, name: 'submitPin', payload: { attemptId: 1, pin: '1234' } },
      { t: 'request', id: 2, name: 'lockNow', payload: {} },
    ]);
    expect(responses(lines)).toEqual([
      { t: 'response', id: 1, result: { ok: false, code: 'forbidden' } },
      { t: 'response', id: 2, result: { ok: false, code: 'forbidden' } },
    ]);
  });
});

describe('what the desktop user cannot touch', () => {
  beforeAll(() => {
    // A person's tokens, as the agent keeps them: in the service's own vault, on its private bus.
    const seeded = spawnSync(
      NODE,
      [
        '-e',
        `const { AsyncEntry } = require('@napi-rs/keyring');
         new AsyncEntry('Releve', 'tokens:claire.martin').setPassword(${JSON.stringify(TOKEN)})
           .then(() => new AsyncEntry('Releve', 'tokens:claire.martin').getPassword())
           .then((back) => process.stdout.write(back ?? ''));`,
      ],
      { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(state, 'keyring', 'bus')}` } },
    );
    expect(seeded.stdout.toString()).toBe(TOKEN);
  });

  it('keeps the state directory root-only, with the trail in it', () => {
    expect(readFileSync(join(state, 'audit', 'audit.jsonl'), 'utf8')).toContain('"agent-started"');
    const listed = asUser(desktop, 'ls', [state]);
    expect(listed.status).not.toBe(0);
    expect(listed.stderr).toContain('Permission denied');
  });

  it('cannot read, append to or remove the audit trail', () => {
    const trail = join(state, 'audit', 'audit.jsonl');
    const before = readFileSync(trail, 'utf8');
    for (const script of [`cat ${trail}`, `echo forged >> ${trail}`, `rm -f ${trail}`, `: > ${trail}`]) {
      const run = asUser(desktop, 'sh', ['-c', script]);
      expect({ script, status: run.status === 0 ? 'succeeded' : 'refused' }).toEqual({
        script,
        status: 'refused',
      });
      expect(run.stderr).toMatch(/Permission denied/);
    }
    expect(readFileSync(trail, 'utf8').startsWith(before)).toBe(true);
  });

  it("cannot reach the service's vault or read another person's tokens", () => {
    const bus = asUser(desktop, 'dbus-send', [
      `--bus=unix:path=${join(state, 'keyring', 'bus')}`,
      '--print-reply',
      '--dest=org.freedesktop.secrets',
      '/org/freedesktop/secrets',
      'org.freedesktop.DBus.Peer.Ping',
    ]);
    expect(bus.status).not.toBe(0);
    const grep = asUser(desktop, 'grep', ['-r', TOKEN, state]);
    expect(grep.status).not.toBe(0);
    expect(grep.stdout).not.toContain(TOKEN);
    expect(grep.stderr).toContain('Permission denied');
  });

  it('cannot point the workstation at another IdP through the policy store', () => {
    const run = asUser(desktop, 'sh', ['-c', `echo '{"idpIssuer":"https://evil.example"}' > ${policyFile}`]);
    expect(run.status).not.toBe(0);
    expect(readFileSync(policyFile, 'utf8')).not.toContain('evil');
  });
});

describe('the shipped `releve service`', () => {
  it('reads policy from the machine store only: RELEVE_POLICY is ignored', async () => {
    const evil = join(root, 'evil-policy.json');
    writeFileSync(evil, JSON.stringify({ idpIssuer: 'https://evil.example', locale: 'en' }));
    const other = join(root, 'run2', 'service.sock');
    const shipped = await startService(
      ['app/agent/main.ts', 'service', '--socket', other, '--state-dir', join(root, 'state2')],
      { RELEVE_POLICY: evil },
    );
    try {
      const run = spawnSync(NODE, [
        CLIENT,
        other,
        JSON.stringify({ t: 'hello', role: 'tray' }),
        JSON.stringify({ t: 'request', id: 1, name: 'getDiagnostics', payload: {} }),
      ]);
      const [answer] = responses(run.stdout.toString().split('\n').filter(Boolean));
      expect(answer).toMatchObject({ t: 'response', id: 1, result: { ok: true } });
      expect(JSON.stringify(answer)).not.toContain('evil.example');
    } finally {
      expect(await stopService(shipped)).toBe(0);
    }
  }, 40_000);

  it('refuses to run as the desktop user', () => {
    const run = asUser(desktop, TSX, ['app/agent/main.ts', 'service', '--socket', join(root, 'x.sock')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('runs as root');
  });
});
