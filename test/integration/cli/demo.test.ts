/** The README's first command keeps working: the demo plays the whole morning and says what it ran on. */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { delimiter, join } from 'node:path';

function demo(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // As `npm run demo` does: node_modules/.bin first, so tsx runs on the Node 22 installed there.
    const bin = join(process.cwd(), 'node_modules', '.bin');
    const child = spawn(join(bin, 'tsx'), ['test/demo/demo.ts', ...args], {
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it('plays the nurse’s morning to its end, in English when asked', async () => {
    const result = await demo('--locale', 'en');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const line of [
      'Welcome Claire Martin',
      'Welcome Dr Paul Durand',
      'Welcome back Claire Martin',
      'Lock cancelled — Claire Martin',
      'Locked after inactivity',
    ]) {
      expect(result.stdout).toContain(line);
    }
    expect(result.stdout).toMatch(/9 steps in [\d.]+ ms of agent time; 1\d audit records/);
    // It says which chain it ran on: the real pcscd when it could start one.
    expect(result.stdout).toMatch(/on a real pcscd|Simulated reader/);
    // People sign in through the reference IdP, not an in-memory stand-in.
    expect(result.stdout).toContain('the reference IdP (OIDC over HTTPS on loopback)');
  });
});
