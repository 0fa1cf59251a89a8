/**
 * Enterprise SSO on one desktop technology (X11 + AT-SPI, UI Automation). The engine in core
 * decides what to do; the driver only sees windows and acts on one of them. Contract:
 * - `windows` lists the top-level windows on screen now; `watch` reports each one that is shown,
 *   changes (title, class, fields) or goes, from the desktop's own events (no polling).
 * - `execute` acts on the plan's window only. Before every burst of keystrokes it checks that
 *   this window has the input focus, and stops at once (never types elsewhere) if it has not:
 *   the outcome then says `focus-lost`. It never moves focus away from the person's window
 *   except to give it to the plan's window.
 * - The secrets given to `execute` are used for that one plan and not kept, logged or put in
 *   an error; they come for the person in the foreground only, at the moment of filling (in
 *   the service design, over the service's socket, so the desktop side never holds a vault).
 * - `close`/`hide` carry out an application's switch action on one window.
 */
import type { WindowDescription } from '../esso/match.js';
import type { FillPlan } from '../esso/plan.js';
import type { CredentialSlot } from '../esso/sequence.js';

export type EssoWindowEvent =
  | { readonly kind: 'shown' | 'changed'; readonly window: WindowDescription }
  | { readonly kind: 'gone'; readonly windowId: string };

/** The values for one plan's slots: held only for the duration of `execute`. */
export type FillSecrets = Partial<Record<CredentialSlot, string>>;

export const FILL_FAILURES = [
  'focus-lost',
  'window-gone',
  'field-missing',
  'unsupported',
  'untypable',
  'driver-error',
] as const;
export type FillFailure = (typeof FILL_FAILURES)[number];

export type FillOutcome =
  | { readonly ok: true }
  /** `detail` is for diagnostics: it never contains a secret. */
  | { readonly ok: false; readonly reason: FillFailure; readonly detail: string };

export interface EssoDriver {
  windows(): Promise<WindowDescription[]>;
  watch(listener: (event: EssoWindowEvent) => void): () => void;
  execute(plan: FillPlan, secrets: FillSecrets): Promise<FillOutcome>;
  close(windowId: string): Promise<void>;
  hide(windowId: string): Promise<void>;
}
