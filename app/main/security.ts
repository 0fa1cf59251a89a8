/**
 * Electron's security checklist, applied in one place: every window gets the same locked-down
 * webPreferences; every webContents refuses navigation, new windows and <webview>; the session
 * refuses every permission and every request that is not for the app's own pages; pages are
 * served from app:// with a strict CSP header. Why so strict: this screen takes PINs on a shared
 * clinical PC; a renderer that could reach Node, the network or another origin would be a way in.
 */
import { readFile } from 'node:fs/promises';
import type { App, Protocol, Session, WebContents, WebPreferences } from 'electron';
import type { DiagnosticLog } from '../core/ports/index.js';
import { WINDOW_ROLE_SWITCH, type WindowRole } from '../ipc/window-roles.js';
import { APP_SCHEME, appFileFor, contentSecurityPolicy, isAppUrl } from './csp.js';

/** The webPreferences of every window the app creates; the role says which API its preload exposes. */
export function secureWebPreferences(preloadPath: string, role: WindowRole): WebPreferences {
  return {
    preload: preloadPath,
    additionalArguments: [`${WINDOW_ROLE_SWITCH}${role}`],
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    devTools: false,
  };
}

/** Must run before `app.whenReady()`: app:// is a secure standard scheme (origin, CSP apply). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } },
  ]);
}

/** Serves the renderer folder on app://releve/, with the CSP on every response. */
export function serveAppPages(
  protocol: Pick<Protocol, 'handle'>,
  rendererDir: string,
  log: DiagnosticLog,
): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = appFileFor(rendererDir, request.url);
    if (!target) {
      log.warn('app:// request refused', { url: request.url });
      return new Response('Not found', { status: 404 });
    }
    try {
      const body = await readFile(target.file);
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': target.contentType,
          'content-security-policy': contentSecurityPolicy(),
          'x-content-type-options': 'nosniff',
          'cross-origin-opener-policy': 'same-origin',
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

/** Denies every permission (camera, notifications, HID, serial, ...) and every remote request. */
export function hardenSession(session: Session, log: DiagnosticLog): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn('permission request denied', { permission });
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // No remote content: anything but the app's own pages (and devtools, which are off) is cancelled.
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAppUrl(details.url) || details.url.startsWith('devtools://');
    if (!allowed) log.warn('request to a foreign URL cancelled', { url: details.url.slice(0, 200) });
    callback({ cancel: !allowed });
  });
}

/** Applies to every webContents ever created, whichever window it belongs to. */
export function hardenWebContents(contents: WebContents, log: DiagnosticLog): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    log.warn('navigation denied', { url: url.slice(0, 200) });
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log.warn('new window denied', { url: url.slice(0, 200) });
    return { action: 'deny' };
  });
}

/** App-wide switches, before ready: every renderer sandboxed, one instance only. */
export function hardenApp(app: Pick<App, 'enableSandbox' | 'on'>, log: DiagnosticLog): void {
  app.enableSandbox();
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, log));
}
