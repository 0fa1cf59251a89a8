/**
 * A scripted systemd-logind, answered through the adapter's command-runner seam: the sessions of
 * one seat, which one is in the foreground, which are locked, and every command run. Only the
 * loginctl/greeter calls the adapter makes are answered; anything else fails as an unknown verb.
 */
import type { CommandResult, CommandRunner } from '../../../../app/adapters/os-session/linux-logind.js';

export interface FakeSession {
  readonly id: string;
  /** The OS account that owns the session (logind's Name). */
  readonly user: string;
  readonly seat: string;
  readonly remote?: boolean;
  readonly class?: string;
}

const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string): CommandResult => ({ code: 1, stdout: '', stderr });

export class FakeLogind {
  readonly commands: string[] = [];
  readonly unlocked: string[] = [];
  readonly locked = new Set<string>();
  greeterShown = 0;

  constructor(
    readonly sessions: FakeSession[],
    public active: string | null,
  ) {}

  private session(id: string | undefined): FakeSession | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  readonly run: CommandRunner = async (program, args) => {
    this.commands.push([program, ...args].join(' '));
    if (program === 'dm-tool' && args[0] === 'switch-to-greeter') {
      this.greeterShown += 1;
      this.active = null;
      return ok();
    }
    if (program !== 'loginctl') return fail(`${program}: not found`);
    const [verb, ...rest] = args;
    const target = rest.find((arg) => !arg.startsWith('-'));
    switch (verb) {
      case 'lock-session': {
        const id = target ?? this.active;
        if (!id || !this.session(id)) return fail('Failed to issue method call: No session');
        this.locked.add(id);
        return ok();
      }
      case 'unlock-session': {
        const id = target ?? this.active;
        if (!id || !this.session(id)) return fail('Failed to issue method call: No session');
        this.locked.delete(id);
        this.unlocked.push(id);
        return ok();
      }
      case 'activate-session': {
        if (!this.session(target)) return fail('Failed to issue method call: No session');
        this.active = target ?? null;
        return ok();
      }
      case 'show-seat':
        return ok(`${this.active ?? ''}\n`);
      case 'list-sessions':
        return ok(this.sessions.map((s) => `${s.id} 1000 ${s.user} ${s.seat} tty2\n`).join(''));
      case 'show-session': {
        const session = this.session(target);
        if (!session) return fail(`Failed to get session: No session '${target}' known`);
        return ok(
          [
            `Name=${session.user}`,
            `Seat=${session.seat}`,
            `Remote=${session.remote ? 'yes' : 'no'}`,
            `Class=${session.class ?? 'user'}`,
            `LockedHint=${this.locked.has(session.id) ? 'yes' : 'no'}`,
          ].join('\n') + '\n',
        );
      }
      default:
        return fail(`Unknown command verb ${verb ?? ''}`);
    }
  };
}
