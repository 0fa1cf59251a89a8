/**
 * A real pcscd for tests and the demo, with Debian's vpcd driver: a virtual reader that waits
 * for our virtual cards on TCP 35963. Needs root (pcscd's socket and the loopback route).
 *   tsx test/harness/pcscd.ts start|stop|status
 * While it runs, quick ACKs are turned on for the loopback route: vpcd writes an APDU's length
 * and its payload in two writes, and without quick ACKs every APDU waits ~44 ms for a delayed
 * ACK (ENVIRONMENT.md). The route is restored on stop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

export const VPCD_PORT = 35963;
const PCSCD = '/usr/sbin/pcscd';
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const ROUTE = [
  'route',
  'change',
  'local',
  '127.0.0.1',
  'dev',
  'lo',
  'proto',
  'kernel',
  'scope',
  'host',
  'src',
  '127.0.0.1',
  'table',
  'local',
];

export class PcscdUnavailable extends Error {}

/** Why pcscd cannot run here, or null when it can. */
export function pcscdProblem(): string | null {
  if (!existsSync(PCSCD)) return 'pcscd is not installed (apt-get install pcscd)';
  if (!existsSync(VPCD_DRIVER)) return 'the vpcd driver is not installed (apt-get install vsmartcard-vpcd)';
  if (process.getuid?.() !== 0) return 'pcscd with the vpcd reader needs root';
  return null;
}

function pcscdRunning(): boolean {
  try {
    // Running states only: a zombie pcscd left by a killed parent serves nothing.
    execFileSync('pgrep', ['-x', '-r', 'R,S,D', 'pcscd'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function setQuickAck(on: boolean): void {
  try {
    execFileSync('ip', [...ROUTE, ...(on ? ['quickack', '1'] : [])], { stdio: 'ignore' });
  } catch {
    // Without quick ACKs everything still works, only each APDU is ~44 ms slower.
  }
}

/** Resolves once vpcd accepts connections (the reader exists), or rejects after `timeoutMs`. */
export async function waitForVpcd(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(VPCD_PORT, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new PcscdUnavailable(`vpcd did not listen on ${VPCD_PORT} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface RunningPcscd {
  /** True when this harness started it (and so may stop or restart it). */
  readonly ours: boolean;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

let child: ChildProcess | null = null;
let cleanupInstalled = false;

async function launch(attempt = 1): Promise<void> {
  const started = spawn(PCSCD, ['--foreground'], {
    stdio: 'ignore',
    detached: false,
  });
  child = started;
  // A pcscd that is still shutting down holds its pid file: the new one exits at once. Retry.
  const exited = new Promise<'exited'>((resolve) => started.once('exit', () => resolve('exited')));
  const listening = waitForVpcd().then(
    () => 'listening' as const,
    () => 'silent' as const,
  );
  const outcome = await Promise.race([listening, exited]);
  if (outcome === 'silent')
    throw new PcscdUnavailable(`pcscd started but vpcd did not listen on ${VPCD_PORT}`);
  if (outcome === 'exited') {
    if (attempt >= 5)
      throw new PcscdUnavailable('pcscd exits as soon as it starts (is another pcscd running?)');
    await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    return launch(attempt + 1);
  }
  started.once('exit', () => {
    if (child === started) child = null;
  });
  // A pcscd we started must not outlive us, even when we are interrupted.
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.once('exit', () => child?.kill('SIGKILL'));
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        child?.kill('SIGKILL');
        process.exit(130);
      });
    }
  }
}

async function kill(): Promise<void> {
  const running = child;
  if (!running) return;
  await new Promise<void>((resolve) => {
    running.once('exit', () => resolve());
    running.kill('SIGTERM');
    setTimeout(() => running.kill('SIGKILL'), 3000).unref();
  });
}

/**
 * Starts pcscd with the vpcd reader, or reuses one that already runs (which it will then
 * neither stop nor restart).
 */
export async function startPcscd(): Promise<RunningPcscd> {
  const problem = pcscdProblem();
  if (problem) throw new PcscdUnavailable(problem);
  setQuickAck(true);
  if (pcscdRunning() && !child) {
    await waitForVpcd();
    return {
      ours: false,
      stop: async () => setQuickAck(false),
      restart: async () => {
        throw new PcscdUnavailable('pcscd was started outside the harness; it will not restart it');
      },
    };
  }
  if (!child) await launch();
  return {
    ours: true,
    stop: async () => {
      await kill();
      setQuickAck(false);
    },
    restart: async () => {
      await kill();
      await launch();
    },
  };
}

if (process.argv[1]?.endsWith('pcscd.ts')) {
  const command = process.argv[2];
  if (command === 'status') {
    console.log(pcscdRunning() ? 'pcscd is running' : 'pcscd is not running');
  } else if (command === 'start') {
    const problem = pcscdProblem();
    if (problem) {
      console.error(`cannot start pcscd: ${problem}`);
      process.exit(1);
    }
    if (!pcscdRunning()) {
      // Detached daemon for manual use; tests use startPcscd() instead.
      spawn(PCSCD, [], { stdio: 'ignore', detached: true }).unref();
    }
    setQuickAck(true);
    await waitForVpcd();
    console.log(`pcscd running; the vpcd reader listens on 127.0.0.1:${VPCD_PORT}`);
  } else if (command === 'stop') {
    try {
      execFileSync('pkill', ['-x', 'pcscd']);
    } catch {
      // not running
    }
    setQuickAck(false);
    console.log('pcscd stopped');
  } else {
    console.error('usage: tsx test/harness/pcscd.ts start|stop|status');
    process.exit(2);
  }
}
