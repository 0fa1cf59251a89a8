/**
 * Entry point of the Electron app on a clinical workstation (`npm start` once Electron can run):
 * production adapters, the policy from the registry (Windows) or /etc/releve/policy.json
 * (Linux), the built renderer and preload beside this bundle (see app/main/bundle.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';
// The layer rule lets main reach adapters only through the agent. Until app/agent offers the
// production policy source and the os-lock session itself (asked of the lead), the entry point
// takes them here; it is the composition of the production app, and nothing else in main does.
import type { AdapterFactory } from '../agent/cli.js';
import {
  createWinstonLog,
  execRunner,
  JsonFilePolicySource,
  LogindOsSession,
  logindIdleProbe,
  productionAdapters,
  WindowsRegistryPolicySource,
} from '../agent/production.js';
import { loadCatalogue } from '../agent/resources.js';
import { prepareShell, startShell } from './shell.js';

const here = dirname(fileURLToPath(import.meta.url));
const log = createWinstonLog({ level: process.env.RELEVE_LOG_LEVEL ?? 'warn' });

/** In os-lock mode on Linux, tap-out locks the person's own OS session through logind. */
const adapterFactory: AdapterFactory = async (policy, options) => {
  const running = await productionAdapters(policy, options);
  if (policy.mode !== 'os-lock' || process.platform !== 'linux') return running;
  const osSession = new LogindOsSession({
    log: running.adapters.log,
    sessionId: process.env.XDG_SESSION_ID,
    idleProbe: logindIdleProbe(execRunner, process.env.XDG_SESSION_ID),
  });
  return { ...running, adapters: { ...running.adapters, osSession } };
};

if (prepareShell(log)) {
  const shell = await startShell({
    adapterFactory,
    policySource:
      process.platform === 'win32'
        ? new WindowsRegistryPolicySource()
        : new JsonFilePolicySource(process.env.RELEVE_POLICY ?? '/etc/releve/policy.json'),
    loadCatalogue,
    version: app.getVersion(),
    rendererDir: join(here, 'renderer'),
    preloadPath: join(here, 'preload.cjs'),
    auditFile: null,
    log,
  });
  process.once('SIGTERM', () => void shell.stop().finally(() => app.quit()));
}
