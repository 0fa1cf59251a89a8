/**
 * The renderer's entry: finds `window.releve` (the preload's bridge in Electron, the test
 * bridge in a browser) and starts the screens. The page's role comes from its URL fragment:
 * `#cover` on secondary displays, `#diagnostics` in the IT window.
 */
import type { ReleveApi } from '../ipc/contract.js';
import { ReleveApp } from './app.js';

declare global {
  interface Window {
    readonly releve?: ReleveApi;
  }
}

const root = document.getElementById('app');
const api = window.releve;
if (root && api) {
  const role =
    location.hash === '#cover' ? 'cover' : location.hash === '#diagnostics' ? 'diagnostics' : 'main';
  void new ReleveApp({ api, root, role }).start();
} else if (root) {
  root.textContent = 'Relève : le pont vers l’agent est absent. / The bridge to the agent is missing.';
}
