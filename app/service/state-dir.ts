/**
 * The service's state directory (/var/lib/releve): the audit trail, the private keyring that
 * holds the workstation's client keys and each person's tokens, and its unlock key. Root's
 * alone (0700): the desktop user can neither read a token nor edit the trail. A directory that
 * is a symbolic link, or that someone else owns, is refused rather than trusted.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';

export const DEFAULT_STATE_DIR = '/var/lib/releve';

/** Makes (or checks) a root-only directory; throws with a clear sentence when it cannot be trusted. */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink() || !stat.isDirectory()) {
    throw new Error(`${dir} is not a directory of its own (a link or a file): refusing to keep state there`);
  }
  const uid = process.getuid?.() ?? 0;
  if (stat.uid !== uid) {
    throw new Error(`${dir} belongs to uid ${stat.uid}, not to the service (uid ${uid}): refusing it`);
  }
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  return dir;
}
