/**
 * Validated IPC: the only place main listens to the renderer. Before any handler runs, the
 * sender is checked (one of our own windows, its main frame, showing our own app:// page) and
 * the payload is checked against the contract; anything else is dropped, logged without its
 * payload (it may hold a PIN), and answered with a bare error code.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { DiagnosticLog } from '../core/ports/index.js';
import {
  events as eventSchemas,
  parseEvent,
  parseRequest,
  parseResult,
  REQUEST_NAMES,
  requestChannel,
  eventChannel,
  type EventName,
  type EventOf,
  type RequestHandlers,
  type RequestName,
  type Result,
} from '../ipc/contract.js';
import { WINDOW_ROLE_REQUESTS, type WindowRole } from '../ipc/window-roles.js';
import { isAppUrl } from './csp.js';

/** What of an IPC event the sender check looks at (a subset of Electron's, for tests). */
export interface SenderEvent {
  readonly sender: Pick<WebContents, 'id' | 'mainFrame'>;
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

export interface IpcServerOptions {
  /** Whether these webContents belong to one of the app's own windows. */
  readonly isOwnWebContents: (id: number) => boolean;
  /** The role of one of our windows (what it may ask); null: not ours. */
  readonly roleOf: (id: number) => WindowRole | null;
  readonly log: DiagnosticLog;
}

/** Why a sender is refused, or null when it may talk to main. */
export function senderProblem(
  event: SenderEvent,
  options: Pick<IpcServerOptions, 'isOwnWebContents'>,
): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (!options.isOwnWebContents(event.sender.id)) return 'the sender is not one of the app windows';
  if (frame !== event.sender.mainFrame || frame.parent !== null) return 'the sender is a sub-frame';
  if (!isAppUrl(frame.url)) return 'the sender is not showing the app page';
  return null;
}

/** Runs one request through the sender check, the payload check and its handler. */
export async function handleRequest<N extends RequestName>(
  name: N,
  event: SenderEvent,
  payload: unknown,
  handlers: RequestHandlers,
  options: IpcServerOptions,
): Promise<Result<unknown>> {
  const problem = senderProblem(event, options);
  if (problem) {
    options.log.warn('IPC request refused', { request: name, problem, url: event.senderFrame?.url ?? null });
    return { ok: false, code: 'forbidden' };
  }
  const role = options.roleOf(event.sender.id);
  if (role === null || !WINDOW_ROLE_REQUESTS[role].includes(name)) {
    options.log.warn('IPC request refused for this window', { request: name, role });
    return { ok: false, code: 'forbidden' };
  }
  const request = parseRequest(name, payload);
  if (request === null) {
    // The payload is not logged: for submitPin it may be a PIN, however malformed.
    options.log.warn('IPC request with an invalid payload dropped', { request: name });
    return { ok: false, code: 'invalid-request' };
  }
  try {
    const handler = handlers[name] as (request: unknown) => Promise<Result<unknown>>;
    const result = await handler(request);
    if (parseResult(name, result) === null) {
      options.log.error('IPC response outside the contract withheld', { request: name });
      return { ok: false, code: 'internal-error' };
    }
    return result;
  } catch (error) {
    options.log.error('IPC handler failed', { request: name, error: String(error) });
    return { ok: false, code: 'internal-error' };
  }
}

/** Registers every request of the contract on ipcMain; returns a function that removes them. */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: RequestHandlers,
  options: IpcServerOptions,
): () => void {
  for (const name of REQUEST_NAMES) {
    ipcMain.handle(requestChannel(name), (event: IpcMainInvokeEvent, payload: unknown) =>
      handleRequest(name, event, payload, handlers, options),
    );
  }
  return () => {
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(requestChannel(name));
  };
}

/** Sends an event to windows, after checking it against the contract (a bug must not leak data). */
export function sendEvent<N extends EventName>(
  targets: readonly Pick<WebContents, 'send' | 'isDestroyed'>[],
  name: N,
  payload: EventOf<N>,
  log: DiagnosticLog,
): void {
  if (!(name in eventSchemas) || parseEvent(name, payload) === null) {
    log.error('event outside the contract withheld', { event: name });
    return;
  }
  for (const target of targets) if (!target.isDestroyed()) target.send(eventChannel(name), payload);
}
