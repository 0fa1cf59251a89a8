// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the x11 package has no typings: ours are ambient, and every project that compiles this file needs them
/// <reference path="./x11.d.ts" />
/**
 * The Linux eSSO driver on X11, through the pure-JS `x11` protocol client (no xdotool, no
 * native addon). Windows are discovered from the root window's SubstructureNotify events and
 * each window's PropertyNotify (title changes), never by polling; keystrokes go through XTEST,
 * after checking before every keystroke that the plan's window still has the input focus.
 */
import { readFileSync } from 'node:fs';
import x11, { type X11Client, type X11Display, type X11Event, type XRes, type XTest } from 'x11';
import type { WindowDescription } from '../../core/esso/match.js';
import type { FillPlan, PlanStep } from '../../core/esso/plan.js';
import type {
  DiagnosticLog,
  EssoDriver,
  EssoWindowEvent,
  FillOutcome,
  FillSecrets,
} from '../../core/ports/index.js';
import { Keymap, KEYSYMS, keysymOf, type Stroke } from './keymap.js';

const EVENT_MASK = {
  StructureNotify: 0x00020000,
  SubstructureNotify: 0x00080000,
  PropertyChange: 0x00400000,
} as const;
/** X protocol constants. */
const ANY_PROPERTY_TYPE = 0;
const REVERT_TO_PARENT = 2;
const LOCK_MASK = 0x02;
const CLIENT_MESSAGE = 33;
/** Pause after a keyboard mapping change, for applications to re-read their keymap. */
const KEYMAP_SETTLE_MS = 30;

const call = <T>(
  start: (callback: (error: Error | null | undefined, reply: T) => void) => void,
): Promise<T> =>
  new Promise((resolve, reject) => start((error, reply) => (error ? reject(error) : resolve(reply))));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Thrown inside `execute` to stop at once with a reason; never carries a typed value. */
class FillStop extends Error {
  constructor(
    readonly reason: Extract<FillOutcome, { ok: false }>['reason'],
    detail: string,
  ) {
    super(detail);
  }
}

export interface X11EssoDriverOptions {
  /** The X display (`:0`); default $DISPLAY. */
  readonly display?: string;
  readonly log: DiagnosticLog;
  /** The executable name of a process (default: /proc/PID/comm). */
  readonly processName?: (pid: number) => string;
}

const procComm = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

export class X11EssoDriver implements EssoDriver {
  /** Top-level client windows on screen, by client window ID. */
  private readonly shown = new Map<number, WindowDescription>();
  /** Client window of each mapped child of the root (itself without a window manager). */
  private readonly clientOfFrame = new Map<number, number>();
  private readonly listeners = new Set<(event: EssoWindowEvent) => void>();
  /** One description at a time per window, so events about it are reported in order. */
  private readonly pending = new Map<number, Promise<void>>();
  private readonly parentCache = new Map<number, number>();
  private atoms: Record<'netWmName' | 'utf8' | 'netWmPid' | 'wmProtocols' | 'wmDelete', number> = {
    netWmName: 0,
    utf8: 0,
    netWmPid: 0,
    wmProtocols: 0,
    wmDelete: 0,
  };
  private closed = false;
  /** Fills run one at a time: two plans must never interleave their keystrokes. */
  private fillQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly display: X11Display,
    private readonly xtest: XTest,
    private readonly res: XRes | null,
    private readonly log: DiagnosticLog,
    private readonly processName: (pid: number) => string,
  ) {}

  private get x(): X11Client {
    return this.display.client;
  }

  private get root(): number {
    return this.display.screen[0]!.root;
  }

  /** Connects to the display and starts following its windows; rejects if X11 or XTEST is absent. */
  static async connect(options: X11EssoDriverOptions): Promise<X11EssoDriver> {
    const displayName = options.display ?? process.env.DISPLAY;
    if (!displayName) throw new Error('no X display (DISPLAY is not set)');
    const display = await new Promise<X11Display>((resolve, reject) => {
      const client = x11.createClient({ display: displayName }, (error, connected) =>
        error
          ? reject(new Error(`cannot connect to X display ${displayName}: ${error.message}`))
          : resolve(connected),
      );
      client.on('error', (error) => reject(error));
    });
    const client = display.client;
    let xtest: XTest;
    try {
      xtest = await call<XTest>((cb) => client.require('xtest', cb));
    } catch {
      client.terminate();
      throw new Error(`the X display ${displayName} has no XTEST extension: keystrokes cannot be sent`);
    }
    const res = await call<XRes>((cb) => client.require('res', cb)).catch(() => null);
    const driver = new X11EssoDriver(display, xtest, res, options.log, options.processName ?? procComm);
    await driver.start();
    return driver;
  }

  private async start(): Promise<void> {
    const atom = (name: string) => call<number>((cb) => this.x.InternAtom(false, name, cb));
    this.atoms = {
      netWmName: await atom('_NET_WM_NAME'),
      utf8: await atom('UTF8_STRING'),
      netWmPid: await atom('_NET_WM_PID'),
      wmProtocols: await atom('WM_PROTOCOLS'),
      wmDelete: await atom('WM_DELETE_WINDOW'),
    };
    // Errors about windows that vanished between an event and our request are expected.
    this.x.on('error', (error) => this.log.debug('X11 request failed', { error: error.message }));
    this.x.on('event', (event) => this.onEvent(event));
    this.x.ChangeWindowAttributes(this.root, { eventMask: EVENT_MASK.SubstructureNotify });
    const tree = await call<{ children: number[] }>((cb) => this.x.QueryTree(this.root, cb));
    for (const child of tree.children) {
      const attributes = await call<{ mapState: number }>((cb) =>
        this.x.GetWindowAttributes(child, cb),
      ).catch(() => null);
      if (attributes?.mapState === 2) await this.track(child);
    }
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.fillQueue.catch(() => undefined);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.x.terminate();
        resolve();
      }, 500);
      this.x.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async windows(): Promise<WindowDescription[]> {
    await Promise.all(this.pending.values());
    return [...this.shown.values()];
  }

  /** The top-level window that has the input focus, if it is one the driver follows. */
  async focusedWindow(): Promise<WindowDescription | null> {
    await Promise.all(this.pending.values());
    const { focus } = await call<{ focus: number }>((cb) => this.x.GetInputFocus(cb));
    let wid = focus;
    for (let depth = 0; depth < 32 && wid > 1 && wid !== this.root; depth++) {
      const shown = this.shown.get(wid);
      if (shown) return shown;
      wid = await this.parentOf(wid);
    }
    return null;
  }

  watch(listener: (event: EssoWindowEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: EssoWindowEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.error('eSSO window listener failed', { error: String(error) });
      }
    }
  }

  private onEvent(event: X11Event): void {
    if (this.closed) return;
    const wid = event.wid ?? 0;
    switch (event.name) {
      case 'MapNotify':
        if (event.event === this.root) void this.serially(wid, () => this.track(wid));
        break;
      case 'UnmapNotify':
      case 'DestroyNotify':
        if (event.event === this.root || this.shown.has(wid))
          void this.serially(wid, async () => this.untrack(wid));
        break;
      case 'PropertyNotify': {
        const titleOrClass = [this.atoms.netWmName, this.x.atoms.WM_NAME, this.x.atoms.WM_CLASS];
        if (this.shown.has(wid) && titleOrClass.includes(event.atom ?? -1))
          void this.serially(wid, () => this.refresh(wid));
        break;
      }
      default:
        break;
    }
  }

  private serially(wid: number, task: () => Promise<void>): Promise<void> {
    const frame = this.frameOf(wid);
    const previous = this.pending.get(frame) ?? Promise.resolve();
    const next = previous
      .then(task)
      .catch((error: unknown) => this.log.debug('X11 window description failed', { error: String(error) }));
    this.pending.set(frame, next);
    void next.finally(() => {
      if (this.pending.get(frame) === next) this.pending.delete(frame);
    });
    return next;
  }

  private frameOf(wid: number): number {
    for (const [frame, client] of this.clientOfFrame) if (client === wid) return frame;
    return wid;
  }

  private async track(frame: number): Promise<void> {
    const client = await this.clientWindow(frame);
    if (client === null) return;
    this.clientOfFrame.set(frame, client);
    this.x.ChangeWindowAttributes(client, {
      eventMask: EVENT_MASK.PropertyChange | EVENT_MASK.StructureNotify,
    });
    const window = await this.describe(client);
    if (!window || this.closed) return;
    this.shown.set(client, window);
    this.emit({ kind: 'shown', window });
  }

  private untrack(wid: number): void {
    const client = this.clientOfFrame.get(wid) ?? wid;
    this.clientOfFrame.delete(wid);
    if (this.shown.delete(client)) this.emit({ kind: 'gone', windowId: String(client) });
  }

  private async refresh(client: number): Promise<void> {
    const before = this.shown.get(client);
    const window = await this.describe(client);
    if (!window || !before || !this.shown.has(client)) return;
    if (window.title === before.title && window.className === before.className) return;
    this.shown.set(client, window);
    this.emit({ kind: 'changed', window });
  }

  /** The window that carries WM_CLASS: the frame itself, or its child under a reparenting WM. */
  private async clientWindow(frame: number): Promise<number | null> {
    if ((await this.property(frame, this.x.atoms.WM_CLASS!)) !== null) return frame;
    const tree = await call<{ children: number[] }>((cb) => this.x.QueryTree(frame, cb)).catch(() => null);
    for (const child of tree?.children ?? [])
      if ((await this.property(child, this.x.atoms.WM_CLASS!)) !== null) return child;
    return null;
  }

  private async property(wid: number, atom: number): Promise<Buffer | null> {
    const reply = await call<{ type: number; data: Buffer }>((cb) =>
      this.x.GetProperty(0, wid, atom, ANY_PROPERTY_TYPE, 0, 4096, cb),
    ).catch(() => null);
    return reply && reply.type !== 0 ? reply.data : null;
  }

  private async describe(wid: number): Promise<WindowDescription | null> {
    const wmClass = await this.property(wid, this.x.atoms.WM_CLASS!);
    if (wmClass === null) return null;
    // WM_CLASS is "instance\0Class\0": profiles match the class.
    const className = wmClass.toString('latin1').split('\0')[1] ?? '';
    const netTitle = await this.property(wid, this.atoms.netWmName);
    const title = netTitle
      ? netTitle.toString('utf8')
      : ((await this.property(wid, this.x.atoms.WM_NAME!))?.toString('latin1') ?? '');
    const pid = await this.pidOf(wid);
    return {
      windowId: String(wid),
      process: pid === null ? '' : this.processName(pid),
      className,
      title,
      fields: [],
      screenText: null,
    };
  }

  private async pidOf(wid: number): Promise<number | null> {
    const netPid = await this.property(wid, this.atoms.netWmPid);
    if (netPid && netPid.length >= 4) return netPid.readUInt32LE(0);
    // Toolkits that do not set _NET_WM_PID (Tk): ask the server which local process owns the window.
    if (!this.res) return null;
    const ids = await call<{ value: number[] }[]>((cb) =>
      this.res!.QueryClientIds([{ client: wid, mask: this.res!.ClientIdMask.LocalClientPID }], cb),
    ).catch(() => []);
    return ids[0]?.value[0] ?? null;
  }

  // ---- filling -------------------------------------------------------------------------------

  execute(plan: FillPlan, secrets: FillSecrets): Promise<FillOutcome> {
    const run = this.fillQueue.then(() => this.run(plan, secrets));
    this.fillQueue = run.catch(() => undefined);
    return run;
  }

  private async run(plan: FillPlan, secrets: FillSecrets): Promise<FillOutcome> {
    const target = Number(plan.windowId);
    const accessible = plan.steps.find((step) => step.kind === 'set-field' || step.kind === 'press');
    if (accessible)
      return {
        ok: false,
        reason: 'unsupported',
        detail: 'this profile sets accessible fields: AT-SPI is not available',
      };
    const missing = plan.needs.find((slot) => secrets[slot] === undefined);
    if (missing) return { ok: false, reason: 'driver-error', detail: `no value given for ${missing}` };
    if (this.closed || !this.shown.has(target))
      return { ok: false, reason: 'window-gone', detail: `window ${plan.windowId} is not on screen` };

    const keymap = await this.keymap();
    let capsLockWasOn = false;
    let borrowed: number[] = [];
    try {
      borrowed = await this.borrowKeycodes(plan, secrets, keymap);
      await this.takeFocus(target);
      capsLockWasOn = await this.capsLockOn();
      if (capsLockWasOn) await this.tapKeysym(keymap, KEYSYMS.Caps_Lock);
      for (const step of plan.steps) await this.perform(step, target, keymap, secrets);
      await this.sync();
      return { ok: true };
    } catch (error) {
      if (error instanceof FillStop) {
        this.log.warn('eSSO fill stopped', {
          window: plan.windowId,
          profile: plan.profileId,
          reason: error.reason,
          detail: error.message,
        });
        return { ok: false, reason: error.reason, detail: error.message };
      }
      // An X error text names a request and a resource, never a typed character.
      return {
        ok: false,
        reason: 'driver-error',
        detail: error instanceof Error ? error.message : 'X11 error',
      };
    } finally {
      if (capsLockWasOn) await this.tapKeysym(keymap, KEYSYMS.Caps_Lock).catch(() => undefined);
      if (borrowed.length > 0) await this.giveBack(borrowed, keymap).catch(() => undefined);
    }
  }

  /**
   * Characters absent from the layout: each gets a keycode that has no keysym, for the time
   * of this plan. All are mapped before the first keystroke and given back after the last,
   * each change followed by a pause: an application re-reads its keymap when told of a change,
   * and keys arriving while it does so were seen dropped (Tk), so no change happens mid-typing.
   */
  private async borrowKeycodes(plan: FillPlan, secrets: FillSecrets, keymap: Keymap): Promise<number[]> {
    const typed = plan.steps.flatMap((step) =>
      step.kind === 'text' ? [step.text] : step.kind === 'slot' ? [secrets[step.slot] ?? ''] : [],
    );
    const absent = new Set<number>();
    for (const text of typed)
      for (const char of text) {
        const stroke = keymap.strokeFor(keysymOf(char));
        if (stroke.kind === 'remap') absent.add(stroke.keysym);
      }
    if (absent.size === 0) return [];
    if (absent.size > keymap.spareKeycodes.length)
      throw new FillStop(
        'untypable',
        `${absent.size} characters are absent from the layout and only ${keymap.spareKeycodes.length} keycodes are free`,
      );
    const width = keymap.keysymsPerKeycode;
    const borrowed: number[] = [];
    for (const keysym of absent) {
      const keycode = keymap.spareKeycodes[borrowed.length]!;
      this.x.ChangeKeyboardMapping(keycode, width, new Array<number>(width).fill(keysym));
      keymap.lend(keysym, keycode);
      borrowed.push(keycode);
    }
    await this.sync();
    await sleep(KEYMAP_SETTLE_MS);
    return borrowed;
  }

  private async giveBack(keycodes: readonly number[], keymap: Keymap): Promise<void> {
    await this.sync();
    await sleep(KEYMAP_SETTLE_MS);
    const width = keymap.keysymsPerKeycode;
    for (const keycode of keycodes)
      this.x.ChangeKeyboardMapping(keycode, width, new Array<number>(width).fill(0));
    await this.sync();
  }

  private async perform(step: PlanStep, target: number, keymap: Keymap, secrets: FillSecrets): Promise<void> {
    switch (step.kind) {
      case 'delay':
        await sleep(step.ms);
        return;
      case 'slot':
        return this.typeText(secrets[step.slot] ?? '', target, keymap);
      case 'text':
        return this.typeText(step.text, target, keymap);
      case 'key':
        await this.checkFocus(target);
        return this.tapKeysym(keymap, KEYSYMS[step.key]);
      case 'clear-field':
        await this.checkFocus(target);
        if (step.how === 'line-kill') return this.chord(keymap, [KEYSYMS.Control_L], 'u'.charCodeAt(0));
        await this.tapKeysym(keymap, KEYSYMS.End);
        await this.chord(keymap, [KEYSYMS.Shift_L], KEYSYMS.Home);
        return this.tapKeysym(keymap, KEYSYMS.BackSpace);
      case 'set-field':
      case 'press':
        throw new FillStop('unsupported', 'accessible fields are not available');
    }
  }

  private async typeText(text: string, target: number, keymap: Keymap): Promise<void> {
    for (const char of text) {
      // Before every keystroke: a secret is never typed into another window.
      await this.checkFocus(target);
      await this.typeStroke(keymap.strokeFor(keysymOf(char)), keymap);
    }
  }

  private async keymap(): Promise<Keymap> {
    const first = this.display.min_keycode;
    const rows = await call<number[][]>((cb) =>
      this.x.GetKeyboardMapping(first, this.display.max_keycode - first + 1, cb),
    );
    return new Keymap(first, rows);
  }

  private async typeStroke(stroke: Stroke, keymap: Keymap): Promise<void> {
    if (stroke.kind === 'remap') throw new FillStop('untypable', 'a character is absent from the layout');
    const modifiers = stroke.modifiers.map((modifier) =>
      keymap.keycodeOf(modifier === 'shift' ? KEYSYMS.Shift_L : KEYSYMS.ISO_Level3_Shift),
    );
    for (const keycode of modifiers) if (keycode !== null) this.fake(this.xtest.KeyPress, keycode);
    this.fake(this.xtest.KeyPress, stroke.keycode);
    this.fake(this.xtest.KeyRelease, stroke.keycode);
    for (const keycode of [...modifiers].reverse())
      if (keycode !== null) this.fake(this.xtest.KeyRelease, keycode);
  }

  private async tapKeysym(keymap: Keymap, keysym: number): Promise<void> {
    await this.typeStroke(keymap.strokeFor(keysym), keymap);
  }

  private async chord(keymap: Keymap, modifiers: number[], keysym: number): Promise<void> {
    const held = modifiers.map((m) => keymap.keycodeOf(m)).filter((k): k is number => k !== null);
    const key = keymap.keycodeOf(keysym);
    if (key === null) throw new FillStop('untypable', `no key for keysym 0x${keysym.toString(16)}`);
    for (const keycode of held) this.fake(this.xtest.KeyPress, keycode);
    this.fake(this.xtest.KeyPress, key);
    this.fake(this.xtest.KeyRelease, key);
    for (const keycode of held.reverse()) this.fake(this.xtest.KeyRelease, keycode);
  }

  private fake(type: number, keycode: number): void {
    this.xtest.FakeInput(type, keycode, 0, this.root, 0, 0);
  }

  /** A round trip: every request sent before it has been processed by the server. */
  private async sync(): Promise<void> {
    await call((cb) => this.x.GetInputFocus(cb));
  }

  private async capsLockOn(): Promise<boolean> {
    const pointer = await call<{ keyMask: number }>((cb) => this.x.QueryPointer(this.root, cb));
    return (pointer.keyMask & LOCK_MASK) !== 0;
  }

  /** Gives the plan's window the focus if it has not got it (there may be no window manager). */
  private async takeFocus(target: number): Promise<void> {
    if (await this.hasFocus(target)) return;
    this.x.SetInputFocus(target, REVERT_TO_PARENT);
    await this.sync();
    if (!(await this.hasFocus(target)))
      throw new FillStop('focus-lost', 'the login window did not take the focus');
  }

  private async checkFocus(target: number): Promise<void> {
    if (!this.shown.has(target))
      throw new FillStop('window-gone', 'the login window went away during the fill');
    if (!(await this.hasFocus(target)))
      throw new FillStop(
        'focus-lost',
        'another window took the focus: the fill stopped before the next keystroke',
      );
  }

  /** Whether the focus is the window or one of its descendants. */
  private async hasFocus(target: number): Promise<boolean> {
    const { focus } = await call<{ focus: number }>((cb) => this.x.GetInputFocus(cb));
    let wid = focus;
    for (let depth = 0; depth < 32 && wid > 1 && wid !== this.root; depth++) {
      if (wid === target) return true;
      wid = await this.parentOf(wid);
    }
    return false;
  }

  private async parentOf(wid: number): Promise<number> {
    const cached = this.parentCache.get(wid);
    if (cached !== undefined) return cached;
    const tree = await call<{ parent: number }>((cb) => this.x.QueryTree(wid, cb)).catch(() => ({
      parent: 0,
    }));
    if (this.parentCache.size > 4096) this.parentCache.clear();
    this.parentCache.set(wid, tree.parent);
    return tree.parent;
  }

  // ---- switch actions ------------------------------------------------------------------------

  /** Asks the application to close the window (ICCCM WM_DELETE_WINDOW), as a window manager would. */
  async close(windowId: string): Promise<void> {
    const wid = Number(windowId);
    const event = Buffer.alloc(32);
    event[0] = CLIENT_MESSAGE;
    event[1] = 32; // format: 32-bit data
    event.writeUInt32LE(wid, 4);
    event.writeUInt32LE(this.atoms.wmProtocols, 8);
    event.writeUInt32LE(this.atoms.wmDelete, 12);
    event.writeUInt32LE(0, 16); // CurrentTime
    this.x.SendEvent(wid, 0, 0, event);
    await this.sync();
  }

  async hide(windowId: string): Promise<void> {
    this.x.UnmapWindow(Number(windowId));
    await this.sync();
  }
}
