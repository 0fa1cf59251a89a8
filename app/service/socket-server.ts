/**
 * The service's local socket: the tray and the eSSO driver connect here as the desktop user.
 * Before a client's first byte is read, its peer is checked (SO_PEERCRED: uid and pid, from the
 * kernel) against the allow-list; then each frame is checked (wire.ts), each request against the
 * contract and against what the client's role may ask. Anything else ends the connection; payloads
 * are never logged (a submitPin payload holds a PIN).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { DiagnosticLog } from '../core/ports/index.js';
import {
  parseEvent,
  parseRequest,
  parseResult,
  type EventName,
  type EventOf,
  type RequestHandlers,
  type RequestName,
  type Result,
} from '../ipc/contract.js';
import {
  LineSplitter,
  parseClientFrame,
  ROLE_REQUESTS,
  type ClientRole,
  type ServiceFrame,
} from '../ipc/wire.js';
import type { PeerCredentials } from './peer-credentials.js';

export interface ServiceClient {
  readonly id: number;
  readonly peer: PeerCredentials;
  role: ClientRole | null;
}

export interface SocketServerOptions {
  readonly path: string;
  readonly handlers: RequestHandlers;
  /** The kernel's word on who connected; null: cannot be told (refused). */
  readonly peerOf: (socket: Socket) => PeerCredentials | null;
  /** Whether this uid may be a client (policy's allow-list; root always may). */
  readonly allowUid: (uid: number) => boolean;
  /** An OS event the desktop session saw (idle, sleep, wake). */
  readonly onOsEvent: (event: 'inactivity-timeout' | 'power-suspend' | 'power-resume') => void;
  /** A client said hello, or went away. */
  readonly onClientsChanged?: (clients: readonly ServiceClient[]) => void;
  readonly log: DiagnosticLog;
}

export class ServiceSocketServer {
  private server: Server | null = null;
  private readonly clients = new Map<Socket, ServiceClient>();
  private nextId = 1;

  constructor(private readonly options: SocketServerOptions) {}

  /** Listens on the socket path: its folder is made root's and traversable, the socket world-connectable (the peer check decides). */
  async listen(): Promise<void> {
    const { path } = this.options;
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    if (existsSync(path)) {
      // A stale socket from a previous run; anything else at that path is not ours to remove.
      if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket`);
      unlinkSync(path);
    }
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o666);
  }

  connected(): readonly ServiceClient[] {
    return [...this.clients.values()];
  }

  private accept(socket: Socket): void {
    const peer = this.options.peerOf(socket);
    if (!peer || !this.options.allowUid(peer.uid)) {
      this.options.log.warn('service client refused', {
        uid: peer?.uid ?? null,
        pid: peer?.pid ?? null,
        why: peer ? 'uid not allowed by policy (serviceClientUids)' : 'peer cannot be told',
      });
      socket.destroy();
      return;
    }
    const client: ServiceClient = { id: this.nextId++, peer, role: null };
    this.clients.set(socket, client);
    socket.setEncoding('utf8');
    const lines = new LineSplitter();
    const drop = (why: string): void => {
      this.options.log.warn('service client dropped', { uid: peer.uid, pid: peer.pid, why });
      socket.destroy();
    };
    socket.on('data', (chunk: string) => {
      const complete = lines.push(chunk);
      if (complete === null) return drop('frame too long');
      for (const line of complete) {
        if (socket.destroyed) return;
        this.onLine(socket, client, line, drop);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.clients.delete(socket);
      this.options.onClientsChanged?.(this.connected());
    });
  }

  private onLine(socket: Socket, client: ServiceClient, line: string, drop: (why: string) => void): void {
    const frame = parseClientFrame(line);
    if (!frame) return drop('not a frame of the protocol');
    switch (frame.t) {
      case 'hello':
        if (client.role !== null) return drop('said hello twice');
        client.role = frame.role;
        this.options.onClientsChanged?.(this.connected());
        return;
      case 'os-event':
        if (client.role !== 'tray') return drop('only the tray forwards OS events');
        this.options.onOsEvent(frame.event);
        return;
      case 'request':
        if (client.role === null) return drop('request before hello');
        void this.answer(socket, client.role, frame.id, frame.name, frame.payload);
        return;
    }
  }

  private async answer(
    socket: Socket,
    role: ClientRole,
    id: number,
    name: RequestName,
    payload: unknown,
  ): Promise<void> {
    let result: Result<unknown>;
    if (!ROLE_REQUESTS[role].includes(name)) {
      this.options.log.warn('service request refused for this client role', { request: name, role });
      result = { ok: false, code: 'forbidden' };
    } else {
      const request = parseRequest(name, payload);
      if (request === null) {
        this.options.log.warn('service request with an invalid payload dropped', { request: name });
        result = { ok: false, code: 'invalid-request' };
      } else {
        try {
          const handler = this.options.handlers[name] as (request: unknown) => Promise<Result<unknown>>;
          result = await handler(request);
          if (parseResult(name, result) === null) {
            this.options.log.error('service response outside the contract withheld', { request: name });
            result = { ok: false, code: 'internal-error' };
          }
        } catch (error) {
          this.options.log.error('service handler failed', { request: name, error: String(error) });
          result = { ok: false, code: 'internal-error' };
        }
      }
    }
    this.write(socket, { t: 'response', id, result });
  }

  private write(socket: Socket, frame: ServiceFrame): void {
    if (!socket.destroyed) socket.write(`${JSON.stringify(frame)}\n`);
  }

  /** Sends an event to every client that said hello, after checking it against the contract. */
  broadcast<N extends EventName>(name: N, payload: EventOf<N>): void {
    if (parseEvent(name, payload) === null) {
      this.options.log.error('event outside the contract withheld', { event: name });
      return;
    }
    for (const [socket, client] of this.clients) {
      if (client.role === 'tray' || (client.role === 'esso' && name === 'state')) {
        this.write(socket, { t: 'event', name, payload });
      }
    }
  }

  async close(): Promise<void> {
    for (const socket of this.clients.keys()) socket.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (existsSync(this.options.path)) unlinkSync(this.options.path);
  }
}
