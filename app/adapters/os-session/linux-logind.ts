/**
 * `os-lock` mode on Linux: each person works in their own OS session; tap-out locks it through
 * systemd-logind (`loginctl lock-session`), which asks the desktop's screen locker to cover the
 * screen, and a successful tap unlocks it (`loginctl unlock-session`). Idle time comes from a
 * pluggable probe (logind's IdleSinceHint, or the X server's screensaver extension), polled.
 * The commands and the probe are injected, so the adapter is tested without systemd.
 */
import { execFile } from 'node:child_process';
import type { DiagnosticLog, OsSessionController, OsSessionEvent } from '../../core/ports/index.js';
import type { SessionUser } from '../../core/session/types.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without a shell (arguments are never interpreted). */
export type CommandRunner = (program: string, args: readonly string[]) => Promise<CommandResult>;

/** Milliseconds since the last keyboard or mouse input; null when it cannot be told. */
export type IdleProbe = () => Promise<number | null>;

export interface LogindOptions {
  readonly run?: CommandRunner;
  /** The logind session to act on; undefined: the caller's own session. */
  readonly sessionId?: string;
  readonly idleProbe?: IdleProbe;
  readonly pollMs?: number;
  /** setInterval by default; injectable so tests move time themselves. */
  readonly every?: (ms: number, tick: () => void) => () => void;
  readonly log: DiagnosticLog;
}

export const execRunner: CommandRunner = (program, args) =>
  new Promise((resolve) => {
    execFile(program, [...args], { timeout: 5_000, windowsHide: true }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });

/**
 * Idle time from logind: `IdleHint=yes` with `IdleSinceHintMonotonic` in microseconds of
 * CLOCK_MONOTONIC. Logind only knows idleness the desktop reports, so null when it says nothing.
 */
export function logindIdleProbe(
  run: CommandRunner,
  sessionId: string | undefined,
  monotonicNowUs: () => number = () => Number(process.hrtime.bigint() / 1000n),
): IdleProbe {
  return async () => {
    const result = await run('loginctl', [
      'show-session',
      ...(sessionId ? [sessionId] : []),
      '--property=IdleHint',
      '--property=IdleSinceHintMonotonic',
    ]);
    if (result.code !== 0) return null;
    const fields = new Map(
      result.stdout
        .split('\n')
        .map((line) => line.trim().split('=', 2) as [string, string | undefined])
        .filter((pair): pair is [string, string] => pair[1] !== undefined),
    );
    if (fields.get('IdleHint') !== 'yes') return 0;
    const since = Number(fields.get('IdleSinceHintMonotonic'));
    if (!Number.isFinite(since) || since <= 0) return null;
    return Math.max(0, Math.floor((monotonicNowUs() - since) / 1000));
  };
}

/** Idle time from X11's screensaver extension (the `xprintidle` tool prints milliseconds). */
export function xprintidleProbe(run: CommandRunner): IdleProbe {
  return async () => {
    const result = await run('xprintidle', []);
    const ms = Number(result.stdout.trim());
    return result.code === 0 && Number.isFinite(ms) && ms >= 0 ? ms : null;
  };
}

const intervalEvery = (ms: number, tick: () => void): (() => void) => {
  const timer = setInterval(tick, ms);
  timer.unref?.();
  return () => clearInterval(timer);
};

export class LogindOsSession implements OsSessionController {
  private readonly run: CommandRunner;
  private readonly sessionArgs: readonly string[];

  constructor(private readonly options: LogindOptions) {
    this.run = options.run ?? execRunner;
    this.sessionArgs = options.sessionId ? [options.sessionId] : [];
  }

  private async loginctl(verb: 'lock-session' | 'unlock-session'): Promise<void> {
    const result = await this.run('loginctl', [verb, ...this.sessionArgs]);
    if (result.code !== 0) {
      const why = result.stderr.trim().split('\n')[0] ?? '';
      throw new Error(`loginctl ${verb} failed (exit ${result.code})${why ? `: ${why}` : ''}`);
    }
  }

  /** Resolves once logind has accepted the lock; the desktop's locker then covers the screen. */
  lock(): Promise<void> {
    return this.loginctl('lock-session');
  }

  unlock(_personId: string): Promise<void> {
    return this.loginctl('unlock-session');
  }

  // The OS session is the person's own: opening, resuming and suspending are the lock and
  // unlock above; there is no per-person application context to switch in this mode.
  async open(user: SessionUser): Promise<void> {
    this.options.log.info('os-lock: session in the foreground', { personId: user.personId });
  }
  async resume(user: SessionUser): Promise<void> {
    this.options.log.info('os-lock: session resumed', { personId: user.personId });
  }
  async suspend(personId: string): Promise<void> {
    this.options.log.info('os-lock: session set aside', { personId });
  }
  async close(personId: string, reason: string): Promise<void> {
    this.options.log.info('os-lock: session closed', { personId, reason });
  }

  /** Polls the idle probe; reports inactivity once per idle period (activity re-arms it). */
  watch(idleLimitMs: number, listener: (event: OsSessionEvent) => void): () => void {
    const probe = this.options.idleProbe;
    if (idleLimitMs <= 0 || !probe) return () => undefined;
    let reported = false;
    let busy = false;
    const every = this.options.every ?? intervalEvery;
    return every(this.options.pollMs ?? 5_000, () => {
      if (busy) return;
      busy = true;
      void probe()
        .then((idleMs) => {
          if (idleMs === null) return;
          const idle = idleMs >= idleLimitMs;
          if (idle && !reported) listener({ type: 'inactivity-timeout' });
          reported = idle;
        })
        .catch((error: unknown) => this.options.log.warn('idle probe failed', { error: String(error) }))
        .finally(() => {
          busy = false;
        });
    });
  }
}
