/**
 * The tray's side of the service's socket. Main is an unprivileged client: it forwards the
 * screens' requests (already checked by ipc-server.ts) and shows the events it receives. Every
 * frame from the service is checked as well (wire.ts, then the contract): a result or an event
 * outside the contract never reaches a window. When the service is away, requests fail with
 * `internal-error` and the client reconnects by itself.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { DiagnosticLog } from '../core/ports/index.js';
import {
  parseEvent,
  parseResult,
  REQUEST_NAMES,
  type EventName,
  type EventOf,
  type RequestHandlers,
  type RequestName,
  type RequestOf,
  type ResponseOf,
  type Result,
} from '../ipc/contract.js';
import {
  LineSplitter,
  parseServiceFrame,
  type ClientFrame,
  type ClientRole,
  type FORWARDED_OS_EVENTS,
} from '../ipc/wire.js';

export type ServiceEvent = { [N in EventName]: { name: N; payload: EventOf<N> } }[EventName];

export interface ServiceClientOptions {
  readonly path: string;
  readonly role: ClientRole;
  readonly log: DiagnosticLog;
  /** Milliseconds between reconnection attempts (default 1 s). */
  readonly retryMs?: number;
  readonly connect?: (path: string) => Socket;
}

interface Pending {
  readonly name: RequestName;
  readonly settle: (result: Result<unknown>) => void;
}

const SERVICE_AWAY: Result<never> = { ok: false, code: 'internal-error' };

export class ServiceConnection {
  private socket: Socket | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly listeners = new Set<(event: ServiceEvent) => void>();
  private readonly connectionListeners = new Set<(connected: boolean) => void>();
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: ServiceClientOptions) {}

  /** Resolves once connected the first time; later losses reconnect in the background. */
  connect(): Promise<void> {
    return new Promise((resolve) => {
      const attempt = (): void => {
        if (this.closed) return resolve();
        const socket = (this.options.connect ?? netConnect)(this.options.path);
        socket.setEncoding('utf8');
        const lines = new LineSplitter();
        socket.once('connect', () => {
          this.socket = socket;
          this.send({ t: 'hello', role: this.options.role });
          for (const listener of this.connectionListeners) listener(true);
          resolve();
        });
        socket.on('data', (chunk: string) => {
          const complete = lines.push(chunk);
          if (complete === null) return socket.destroy();
          for (const line of complete) this.onLine(line, socket);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          const wasConnected = this.socket === socket;
          if (wasConnected) {
            this.socket = null;
            this.failPending();
            for (const listener of this.connectionListeners) listener(false);
          }
          if (!this.closed) this.retry = setTimeout(attempt, this.options.retryMs ?? 1_000);
        });
      };
      attempt();
    });
  }

  private onLine(line: string, socket: Socket): void {
    const frame = parseServiceFrame(line);
    if (!frame) {
      this.options.log.error('a frame from the service is outside the protocol; reconnecting');
      socket.destroy();
      return;
    }
    if (frame.t === 'response') {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      this.pending.delete(frame.id);
      const result = parseResult(pending.name, frame.result);
      if (result === null) this.options.log.error('a service response outside the contract was withheld');
      pending.settle(result ?? SERVICE_AWAY);
      return;
    }
    const payload = parseEvent(frame.name, frame.payload);
    if (payload === null) {
      this.options.log.error('a service event outside the contract was withheld', { event: frame.name });
      return;
    }
    const event = { name: frame.name, payload } as ServiceEvent;
    for (const listener of this.listeners) listener(event);
  }

  private send(frame: ClientFrame): boolean {
    if (!this.socket || this.socket.destroyed) return false;
    this.socket.write(`${JSON.stringify(frame)}\n`);
    return true;
  }

  private failPending(): void {
    for (const pending of this.pending.values()) pending.settle(SERVICE_AWAY);
    this.pending.clear();
  }

  request<N extends RequestName>(name: N, payload: RequestOf<N>): Promise<Result<ResponseOf<N>>> {
    return new Promise((settle) => {
      const id = this.nextId++;
      this.pending.set(id, { name, settle: settle as (result: Result<unknown>) => void });
      if (!this.send({ t: 'request', id, name, payload })) {
        this.pending.delete(id);
        settle(SERVICE_AWAY);
      }
    });
  }

  /** The contract's handlers, each a request to the service (for ipc-server.ts). */
  handlers(): RequestHandlers {
    return Object.fromEntries(
      REQUEST_NAMES.map((name) => [name, (request: unknown) => this.request(name, request as never)]),
    ) as unknown as RequestHandlers;
  }

  osEvent(event: (typeof FORWARDED_OS_EVENTS)[number]): void {
    this.send({ t: 'os-event', event });
  }

  onEvent(listener: (event: ServiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket?.destroy();
    this.socket = null;
    this.failPending();
  }
}
