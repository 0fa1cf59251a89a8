/**
 * `os-lock` mode on Linux: each person works in their own OS session; tap-out locks it through
 * systemd-logind (`loginctl lock-session`), which asks the desktop's screen locker to cover the
 * screen. A tap never unlocks a session its person does not own: the session's owner is logind's
 * own fact (the session's user Name), the person's account comes from policy (`accountOf`), and
 * only when the two are the same is the session unlocked. Someone else's tap brings their own
 * session on this seat to the front (`loginctl activate-session`), or shows the display
 * manager's greeter so that they open one; the locked session stays locked.
 * Run by the privileged service (root), it acts on the seat's sessions; the commands and the idle
 * probe are injected, so the adapter is tested without systemd (this machine has none).
 */
import { execFile } from 'node:child_process';
import type {
  DiagnosticLog,
  OsSessionController,
  OsSessionEvent,
  UnlockOutcome,
} from '../../core/ports/index.js';
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
  /** The logind session to act on; undefined: the one in front on `seat`. */
  readonly sessionId?: string;
  /** The seat whose sessions the service looks after (default seat0, the local console). */
  readonly seat?: string;
  /** The OS account a person works under (policy's osAccountTemplate); null: none can be named. */
  readonly accountOf: (user: SessionUser) => string | null;
  /**
   * Shows the display manager's greeter so a person opens their own session (default LightDM's
   * `dm-tool switch-to-greeter`; GDM's is `gdmflexiserver`).
   */
  readonly greeter?: readonly [string, ...string[]];
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

/** A logind session as the service sees it: who owns it and where it is shown. */
interface SeatSession {
  readonly id: string;
  readonly owner: string;
  readonly seat: string;
  readonly local: boolean;
  readonly userClass: boolean;
}

/** `Key=Value` lines, as `loginctl show-*` prints them. */
function properties(stdout: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) fields.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return fields;
}

/** logind session IDs are short tokens ("2", "c14"); anything else in its output is ignored. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class LogindOsSession implements OsSessionController {
  private readonly run: CommandRunner;
  private readonly seat: string;
  /** The person the agent last brought to the front: the only one an unlock may be for. */
  private foreground: SessionUser | null = null;

  constructor(private readonly options: LogindOptions) {
    this.run = options.run ?? execRunner;
    this.seat = options.seat ?? 'seat0';
  }

  private async loginctl(verb: string, ...args: string[]): Promise<string> {
    const result = await this.run('loginctl', [verb, ...args]);
    if (result.code !== 0) {
      const why = result.stderr.trim().split('\n')[0] ?? '';
      throw new Error(`loginctl ${verb} failed (exit ${result.code})${why ? `: ${why}` : ''}`);
    }
    return result.stdout;
  }

  /** The session in front on the seat (the configured one if any); null: none (the greeter). */
  private async frontSession(): Promise<string | null> {
    if (this.options.sessionId) return this.options.sessionId;
    const id = (await this.loginctl('show-seat', this.seat, '--property=ActiveSession', '--value')).trim();
    return SESSION_ID.test(id) ? id : null;
  }

  private async seatSessions(): Promise<SeatSession[]> {
    const ids = (await this.loginctl('list-sessions', '--no-legend'))
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[0] ?? '')
      .filter((id) => SESSION_ID.test(id));
    const sessions: SeatSession[] = [];
    for (const id of ids) {
      const fields = properties(
        await this.loginctl(
          'show-session',
          id,
          '--property=Name',
          '--property=Seat',
          '--property=Remote',
          '--property=Class',
        ),
      );
      sessions.push({
        id,
        owner: fields.get('Name') ?? '',
        seat: fields.get('Seat') ?? '',
        local: fields.get('Remote') === 'no',
        userClass: fields.get('Class') === 'user',
      });
    }
    return sessions;
  }

  /**
   * Resolves once logind has accepted the lock; the desktop's locker then covers the screen.
   * With no session in front (the greeter shows) there is nothing to cover; when the front
   * cannot be told, every session is locked rather than none.
   */
  async lock(): Promise<void> {
    let front: string | null;
    try {
      front = await this.frontSession();
    } catch (error) {
      this.options.log.warn('os-lock: the session in front cannot be told; locking every session', {
        error: String(error),
      });
      await this.loginctl('lock-sessions');
      return;
    }
    if (front) await this.loginctl('lock-session', front);
  }

  async unlock(personId: string): Promise<UnlockOutcome> {
    const user = this.foreground;
    if (!user || user.personId !== personId) {
      return { kind: 'refused', reason: 'not the person brought to the front' };
    }
    const account = this.options.accountOf(user);
    if (!account) return { kind: 'refused', reason: 'no OS account can be named for this person' };
    try {
      const front = await this.frontSession();
      const sessions = await this.seatSessions();
      const inFront = sessions.find((session) => session.id === front);
      if (inFront && inFront.owner === account) {
        await this.loginctl('unlock-session', inFront.id);
        return { kind: 'unlocked' };
      }
      const own = sessions.find(
        (session) =>
          session.owner === account && session.seat === this.seat && session.local && session.userClass,
      );
      if (own) {
        await this.loginctl('activate-session', own.id);
        await this.loginctl('unlock-session', own.id);
        return { kind: 'switched' };
      }
      const [program, ...args] = this.options.greeter ?? ['dm-tool', 'switch-to-greeter'];
      const shown = await this.run(program, args);
      if (shown.code !== 0) {
        return { kind: 'refused', reason: `the session in front is not theirs and ${program} failed` };
      }
      return { kind: 'greeter', reason: 'the session in front is not theirs and they have none here' };
    } catch (error) {
      this.options.log.error('os-lock: unlock refused, logind answered an error', { error: String(error) });
      return { kind: 'refused', reason: 'logind answered an error' };
    }
  }

  // The OS session is the person's own: opening and resuming name who the next unlock is for;
  // there is no per-person application context to switch in this mode.
  async open(user: SessionUser): Promise<void> {
    this.foreground = user;
    this.options.log.info('os-lock: session in the foreground', { personId: user.personId });
  }
  async resume(user: SessionUser): Promise<void> {
    this.foreground = user;
    this.options.log.info('os-lock: session resumed', { personId: user.personId });
  }
  async suspend(personId: string): Promise<void> {
    if (this.foreground?.personId === personId) this.foreground = null;
    this.options.log.info('os-lock: session set aside', { personId });
  }
  async close(personId: string, reason: string): Promise<void> {
    if (this.foreground?.personId === personId) this.foreground = null;
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
