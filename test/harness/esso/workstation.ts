/**
 * A shared-kiosk workstation for the eSSO tests: the real agent (simulated reader and IdP,
 * fake clock), the real X11 driver on a real Xvfb, the bundled profiles, and each person's
 * credentials in a vault, followed by the real EssoFollower.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { X11EssoDriver } from '../../../app/adapters/esso/x11-driver.js';
import { VaultCredentialStore } from '../../../app/adapters/esso/vault-credential-store.js';
import { silentLog } from '../../../app/adapters/log/winston-log.js';
import { composeAgent, type Agent } from '../../../app/agent/agent.js';
import { EssoFollower, type EssoEvent } from '../../../app/agent/esso.js';
import { loadProfiles } from '../../../app/agent/esso-profiles.js';
import { loadCatalogue } from '../../../app/agent/resources.js';
import type { AuditRecord } from '../../../app/core/audit.js';
import { DEFAULT_POLICY, type Policy } from '../../../app/core/policy.js';
import type { ProfileSet } from '../../../app/core/esso/match.js';
import type { TestPerson } from '../people.js';
import { typePin } from '../scenarios.js';
import { createSimWorld, simulatedAdapters, type SimWorld } from '../sim/world.js';
import type { Desktop } from './desktop.js';

export const BUNDLED_PROFILES = join(import.meta.dirname, '../../../resources/esso');

export interface EssoWorkstation {
  readonly agent: Agent;
  readonly world: SimWorld;
  readonly driver: X11EssoDriver;
  readonly follower: EssoFollower;
  readonly credentials: VaultCredentialStore;
  readonly events: EssoEvent[];
  /** The eSSO audit records written so far. */
  essoAudit(): AuditRecord[];
  signIn(person: TestPerson): Promise<void>;
  /** Waits until the follower and the agent have handled everything under way. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEssoWorkstation(
  desktop: Desktop,
  options: { policy?: Policy; profiles?: ProfileSet } = {},
): Promise<EssoWorkstation> {
  const policy = options.policy ?? DEFAULT_POLICY;
  const world = createSimWorld();
  const running = await simulatedAdapters(world, null)(policy, { auditFile: null });
  const agent = composeAgent(running.adapters, policy, { catalogue: loadCatalogue(policy.locale) });
  await agent.start();
  const driver = await X11EssoDriver.connect({ display: desktop.display, log: silentLog });
  const credentials = new VaultCredentialStore(world.secrets);
  const follower = new EssoFollower({
    agent,
    driver,
    profiles: options.profiles ?? loadProfiles([BUNDLED_PROFILES]).profiles,
    credentials,
    audit: world.memoryAudit,
    newId: randomUUID,
    clock: world.clock,
    log: silentLog,
  });
  const events: EssoEvent[] = [];
  follower.subscribe((event) => events.push(event));
  follower.start();
  const settle = async (): Promise<void> => {
    await agent.idle();
    await follower.idle();
  };
  return {
    agent,
    world,
    driver,
    follower,
    credentials,
    events,
    essoAudit: () => world.memoryAudit.records.filter((record) => record.action.startsWith('esso-')),
    async signIn(person) {
      world.reader.tap(person.badgeUid);
      await typePin(agent, person.pin);
      await settle();
    },
    settle,
    async stop() {
      await follower.stop();
      await driver.stop();
      await agent.stop();
    },
  };
}
