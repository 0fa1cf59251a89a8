/**
 * The system browser opener: the URL reaches the platform's opener as one argument, with no
 * shell in between, and only https URLs are opened. On Linux a stand-in `xdg-open` on PATH
 * records what it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserCommand, systemBrowser } from '../../../../app/adapters/idp/system-browser.js';

let dir: string;
let record: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'releve-browser-'));
  record = join(dir, 'args');
  // Records each argument on its own line; exits 3 when asked to (no browser found).
  await writeFile(
    join(dir, 'xdg-open'),
    `#!/bin/sh\nfor arg in "$@"; do printf '%s\\n' "$arg"; done > "${record}"\ncase "$1" in *fail*) exit 3;; esac\nexit 0\n`,
  );
  await chmod(join(dir, 'xdg-open'), 0o755);
  env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('systemBrowser', () => {
  it('hands the URL to xdg-open as one argument, shell characters and all', async () => {
    const url = 'https://idp.chu.example/auth?state=a;b&nonce=$(touch%20x)&x=`id`';
    await systemBrowser('linux', env)(url);
    expect(await readFile(record, 'utf8')).toBe(`${new URL(url).href}\n`);
  });

  it('fails when the opener finds no browser', async () => {
    await expect(systemBrowser('linux', env)('https://idp.chu.example/fail')).rejects.toThrow(
      'xdg-open could not open the browser (exit 3)',
    );
  });

  it.each(['http://idp.chu.example/auth', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url'])(
    'refuses to open %s',
    async (url) => {
      await rm(record, { force: true });
      await expect(systemBrowser('linux', env)(url)).rejects.toThrow(TypeError);
      expect(existsSync(record)).toBe(false);
    },
  );

  it('uses rundll32 url.dll,FileProtocolHandler on Windows and open on macOS', () => {
    expect(browserCommand('https://x.example/', 'win32')).toEqual({
      file: 'rundll32',
      args: ['url.dll,FileProtocolHandler', 'https://x.example/'],
    });
    expect(browserCommand('https://x.example/', 'darwin')).toEqual({
      file: 'open',
      args: ['https://x.example/'],
    });
  });
});
