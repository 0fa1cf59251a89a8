/**
 * Each window gets only the API it needs. The lock screen (the primary display's overlay, or
 * the os-lock prompt) signs people in; a secondary display's cover and the diagnostics window
 * only read: a page shown there, were it ever subverted, has no sign-in call to make. Main
 * enforces this per sender (ipc-server.ts); the preload exposes no more than this either.
 */
import type { RequestName } from './contract.js';

export const WINDOW_ROLES = ['lock', 'cover', 'diagnostics'] as const;
export type WindowRole = (typeof WINDOW_ROLES)[number];

const READ_ONLY: readonly RequestName[] = ['getSnapshot', 'getDiagnostics'];

export const WINDOW_ROLE_REQUESTS: Readonly<Record<WindowRole, readonly RequestName[]>> = {
  lock: [
    'getSnapshot',
    'submitPin',
    'cancelPin',
    'undo',
    'lockNow',
    'chooseEcps',
    'cancelEcps',
    'screenClosed',
    'getDiagnostics',
  ],
  cover: READ_ONLY,
  diagnostics: READ_ONLY,
};

/** The command-line switch main gives each window's renderer (webPreferences.additionalArguments). */
export const WINDOW_ROLE_SWITCH = '--releve-window-role=';

/** The role a renderer was started with; a missing or unknown one is the least: a cover. */
export function windowRoleFromArgv(argv: readonly string[]): WindowRole {
  const value = argv.find((arg) => arg.startsWith(WINDOW_ROLE_SWITCH))?.slice(WINDOW_ROLE_SWITCH.length);
  return (WINDOW_ROLES as readonly string[]).includes(value ?? '') ? (value as WindowRole) : 'cover';
}
