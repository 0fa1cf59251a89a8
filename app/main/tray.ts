/**
 * The tray icon and its menu. The icon tells a passing IT technician, at a glance, the state of
 * the workstation; colour is doubled by shape for colour-blind eyes (square: locked, disc:
 * signed in, triangle: a problem). Icons are drawn in code so there is no asset to lose.
 */
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import { safeDisplayText } from '../ipc/display-text.js';
import type { ShellStrings } from './strings.js';
import type { TrayState } from './tray-state.js';

type Shape = 'square' | 'disc' | 'triangle';

const LOOK: Readonly<Record<TrayState, { shape: Shape; rgb: readonly [number, number, number] }>> = {
  locked: { shape: 'square', rgb: [0x5b, 0x6b, 0x7f] },
  'signed-in': { shape: 'disc', rgb: [0x1e, 0x8e, 0x3e] },
  'reader-missing': { shape: 'triangle', rgb: [0xd9, 0x6c, 0x00] },
  'idp-unreachable': { shape: 'triangle', rgb: [0xc6, 0x28, 0x28] },
  offline: { shape: 'disc', rgb: [0xb2, 0x8a, 0x00] },
};

const SIZE = 32;

function inside(shape: Shape, x: number, y: number): boolean {
  const c = (SIZE - 1) / 2;
  switch (shape) {
    case 'square':
      return x >= 5 && x <= SIZE - 6 && y >= 5 && y <= SIZE - 6;
    case 'disc':
      return (x - c) ** 2 + (y - c) ** 2 <= (c - 3) ** 2;
    case 'triangle': {
      const top = 3;
      const bottom = SIZE - 4;
      if (y < top || y > bottom) return false;
      const half = ((y - top) / (bottom - top)) * (c - 2);
      return Math.abs(x - c) <= half;
    }
  }
}

/** A SIZE×SIZE BGRA bitmap of a state's icon. */
export function trayIconBitmap(state: TrayState): Buffer {
  const { shape, rgb } = LOOK[state];
  const pixels = Buffer.alloc(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y += 1) {
    for (let x = 0; x < SIZE; x += 1) {
      if (!inside(shape, x, y)) continue;
      const at = (y * SIZE + x) * 4;
      pixels[at] = rgb[2];
      pixels[at + 1] = rgb[1];
      pixels[at + 2] = rgb[0];
      pixels[at + 3] = 0xff;
    }
  }
  return pixels;
}

export interface TrayActions {
  lockNow(): void;
  switchUser(): void;
  diagnostics(): void;
  about(): void;
  /** Opens the e-CPS pad over the current session. */
  ecpsOther(): void;
}

export interface TrayView {
  readonly state: TrayState;
  readonly signedIn: string | null;
  /** Whether the IdP offers e-CPS. */
  readonly ecpsOffered?: boolean;
}

/** The menu: who is signed in, then the actions. Names are shown sanitised and bounded. */
export function trayMenuTemplate(
  view: TrayView,
  strings: ShellStrings,
  actions: TrayActions,
): MenuItemConstructorOptions[] {
  return [
    {
      label: view.signedIn ? strings.signedInAs(safeDisplayText(view.signedIn, 60)) : strings.nobodySignedIn,
      enabled: false,
    },
    { type: 'separator' },
    { label: strings.lockNow, enabled: view.signedIn !== null, click: () => actions.lockNow() },
    { label: strings.switchUser, click: () => actions.switchUser() },
    {
      label: strings.ecpsOther,
      // Locked, the lock screen offers e-CPS itself.
      enabled: view.signedIn !== null && view.ecpsOffered === true,
      click: () => actions.ecpsOther(),
    },
    { type: 'separator' },
    { label: strings.diagnostics, click: () => actions.diagnostics() },
    { label: strings.about, click: () => actions.about() },
  ];
}

export interface TrayDeps {
  readonly createTray: (icon: NativeImage) => Tray;
  readonly iconFor: (state: TrayState) => NativeImage;
  readonly buildMenu: (template: MenuItemConstructorOptions[]) => Menu;
  readonly strings: ShellStrings;
  readonly actions: TrayActions;
}

export class AppTray {
  private tray: Tray | null = null;
  private shown: string | null = null;

  constructor(private readonly deps: TrayDeps) {}

  update(view: TrayView): void {
    const key = `${view.state}\u0000${view.signedIn ?? ''}\u0000${String(view.ecpsOffered)}`;
    if (key === this.shown) return;
    this.shown = key;
    const icon = this.deps.iconFor(view.state);
    if (!this.tray) this.tray = this.deps.createTray(icon);
    else this.tray.setImage(icon);
    this.tray.setToolTip(this.deps.strings.tooltip[view.state]);
    this.tray.setContextMenu(
      this.deps.buildMenu(trayMenuTemplate(view, this.deps.strings, this.deps.actions)),
    );
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = null;
  }
}
