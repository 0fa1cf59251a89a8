/**
 * Keeps the overlay alive. In shared-kiosk mode the overlay is the lock: if its process is
 * killed, nothing covers the shared session. The service notices (the tray's socket closes),
 * locks at once and keeps the workstation locked while no tray is connected, and relaunches the
 * tray exactly as it ran: the same program and arguments, as the same user, in the same desktop
 * (DISPLAY, XAUTHORITY, the session bus), read from /proc while the tray was alive — root can,
 * the desktop user cannot change what root will run because /proc/<pid>/exe is the kernel's.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { DiagnosticLog } from '../core/ports/index.js';

export interface TrayLaunch {
  readonly program: string;
  readonly args: readonly string[];
  readonly uid: number;
  readonly gid: number;
  /** Only the variables that place a window in the desktop session. */
  readonly env: Readonly<Record<string, string>>;
}

/** The environment a relaunched tray needs to reach the same desktop, nothing else. */
const DESKTOP_ENV = [
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XAUTHORITY',
  'XDG_RUNTIME_DIR',
  'XDG_SESSION_ID',
  'DBUS_SESSION_BUS_ADDRESS',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'PATH',
];

/** How the tray with this pid was started; null when /proc cannot say (then: no relaunch). */
export function trayLaunchOf(pid: number, uid: number, gid: number, proc = '/proc'): TrayLaunch | null {
  try {
    const program = readlinkSync(`${proc}/${pid}/exe`);
    const argv = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const env: Record<string, string> = {};
    for (const entry of readFileSync(`${proc}/${pid}/environ`, 'utf8').split('\0')) {
      const at = entry.indexOf('=');
      const name = entry.slice(0, at);
      if (at > 0 && DESKTOP_ENV.includes(name)) env[name] = entry.slice(at + 1);
    }
    return { program, args: argv.slice(1), uid, gid, env };
  } catch {
    return null;
  }
}

export interface SupervisorOptions {
  readonly log: DiagnosticLog;
  /** Starts the tray again (spawned as its user, detached); injectable for tests. */
  readonly launch?: (launch: TrayLaunch) => void;
  /** Fewest milliseconds between two relaunches: a tray that dies at once is not respawned in a loop. */
  readonly minIntervalMs?: number;
  readonly now?: () => number;
}

export const spawnTray = (launch: TrayLaunch): void => {
  const child = spawn(launch.program, [...launch.args], {
    uid: launch.uid,
    gid: launch.gid,
    env: { ...launch.env },
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => undefined);
  child.unref();
};

export class TraySupervisor {
  private last: TrayLaunch | null = null;
  private lastLaunchAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SupervisorOptions) {}

  /** The tray that just said hello: how to start it again. */
  remember(launch: TrayLaunch | null): void {
    if (launch) this.last = launch;
  }

  /** The tray went away: start it again (at most once per interval). Returns whether it did. */
  relaunch(): boolean {
    const launch = this.last;
    const now = (this.options.now ?? Date.now)();
    if (!launch) {
      this.options.log.error('the tray went away and cannot be relaunched: how it ran is unknown');
      return false;
    }
    if (now - this.lastLaunchAt < (this.options.minIntervalMs ?? 2_000)) {
      this.options.log.error('the tray went away again at once; not relaunched in a loop');
      return false;
    }
    this.lastLaunchAt = now;
    this.options.log.warn('the tray went away; relaunching it', { uid: launch.uid });
    try {
      (this.options.launch ?? spawnTray)(launch);
      return true;
    } catch (error) {
      this.options.log.error('the tray could not be relaunched', { error: String(error) });
      return false;
    }
  }
}
