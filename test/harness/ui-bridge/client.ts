/**
 * The test bridge's page side: provides `window.releve` with exactly the API the preload
 * exposes (derived from app/ipc), over HTTP to the bridge server: requests as POST /ipc/<name>,
 * events over one EventSource. Bundled for the browser by the server; never packaged.
 */
import {
  isEventName,
  isRequestName,
  parseEvent,
  parseResult,
  REQUEST_NAMES,
  type EventName,
  type EventOf,
  type ReleveApi,
  type RequestName,
  type Result,
} from '../../../app/ipc/contract.js';

const windowRole =
  location.hash === '#cover' ? 'cover' : location.hash === '#diagnostics' ? 'diagnostics' : 'lock';
const events = new EventSource('/events');
events.addEventListener('open', () => {
  document.documentElement.dataset.bridge = 'open';
});

function request(name: RequestName) {
  return async (payload: unknown): Promise<Result<unknown>> => {
    if (!isRequestName(name)) return { ok: false, code: 'invalid-request' };
    const response = await fetch(`/ipc/${name}`, {
      method: 'POST',
      // As main gives each window its role: the page the bridge serves says which window it plays.
      headers: { 'content-type': 'application/json', 'x-releve-window-role': windowRole },
      body: JSON.stringify(payload ?? null),
    });
    const result = parseResult(name, (await response.json()) as unknown);
    return result ?? { ok: false, code: 'internal-error' };
  };
}

function on<N extends EventName>(event: N, listener: (payload: EventOf<N>) => void): () => void {
  if (!isEventName(event)) return () => undefined;
  const wrapped = (message: MessageEvent<string>): void => {
    const checked = parseEvent(event, JSON.parse(message.data) as unknown);
    if (checked !== null) listener(checked);
  };
  events.addEventListener(event, wrapped);
  return () => events.removeEventListener(event, wrapped);
}

const api = Object.freeze(
  Object.fromEntries([...REQUEST_NAMES.map((name) => [name, request(name)] as const), ['on', on] as const]),
) as unknown as ReleveApi;

Object.defineProperty(window, 'releve', { value: api, writable: false, configurable: false });
