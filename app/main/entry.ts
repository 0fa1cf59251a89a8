/**
 * Entry point of the Electron app on a clinical workstation (`npm start` once Electron can run):
 * the tray and the screens, as an unprivileged client of the Relève service (`releve service`,
 * root on Linux, SYSTEM on Windows), reached on its socket. The built renderer and preload sit
 * beside this bundle (see app/main/bundle.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';
import type { DiagnosticLog, LogFields } from '../core/ports/index.js';
import { SERVICE_SOCKET_PATH } from '../ipc/wire.js';
import { prepareShell, startShell } from './shell.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The tray's diagnostics go to its stderr (the desktop session's journal): warnings and errors. */
const line =
  (level: string) =>
  (message: string, fields?: LogFields): void => {
    process.stderr.write(`${JSON.stringify({ level, message, ...fields })}\n`);
  };
const log: DiagnosticLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: line('warn'),
  error: line('error'),
};

if (prepareShell(log)) {
  const shell = await startShell({
    servicePath: SERVICE_SOCKET_PATH[process.platform === 'win32' ? 'win32' : 'linux'],
    version: app.getVersion(),
    rendererDir: join(here, 'renderer'),
    preloadPath: join(here, 'preload.cjs'),
    log,
  });
  process.once('SIGTERM', () => void shell.stop().finally(() => app.quit()));
}
