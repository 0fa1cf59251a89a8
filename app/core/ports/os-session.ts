import type { SessionUser } from '../session/types.js';

export type OsSessionEvent =
  | { readonly type: 'inactivity-timeout' }
  | { readonly type: 'power-suspend' }
  | { readonly type: 'power-resume' }
  | { readonly type: 'manual-lock' };

/**
 * The OS side of a person's session. In `shared-kiosk` mode: the lock overlay and per-person
 * application context; in `os-lock` mode: the OS session lock (logind, LockWorkStation).
 * Contract:
 * - `lock` is idempotent and completes before it resolves: when it returns, the screen is covered.
 * - Exactly one person is in the foreground after `open`/`resume`; the agent sets the previous
 *   one aside first.
 * - Idle, power and manual-lock notifications arrive through `watch`.
 */
export interface OsSessionController {
  lock(): Promise<void>;
  unlock(personId: string): Promise<void>;
  open(user: SessionUser): Promise<void>;
  resume(user: SessionUser): Promise<void>;
  suspend(personId: string): Promise<void>;
  close(personId: string, reason: string): Promise<void>;
  /** Reports OS events; `idleLimitMs` is the inactivity lock (0: never). Returns a stop function. */
  watch(idleLimitMs: number, listener: (event: OsSessionEvent) => void): () => void;
}
