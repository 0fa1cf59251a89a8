/**
 * What the tray icon says, from the agent's snapshot (which carries reader and IdP health).
 * Pure, so the rules are tested without Electron. Order matters: a missing reader or an
 * unreachable IdP is what IT must see first, whoever is signed in.
 */
import type { Snapshot } from '../ipc/contract.js';

export type TrayState = 'locked' | 'signed-in' | 'reader-missing' | 'idp-unreachable' | 'offline';

export function trayStateOf(snapshot: Snapshot): TrayState {
  if (snapshot.health.readers !== 'ok' || snapshot.readers.length === 0) return 'reader-missing';
  if (snapshot.phase === 'offline-active') return 'offline';
  if (snapshot.health.idp === 'unreachable') return 'idp-unreachable';
  if (snapshot.phase === 'active' || snapshot.phase === 'break-glass' || snapshot.phase === 'locking') {
    return 'signed-in';
  }
  return 'locked';
}
