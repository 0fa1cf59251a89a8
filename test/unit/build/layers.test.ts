/** DESIGN.md's layering is enforced by lint: a forbidden import must fail, an allowed one must pass. */
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// The snippets are linted as files that do not exist: without type information (the type-aware
// rules need a file on disk), which the layering rule does not use.
const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: [tseslint.configs.disableTypeChecked] });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'releve/layers').map((m) => m.message);
}

describe('layering lint rule', () => {
  it.each([
    [
      'app/core/session/x.ts',
      "import { readFile } from 'node:fs';",
      /core may not import the package "node:fs"/,
    ],
    ['app/core/x.ts', "import { app } from 'electron';", /core may not import the package "electron"/],
    ['app/core/x.ts', "import { composeAgent } from '../agent/agent.js';", /core may not import from agent/],
    [
      'app/core/x.ts',
      "import { JsonLinesAuditSink } from '../adapters/audit/jsonl-sink.js';",
      /core may not import from adapters/,
    ],
    [
      'app/adapters/pcsc/x.ts',
      "import { composeAgent } from '../../agent/agent.js';",
      /adapters may not import from agent/,
    ],
    [
      'app/agent/x.ts',
      "import { SimulatedIdp } from '../../test/harness/sim/simulated-idp.js';",
      /agent may not import from test/,
    ],
    [
      'app/main/x.ts',
      "import { FakeClock } from '../../test/harness/sim/fake-clock.js';",
      /main may not import from test/,
    ],
    [
      'app/renderer/x.ts',
      "import { readFileSync } from 'node:fs';",
      /renderer may not import the package "node:fs"/,
    ],
    [
      'app/renderer/x.ts',
      "import { ipcRenderer } from 'electron';",
      /renderer may not import the package "electron"/,
    ],
    [
      'app/renderer/x.ts',
      "import { composeAgent } from '../agent/agent.js';",
      /renderer may not import from agent/,
    ],
    [
      'app/preload/x.ts',
      "import { composeAgent } from '../agent/agent.js';",
      /preload may not import from agent/,
    ],
    ['app/main/x.ts', "import { composeAgent } from '../agent/agent.js';", /main may not import from agent/],
    [
      'app/main/x.ts',
      "import { startService } from '../service/service.js';",
      /main may not import from service/,
    ],
    [
      'app/agent/x.ts',
      "import { startService } from '../service/service.js';",
      /agent may not import from service/,
    ],
    ['app/core/x.ts', "const fs = await import('node:fs');", /core may not import the package "node:fs"/],
    [
      'app/core/x.ts',
      "export { readFile } from 'node:fs/promises';",
      /core may not import the package "node:fs\/promises"/,
    ],
    ['bin/releve.js', "import '../test/harness/releve-sim.js';", /bin may not import from test/],
    ['bin/releve.js', "import { join } from 'node:path';", /bin may not import the package "node:path"/],
    [
      'bin/releve.js',
      "const script = join(root, 'test', 'bench', 'bench.ts');",
      /bin is shipped and may not name a path under test\//,
    ],
    [
      'app/agent/x.ts',
      "const harness = new URL('../../test/harness/isolated.sh', import.meta.url);",
      /agent is shipped and may not name a path under test\/ \("..\/..\/test\/harness\/isolated.sh"\)/,
    ],
  ])('%s: %s fails', async (file, code, message) => {
    const errors = await layerErrors(file, `${code}\nexport {};\n`);
    expect(errors).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['app/core/x.ts', "import { z } from 'zod';"],
    ['app/core/session/x.ts', "import { missingCase } from '../exhaustive.js';"],
    ['app/adapters/pcsc/x.ts', "import { readFile } from 'node:fs';"],
    ['app/adapters/pcsc/x.ts', "import type { Clock } from '../../core/ports/clock.js';"],
    ['app/agent/x.ts', "import { SystemClock } from '../adapters/clock/system-clock.js';"],
    ['app/service/x.ts', "import { composeAgent } from '../agent/agent.js';"],
    ['app/agent/main.ts', "import { startService } from '../service/service.js';"],
    ['app/main/x.ts', "import { parseServiceFrame } from '../ipc/wire.js';"],
    ['test/unit/x.ts', "import { SystemClock } from '../../app/adapters/clock/system-clock.js';"],
    ['test/bench/x.ts', "const harness = join(root, 'test', 'harness', 'isolated.sh');"],
    ['bin/releve.js', "await import('../dist/app/agent/main.js');"],
  ])('%s: %s passes', async (file, code) => {
    expect(await layerErrors(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});
