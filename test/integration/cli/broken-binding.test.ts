/**
 * An install that lost a native build (an interrupted `npm install`): `releve` says in one line
 * which binding is broken and the command that repairs it — no stack trace — and the commands
 * that need no binding still work. The real CLI process, with `smartcard` resolved (by a Node
 * module hook) to a copy whose `.node` file is missing, exactly as the interrupted install left it.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bindingFailure } from '../../../app/agent/native-bindings.js';

const dir = mkdtempSync(join(tmpdir(), 'releve-broken-binding-'));
const brokenIndex = join(dir, 'node_modules', 'smartcard', 'dist', 'lib', 'index.js');
mkdirSync(join(dir, 'node_modules', 'smartcard', 'dist', 'lib'), { recursive: true });
writeFileSync(
  join(dir, 'node_modules', 'smartcard', 'package.json'),
  '{"name":"smartcard","main":"dist/lib/index.js"}',
);
writeFileSync(
  brokenIndex,
  "'use strict';\nconst addon = require('../../build/Release/smartcard_napi.node');\n",
);
writeFileSync(
  join(dir, 'hooks.mjs'),
  `export async function resolve(specifier, context, next) {
  if (specifier === 'smartcard') return { url: ${JSON.stringify(pathToFileURL(brokenIndex).href)}, format: 'commonjs', shortCircuit: true };
  return next(specifier, context);
}\n`,
);
writeFileSync(
  join(dir, 'register.mjs'),
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
);

function releve(...args: string[]) {
  const result = spawnSync(join('node_modules', '.bin', 'tsx'), ['app/agent/main.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: `--import ${pathToFileURL(join(dir, 'register.mjs')).href}` },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('a broken native binding', () => {
  it.each([['readers'], ['card']])(
    'makes `releve %s` say so in one line with the repair, exit 1',
    (command) => {
      const result = releve(command);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `releve: the PC/SC binding (smart-card and contactless readers) cannot be loaded (smartcard: its native build is missing or broken); repair: npm run setup (in ${process.cwd()})`,
      ]);
    },
  );

  it('does not stop the commands that need no binding', () => {
    expect(releve('--version')).toMatchObject({ code: 0, stderr: '' });
  });

  it('is told apart from any other error', () => {
    const notFound = Object.assign(new Error("Cannot find module './mine.js'"), { code: 'MODULE_NOT_FOUND' });
    expect(bindingFailure(notFound)).toBeNull();
    expect(bindingFailure(new Error('boom'))).toBeNull();
    const dlopen = Object.assign(new Error('C:\\releve\\node_modules\\node-hid\\build\\HID.node: bad ELF'), {
      code: 'ERR_DLOPEN_FAILED',
    });
    expect(bindingFailure(dlopen, () => 'reinstall the Relève package')).toBe(
      'releve: the HID binding (HID badge readers) cannot be loaded (node-hid: its native build is missing or broken); repair: reinstall the Relève package',
    );
  });
});
