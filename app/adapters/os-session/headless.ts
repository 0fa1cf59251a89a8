import type {
  DiagnosticLog,
  OsSessionController,
  OsSessionEvent,
  UnlockOutcome,
} from '../../core/ports/index.js';
import type { SessionUser } from '../../core/session/types.js';

/**
 * The OS side when the agent runs headless (no screen of its own: a service, a test, the CLI):
 * session actions are logged, and idle/power events come only from `notify` (the host that
 * embeds the agent forwards them).
 */
export class HeadlessOsSession implements OsSessionController {
  private listener: ((event: OsSessionEvent) => void) | null = null;

  constructor(private readonly log: DiagnosticLog) {}

  async lock(): Promise<void> {
    this.log.info('session: lock');
  }
  /** Headless is for shared-kiosk and tests only: no OS session here belongs to anyone. */
  async unlock(personId: string): Promise<UnlockOutcome> {
    this.log.info('session: unlock', { personId });
    return { kind: 'unlocked' };
  }
  async open(user: SessionUser): Promise<void> {
    this.log.info('session: open', { personId: user.personId });
  }
  async resume(user: SessionUser): Promise<void> {
    this.log.info('session: resume', { personId: user.personId });
  }
  async suspend(personId: string): Promise<void> {
    this.log.info('session: suspend', { personId });
  }
  async close(personId: string, reason: string): Promise<void> {
    this.log.info('session: close', { personId, reason });
  }
  watch(_idleLimitMs: number, listener: (event: OsSessionEvent) => void): () => void {
    this.listener = listener;
    return () => {
      this.listener = null;
    };
  }
  notify(event: OsSessionEvent): void {
    this.listener?.(event);
  }
}
