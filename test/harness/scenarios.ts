/**
 * Scripted clinical scenarios, shared by the demo, the simulated CLI and the tests, so that what
 * the demo shows is exactly what the tests check.
 */
import type { Agent } from '../../app/agent/agent.js';
import { DOCTOR, NURSE, type TestPerson } from './people.js';
import type { SimWorld } from './sim/world.js';

export interface ScenarioStep {
  /** Minutes after the scenario's start at which the step happens (scenario time). */
  readonly atMinute: number;
  readonly title: { readonly fr: string; readonly en: string };
  act(agent: Agent, world: SimWorld): Promise<void>;
}

/** Types a PIN on the prompt that is showing, as the PIN pad would. */
export async function typePin(agent: Agent, pin: string): Promise<void> {
  await agent.idle();
  const prompt = agent.snapshot().prompt;
  if (!prompt) throw new Error(`no PIN prompt is showing (phase ${agent.snapshot().phase})`);
  const result = await agent.submitPin(prompt.attemptId, new TextEncoder().encode(pin));
  if (!result.accepted) throw new Error(`PIN refused by the pad: ${result.problem}`);
}

function tap(world: SimWorld, person: TestPerson): Promise<void> {
  return world.tap(person.badgeUid);
}

/**
 * The nurse's morning: she taps in and mistypes her PIN once, a doctor taps over, she comes
 * back with a grace re-tap, taps out by mistake and undoes it, then walks away and the
 * workstation locks itself.
 */
export const NURSE_MORNING: readonly ScenarioStep[] = [
  {
    atMinute: 2,
    title: {
      fr: `${NURSE.displayName} badge sur le poste verrouillé`,
      en: `${NURSE.displayName} taps in on the locked workstation`,
    },
    act: (_agent, world) => tap(world, NURSE),
  },
  {
    atMinute: 2.1,
    title: { fr: 'elle se trompe de code PIN', en: 'she mistypes her PIN' },
    act: (agent) => typePin(agent, '1243'),
  },
  {
    atMinute: 2.2,
    title: { fr: 'elle saisit le bon code PIN', en: 'she types the right PIN' },
    act: (agent) => typePin(agent, NURSE.pin),
  },
  {
    atMinute: 25,
    title: {
      fr: `${DOCTOR.displayName} reprend le poste (changement d'utilisateur)`,
      en: `${DOCTOR.displayName} taps over`,
    },
    act: (_agent, world) => tap(world, DOCTOR),
  },
  {
    atMinute: 25.1,
    title: { fr: 'le médecin saisit son code PIN', en: 'the doctor types his PIN' },
    act: (agent) => typePin(agent, DOCTOR.pin),
  },
  {
    atMinute: 40,
    title: {
      fr: `${NURSE.displayName} revient : badge sans code (période de grâce)`,
      en: `${NURSE.displayName} comes back: grace re-tap, no PIN`,
    },
    act: (_agent, world) => tap(world, NURSE),
  },
  {
    atMinute: 55,
    title: {
      fr: 'elle badge pour reprendre… ce qui verrouille',
      en: 'she taps to resume… which taps her out',
    },
    act: (_agent, world) => tap(world, NURSE),
  },
  {
    atMinute: 55.03,
    title: { fr: "elle touche l'écran pour annuler", en: 'she touches the screen to undo' },
    act: (agent) => agent.undo(),
  },
  {
    atMinute: 70,
    title: { fr: 'elle s’éloigne ; inactivité', en: 'she walks away; inactivity' },
    act: async (_agent, world) => world.os.fire({ type: 'inactivity-timeout' }),
  },
];

export const SCENARIOS: Readonly<Record<string, readonly ScenarioStep[]>> = {
  'nurse-morning': NURSE_MORNING,
};

export interface StepReport {
  readonly step: ScenarioStep;
  readonly at: number;
  readonly elapsedMs: number;
}

/**
 * Plays a scenario against a running agent: moves the fake clock to each step's time, acts,
 * waits until the agent has settled, and reports the real time each step took.
 */
export async function playScenario(
  agent: Agent,
  world: SimWorld,
  steps: readonly ScenarioStep[],
  onStep: (report: StepReport) => void = () => undefined,
): Promise<void> {
  const start = world.clock.now();
  for (const step of steps) {
    const target = start + step.atMinute * 60_000;
    if (target > world.clock.now()) world.clock.advance(target - world.clock.now());
    await agent.idle();
    const began = performance.now();
    await step.act(agent, world);
    await agent.idle();
    onStep({ step, at: world.clock.now(), elapsedMs: performance.now() - began });
  }
}
