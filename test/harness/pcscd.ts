/**
 * A real pcscd for tests, the soak and the demo, with Debian's vpcd driver: virtual readers that
 * wait for our virtual cards on TCP (two slots per vpcd reader: ports 35963 and 35964 for the
 * first, 35965 and 35966 for the second, …). Needs root (pcscd's socket and the loopback route).
 *   tsx test/harness/pcscd.ts start [--readers N] | stop | status
 *
 * It runs pcscd as Debian does, but in the foreground as our child, with a reader.conf.d of its
 * own (the same entry as /etc/reader.conf.d/vpcd, repeated on further ports when more readers
 * are asked for). A reader is unplugged by taking its entry out of that directory; pcscd reads
 * serial readers only when it starts (SIGUSR1, `pcscd --hotplug`, rescans USB readers only), so
 * unplugging or plugging one back restarts pcscd: the other readers blink with it.
 *
 * A pcscd that already runs is reused, never stopped or restarted, unless the caller says the
 * test needs a restart (`takeOver`). While the harness runs, quick ACKs are on for the loopback
 * route: vpcd writes an APDU's length and its payload in two writes, and without quick ACKs every
 * APDU waits ~44 ms for a delayed ACK (ENVIRONMENT.md). The route is restored as it was found.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The first vpcd slot's port (Debian's configuration: CHANNELID 0x8C7B). */
export const VPCD_PORT = 35963;
const PCSCD = '/usr/sbin/pcscd';
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
/** vpcd gives every reader entry two slots, on its port and the next one. */
const SLOTS_PER_READER = 2;
/** Where `tsx test/harness/pcscd.ts start` notes the daemon it started, for `stop`. */
const CLI_STATE_FILE = '/run/releve-test-pcscd.json';
const LOOPBACK_ROUTE = [
  ...['local', '127.0.0.1', 'dev', 'lo', 'proto', 'kernel', 'scope', 'host', 'src', '127.0.0.1'],
  ...['table', 'local'],
];

export class PcscdUnavailable extends Error {
  override readonly name = 'PcscdUnavailable';
}

/** One vpcd slot: the reader name pcscd gives it and the TCP port a virtual card connects to. */
export interface VpcdSlot {
  readonly readerName: string;
  readonly port: number;
}

/**
 * The slots of `readers` vpcd reader entries, as pcscd names them: "Virtual PCD 00 00" and
 * "Virtual PCD 00 01" for Debian's entry, "Virtual PCD #2 00 00" … for further ones (pcscd names
 * a reader by its entry's FRIENDLYNAME, so each entry needs its own, or names repeat).
 */
export function vpcdSlots(readers = 1): VpcdSlot[] {
  const slots: VpcdSlot[] = [];
  for (let reader = 0; reader < readers; reader += 1) {
    for (let slot = 0; slot < SLOTS_PER_READER; slot += 1) {
      slots.push({
        readerName: `${friendlyName(reader)} 00 ${hex2(slot)}`,
        port: VPCD_PORT + reader * SLOTS_PER_READER + slot,
      });
    }
  }
  return slots;
}

const friendlyName = (index: number): string => (index === 0 ? 'Virtual PCD' : `Virtual PCD #${index + 1}`);
const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/** Why pcscd cannot run here, or null when it can. */
export function pcscdProblem(): string | null {
  if (!existsSync(PCSCD)) return 'pcscd is not installed (as root: apt-get install pcscd)';
  if (!existsSync(VPCD_DRIVER))
    return 'the vpcd reader driver is not installed (as root: apt-get install vsmartcard-vpcd)';
  if (process.getuid?.() !== 0)
    return 'pcscd with the vpcd reader needs root (it owns /run/pcscd and changes the loopback route)';
  return null;
}

/** Pids of every pcscd on the machine (ours or not). */
function pcscdPids(): number[] {
  try {
    return execFileSync('pgrep', ['-x', 'pcscd'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function pcscdRunning(): boolean {
  return pcscdPids().length > 0;
}

/** Whether the loopback route has quick ACKs on; null when `ip` cannot say. */
function quickAckIsOn(): boolean | null {
  try {
    const route = execFileSync('ip', ['route', 'show', 'table', 'local', '127.0.0.1'], {
      encoding: 'utf8',
    });
    return /\bquickack 1\b/.test(route);
  } catch {
    return null;
  }
}

function setQuickAck(on: boolean): void {
  try {
    execFileSync('ip', ['route', 'change', ...LOOPBACK_ROUTE, ...(on ? ['quickack', '1'] : [])], {
      stdio: 'ignore',
    });
  } catch {
    // Without quick ACKs everything still works, only each APDU is ~44 ms slower.
  }
}

/**
 * Quick ACKs are turned on by the first user in this process and put back as they were found
 * by the last one.
 */
let quickAckUsers = 0;
let quickAckBefore: boolean | null = null;
function acquireQuickAck(): void {
  if (quickAckUsers === 0) {
    quickAckBefore = quickAckIsOn();
    if (quickAckBefore === false) setQuickAck(true);
  }
  quickAckUsers += 1;
}
function releaseQuickAck(): void {
  if (quickAckUsers === 0) return;
  quickAckUsers -= 1;
  if (quickAckUsers === 0 && quickAckBefore === false) setQuickAck(false);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves once vpcd accepts connections on `port` (its reader exists in pcscd), or rejects after
 * `timeoutMs`. Connecting and closing at once looks to vpcd like a card that came and went
 * before pcscd polled: nothing is reported.
 */
export async function waitForVpcd(timeoutMs = 10_000, port = VPCD_PORT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(port))) {
    if (Date.now() > deadline)
      throw new PcscdUnavailable(`the vpcd reader did not listen on port ${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The driver file reader entry `index` loads. vpcd keeps its slots in static variables, and pcscd
 * loads a LIBPATH once for all the entries that name it: two entries on one file share (and
 * garble) their slots. Each further entry gets its own copy of the driver.
 */
function driverFor(index: number, configDir: string): string {
  if (index === 0) return VPCD_DRIVER;
  const copy = join(configDir, '..', `${configDir.split('/').at(-1)}-libifdvpcd-${index}.so`);
  if (!existsSync(copy)) copyFileSync(VPCD_DRIVER, copy);
  return copy;
}

function readerEntry(index: number, configDir: string): string {
  const port = VPCD_PORT + index * SLOTS_PER_READER;
  const channel = `0x${port.toString(16).toUpperCase()}`;
  // The same entry as Debian's /etc/reader.conf.d/vpcd; the port is DEVICENAME's suffix.
  return [
    `FRIENDLYNAME "${friendlyName(index)}"`,
    `DEVICENAME   /dev/null:${channel}`,
    `LIBPATH      ${driverFor(index, configDir)}`,
    `CHANNELID    ${channel}`,
    '',
  ].join('\n');
}

/** Removes a configuration directory and its driver copies. */
function removeConfig(configDir: string): void {
  rmSync(configDir, { recursive: true, force: true });
  const parent = join(configDir, '..');
  const prefix = `${configDir.split('/').at(-1)}-libifdvpcd-`;
  for (const file of readdirSync(parent))
    if (file.startsWith(prefix)) rmSync(join(parent, file), { force: true });
}

export interface PcscdOptions {
  /**
   * vpcd reader entries (two slots each) when this harness starts pcscd; default 1, which is
   * Debian's configuration. A reused pcscd keeps the readers it has.
   */
  readonly readers?: number;
  /**
   * The caller needs a pcscd it may restart and re-plug: one started elsewhere is stopped first
   * (by its pid) and replaced by ours. Say so only in tests that restart pcscd.
   */
  readonly takeOver?: boolean;
}

export interface RunningPcscd {
  /** True when this harness started it (and so may stop, restart or re-plug it). */
  readonly ours: boolean;
  /** The vpcd slots this pcscd has. */
  readonly slots: readonly VpcdSlot[];
  /** Stops a pcscd we started and restores the loopback route; a reused one is left running. */
  stop(): Promise<void>;
  /** Stops pcscd (SIGTERM, or SIGKILL as a crash) and starts it again; resolves when vpcd listens. */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Takes vpcd reader entry `index` out (both its slots vanish); restarts pcscd to do so. */
  unplug(index: number): Promise<void>;
  /** Puts reader entry `index` back; restarts pcscd, resolves when every slot listens. */
  replug(index: number): Promise<void>;
}

/** The one pcscd this process started (tests in one jest file share it). */
interface OwnDaemon {
  child: ChildProcess;
  configDir: string;
  readers: number;
  plugged: Set<number>;
  users: number;
}
let own: OwnDaemon | null = null;
let exitHooksInstalled = false;

function writeConfig(daemon: Pick<OwnDaemon, 'configDir' | 'plugged'>): void {
  rmSync(daemon.configDir, { recursive: true, force: true }); // the driver copies sit beside it
  mkdirSync(daemon.configDir, { recursive: true });
  for (const index of daemon.plugged)
    writeFileSync(join(daemon.configDir, `vpcd-${index}`), readerEntry(index, daemon.configDir));
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  // A pcscd we started must not outlive us, even when we are interrupted.
  process.once('exit', () => {
    own?.child.kill('SIGKILL');
    if (own) removeConfig(own.configDir);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

async function waitForSlots(daemon: Pick<OwnDaemon, 'plugged'>, timeoutMs = 10_000): Promise<void> {
  for (const index of daemon.plugged) {
    for (let slot = 0; slot < SLOTS_PER_READER; slot += 1) {
      await waitForVpcd(timeoutMs, VPCD_PORT + index * SLOTS_PER_READER + slot);
    }
  }
}

function spawnPcscd(configDir: string, detached: boolean): ChildProcess {
  return spawn(PCSCD, ['--foreground', '--config', configDir], {
    stdio: 'ignore',
    detached,
  });
}

/** Starts our pcscd; a pcscd still shutting down holds its pid file and the new one exits: retry. */
async function launch(daemon: Omit<OwnDaemon, 'child' | 'users'>, attempt = 1): Promise<ChildProcess> {
  const child = spawnPcscd(daemon.configDir, false);
  const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
  const listening = waitForSlots(daemon).then(
    () => 'listening' as const,
    () => 'silent' as const,
  );
  const outcome = await Promise.race([listening, exited]);
  if (outcome === 'listening') return child;
  if (outcome === 'silent') {
    child.kill('SIGKILL');
    throw new PcscdUnavailable('pcscd started but its vpcd readers did not listen within 10 s');
  }
  if (attempt >= 6)
    throw new PcscdUnavailable(
      'pcscd exits as soon as it starts: another pcscd holds /run/pcscd (stop it, or pass takeOver)',
    );
  await sleep(250 * attempt);
  return launch(daemon, attempt + 1);
}

async function stopProcess(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

async function stopForeignPcscd(): Promise<void> {
  for (const pid of pcscdPids()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5000;
  while (pcscdRunning() && Date.now() < deadline) await sleep(50);
  if (pcscdRunning()) throw new PcscdUnavailable('the pcscd started elsewhere did not stop within 5 s');
}

/**
 * Starts pcscd with vpcd readers, or reuses one that already runs (which it then neither stops
 * nor restarts, unless `takeOver`). Calls in one process share one daemon; the last `stop` ends it.
 */
export async function startPcscd(options: PcscdOptions = {}): Promise<RunningPcscd> {
  const problem = pcscdProblem();
  if (problem) throw new PcscdUnavailable(`cannot start pcscd: ${problem}`);
  acquireQuickAck();
  try {
    if (!own && pcscdRunning()) {
      if (!options.takeOver) {
        await waitForVpcd();
        return foreign();
      }
      await stopForeignPcscd();
    }
    if (!own) {
      const readers = Math.max(1, options.readers ?? 1);
      const configDir = mkdtempSync(join(tmpdir(), 'releve-pcscd-'));
      const plugged = new Set(Array.from({ length: readers }, (_, i) => i));
      writeConfig({ configDir, plugged });
      installExitHooks();
      const child = await launch({ configDir, readers, plugged });
      own = { child, configDir, readers, plugged, users: 0 };
    }
    own.users += 1;
    return handle(own);
  } catch (error) {
    releaseQuickAck();
    throw error;
  }
}

function foreign(): RunningPcscd {
  let stopped = false;
  const refuse = async (): Promise<void> => {
    throw new PcscdUnavailable(
      'pcscd was started outside this harness; it is neither restarted nor re-plugged (pass takeOver)',
    );
  };
  return {
    ours: false,
    slots: vpcdSlots(1),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      releaseQuickAck();
    },
    restart: refuse,
    unplug: refuse,
    replug: refuse,
  };
}

function handle(daemon: OwnDaemon): RunningPcscd {
  let stopped = false;
  return {
    ours: true,
    slots: vpcdSlots(daemon.readers),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      daemon.users -= 1;
      if (daemon.users === 0) {
        if (own === daemon) own = null;
        await stopProcess(daemon.child);
        removeConfig(daemon.configDir);
      }
      releaseQuickAck();
    },
    restart: async (signal = 'SIGTERM') => {
      await stopProcess(daemon.child, signal);
      // A reader unplugged before the restart stays unplugged; the others come back.
      daemon.child = await launch(daemon);
    },
    unplug: async (index) => {
      if (!daemon.plugged.delete(index)) return;
      await stopProcess(daemon.child);
      writeConfig(daemon);
      daemon.child = await launch(daemon);
    },
    replug: async (index) => {
      if (daemon.plugged.has(index) || index < 0 || index >= daemon.readers) return;
      daemon.plugged.add(index);
      await stopProcess(daemon.child);
      writeConfig(daemon);
      daemon.child = await launch(daemon);
    },
  };
}

interface CliState {
  readonly pid: number;
  readonly configDir: string;
  readonly quickAckBefore: boolean | null;
}

async function cli(args: readonly string[]): Promise<number> {
  const [command, flag, value] = args;
  if (command === 'status') {
    const pids = pcscdPids();
    const state = existsSync(CLI_STATE_FILE)
      ? (JSON.parse(readFileSync(CLI_STATE_FILE, 'utf8')) as CliState)
      : null;
    if (pids.length === 0) console.log('pcscd is not running');
    else
      console.log(
        `pcscd is running (pid ${pids.join(', ')}${state && pids.includes(state.pid) ? ', started by this harness' : ''}); quick ACKs on loopback: ${quickAckIsOn() ? 'on' : 'off'}`,
      );
    return 0;
  }
  if (command === 'start') {
    const problem = pcscdProblem();
    if (problem) {
      console.error(`cannot start pcscd: ${problem}`);
      return 1;
    }
    const readers = flag === '--readers' ? Math.max(1, Number(value) || 1) : 1;
    if (pcscdRunning()) {
      console.log('pcscd is already running; it is reused as it is');
    } else {
      const before = quickAckIsOn();
      const configDir = mkdtempSync(join(tmpdir(), 'releve-pcscd-'));
      writeConfig({ configDir, plugged: new Set(Array.from({ length: readers }, (_, i) => i)) });
      // Detached, for scripts and the demo; `stop` ends it by the pid noted here.
      const child = spawnPcscd(configDir, true);
      child.unref();
      if (child.pid === undefined) {
        console.error('cannot start pcscd: it did not start');
        return 1;
      }
      writeFileSync(
        CLI_STATE_FILE,
        JSON.stringify({ pid: child.pid, configDir, quickAckBefore: before } satisfies CliState),
      );
    }
    if (quickAckIsOn() === false) setQuickAck(true);
    await waitForVpcd();
    console.log(`pcscd running; the first vpcd slot listens on 127.0.0.1:${VPCD_PORT}`);
    return 0;
  }
  if (command === 'stop') {
    if (!existsSync(CLI_STATE_FILE)) {
      console.log(
        pcscdRunning() ? 'pcscd was not started by this harness: left running' : 'pcscd is not running',
      );
      return 0;
    }
    const state = JSON.parse(readFileSync(CLI_STATE_FILE, 'utf8')) as CliState;
    try {
      process.kill(state.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + 5000;
    while (pcscdPids().includes(state.pid) && Date.now() < deadline) await sleep(50);
    if (state.quickAckBefore === false) setQuickAck(false);
    removeConfig(state.configDir);
    unlinkSync(CLI_STATE_FILE);
    console.log('pcscd stopped');
    return 0;
  }
  console.error('usage: tsx test/harness/pcscd.ts start [--readers N] | stop | status');
  return 2;
}

if (process.argv[1]?.endsWith('pcscd.ts')) {
  process.exitCode = await cli(process.argv.slice(2));
}
