/**
 * The demo's eSSO part: LABO, a real Tk login window on a real Xvfb, filled by the real X11
 * driver for whoever is signed in — the nurse after her tap, the doctor after his tap-over (her
 * LABO session logged out first). Each person's LABO login is in the demo's vault.
 */
import { randomUUID } from 'node:crypto';
import { X11EssoDriver } from '../../app/adapters/esso/x11-driver.js';
import { VaultCredentialStore } from '../../app/adapters/esso/vault-credential-store.js';
import { silentLog } from '../../app/adapters/log/winston-log.js';
import type { Agent } from '../../app/agent/agent.js';
import { EssoFollower, type EssoEvent } from '../../app/agent/esso.js';
import { loadProfiles } from '../../app/agent/esso-profiles.js';
import type { SecretStore } from '../../app/core/ports/index.js';
import { startDesktop, startTkLogin, type Desktop, type TestApp } from '../harness/esso/desktop.js';
import { BUNDLED_PROFILES } from '../harness/esso/workstation.js';
import { DOCTOR, NURSE } from '../harness/people.js';
import type { SimWorld } from '../harness/sim/world.js';
import { MemoryAuditSink } from '../harness/sim/memory-stores.js';

const ACCOUNTS = {
  [NURSE.personId]: { username: 'cmartin', password: 'Labo-2026!' },
  [DOCTOR.personId]: { username: 'pdurand', password: 'Chu#Durand9' },
};

export interface EssoDemo {
  /** The agent for playScenario: before each step it waits for LABO to settle, and prints what happened. */
  readonly agent: Agent;
  stop(): Promise<void>;
}

export async function startEssoDemo(
  agent: Agent,
  world: SimWorld,
  vault: SecretStore,
  say: (fr: string, en: string) => string,
): Promise<EssoDemo | null> {
  let desktop: Desktop;
  let labo: TestApp;
  try {
    desktop = await startDesktop();
    labo = await startTkLogin(desktop, {
      accounts: Object.values(ACCOUNTS).map((a) => ({ user: a.username, password: a.password })),
    });
  } catch (error) {
    console.error(
      say(
        `eSSO non montré (pas de Xvfb ou de Tk ici : ${String(error)})`,
        `eSSO not shown (no Xvfb or Tk here: ${String(error)})`,
      ),
    );
    return null;
  }
  const essoAudit = new MemoryAuditSink();
  const credentials = new VaultCredentialStore(vault);
  for (const [personId, credential] of Object.entries(ACCOUNTS))
    await credentials.put(personId, 'labo', credential);
  const driver = await X11EssoDriver.connect({ display: desktop.display, log: silentLog });
  const follower = new EssoFollower({
    agent,
    driver,
    profiles: loadProfiles([BUNDLED_PROFILES]).profiles,
    credentials,
    // Its own audit records, counted on its own line (the demo's count is the session agent's).
    audit: essoAudit,
    newId: randomUUID,
    clock: world.clock,
    log: silentLog,
  });
  let lastEventAt = performance.now();
  const lines: string[] = [];
  follower.subscribe((event: EssoEvent) => {
    lastEventAt = performance.now();
    const who = agent.snapshot().user?.displayName ?? '?';
    if (event.type === 'fill')
      lines.push(
        event.ok
          ? say(`LABO : identifiants de ${who} remplis`, `LABO: ${who}'s login filled`)
          : `LABO: ${event.detail}`,
      );
    else if (event.type === 'verdict')
      lines.push(
        event.verdict === 'accepted'
          ? say('LABO : connexion acceptée', 'LABO: login accepted')
          : say('LABO : connexion refusée', 'LABO: login refused'),
      );
  });
  follower.start();
  console.log(
    say(
      `LABO (fenêtre Tk réelle sur Xvfb ${desktop.display}) attend sa connexion.`,
      `LABO (a real Tk window on Xvfb ${desktop.display}) waits for a login.`,
    ),
  );

  /** Waits until LABO has been quiet for a moment (bounded), then prints what it did and who it says is in. */
  const settleLabo = async (): Promise<void> => {
    const since = performance.now();
    const deadline = since + 3000;
    while (performance.now() < deadline && performance.now() - Math.max(lastEventAt, since) < 600) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await follower.idle();
    }
    if (lines.length) {
      console.log(`          eSSO ▸ ${lines.join(' ; ')}`);
      lines.length = 0;
    }
  };
  // playScenario moves the fake clock to each step's time, then calls idle() before the step's
  // act: LABO is settled (and its lines printed) in that first call after the clock moved, so
  // the step's own timing stays the agent's alone.
  let clockSeen = world.clock.now();
  const wrapped: Agent = {
    ...agent,
    async idle() {
      await agent.idle();
      if (world.clock.now() !== clockSeen) {
        clockSeen = world.clock.now();
        await settleLabo();
      }
    },
  };
  return {
    agent: wrapped,
    async stop() {
      await settleLabo();
      const logins = labo.reports.filter((r) => r.screen === 'login').map((r) => r.user);
      const logouts = labo.reports.filter((r) => r.screen === 'logout').length;
      console.log(
        say(
          `          eSSO ▸ LABO a reçu les connexions de : ${logins.join(', ')} ; déconnexions au changement d'utilisateur : ${logouts} ; ${essoAudit.records.length} enregistrements d'audit eSSO`,
          `          eSSO ▸ LABO received logins for: ${logins.join(', ')}; logouts at user switches: ${logouts}; ${essoAudit.records.length} eSSO audit records`,
        ),
      );
      await follower.stop();
      await driver.stop();
      await labo.stop();
      await desktop.stop();
    },
  };
}
