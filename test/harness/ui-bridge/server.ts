/**
 * The UI bridge: serves the real renderer over HTTP on 127.0.0.1 and hosts the REAL agent
 * (composeAgent) on a simulated workstation, so that a real browser drives the screens end to
 * end. Requests go through the same handlers and the same contract checks as Electron's main
 * process (app/main/agent-host.ts, app/main/ipc-server.ts); pages get the same CSP, plus
 * `connect-src 'self'` for this bridge's own transport. Never packaged.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { composeAgent, type Agent } from '../../../app/agent/agent.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import { DEFAULT_POLICY, type Policy } from '../../../app/core/policy.js';
import { isRequestName, parseEvent, type EventName } from '../../../app/ipc/contract.js';
import { WINDOW_ROLES } from '../../../app/ipc/window-roles.js';
import { createRequestHandlers, toUiEvent } from '../../../app/service/agent-host.js';
import { bundleRenderer } from '../../../app/main/bundle.js';
import { APP_ENTRY_URL, contentSecurityPolicy } from '../../../app/main/csp.js';
import { handleRequest, type SenderEvent } from '../../../app/main/ipc-server.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../sim/world.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const UI_ASSETS_DIR = join(ROOT, 'test-artifacts', 'ui-bridge');

/** Builds the renderer and the page-side bridge once per process. */
let assets: Promise<string> | null = null;
export function buildUiAssets(): Promise<string> {
  assets ??= (async () => {
    await mkdir(UI_ASSETS_DIR, { recursive: true });
    await bundleRenderer(UI_ASSETS_DIR);
    await build({
      entryPoints: [join(ROOT, 'test/harness/ui-bridge/client.ts')],
      outfile: join(UI_ASSETS_DIR, 'bridge.js'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      logLevel: 'error',
    });
    return UI_ASSETS_DIR;
  })();
  return assets;
}

export interface UiBridge {
  readonly url: string;
  readonly world: SimWorld;
  readonly agent: Agent;
  /** Requests the bridge refused (bad payload or foreign origin), for tests to assert on. */
  readonly refused: string[];
  close(): Promise<void>;
}

export interface UiBridgeOptions {
  readonly policy?: Partial<Policy>;
  readonly world?: SimWorld;
  readonly version?: string;
}

/**
 * The bridge's page is the app's main frame: what Electron's sender check establishes from the
 * frame, the bridge establishes from the Origin header (same origin as the page it served).
 */
const APP_MAIN_FRAME: SenderEvent = (() => {
  const frame = { url: APP_ENTRY_URL, parent: null };
  return { sender: { id: 1, mainFrame: frame as never }, senderFrame: frame };
})();

const TYPES: Readonly<Record<string, string>> = {
  '/renderer.js': 'text/javascript; charset=utf-8',
  '/bridge.js': 'text/javascript; charset=utf-8',
  '/styles.css': 'text/css; charset=utf-8',
};

async function readBody(request: IncomingMessage, limit = 16_384): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startUiBridge(options: UiBridgeOptions = {}): Promise<UiBridge> {
  const dir = await buildUiAssets();
  const world = options.world ?? createSimWorld();
  const policy: Policy = { ...DEFAULT_POLICY, workstationName: 'POSTE-URG-07', ...options.policy };
  const running = await simulatedAdapters(world, null)(policy, { auditFile: null });
  const agent = composeAgent(running.adapters, policy, { catalogue: loadCatalogue(policy.locale) });
  const handlers = createRequestHandlers(agent, { version: options.version ?? '0.1.0-test' });
  const refused: string[] = [];
  const streams = new Set<ServerResponse>();
  const log = {
    ...silentLog,
    warn: (message: string) => refused.push(message),
  };

  const html = (await readFile(join(dir, 'index.html'), 'utf8')).replace(
    '<script type="module" src="renderer.js"></script>',
    '<script src="bridge.js"></script>\n    <script type="module" src="renderer.js"></script>',
  );
  const headers = (type: string): Record<string, string> => ({
    'content-type': type,
    'content-security-policy': contentSecurityPolicy({ connectSelf: true }),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });

  const server = createServer((request, response) => {
    void route(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  let origin = '';
  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', origin).pathname;
    if (request.method === 'GET' && (path === '/' || path === '/index.html')) {
      response.writeHead(200, headers('text/html; charset=utf-8')).end(html);
      return;
    }
    const type = TYPES[path];
    if (request.method === 'GET' && type) {
      response.writeHead(200, headers(type)).end(await readFile(join(dir, path.slice(1))));
      return;
    }
    if (request.method === 'GET' && path === '/events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      response.write(': connected\n\n');
      streams.add(response);
      request.on('close', () => streams.delete(response));
      return;
    }
    const name = path.startsWith('/ipc/') ? path.slice(5) : null;
    if (request.method === 'POST' && name !== null && isRequestName(name)) {
      const body = await readBody(request);
      let payload: unknown;
      try {
        payload = body === null ? undefined : (JSON.parse(body) as unknown);
      } catch {
        payload = undefined;
      }
      const sameOrigin = request.headers.origin === origin;
      const event: SenderEvent = sameOrigin ? APP_MAIN_FRAME : { ...APP_MAIN_FRAME, senderFrame: null };
      const claimed = request.headers['x-releve-window-role'];
      const role = WINDOW_ROLES.find((r) => r === claimed) ?? 'cover';
      const result = await handleRequest(name, event, payload, handlers, {
        isOwnWebContents: () => true,
        roleOf: () => role,
        log,
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      return;
    }
    response.writeHead(404).end();
  }

  const send = (name: EventName, payload: unknown): void => {
    // As main's sendEvent: nothing outside the contract reaches the page.
    if (parseEvent(name, payload) === null) return;
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };
  const unsubscribe = agent.subscribe((event) => {
    const ui = toUiEvent(event);
    if (ui) send(ui.name, ui.payload);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await agent.start();

  return {
    url: `${origin}/`,
    world,
    agent,
    refused,
    async close() {
      unsubscribe();
      for (const stream of streams) stream.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.stop();
      await running.close();
    },
  };
}
