/**
 * Who connected to the service's socket, as the kernel says (SO_PEERCRED through the tiny
 * N-API addon in native/peercred): the uid and pid fixed at connect time, which the peer cannot
 * forge. Without the addon (not built, or not Linux) no peer can be told, and every client is
 * refused: the check fails closed.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { join } from 'node:path';

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

type PeerCredentialsFn = (fd: number) => PeerCredentials;

let loaded: PeerCredentialsFn | null | undefined;

/** The addon, built by the setup (node-gyp) into native/peercred/build/Release. */
function addon(projectRoot: string): PeerCredentialsFn | null {
  if (loaded !== undefined) return loaded;
  const file = join(projectRoot, 'native', 'peercred', 'build', 'Release', 'peercred.node');
  loaded = null;
  if (process.platform === 'linux' && existsSync(file)) {
    const module = createRequire(import.meta.url)(file) as { peerCredentials?: PeerCredentialsFn };
    if (typeof module.peerCredentials === 'function') loaded = module.peerCredentials;
  }
  return loaded;
}

/** Whether peers can be told on this machine (the service refuses to start otherwise). */
export function peerCheckAvailable(projectRoot: string): boolean {
  return addon(projectRoot) !== null;
}

/** The peer of a connected Unix socket; null when it cannot be told (then: refuse it). */
export function peerOf(socket: Socket, projectRoot: string): PeerCredentials | null {
  const read = addon(projectRoot);
  // libuv keeps the descriptor on the socket's handle; Node has no public API for it.
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (!read || typeof fd !== 'number' || fd < 0) return null;
  try {
    return read(fd);
  } catch {
    return null;
  }
}
