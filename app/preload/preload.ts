/**
 * The preload: exposes `window.releve`, derived from the IPC contract, and nothing else — no
 * ipcRenderer, no Node, no generic `send`. Sandboxed preloads cannot load ES modules or local
 * files, so this is bundled into one CommonJS file (app/main/bundle.ts) with the contract inlined.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  eventChannel,
  isEventName,
  parseEvent,
  requestChannel,
  type EventName,
  type EventOf,
  type ReleveApi,
  type RequestName,
  type Result,
} from '../ipc/contract.js';
import { WINDOW_ROLE_REQUESTS, windowRoleFromArgv } from '../ipc/window-roles.js';

function request(name: RequestName) {
  return async (payload: unknown): Promise<Result<unknown>> => {
    const result: unknown = await ipcRenderer.invoke(requestChannel(name), payload);
    return result as Result<unknown>;
  };
}

function on<N extends EventName>(event: N, listener: (payload: EventOf<N>) => void): () => void {
  if (!isEventName(event) || typeof listener !== 'function') return () => undefined;
  const wrapped = (_event: IpcRendererEvent, payload: unknown): void => {
    // Checked again on this side: the page only ever sees payloads the contract allows.
    const checked = parseEvent(event, payload);
    if (checked !== null) listener(checked);
  };
  ipcRenderer.on(eventChannel(event), wrapped);
  return () => {
    ipcRenderer.removeListener(eventChannel(event), wrapped);
  };
}

// Only the calls this window's role may make (main refuses the others anyway): a cover or the
// diagnostics page has no sign-in call at all, not even a function to call.
const role = windowRoleFromArgv(process.argv);
const api = Object.fromEntries([
  ...WINDOW_ROLE_REQUESTS[role].map((name) => [name, request(name)] as const),
  ['on', on] as const,
]) as unknown as ReleveApi;

contextBridge.exposeInMainWorld('releve', api);
