/**
 * `npm run demo`: a nurse's morning played end to end through the real agent
 * (composeAgent, the session machine, the audit sink), printing a readable timeline with the
 * time each step took. Options: --policy FILE (the locale comes from it), --locale fr|en.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { composeAgent, type AgentEvent } from '../../app/agent/agent.js';
import { loadCatalogue } from '../../app/agent/resources.js';
import { DEFAULT_POLICY, parsePolicyText, type Policy } from '../../app/core/policy.js';
import { NURSE_MORNING, playScenario } from '../harness/scenarios.js';
import { createSimWorld, simulatedAdapters } from '../harness/sim/world.js';

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
const auditFile = join(mkdtempSync(join(tmpdir(), 'releve-demo-')), 'audit.jsonl');
const running = await simulatedAdapters(world, null)(policy, { auditFile });
const agent = composeAgent(running.adapters, policy, { catalogue: loadCatalogue(lang) });

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
agent.subscribe((event: AgentEvent) => {
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
  say(
    'Lecteur et IdP simulés ; agent, machine à états et journal d’audit réels.',
    'Simulated reader and IdP; real agent, state machine and audit trail.',
  ),
);
console.log('');
await agent.start();
shown = [];
const timings: number[] = [];
await playScenario(agent, world, NURSE_MORNING, ({ step, at, elapsedMs }) => {
  timings.push(elapsedMs);
  const title = say(step.title.fr, step.title.en);
  console.log(`${localTime(at)}  ${title.padEnd(64)} ${elapsedMs.toFixed(1).padStart(6)} ms`);
  if (shown.length) console.log(`          ${shown.join('  ')}`);
  console.log(`          → ${lastState}`);
  shown = [];
});
await agent.stop();
await running.close();

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
