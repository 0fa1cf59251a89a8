/**
 * The fuses are applied and read back. No Electron binary can be downloaded here: the binary is
 * a file carrying a fuse wire laid out as Electron's (sentinel, version 1, length, one byte per
 * fuse, Electron 45's defaults), so this proves the configuration, the fuse indices and the
 * read-back — not that a real Electron binary carries that wire (build/electron/fuses.ts).
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  applyAndVerifyFuses,
  builderConfigProblems,
  builderFuses,
  FUSES,
  verifyFuses,
} from '../../../build/electron/fuses.js';

/** Where Electron's fuse wire starts (@electron/fuses' SENTINEL). */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const dir = mkdtempSync(join(tmpdir(), 'releve-fuses-'));
const ON = 0x31;
const OFF = 0x30;
/** Electron 45's defaults: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on. */
const ELECTRON_DEFAULTS = [ON, OFF, ON, ON, OFF, OFF, OFF, ON];

function fakeBinary(name: string, wire: readonly number[] | null): string {
  const file = join(dir, name);
  const filler = Buffer.alloc(4096, 0x90);
  const parts = wire
    ? [filler, Buffer.from(SENTINEL), Buffer.from([1, wire.length, ...wire]), filler]
    : [filler];
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

describe('Electron fuses', () => {
  it('electron-builder.yml says exactly what the check enforces', () => {
    const yaml = readFileSync('electron-builder.yml', 'utf8');
    expect(builderConfigProblems(yaml)).toEqual([]);
    expect(builderFuses(yaml)).toEqual(FUSES);
    expect(builderConfigProblems(yaml.replace('runAsNode: false', 'runAsNode: true'))).toEqual([
      'electron-builder.yml electronFuses.runAsNode should be false',
    ]);
  });

  it('flips every fuse of a default wire and reads each back', async () => {
    const binary = fakeBinary('electron', ELECTRON_DEFAULTS);
    expect(await verifyFuses(binary)).toEqual([
      'fuse runAsNode reads 49, not 48',
      'fuse enableCookieEncryption reads 48, not 49',
      'fuse enableNodeOptionsEnvironmentVariable reads 49, not 48',
      'fuse enableNodeCliInspectArguments reads 49, not 48',
      'fuse enableEmbeddedAsarIntegrityValidation reads 48, not 49',
      'fuse onlyLoadAppFromAsar reads 48, not 49',
      'fuse grantFileProtocolExtraPrivileges reads 49, not 48',
    ]);
    expect(await applyAndVerifyFuses(binary)).toEqual([]);
    const bytes = readFileSync(binary);
    const at = bytes.indexOf(SENTINEL) + SENTINEL.length + 2;
    expect([...bytes.subarray(at, at + 8)]).toEqual([OFF, ON, OFF, OFF, ON, ON, OFF, OFF]);
  });

  it('fails an Electron whose wire has a fuse Relève has not decided on', async () => {
    const problems = await applyAndVerifyFuses(fakeBinary('newer', [...ELECTRON_DEFAULTS, ON]));
    expect(problems).toEqual([expect.stringMatching(/^fuses could not be applied: strictlyRequireAllFuses/)]);
  });

  it('fails a binary with no fuse wire', async () => {
    const problems = await applyAndVerifyFuses(fakeBinary('plain', null));
    expect(problems).toEqual([expect.stringMatching(/^fuses could not be applied: Could not find sentinel/)]);
  });
});
