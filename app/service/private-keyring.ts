/**
 * The service's OS vault on Linux: a Secret Service that only root can reach. A gnome-keyring
 * of its own, on a private D-Bus bus whose socket sits in the root-only state directory, so
 * the desktop user's session bus never sees it and no other user can even connect. The keyring
 * is unlocked at start with a random key kept in a root-only file beside it (0600): the secrets
 * are encrypted at rest by gnome-keyring, and the key never leaves the state directory. Both
 * daemons are the service's children, stopped with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execRunner } from '../adapters/os-session/linux-logind.js';
import { ensurePrivateDir } from './state-dir.js';

export interface PrivateKeyring {
  /** The private bus: set as DBUS_SESSION_BUS_ADDRESS for the vault adapter. */
  readonly busAddress: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, ready: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await ready()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

/** The unlock key: made once, random, readable by root only. */
function unlockKey(dir: string): string {
  const file = join(dir, 'keyring.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startPrivateKeyring(stateDir: string): Promise<PrivateKeyring> {
  const home = ensurePrivateDir(join(stateDir, 'keyring'));
  const data = join(home, 'data');
  const runtime = join(home, 'run');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const busAddress = `unix:path=${join(home, 'bus')}`;
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_DATA_HOME: data,
    XDG_RUNTIME_DIR: runtime,
  };

  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', `--address=${busAddress}`], {
    env,
    stdio: 'ignore',
  });
  const children: ChildProcess[] = [bus];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await stopChild(child);
  };
  try {
    await waitFor('the private D-Bus bus', async () => existsSync(join(home, 'bus')));
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
      env: { ...env, DBUS_SESSION_BUS_ADDRESS: busAddress },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    children.push(keyring);
    keyring.stdin?.end(unlockKey(home));
    await waitFor("the service's Secret Service", async () => {
      const answer = await execRunner('dbus-send', [
        `--bus=${busAddress}`,
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.freedesktop.secrets',
      ]);
      return answer.code === 0 && answer.stdout.includes('boolean true');
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { busAddress, stop };
}
