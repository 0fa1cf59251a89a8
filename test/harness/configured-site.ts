/**
 * A hospital site as policy alone configures a workstation: a real pcscd with the vpcd reader,
 * the reference IdP over HTTPS trusting a card PKI, and the policy that names them (issuer, its
 * CA, the initial access token, the card roots). `shippedWorkstation` composes the agent from
 * the shipped adapters (productionAdapters) under that policy, watching the vpcd reader so that
 * tests can tap on it. Never packaged.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../app/adapters/log/winston-log.js';
import { composeAgent, type Agent, type AgentEvent } from '../../app/agent/agent.js';
import { productionAdapters } from '../../app/agent/production.js';
import { loadCatalogue } from '../../app/agent/resources.js';
import { DEFAULT_POLICY, type Policy } from '../../app/core/policy.js';
import { startReferenceIdp, type ReferenceIdp, type ReferenceIdpOptions } from './idp/reference-idp.js';
import { startPcscd, type RunningPcscd } from './pcscd.js';
import { createCardPki, type CardPki } from './pki.js';
import { VpcdReader } from './vcard/index.js';
import { EventLog } from './wait.js';

export interface ConfiguredSite {
  readonly pcscd: RunningPcscd;
  readonly idp: ReferenceIdp;
  readonly pki: CardPki;
  /** A directory of the site's own: the CA and roots files, audit trails. */
  readonly dir: string;
  /** The policy naming the IdP, its CA, the initial access token and the card roots. */
  readonly policy: Policy;
  /** The card roots file, as policy names it. */
  readonly cardRootsFile: string;
  stop(): Promise<void>;
}

export async function startConfiguredSite(
  idpOptions: Omit<ReferenceIdpOptions, 'cardPki'> = {},
): Promise<ConfiguredSite> {
  const pki = await createCardPki();
  const [pcscd, idp] = await Promise.all([startPcscd(), startReferenceIdp({ ...idpOptions, cardPki: pki })]);
  const dir = mkdtempSync(join(tmpdir(), 'releve-site-'));
  const idpCaFile = join(dir, 'idp-ca.pem');
  const cardRootsFile = join(dir, 'card-roots.pem');
  writeFileSync(idpCaFile, idp.caPem);
  writeFileSync(cardRootsFile, pki.rootPem + pki.intermediatePem);
  return {
    pcscd,
    idp,
    pki,
    dir,
    cardRootsFile,
    policy: {
      ...DEFAULT_POLICY,
      idpIssuer: idp.issuer,
      idpCaFile,
      idpInitialAccessToken: idp.initialAccessToken,
      cardTrustedRootsFile: cardRootsFile,
    },
    async stop() {
      await Promise.all([pcscd.stop(), idp.stop()]);
    },
  };
}

export interface ShippedWorkstation {
  readonly agent: Agent;
  readonly events: EventLog<AgentEvent>;
  readonly reader: VpcdReader;
  readonly auditFile: string;
  /** The audit trail's records, as written. */
  audit(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** The shipped adapters as `policy` configures them; only the reader is watched, to tap on it. */
export async function shippedWorkstation(
  site: Pick<ConfiguredSite, 'dir' | 'policy'>,
  policy = site.policy,
): Promise<ShippedWorkstation> {
  const auditFile = join(mkdtempSync(join(site.dir, 'audit-')), 'audit.jsonl');
  const running = await productionAdapters(policy, { auditFile });
  const reader = new VpcdReader(silentLog);
  const agent = composeAgent({ ...running.adapters, badgeSources: [reader] }, policy, {
    catalogue: loadCatalogue(policy.locale),
  });
  const events = new EventLog<AgentEvent>();
  agent.subscribe(events.push);
  await agent.start();
  await reader.ready();
  return {
    agent,
    events,
    reader,
    auditFile,
    audit: () =>
      readFileSync(auditFile, 'utf8')
        .trim()
        .split('\n')
        // The trail is hash-chained: records are inside its links, between signed checkpoints.
        .map((line) => JSON.parse(line) as { record?: Record<string, unknown> })
        .flatMap((link) => (link.record ? [link.record] : [])),
    async stop() {
      await agent.stop();
      await running.close();
    },
  };
}
