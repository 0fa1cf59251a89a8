/**
 * The part of the `x11` package (pure-JS X11 protocol client, no typings of its own) that the
 * eSSO driver uses. Callbacks follow the package: (error, reply).
 */
declare module 'x11' {
  type Callback<T> = (error: Error | null | undefined, reply: T) => void;

  interface X11Event {
    readonly name: string;
    readonly wid?: number;
    readonly parent?: number;
    readonly atom?: number;
    readonly event?: number;
  }

  interface X11Client {
    readonly atoms: Record<string, number>;
    InternAtom(onlyIfExists: boolean, name: string, callback: Callback<number>): void;
    QueryTree(wid: number, callback: Callback<{ root: number; parent: number; children: number[] }>): void;
    GetProperty(
      del: number,
      wid: number,
      property: number,
      type: number,
      longOffset: number,
      longLength: number,
      callback: Callback<{ type: number; format: number; bytesAfter: number; data: Buffer }>,
    ): void;
    GetWindowAttributes(
      wid: number,
      callback: Callback<{ mapState: number; overrideRedirect: number }>,
    ): void;
    ChangeWindowAttributes(wid: number, values: { eventMask?: number }, callback?: Callback<unknown>): void;
    GetInputFocus(callback: Callback<{ focus: number; revertTo: number }>): void;
    SetInputFocus(wid: number, revertTo: number): void;
    QueryPointer(wid: number, callback: Callback<{ keyMask: number }>): void;
    GetKeyboardMapping(first: number, count: number, callback: Callback<number[][]>): void;
    ChangeKeyboardMapping(first: number, keysymsPerKeycode: number, keysyms: number[]): void;
    SendEvent(destination: number, propagate: number, eventMask: number, event: Buffer): void;
    UnmapWindow(wid: number): void;
    require(extension: 'xtest', callback: Callback<XTest>): void;
    require(extension: 'res', callback: Callback<XRes>): void;
    on(event: 'event', listener: (event: X11Event) => void): void;
    on(event: 'error', listener: (error: Error) => void): void;
    on(event: 'end' | 'close', listener: () => void): void;
    close(callback?: () => void): void;
    terminate(): void;
  }

  interface XTest {
    readonly KeyPress: number;
    readonly KeyRelease: number;
    FakeInput(type: number, keycode: number, time: number, wid: number, x: number, y: number): void;
  }

  interface XRes {
    readonly ClientIdMask: { readonly LocalClientPID: number };
    QueryClientIds(
      specs: { client: number; mask: number }[],
      callback: Callback<{ client: number; mask: number; value: number[] }[]>,
    ): void;
  }

  interface X11Display {
    readonly client: X11Client;
    readonly min_keycode: number;
    readonly max_keycode: number;
    readonly screen: readonly { readonly root: number }[];
  }

  export function createClient(
    options: { display?: string },
    callback: (error: Error | null | undefined, display: X11Display) => void,
  ): X11Client;

  export const eventMask: Record<string, number>;
}
