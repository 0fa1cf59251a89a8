/**
 * Entry point of the Electron app on a clinical workstation (`npm start` once Electron can run):
 * production adapters, the policy from the registry (Windows) or /etc/releve/policy.json
 * (Linux), the built renderer and preload beside this bundle (see app/main/bundle.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';
import {
  createWinstonLog,
  JsonFilePolicySource,
  productionAdapters,
  WindowsRegistryPolicySource,
} from '../agent/production.js';
import { loadCatalogue } from '../agent/resources.js';
import { prepareShell, startShell } from './shell.js';

const here = dirname(fileURLToPath(import.meta.url));
const log = createWinstonLog({ level: process.env.RELEVE_LOG_LEVEL ?? 'warn' });

if (prepareShell(log)) {
  const shell = await startShell({
    adapterFactory: productionAdapters,
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
