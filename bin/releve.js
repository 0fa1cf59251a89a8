#!/usr/bin/env node
// The shipped command runs the compiled agent (npm run build); in a development checkout
// `npm run releve -- <args>` runs the TypeScript sources directly.
//
// `releve bench [--json] [--runs N] [--out DIR] [...]` is the exception: the benchmark runs the
// real chain on test fixtures (virtual cards in a real pcscd, a test PKI, the reference IdP) that
// are never packaged, so it exists only in a source checkout. There it runs test/bench/bench.ts
// inside the pcscd sandbox (test/harness/isolated.sh) with a throwaway OS keyring
// (test/harness/with-keyring.sh), as `npm run bench` does; anywhere else it says so and exits 2.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

if (process.argv[2] === 'bench') {
  const needed = {
    script: join(root, 'test', 'bench', 'bench.ts'),
    sandbox: join(root, 'test', 'harness', 'isolated.sh'),
    keyring: join(root, 'test', 'harness', 'with-keyring.sh'),
    tsx: join(root, 'node_modules', '.bin', 'tsx'),
  };
  const missing = Object.values(needed).filter((path) => !existsSync(path));
  if (missing.length > 0) {
    console.error(
      [
        'releve bench: the benchmark needs a source checkout of Relève (its virtual cards, test PKI',
        'and reference IdP are test fixtures, never shipped with the agent).',
        'In a checkout, after `npm run setup`: `releve bench` or `npm run bench -- [--json] [--runs N] [--out DIR]`.',
        `(missing here: ${missing.join(', ')})`,
      ].join('\n'),
    );
    process.exit(2);
  }
  // Paths the bench reads are its own (it finds the checkout from its location); --out stays
  // relative to where the command was typed.
  const child = spawn(needed.sandbox, [needed.keyring, needed.tsx, needed.script, ...process.argv.slice(3)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => {
    console.error(`releve bench: could not start the benchmark: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) =>
    process.exit(code ?? 128 + ((signal && constants.signals[signal]) || 1)),
  );
} else {
  const compiled = new URL('../dist/app/agent/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    console.error(
      'releve: not built yet: run `npm run build`, or `npm run releve -- <args>` in a development checkout',
    );
    process.exit(2);
  }
  await import(compiled.href);
}
