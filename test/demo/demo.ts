/**
 * `npm run demo`: a nurse's morning played end to end through the real agent
 * (composeAgent, the session machine, the audit sink), the reference IdP over HTTPS, the OS
 * vault and, when pcscd can be started, a real pcscd with virtual badges and a virtual CPS3
 * card, printing a readable timeline with the
 * time each step took. Options: --policy FILE (the locale comes from it), --locale fr|en.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { composeAgent, type AgentEvent } from '../../app/agent/agent.js';
import { loadCatalogue } from '../../app/agent/resources.js';
import { DEFAULT_POLICY, parsePolicyText, type Policy } from '../../app/core/policy.js';
import { silentLog } from '../../app/adapters/log/winston-log.js';
import { PcscCardSession } from '../../app/adapters/pcsc/card-session.js';
import { OidcIdentityProvider } from '../../app/adapters/idp/oidc-identity-provider.js';
import { KeyringSecretStore } from '../../app/adapters/vault/keyring-secret-store.js';
import type { SecretStore } from '../../app/core/ports/index.js';
import { startReferenceIdp } from '../harness/idp/reference-idp.js';
import { MemorySecretStore } from '../harness/sim/memory-stores.js';
import { pcscdProblem, startPcscd, VPCD_PORT } from '../harness/pcscd.js';
import { cardHolderOf, DOCTOR } from '../harness/people.js';
import { createCardPki } from '../harness/pki.js';
import { NURSE_MORNING, playScenario } from '../harness/scenarios.js';
import { VirtualCps3Card, VpcdConnection, VpcdReader } from '../harness/vcard/index.js';
import { createSimWorld, simulatedAdapters } from '../harness/sim/world.js';
import { startEssoDemo } from './esso-demo.js';

const { values } = parseArgs({
  options: { policy: { type: 'string' }, locale: { type: 'string' } },
  strict: true,
});

let policy: Policy = DEFAULT_POLICY;
if (values.policy) {
  const checked = parsePolicyText(readFileSync(values.policy, 'utf8'));
  if (!checked.ok) {
    console.error(
      `invalid policy ${values.policy}:\n${checked.problems.map((p) => `  - ${p.message}`).join('\n')}`,
    );
    process.exit(1);
  }
  policy = checked.policy;
}
if (values.locale === 'fr' || values.locale === 'en') policy = { ...policy, locale: values.locale };
else if (values.locale) {
  console.error('--locale takes fr or en');
  process.exit(2);
}
const lang = policy.locale;
const say = (fr: string, en: string): string => (lang === 'fr' ? fr : en);

const world = createSimWorld();
// The reference IdP (oidc-provider) over HTTPS on loopback, trusting the doctor's card PKI.
const cardPki = await createCardPki();
const idp = await startReferenceIdp({ cardPki });
// The OS vault when a Secret Service answers (npm run demo provides one), memory otherwise.
const probeVault = new KeyringSecretStore({ service: 'Releve-demo', timeoutMs: 2000 });
const vault: SecretStore = await probeVault
  .get('probe')
  .then(() => probeVault)
  .catch(() => {
    console.error('no OS vault (Secret Service) answers: the demo keeps its tokens in memory');
    return new MemorySecretStore();
  });
const identityProvider = new OidcIdentityProvider({
  issuer: idp.issuer,
  secretStore: vault,
  initialAccessToken: idp.initialAccessToken,
  caPem: idp.caPem,
  timeoutMs: policy.authenticationTimeoutSeconds * 1000,
  badgeUsernameTemplate: policy.badgeUsernameTemplate,
});
// The real PC/SC chain when this machine allows it: pcscd, the vpcd reader, virtual badges.
const pcscdWhyNot = pcscdProblem();
const pcscd = pcscdWhyNot
  ? null
  : await startPcscd().catch((error: unknown) => {
      console.error(`pcscd could not be started (${String(error)}): using the simulated reader`);
      return null;
    });
const vpcdReader = pcscd ? new VpcdReader(silentLog) : null;
// The doctor carries a CPS card (a virtual CPS3 in the second vpcd slot): the card checks his
// PIN and signs for him; the nurse taps a contactless badge.
let doctorCard: VpcdConnection | null = null;
if (vpcdReader) {
  world.badgeSource = vpcdReader;
  // The card's chain is checked against the test IGC-Santé roots, as policy would name them.
  world.card = new PcscCardSession([
    new X509Certificate(cardPki.rootPem),
    new X509Certificate(cardPki.intermediatePem),
  ]);
  const card = await VirtualCps3Card.create({
    holder: cardHolderOf(DOCTOR),
    pki: cardPki,
    pin: DOCTOR.pin,
  });
  doctorCard = new VpcdConnection(card, { port: VPCD_PORT + 1 });
  world.tap = async (uid) => {
    if (uid !== DOCTOR.badgeUid || !doctorCard) return vpcdReader.tap(uid);
    const since = vpcdReader.events.events.length;
    await doctorCard.insert();
    await vpcdReader.events.waitFor(
      (e) => e.type === 'badge-presented' && e.badge.kind === 'cps-card',
      'the CPS card',
      10_000,
      since,
    );
  };
}
const auditFile = join(mkdtempSync(join(tmpdir(), 'releve-demo-')), 'audit.jsonl');
const running = await simulatedAdapters(world, null)(policy, { auditFile });
const agent = composeAgent({ ...running.adapters, idp: identityProvider, secrets: vault }, policy, {
  catalogue: loadCatalogue(lang),
});

const PHASE_LABELS: Record<string, [string, string]> = {
  locked: ['poste verrouillé', 'workstation locked'],
  identifying: ['lecture du badge', 'reading the badge'],
  switching: ["changement d'utilisateur", 'switching user'],
  'awaiting-pin': ['attente du code PIN', 'waiting for the PIN'],
  authenticating: ['vérification', 'checking'],
  active: ['session ouverte', 'session open'],
  'offline-active': ['session hors ligne', 'offline session'],
  locking: ['verrouillage (annulable)', 'locking (undo possible)'],
  'break-glass': ["accès d'urgence", 'emergency access'],
};

let shown: string[] = [];
let lastState = '';
let lastScreenAt = 0;
let stepStartedAt = 0;
agent.subscribe((event: AgentEvent) => {
  if (event.type === 'feedback' || event.type === 'state') lastScreenAt = performance.now();
  if (event.type === 'feedback') shown.push(`« ${event.text} »`);
  if (event.type === 'state') {
    const label = PHASE_LABELS[event.snapshot.phase] ?? [event.snapshot.phase, event.snapshot.phase];
    const who = event.snapshot.user ? ` — ${event.snapshot.user.displayName}` : '';
    const suspended = event.snapshot.suspended.length
      ? say(
          ` (en attente : ${event.snapshot.suspended.map((p) => p.displayName).join(', ')})`,
          ` (suspended: ${event.snapshot.suspended.map((p) => p.displayName).join(', ')})`,
        )
      : '';
    lastState = `${say(label[0], label[1])}${who}${suspended}`;
  }
});

const localTime = (at: number): string => {
  const local = new Date(at + world.clock.utcOffsetMinutes() * 60_000);
  return local.toISOString().slice(11, 19);
};

console.log(
  say(
    `Relève — démonstration : la matinée d'une infirmière (poste ${agent.policy().workstationName})`,
    `Relève — demo: a nurse's morning (workstation ${agent.policy().workstationName})`,
  ),
);
console.log(
  vpcdReader
    ? say(
        'Badge sans contact (infirmière) et carte CPS3 (médecin) virtuels sur un vrai pcscd ; IdP de référence (OIDC, HTTPS en boucle locale) ; agent, machine à états et journal d’audit réels.',
        'Virtual contactless badge (nurse) and CPS3 card (doctor) on a real pcscd; the reference IdP (OIDC over HTTPS on loopback); real agent, state machine and audit trail.',
      )
    : say(
        `Lecteur simulé (${pcscdWhyNot ?? 'pcscd indisponible'}) ; IdP de référence (OIDC, HTTPS en boucle locale) ; agent, machine à états et journal d’audit réels.`,
        `Simulated reader (${pcscdWhyNot ?? 'pcscd unavailable'}); the reference IdP (OIDC over HTTPS on loopback); real agent, state machine and audit trail.`,
      ),
);
console.log(
  say(
    'Temps : celui de l’agent, du badge lu par le lecteur (ou du code saisi) jusqu’à l’écran suivant.',
    'Times: the agent’s, from the badge read by the reader (or the PIN submitted) to the next screen.',
  ),
);
console.log('');
await agent.start();
await vpcdReader?.ready();
// eSSO: a real LABO login window, filled for whoever is signed in (test/demo/esso-demo.ts).
const essoDemo = await startEssoDemo(agent, world, vault, say);
shown = [];
stepStartedAt = performance.now();
const timings: number[] = [];
await playScenario(essoDemo?.agent ?? agent, world, NURSE_MORNING, ({ step, at, elapsedMs: stepMs }) => {
  // For a tap through pcscd the step also contains the card's insertion and pcscd's polling:
  // the agent's share starts when the reader reports the badge.
  const lastBadgeAt = vpcdReader?.lastPresentedAt ?? 0;
  const fromReader = lastBadgeAt > stepStartedAt ? lastScreenAt - lastBadgeAt : null;
  const elapsedMs = fromReader ?? stepMs;
  stepStartedAt = performance.now();
  timings.push(elapsedMs);
  const title = say(step.title.fr, step.title.en);
  console.log(`${localTime(at)}  ${title.padEnd(64)} ${elapsedMs.toFixed(1).padStart(6)} ms`);
  if (shown.length) console.log(`          ${shown.join('  ')}`);
  console.log(`          → ${lastState}`);
  shown = [];
});
await essoDemo?.stop();
await agent.stop();
await running.close();
await doctorCard?.remove();
await pcscd?.stop();
await idp.stop();

const records = world.memoryAudit.records.length;
const total = timings.reduce((a, b) => a + b, 0);
console.log('');
console.log(
  say(
    `${NURSE_MORNING.length} étapes en ${total.toFixed(1)} ms d'agent ; ${records} enregistrements d'audit dans ${auditFile}`,
    `${NURSE_MORNING.length} steps in ${total.toFixed(1)} ms of agent time; ${records} audit records in ${auditFile}`,
  ),
);
if (world.os.violations.length > 0) {
  console.error(`OS session invariant violated: ${world.os.violations.join('; ')}`);
  process.exit(1);
}
