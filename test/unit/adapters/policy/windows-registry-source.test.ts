/** Group Policy as Windows stores it, read back through `reg query` output recorded from its format. */
import { describe, expect, it } from '@jest/globals';
import {
  WindowsRegistryPolicySource,
  type RegResult,
} from '../../../../app/adapters/policy/windows-registry-source.js';
import { validatePolicy } from '../../../../app/core/policy.js';

const HKLM = [
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\Releve',
  '    mode    REG_SZ    os-lock',
  '    graceRetapMinutes    REG_DWORD    0x3c',
  '    breakGlassEnabled    REG_DWORD    0x1',
  '    workstationName    REG_SZ    URG-BOX-03',
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\Releve\\shiftBoundaries',
  '    2    REG_SZ    19:00',
  '    1    REG_SZ    07:00',
  '',
].join('\r\n');

const HKCU = [
  '',
  'HKEY_CURRENT_USER\\Software\\Policies\\Releve',
  '    mode    REG_SZ    shared-kiosk',
  '    locale    REG_SZ    en',
  '',
].join('\r\n');

const NOT_FOUND: RegResult = {
  code: 1,
  stdout: '',
  stderr: 'ERROR: The system was unable to find the specified registry key or value.',
};

function source(answers: Record<string, RegResult>): WindowsRegistryPolicySource {
  return new WindowsRegistryPolicySource(async (args) => answers[args[1]!.split('\\')[0]!] ?? NOT_FOUND);
}

describe('Windows registry policy source', () => {
  it('reads machine and user policy, machine winning setting by setting, lists in order', async () => {
    const read = await source({
      HKLM: { code: 0, stdout: HKLM, stderr: '' },
      HKCU: { code: 0, stdout: HKCU, stderr: '' },
    }).read();
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.raw).toEqual({
      mode: 'os-lock',
      locale: 'en',
      graceRetapMinutes: 60,
      breakGlassEnabled: true,
      workstationName: 'URG-BOX-03',
      shiftBoundaries: ['07:00', '19:00'],
    });
    expect(validatePolicy(read.raw).ok).toBe(true);
  });

  it('treats absent keys as "not configured": every default applies', async () => {
    const read = await source({}).read();
    expect(read).toMatchObject({ ok: true, raw: {} });
  });

  it('passes wrong values through so that validation names them to IT', async () => {
    const broken = [
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\Releve',
      '    tapOutUndoSeconds    REG_DWORD    0x3e8',
      '    colour    REG_SZ    blue',
      '',
    ].join('\r\n');
    const read = await source({ HKLM: { code: 0, stdout: broken, stderr: '' } }).read();
    const checked = validatePolicy(read.ok ? read.raw : null);
    expect(checked.ok).toBe(false);
    if (!checked.ok)
      expect(checked.problems.map((p) => p.field).sort()).toEqual(['colour', 'tapOutUndoSeconds']);
  });

  it('says so when reg itself fails', async () => {
    const read = await source({ HKCU: { code: 5, stdout: '', stderr: 'ERROR: Access is denied.' } }).read();
    expect(read).toMatchObject({ ok: false, problem: expect.stringContaining('Access is denied') });
  });
});

describe('registry values named like members of Object.prototype', () => {
  it('are kept as own settings, reported as unknown, and never become the document prototype', async () => {
    const hive = [
      '',
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\Releve',
      '    constructor    REG_SZ    x',
      '    toString    REG_DWORD    0x1',
      '    locale    REG_SZ    en',
      '',
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\Releve\\__proto__',
      '    1    REG_SZ    polluted',
      '',
    ].join('\r\n');
    const read = await source({ HKLM: { code: 0, stdout: hive, stderr: '' } }).read();
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(Object.keys(read.raw as object).sort()).toEqual([
      '__proto__',
      'constructor',
      'locale',
      'toString',
    ]);
    expect(Object.getPrototypeOf(read.raw)).not.toEqual(['polluted']);
    const checked = validatePolicy(read.raw);
    expect(checked.ok).toBe(false);
    if (!checked.ok)
      expect(checked.problems.map((p) => p.field).sort()).toEqual(['__proto__', 'constructor', 'toString']);
  });
});
