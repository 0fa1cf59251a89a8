/**
 * A stand-in for the `electron` module, for app/main's unit tests (Electron cannot run here).
 * It records what main asks of Electron — windows and their options, IPC handlers, session
 * handlers, the app:// protocol handler — and lets tests play Electron's side: invoke an IPC
 * request from a chosen frame, crash a renderer, open a foreign window.
 */
import { EventEmitter } from 'node:events';

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame: FakeFrame = { url: '', parent: null };
  readonly sent: { channel: string; payload: unknown }[] = [];
  destroyed = false;
  openHandler: ((details: { url: string }) => { action: string }) | null = null;
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static readonly created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  destroyed = false;
  alwaysOnTopLevel: string | null = null;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.webContents.mainFrame.url = url;
  }
  removeMenu(): void {}
  setAlwaysOnTop(_flag: boolean, level: string): void {
    this.alwaysOnTopLevel = level;
  }
  show(): void {
    this.visible = true;
  }
  showInactive(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {}
  destroy(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

type Handler = (event: unknown, payload: unknown) => Promise<unknown>;

export const ipcHandlers = new Map<string, Handler>();
export const ipcMain = {
  handle: (channel: string, handler: Handler) => ipcHandlers.set(channel, handler),
  removeHandler: (channel: string) => ipcHandlers.delete(channel),
};

class FakeApp extends EventEmitter {
  sandboxed = false;
  whenReady = async (): Promise<void> => undefined;
  enableSandbox = (): void => {
    this.sandboxed = true;
  };
  requestSingleInstanceLock = (): boolean => true;
  quit = (): void => undefined;
  getVersion = (): string => '1.2.3';
}
export const app = new FakeApp();

export const sessionHandlers: {
  permissionRequest?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
  permissionCheck?: () => boolean;
  devicePermission?: () => boolean;
  beforeRequest?: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void;
} = {};
export const session = {
  defaultSession: {
    setPermissionRequestHandler: (h: typeof sessionHandlers.permissionRequest) => {
      sessionHandlers.permissionRequest = h;
    },
    setPermissionCheckHandler: (h: () => boolean) => {
      sessionHandlers.permissionCheck = h;
    },
    setDevicePermissionHandler: (h: () => boolean) => {
      sessionHandlers.devicePermission = h;
    },
    webRequest: {
      onBeforeRequest: (h: typeof sessionHandlers.beforeRequest) => {
        sessionHandlers.beforeRequest = h;
      },
    },
  },
};

export const protocolState: {
  privileged: unknown[];
  handler: ((request: { url: string }) => Promise<Response>) | null;
} = { privileged: [], handler: null };
export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown[]) => protocolState.privileged.push(...schemes),
  handle: (_scheme: string, handler: (request: { url: string }) => Promise<Response>) => {
    protocolState.handler = handler;
  },
};

const DISPLAYS = [
  { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } },
  { id: 2, bounds: { x: 1920, y: 0, width: 1280, height: 1024 } },
];
class FakeScreen extends EventEmitter {
  getAllDisplays = () => DISPLAYS;
  getPrimaryDisplay = () => DISPLAYS[0];
}
export const screen = new FakeScreen();

export const trays: FakeTray[] = [];
export class FakeTray {
  menu: { template: Record<string, unknown>[] } | null = null;
  tooltip = '';
  constructor() {
    trays.push(this);
  }
  setImage(): void {}
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: Record<string, unknown>[] }): void {
    this.menu = menu;
  }
  destroy(): void {}
}

class FakePowerMonitor extends EventEmitter {
  getSystemIdleTime = (): number => 0;
}

export function electronModule(): Record<string, unknown> {
  return {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain,
    session,
    protocol,
    screen,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: Record<string, unknown>[]) => ({ template }) },
    nativeImage: { createFromBitmap: () => ({}) },
    dialog: { showMessageBox: async () => ({ response: 0 }) },
    powerMonitor: new FakePowerMonitor(),
  };
}
