/**
 * The app's windows. In `shared-kiosk` mode: one full-screen lock overlay per display, always on
 * top; the primary display's shows the lock screen and PIN pad, the others a plain cover. In
 * `os-lock` mode the OS covers the screen: one prompt window shows the PIN pad above it. Every
 * window is created hidden at start, with its page loaded, so that a tap's prompt shows at once.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, Display, Screen, WebContents } from 'electron';
import type { DiagnosticLog } from '../core/ports/index.js';
import type { PhaseName } from '../ipc/contract.js';
import type { WindowRole } from '../ipc/window-roles.js';
import { APP_ENTRY_URL } from './csp.js';
import { secureWebPreferences } from './security.js';

export type SessionMode = 'shared-kiosk' | 'os-lock';

/** Whether the overlay (kiosk) or the prompt window (os-lock) should be showing in this phase. */
export function overlayVisible(mode: SessionMode, phase: PhaseName): boolean {
  switch (phase) {
    case 'active':
    case 'offline-active':
    case 'break-glass':
      return false;
    case 'locked':
      // In os-lock mode the OS's own lock screen covers the session.
      return mode === 'shared-kiosk';
    case 'identifying':
    case 'switching':
    case 'awaiting-pin':
    case 'authenticating':
    case 'ecps-waiting':
    case 'locking':
      return true;
  }
}

export interface WindowDeps {
  readonly BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  readonly screen: Pick<Screen, 'getAllDisplays' | 'getPrimaryDisplay'>;
  readonly preloadPath: string;
  readonly mode: SessionMode;
  readonly log: DiagnosticLog;
  /** Called when a window's renderer died: the shell locks, then the window is rebuilt. */
  readonly onRendererGone: (reason: string) => void;
}

const BACKGROUND = '#0b1f33';

export class AppWindows {
  private overlays: BrowserWindow[] = [];
  private diagnostics: BrowserWindow | null = null;
  /** The role of each of our webContents, by ID: what IPC lets it ask. */
  private readonly roles = new Map<number, WindowRole>();
  private visible = false;
  private quitting = false;

  constructor(private readonly deps: WindowDeps) {}

  /** Creates the overlays (kiosk) or the prompt window (os-lock), hidden, pages loading. */
  createAll(): void {
    for (const window of this.overlays) if (!window.isDestroyed()) window.destroy();
    this.overlays = [];
    if (this.deps.mode === 'shared-kiosk') {
      const primary = this.deps.screen.getPrimaryDisplay();
      for (const display of this.deps.screen.getAllDisplays()) {
        this.overlays.push(this.createOverlay(display, display.id === primary.id));
      }
    } else {
      this.overlays.push(this.createPrompt());
    }
    if (this.visible) this.setVisible(true);
  }

  private secure(options: BrowserWindowConstructorOptions, url: string, role: WindowRole): BrowserWindow {
    const window = new this.deps.BrowserWindow({
      ...options,
      show: false,
      backgroundColor: BACKGROUND,
      webPreferences: secureWebPreferences(this.deps.preloadPath, role),
    });
    this.roles.set(window.webContents.id, role);
    window.removeMenu();
    window.webContents.on('render-process-gone', (_event, details) => {
      this.deps.log.error('renderer gone; locking and rebuilding the screens', { reason: details.reason });
      this.deps.onRendererGone(details.reason);
    });
    void window.loadURL(url).catch((error: unknown) => {
      this.deps.log.error('app page failed to load', { url, error: String(error) });
    });
    return window;
  }

  private createOverlay(display: Display, primary: boolean): BrowserWindow {
    const { x, y, width, height } = display.bounds;
    const window = this.secure(
      {
        x,
        y,
        width,
        height,
        frame: false,
        fullscreen: true,
        resizable: false,
        movable: false,
        minimizable: false,
        maximizable: false,
        closable: false,
        skipTaskbar: true,
        alwaysOnTop: true,
        title: 'Relève',
      },
      primary ? APP_ENTRY_URL : `${APP_ENTRY_URL}#cover`,
      primary ? 'lock' : 'cover',
    );
    // Above everything, including other full-screen windows: the overlay is the lock.
    window.setAlwaysOnTop(true, 'screen-saver');
    window.on('close', (event) => {
      if (!this.quitting) event.preventDefault();
    });
    return window;
  }

  private createPrompt(): BrowserWindow {
    const window = this.secure(
      {
        width: 560,
        height: 760,
        center: true,
        frame: false,
        resizable: false,
        minimizable: false,
        maximizable: false,
        skipTaskbar: true,
        alwaysOnTop: true,
        title: 'Relève',
      },
      APP_ENTRY_URL,
      'lock',
    );
    window.setAlwaysOnTop(true, 'screen-saver');
    return window;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const [index, window] of this.overlays.entries()) {
      if (window.isDestroyed()) continue;
      if (visible) {
        if (index === 0) window.show();
        else window.showInactive();
      } else window.hide();
    }
    if (visible) this.overlays[0]?.focus();
  }

  /** The diagnostics page for IT, in an ordinary window above the overlay. */
  openDiagnostics(): void {
    if (this.diagnostics && !this.diagnostics.isDestroyed()) {
      this.diagnostics.show();
      this.diagnostics.focus();
      return;
    }
    this.diagnostics = this.secure(
      { width: 820, height: 700, center: true, alwaysOnTop: true, title: 'Relève — diagnostic' },
      `${APP_ENTRY_URL}#diagnostics`,
      'diagnostics',
    );
    this.diagnostics.setAlwaysOnTop(true, 'screen-saver');
    this.diagnostics.once('ready-to-show', () => this.diagnostics?.show());
  }

  /** Every webContents of ours: the only senders IPC accepts, the only targets of events. */
  contents(): WebContents[] {
    const windows = this.diagnostics ? [...this.overlays, this.diagnostics] : [...this.overlays];
    return windows.filter((window) => !window.isDestroyed()).map((window) => window.webContents);
  }

  isOwnWebContents(id: number): boolean {
    return this.contents().some((contents) => contents.id === id);
  }

  /** The role of one of our live windows' webContents; null when it is not ours (any more). */
  roleOf(id: number): WindowRole | null {
    return this.isOwnWebContents(id) ? (this.roles.get(id) ?? null) : null;
  }

  closeAll(): void {
    this.quitting = true;
    for (const window of [...this.overlays, this.diagnostics]) {
      if (window && !window.isDestroyed()) window.destroy();
    }
    this.overlays = [];
    this.diagnostics = null;
  }
}
