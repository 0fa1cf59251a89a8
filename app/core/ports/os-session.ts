import type { SessionUser } from '../session/types.js';

export type OsSessionEvent =
  | { readonly type: 'inactivity-timeout' }
  | { readonly type: 'power-suspend' }
  | { readonly type: 'power-resume' }
  | { readonly type: 'manual-lock' };

/**
 * What an unlock did. In `os-lock` mode an OS session belongs to one OS account; a person whose
 * account does not own the locked session is never let into it:
 * - `unlocked`: the session in front was theirs and is now unlocked;
 * - `switched`: they had their own session on this seat: it was brought to the front and unlocked;
 * - `greeter`: they have no session here: the OS's greeter is shown so that they open their own;
 * - `refused`: nothing was unlocked (no OS account can be named for them, the OS answered an error).
 * Only `unlocked` and `switched` leave the person at work; the agent locks again otherwise.
 */
export type UnlockOutcome =
  | { readonly kind: 'unlocked' }
  | { readonly kind: 'switched' }
  | { readonly kind: 'greeter'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * The OS side of a person's session. In `shared-kiosk` mode: the lock overlay and per-person
 * application context; in `os-lock` mode: the OS session lock (logind, LockWorkStation).
 * Contract:
 * - `lock` is idempotent and completes before it resolves: when it returns, the screen is covered.
 * - Exactly one person is in the foreground after `open`/`resume`; the agent sets the previous
 *   one aside first. `unlock(personId)` follows the `open`/`resume` of that same person.
 * - `unlock` never uncovers a session that person does not own; it says what it did instead.
 * - Idle, power and manual-lock notifications arrive through `watch`.
 */
export interface OsSessionController {
  lock(): Promise<void>;
  unlock(personId: string): Promise<UnlockOutcome>;
  open(user: SessionUser): Promise<void>;
  resume(user: SessionUser): Promise<void>;
  suspend(personId: string): Promise<void>;
  close(personId: string, reason: string): Promise<void>;
  /** Reports OS events; `idleLimitMs` is the inactivity lock (0: never). Returns a stop function. */
  watch(idleLimitMs: number, listener: (event: OsSessionEvent) => void): () => void;
}
