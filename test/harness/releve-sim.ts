/**
 * Development entry point: the real `releve` CLI over a simulated workstation.
 *   tsx test/harness/releve-sim.ts agent --headless --json --scenario nurse-morning
 * Never packaged; the shipped binary is app/agent/main.ts.
 */
import { consoleIo, runCli, untilSignal } from '../../app/agent/cli.js';
import { playScenario, SCENARIOS } from './scenarios.js';
import { createSimWorld, simulatedAdapters } from './sim/world.js';

const argv = process.argv.slice(2);
const at = argv.indexOf('--scenario');
const scenarioName = at >= 0 ? argv[at + 1] : undefined;
if (at >= 0) argv.splice(at, 2);
const steps = scenarioName ? SCENARIOS[scenarioName] : undefined;
if (scenarioName && !steps) {
  console.error(`unknown scenario: ${scenarioName} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  process.exit(2);
}
const world = createSimWorld();
process.exitCode = await runCli(argv, consoleIo, {
  version: 'sim',
  adapterFactory: simulatedAdapters(world, steps ? (agent) => playScenario(agent, world, steps) : null),
  untilSignal,
});
