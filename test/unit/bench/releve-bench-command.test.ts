/**
 * `releve bench` outside a source checkout: the benchmark's fixtures (virtual cards, test PKI,
 * reference IdP) are never packaged, so an installed `releve` says so and exits 2, and its other
 * commands are unaffected.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function installedCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'releve-installed-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join('bin', 'releve.js'), join(dir, 'bin', 'releve.js'));
  return join(dir, 'bin', 'releve.js');
}

describe('releve bench in an installed package', () => {
  it('explains that the benchmark needs a source checkout and exits 2', () => {
    const result = spawnSync(process.execPath, [installedCopy(), 'bench', '--runs', '3'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('releve bench: the benchmark needs a source checkout');
    expect(result.stderr).toContain('never shipped with the agent');
  });

  it('leaves the other commands to the compiled agent', () => {
    const result = spawnSync(process.execPath, [installedCopy(), 'readers'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('releve: not built yet');
  });
});
