#!/usr/bin/env node
// The shipped command runs the compiled agent (npm run build); in a development checkout
// `npm run releve -- <args>` runs the TypeScript sources directly. Nothing here reaches test/:
// the benchmark is `npm run bench` in a source checkout (the layering lint checks this file).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/app/agent/main.js', import.meta.url);
if (!existsSync(compiled)) {
  console.error(
    'releve: not built yet: run `npm run build`, or `npm run releve -- <args>` in a development checkout',
  );
  process.exit(2);
}
await import('../dist/app/agent/main.js');
