/**
 * The native addons the agent loads (N-API, so one build serves Node and Electron), and what to
 * tell IT when one cannot be loaded: an interrupted install leaves a package without its
 * `.node` file, and the stack trace Node prints then says nothing about how to repair it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resourcesDir } from './resources.js';

/** Each addon, with what it gives the workstation. */
export const NATIVE_BINDINGS: Readonly<Record<string, string>> = {
  smartcard: 'PC/SC binding (smart-card and contactless readers)',
  'node-hid': 'HID binding (HID badge readers)',
  '@napi-rs/keyring': 'OS keyring binding (the vault of tokens and keys)',
};

/** The command that repairs an install: the setup in a source checkout, else a reinstall. */
export function repairCommand(root: string = join(resourcesDir(), '..')): string {
  return existsSync(join(root, 'build', 'dev', 'setup.sh'))
    ? `npm run setup (in ${root})`
    : 'reinstall the Relève package';
}

/**
 * One line saying which binding cannot be loaded and how to repair it, when `error` is a
 * binding that failed to load; null for any other error.
 */
export function bindingFailure(error: unknown, repair: () => string = () => repairCommand()): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_DLOPEN_FAILED') return null;
  const found = `${error instanceof Error ? error.message : ''}\n${JSON.stringify((error as { requireStack?: unknown }).requireStack ?? [])}`;
  // Windows paths too.
  const text = found.replace(/\\/g, '/');
  const name = Object.keys(NATIVE_BINDINGS).find(
    (candidate) => text.includes(`node_modules/${candidate}/`) || text.includes(`'${candidate}'`),
  );
  if (!name) return null;
  return `releve: the ${NATIVE_BINDINGS[name]!} cannot be loaded (${name}: its native build is missing or broken); repair: ${repair()}`;
}
