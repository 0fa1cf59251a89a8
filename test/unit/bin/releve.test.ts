/**
 * bin/releve.js as an installed package has it: it only launches the compiled agent. The
 * benchmark's fixtures (virtual cards, test PKI, reference IdP) are never packaged, and the
 * launcher no longer looks for them: `releve bench` is the compiled CLI's to answer.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function installedCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'releve-installed-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join('bin', 'releve.js'), join(dir, 'bin', 'releve.js'));
  return join(dir, 'bin', 'releve.js');
}

describe('bin/releve.js', () => {
  it.each([['readers'], ['bench', '--runs', '3']])(
    'hands `%s` to the compiled agent, or says it is not built',
    (...args) => {
      const result = spawnSync(process.execPath, [installedCopy(), ...args], { encoding: 'utf8' });
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('releve: not built yet');
    },
  );

  it('names nothing under test/', () => {
    expect(readFileSync(join('bin', 'releve.js'), 'utf8')).not.toMatch(/['"]test['"/]/);
  });
});
