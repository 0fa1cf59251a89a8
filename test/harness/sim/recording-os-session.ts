import type { OsSessionController, OsSessionEvent, UnlockOutcome } from '../../../app/core/ports/index.js';
import type { SessionUser } from '../../../app/core/session/types.js';

/**
 * An OS session that records what it was asked to do and checks the one invariant the OS
 * cares about: at most one person in the foreground, and never an unlock without one.
 */
export class RecordingOsSession implements OsSessionController {
  readonly actions: string[] = [];
  foreground: string | null = null;
  locked = true;
  readonly violations: string[] = [];
  private listener: ((event: OsSessionEvent) => void) | null = null;

  async lock(): Promise<void> {
    this.actions.push('lock');
    this.locked = true;
  }
  async unlock(personId: string): Promise<UnlockOutcome> {
    this.actions.push(`unlock ${personId}`);
    if (this.foreground !== personId)
      this.violations.push(`unlock for ${personId} who is not in the foreground`);
    this.locked = false;
    return { kind: 'unlocked' };
  }
  private bring(personId: string, verb: string): void {
    this.actions.push(`${verb} ${personId}`);
    if (this.foreground !== null && this.foreground !== personId) {
      this.violations.push(`${verb} ${personId} while ${this.foreground} is still in the foreground`);
    }
    this.foreground = personId;
  }
  async open(user: SessionUser): Promise<void> {
    this.bring(user.personId, 'open');
  }
  async resume(user: SessionUser): Promise<void> {
    this.bring(user.personId, 'resume');
  }
  async suspend(personId: string): Promise<void> {
    this.actions.push(`suspend ${personId}`);
    if (this.foreground === personId) this.foreground = null;
  }
  async close(personId: string, reason: string): Promise<void> {
    this.actions.push(`close ${personId} (${reason})`);
    if (this.foreground === personId) this.foreground = null;
  }
  watch(_idleLimitMs: number, listener: (event: OsSessionEvent) => void): () => void {
    this.listener = listener;
    return () => {
      this.listener = null;
    };
  }
  /** What the OS would report: idle too long, lid closed, Win+L. */
  fire(event: OsSessionEvent): void {
    this.listener?.(event);
  }
}
