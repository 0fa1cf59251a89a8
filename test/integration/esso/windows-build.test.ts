/**
 * The Windows eSSO driver's code compiles against the Windows API: cross-compiled with
 * mingw-w64 (installed by build/dev/setup.sh). It cannot run here; see native/esso-windows.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

describe('native/esso-windows', () => {
  it('cross-compiles to a Windows x86-64 executable', () => {
    const exe = execFileSync('bash', ['native/esso-windows/build.sh'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    const bytes = readFileSync(exe);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('MZ');
    const pe = bytes.readUInt32LE(0x3c);
    expect(bytes.subarray(pe, pe + 4).toString('latin1')).toBe('PE\0\0');
    expect(bytes.readUInt16LE(pe + 4)).toBe(0x8664); // IMAGE_FILE_MACHINE_AMD64
  }, 120_000);
});
