/**
 * What the tray icon says, derived from what the agent reports. Pure, so the rules are tested
 * without Electron. Order matters: a missing reader or an unreachable IdP is what IT must see
 * first, whoever is signed in.
 */
import type { Snapshot } from '../ipc/contract.js';

export type TrayState = 'locked' | 'signed-in' | 'reader-missing' | 'idp-unreachable' | 'offline';

export interface Health {
  /** False after a reader was lost or its service went away, until a reader comes back. */
  readonly readerAvailable: boolean;
  /** True after the IdP was found unreachable, until a sign-in reaches it again. */
  readonly idpUnreachable: boolean;
}

export const HEALTHY: Health = { readerAvailable: true, idpUnreachable: false };

export function trayStateOf(snapshot: Snapshot, health: Health): TrayState {
  if (!health.readerAvailable || snapshot.readers.length === 0) return 'reader-missing';
  if (snapshot.phase === 'offline-active') return 'offline';
  if (health.idpUnreachable) return 'idp-unreachable';
  if (snapshot.phase === 'active' || snapshot.phase === 'break-glass' || snapshot.phase === 'locking') {
    return 'signed-in';
  }
  return 'locked';
}

/** Health after a feedback message: the messages that say something about the IdP. */
export function healthAfterFeedback(health: Health, message: string): Health {
  if (message === 'idp-unreachable') return { ...health, idpUnreachable: true };
  if (message === 'welcome' || message === 'welcome-back') return { ...health, idpUnreachable: false };
  if (message === 'reader-lost') return { ...health, readerAvailable: false };
  return health;
}

/** Health after the reader layer reported a reader or its service coming or going. */
export function healthAfterSource(health: Health, available: boolean): Health {
  return { ...health, readerAvailable: available };
}
