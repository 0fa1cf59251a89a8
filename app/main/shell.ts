/**
 * The Electron main process: hosts the agent, owns the tray and the windows, and speaks to the
 * screens only through the validated IPC of the contract. It does not choose its adapters: the
 * caller passes the factory (production in app/main/entry.ts), so the same shell code runs on
 * real readers or on a simulation.
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
import { composeAgent, type Agent } from '../agent/agent.js';
import type { AdapterFactory, RunningAdapters } from '../agent/cli.js';
import type { Catalogue } from '../core/messages.js';
import { DEFAULT_POLICY, policyWithFallback, type Policy, type PolicyProblem } from '../core/policy.js';
import type { DiagnosticLog, PolicySource } from '../core/ports/index.js';
import type { Snapshot } from '../ipc/contract.js';
import { createRequestHandlers, toSnapshot, toUiEvent } from './agent-host.js';
import { registerIpcHandlers, sendEvent } from './ipc-server.js';
import { hardenApp, hardenSession, registerAppScheme, serveAppPages } from './security.js';
import { SHELL_STRINGS } from './strings.js';
import { AppTray, trayIconBitmap } from './tray.js';
import { trayStateOf } from './tray-state.js';
import { AppWindows, overlayVisible } from './windows.js';

export interface ShellOptions {
  readonly adapterFactory: AdapterFactory;
  /** Where policy comes from (registry, JSON file); null: the defaults. */
  readonly policySource: PolicySource | null;
  readonly loadCatalogue: (locale: Policy['locale']) => Catalogue;
  readonly version: string;
  /** Folder of the built renderer (index.html, renderer.js, styles.css). */
  readonly rendererDir: string;
  /** The bundled preload script (CommonJS: sandboxed preloads cannot be ES modules). */
  readonly preloadPath: string;
  readonly auditFile: string | null;
  readonly log: DiagnosticLog;
}

export interface Shell {
  readonly agent: Agent;
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

/** The policy in force: an invalid setting falls back to its safe default and is reported. */
export async function loadShellPolicy(
  source: PolicySource | null,
  log: DiagnosticLog,
): Promise<{ policy: Policy; problems: readonly PolicyProblem[] }> {
  if (!source) return { policy: DEFAULT_POLICY, problems: [] };
  const read = await source.read();
  if (!read.ok) {
    log.error('policy cannot be read; starting on the defaults', {
      where: read.location,
      problem: read.problem,
    });
    return { policy: DEFAULT_POLICY, problems: [{ field: '', message: read.problem }] };
  }
  const settled = policyWithFallback(read.raw);
  for (const problem of settled.problems) {
    log.error('invalid policy setting falls back to its default', {
      where: read.location,
      problem: problem.message,
    });
  }
  return settled;
}

const IDLE_POLL_MS = 15_000;

export async function startShell(options: ShellOptions): Promise<Shell> {
  const { log } = options;
  await app.whenReady();
  const { policy, problems } = await loadShellPolicy(options.policySource, log);
  const running: RunningAdapters = await options.adapterFactory(policy, { auditFile: options.auditFile });
  const agent = composeAgent(running.adapters, policy, {
    catalogue: options.loadCatalogue(policy.locale),
    policyProblems: problems,
  });
  const effective = agent.policy();
  const strings = SHELL_STRINGS[effective.locale];

  hardenSession(session.defaultSession, log);
  serveAppPages(protocol, options.rendererDir, log);

  let stopping = false;
  const windows: AppWindows = new AppWindows({
    BrowserWindow,
    screen,
    preloadPath: options.preloadPath,
    mode: effective.mode,
    log,
    onRendererGone: () => {
      if (stopping) return;
      // A crashed screen must never leave a session open behind it: lock, then rebuild.
      void agent.manualLock().finally(() => {
        windows.createAll();
        windows.setVisible(overlayVisible(effective.mode, agent.snapshot().phase));
      });
    },
  });

  let lastSnapshot: Snapshot = toSnapshot(agent.snapshot());
  const tray = new AppTray({
    createTray: (icon) => new Tray(icon),
    iconFor: (state) => nativeImage.createFromBitmap(trayIconBitmap(state), { width: 32, height: 32 }),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    strings,
    actions: {
      lockNow: () => void agent.manualLock(),
      // Switching user = locking: the next badge opens (or resumes) its owner's session.
      switchUser: () => void agent.manualLock(),
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
          detail: strings.aboutDetail(options.version, effective.workstationName),
        }),
    },
  });
  const refreshTray = (): void =>
    tray.update({
      state: trayStateOf(lastSnapshot),
      signedIn: lastSnapshot.user?.displayName ?? null,
      ecpsOffered: agent.ecpsOffered(),
    });

  const unregister = registerIpcHandlers(
    ipcMain,
    createRequestHandlers(
      agent,
      { version: options.version },
      { screenClosed: () => windows.setVisible(overlayVisible(effective.mode, agent.snapshot().phase)) },
    ),
    {
      isOwnWebContents: (id) => windows.isOwnWebContents(id),
      log,
    },
  );

  const unsubscribe = agent.subscribe((event) => {
    const ui = toUiEvent(event);
    if (ui?.name === 'state') {
      lastSnapshot = ui.payload;
      windows.setVisible(overlayVisible(effective.mode, ui.payload.phase));
    }
    if (ui) sendEvent(windows.contents(), ui.name, ui.payload, log);
    if (event.type === 'state' || event.type === 'feedback' || event.type === 'source') refreshTray();
  });

  // Power and idle: the OS tells Electron; the agent decides what they mean.
  const dispatch = (type: string) => () => void agent.dispatch({ type });
  powerMonitor.on('suspend', dispatch('power-suspend'));
  powerMonitor.on('resume', dispatch('power-resume'));
  let idleReported = false;
  const idleLimitSeconds = effective.inactivityLockMinutes * 60;
  const idleTimer =
    idleLimitSeconds > 0
      ? setInterval(() => {
          const idle = powerMonitor.getSystemIdleTime() >= idleLimitSeconds;
          if (idle && !idleReported) void agent.dispatch({ type: 'inactivity-timeout' });
          idleReported = idle;
        }, IDLE_POLL_MS)
      : null;

  if (effective.mode === 'shared-kiosk') {
    const rebuild = (): void => windows.createAll();
    screen.on('display-added', rebuild);
    screen.on('display-removed', rebuild);
  }
  // The tray app lives on when its windows are hidden or closed.
  app.on('window-all-closed', () => undefined);

  windows.createAll();
  refreshTray();
  await agent.start();

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (idleTimer) clearInterval(idleTimer);
    unsubscribe();
    unregister();
    await agent.stop();
    await running.close();
    windows.closeAll();
    tray.destroy();
  };
  app.on('before-quit', (event) => {
    if (stopping) return;
    event.preventDefault();
    void stop().finally(() => app.quit());
  });
  return { agent, windows, stop };
}
