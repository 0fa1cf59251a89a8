/**
 * The privileged Relève service: hosts the agent (the readers, the session machine, the IdP
 * client and its keys, each person's tokens, the audit trail) and serves the IPC contract to its
 * unprivileged clients over a local socket whose peer is checked. It is the only process that
 * decides who is signed in; the tray only shows and asks.
 */
import type { Socket } from 'node:net';
import type { Agent } from '../agent/agent.js';
import type { DiagnosticLog } from '../core/ports/index.js';
import type { Policy } from '../core/policy.js';
import { createRequestHandlers, toUiEvent } from './agent-host.js';
import type { PeerCredentials } from './peer-credentials.js';
import { ServiceSocketServer, type ServiceClient } from './socket-server.js';
import { trayLaunchOf, TraySupervisor, type TrayLaunch } from './tray-supervisor.js';

export interface ServiceOptions {
  readonly agent: Agent;
  readonly version: string;
  readonly socketPath: string;
  readonly peerOf: (socket: Socket) => PeerCredentials | null;
  readonly log: DiagnosticLog;
  /** How a connected tray would be started again (from /proc by default). */
  readonly launchOf?: (peer: PeerCredentials) => TrayLaunch | null;
  /** Starts a tray again; default: spawned as its user (tray-supervisor.ts). */
  readonly launchTray?: (launch: TrayLaunch) => void;
}

export interface RunningService {
  readonly server: ServiceSocketServer;
  stop(): Promise<void>;
}

/**
 * Which uids may be the service's clients: root, and the uids policy lists
 * (`serviceClientUids`: the desktop or kiosk accounts the tray runs as).
 */
export function clientUidAllowList(policy: Pick<Policy, 'serviceClientUids'>): (uid: number) => boolean {
  const allowed = new Set(policy.serviceClientUids.map(Number));
  return (uid) => uid === 0 || allowed.has(uid);
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { agent, log } = options;
  const policy = agent.policy();
  const kiosk = policy.mode === 'shared-kiosk';
  const supervisor = new TraySupervisor({ log, launch: options.launchTray });
  const launchOf =
    options.launchOf ?? ((peer: PeerCredentials) => trayLaunchOf(peer.pid, peer.uid, peer.gid));
  let trays = 0;

  const overlayLost = (): boolean => kiosk && trays === 0;
  /** While no overlay covers the shared session, nobody works on it: lock now, and again if needed. */
  const keepLocked = (): void => {
    const { phase } = agent.snapshot();
    if (phase === 'active' || phase === 'offline-active' || phase === 'break-glass' || phase === 'locking') {
      void agent.manualLock();
    }
  };

  const server: ServiceSocketServer = new ServiceSocketServer({
    path: options.socketPath,
    handlers: createRequestHandlers(agent, { version: options.version }),
    peerOf: options.peerOf,
    allowUid: clientUidAllowList(policy),
    onOsEvent: (event) => void agent.dispatch({ type: event }),
    onClientsChanged: (clients: readonly ServiceClient[]) => {
      const before = trays;
      const connected = clients.filter((client) => client.role === 'tray');
      trays = connected.length;
      for (const client of connected) supervisor.remember(launchOf(client.peer));
      if (before > 0 && trays === 0) {
        log.error('the tray (overlay) went away', { mode: policy.mode });
        if (kiosk) keepLocked();
        supervisor.relaunch();
      }
    },
    log,
  });

  const unsubscribe = agent.subscribe((event) => {
    const ui = toUiEvent(event);
    if (ui) server.broadcast(ui.name, ui.payload);
    if (event.type === 'state' && overlayLost()) keepLocked();
  });
  await server.listen();
  return {
    server,
    async stop() {
      unsubscribe();
      await server.close();
    },
  };
}
