/**
 * Enterprise SSO on one desktop technology (X11, UI Automation). The engine in core decides
 * what to fill; the driver only finds windows and types. Contract:
 * - `watchLoginScreens` reports each login window that appears, with what the profiles need to
 *   recognise it (process, title, class, accessible names).
 * - `fill` acts on the given window only, and fails (never types elsewhere) if it lost focus.
 * - Credentials handed to `fill` are not kept or logged.
 */
export interface LoginWindow {
  readonly windowId: string;
  readonly process: string;
  readonly title: string;
  readonly className: string;
  readonly fieldNames: readonly string[];
}

export interface FillStep {
  readonly field: string;
  readonly value: string;
}

export interface EssoDriver {
  watchLoginScreens(listener: (window: LoginWindow) => void): () => void;
  fill(windowId: string, steps: readonly FillStep[], submit: boolean): Promise<void>;
  /** Logs the person out of their applications (user switch in shared-kiosk mode). */
  logoutApplications(personId: string): Promise<void>;
}
