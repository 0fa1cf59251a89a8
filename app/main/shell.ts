/**
 * The Electron main process: the tray and the windows of the person in front, and nothing that
 * decides who is signed in. It is an unprivileged client of the Relève service (app/service):
 * the screens' requests, checked by ipc-server.ts, are forwarded over the service's socket, and
 * the service's events, checked again, are shown. Main never composes the agent, reads policy or
 * holds a token.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  powerMonitor,
  protocol,
  screen,
  session,
  Tray,
} from 'electron';
import type { DiagnosticLog } from '../core/ports/index.js';
import type { Diagnostics, Snapshot } from '../ipc/contract.js';
import { registerIpcHandlers, sendEvent } from './ipc-server.js';
import { hardenApp, hardenSession, registerAppScheme, serveAppPages } from './security.js';
import { ServiceConnection } from './service-client.js';
import { SHELL_STRINGS } from './strings.js';
import { AppTray, trayIconBitmap } from './tray.js';
import { trayStateOf } from './tray-state.js';
import { AppWindows, overlayVisible } from './windows.js';

export interface ShellOptions {
  /** The service's socket (/run/releve/service.sock on Linux). */
  readonly servicePath: string;
  readonly version: string;
  /** Folder of the built renderer (index.html, renderer.js, styles.css). */
  readonly rendererDir: string;
  /** The bundled preload script (CommonJS: sandboxed preloads cannot be ES modules). */
  readonly preloadPath: string;
  readonly log: DiagnosticLog;
}

export interface Shell {
  readonly service: ServiceConnection;
  readonly windows: AppWindows;
  stop(): Promise<void>;
}

/**
 * What must happen before `app.whenReady()`: the app:// scheme, the sandbox for every renderer,
 * the webContents hardening, a single instance. Returns false when another instance runs.
 */
export function prepareShell(log: DiagnosticLog): boolean {
  registerAppScheme(protocol);
  hardenApp(app, log);
  if (!app.requestSingleInstanceLock()) {
    log.warn('Relève is already running on this session; this instance quits');
    app.quit();
    return false;
  }
  return true;
}

const IDLE_POLL_MS = 15_000;

const EMPTY_SNAPSHOT: Snapshot = {
  phase: 'locked',
  user: null,
  prompt: null,
  undoRemainingMs: null,
  ecps: null,
  suspended: [],
  readers: [],
  // Until the service answers, nothing is known of the readers or the IdP.
  health: { readers: 'none', idp: 'unknown' },
};

export async function startShell(options: ShellOptions): Promise<Shell> {
  const { log } = options;
  await app.whenReady();
  const service = new ServiceConnection({ path: options.servicePath, role: 'tray', log });
  await service.connect();
  // The mode and the language are the service's (its policy), asked once at start.
  const diagnostics = await service.request('getDiagnostics', {});
  const settings: Pick<Diagnostics, 'mode' | 'locale' | 'workstationName' | 'ecpsOffered'> = diagnostics.ok
    ? diagnostics.value
    : { mode: 'shared-kiosk', locale: 'fr', workstationName: '', ecpsOffered: false };
  const strings = SHELL_STRINGS[settings.locale];
  const lockNow = (): void => void service.request('lockNow', {});

  hardenSession(session.defaultSession, log);
  serveAppPages(protocol, options.rendererDir, log);

  let stopping = false;
  let lastSnapshot: Snapshot = EMPTY_SNAPSHOT;
  const windows: AppWindows = new AppWindows({
    BrowserWindow,
    screen,
    preloadPath: options.preloadPath,
    mode: settings.mode,
    log,
    onRendererGone: () => {
      if (stopping) return;
      // A crashed screen must never leave a session open behind it: lock, then rebuild.
      void service.request('lockNow', {}).finally(() => {
        windows.createAll();
        windows.setVisible(overlayVisible(settings.mode, lastSnapshot.phase));
      });
    },
  });

  const tray = new AppTray({
    createTray: (icon) => new Tray(icon),
    iconFor: (state) => nativeImage.createFromBitmap(trayIconBitmap(state), { width: 32, height: 32 }),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    strings,
    actions: {
      lockNow,
      // Switching user = locking: the next badge opens (or resumes) its owner's session.
      switchUser: lockNow,
      diagnostics: () => windows.openDiagnostics(),
      ecpsOther: () => {
        // The overlay comes up over the session, on the e-CPS pad; the session stays until approval.
        windows.setVisible(true);
        sendEvent(windows.contents(), 'navigate', { screen: 'ecps' }, log);
      },
      about: () =>
        void dialog.showMessageBox({
          type: 'info',
          title: strings.about,
          message: 'Relève',
          detail: strings.aboutDetail(options.version, settings.workstationName),
        }),
    },
  });
  const refreshTray = (): void =>
    tray.update({
      state: trayStateOf(lastSnapshot),
      signedIn: lastSnapshot.user?.displayName ?? null,
      ecpsOffered: settings.ecpsOffered,
    });

  const forwarded = service.handlers();
  const unregister = registerIpcHandlers(
    ipcMain,
    {
      ...forwarded,
      // Closing a screen opened over a session is the windows' business, not the service's.
      screenClosed: async () => {
        windows.setVisible(overlayVisible(settings.mode, lastSnapshot.phase));
        return { ok: true, value: {} };
      },
    },
    {
      isOwnWebContents: (id) => windows.isOwnWebContents(id),
      roleOf: (id) => windows.roleOf(id),
      log,
    },
  );

  const unsubscribe = service.onEvent((event) => {
    if (event.name === 'state') {
      lastSnapshot = event.payload;
      windows.setVisible(overlayVisible(settings.mode, event.payload.phase));
    }
    sendEvent(windows.contents(), event.name, event.payload as never, log);
    refreshTray();
  });
  // While the service is away nobody can sign in: the overlay covers the screen (kiosk).
  const unwatchConnection = service.onConnection((connected) => {
    if (!connected) windows.setVisible(overlayVisible(settings.mode, 'locked'));
    else
      void service.request('getSnapshot', {}).then((snapshot) => {
        if (snapshot.ok) lastSnapshot = snapshot.value;
        windows.setVisible(overlayVisible(settings.mode, lastSnapshot.phase));
        refreshTray();
      });
  });

  // Power and idle: the OS tells Electron; the service decides what they mean.
  powerMonitor.on('suspend', () => service.osEvent('power-suspend'));
  powerMonitor.on('resume', () => service.osEvent('power-resume'));
  let idleReported = false;
  const idleLimitSeconds = Number(diagnostics.ok ? diagnostics.value.policy.inactivityLockMinutes : 0) * 60;
  const idleTimer =
    idleLimitSeconds > 0
      ? setInterval(() => {
          const idle = powerMonitor.getSystemIdleTime() >= idleLimitSeconds;
          if (idle && !idleReported) service.osEvent('inactivity-timeout');
          idleReported = idle;
        }, IDLE_POLL_MS)
      : null;

  if (settings.mode === 'shared-kiosk') {
    const rebuild = (): void => windows.createAll();
    screen.on('display-added', rebuild);
    screen.on('display-removed', rebuild);
  }
  // The tray app lives on when its windows are hidden or closed.
  app.on('window-all-closed', () => undefined);

  windows.createAll();
  const first = await service.request('getSnapshot', {});
  if (first.ok) lastSnapshot = first.value;
  windows.setVisible(overlayVisible(settings.mode, lastSnapshot.phase));
  refreshTray();

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (idleTimer) clearInterval(idleTimer);
    unsubscribe();
    unwatchConnection();
    unregister();
    service.close();
    windows.closeAll();
    tray.destroy();
  };
  app.on('before-quit', (event) => {
    if (stopping) return;
    event.preventDefault();
    void stop().finally(() => app.quit());
  });
  return { service, windows, stop };
}
