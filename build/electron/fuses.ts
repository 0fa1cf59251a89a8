/**
 * Electron's fuses for the packaged tray app, applied to the binary and read back. Fuses are
 * bits in the Electron binary that switch features off before any of our code runs: a signed
 * Relève binary must not be usable as a plain Node (RunAsNode), take NODE_OPTIONS or
 * --inspect, or load an app from anywhere but its own app.asar.
 *
 * One source of truth: FUSES below. electron-builder.yml's `electronFuses` must say the same
 * (checked here), and `verifyFuses` reads the wire back from the binary after flipping it, so a
 * fuse that was not written — a new Electron whose wire is longer, a binary with no wire — fails
 * the build instead of shipping.
 *
 * What this proves here, and what not: no Electron binary can be downloaded on the development
 * and CI machines, so the test runs it on a file carrying a fuse wire laid out as Electron's
 * (the sentinel, version 1, the length, one byte per fuse). It proves the configuration, the
 * mapping to fuse indices and the read-back; that a real Electron 45 binary carries that wire
 * is checked only where one is packaged (`tsx build/electron/fuses.ts verify PATH`).
 * EnableEmbeddedAsarIntegrityValidation is on, but Electron validates ASAR integrity on macOS
 * and Windows only: on Linux it protects nothing (see README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// A CommonJS package whose re-exported enums Node's ESM loader cannot name: taken from its default.
import electronFuses from '@electron/fuses';

const { flipFuses, FuseV1Options, FuseVersion, getCurrentFuseWire } = electronFuses;
type FuseV1Options = (typeof FuseV1Options)[keyof typeof FuseV1Options];
/** A fuse's byte in the wire: ASCII '1' on, '0' off. */
const FuseState = { ENABLE: 0x31, DISABLE: 0x30 } as const;

/** The fuses of the shipped binary, by electron-builder's name for each. */
export const FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
} as const;
export type FuseName = keyof typeof FUSES;

const INDEX: Readonly<Record<FuseName, FuseV1Options>> = {
  runAsNode: FuseV1Options.RunAsNode,
  enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
  enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
  enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
  loadBrowserProcessSpecificV8Snapshot: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
  grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
};

/** The `electronFuses:` block of electron-builder.yml, as name → boolean (flat `key: true|false` lines). */
export function builderFuses(yamlText: string): Record<string, boolean> {
  const lines = yamlText.split('\n');
  const start = lines.findIndex((line) => /^electronFuses:\s*$/.test(line));
  if (start < 0) return {};
  const fuses: Record<string, boolean> = {};
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const match = /^\s+([A-Za-z0-9]+):\s*(true|false)\s*(#.*)?$/.exec(line);
    if (match) fuses[match[1]!] = match[2] === 'true';
  }
  return fuses;
}

/** Differences between electron-builder.yml and FUSES; empty when they agree. */
export function builderConfigProblems(yamlText: string): string[] {
  const configured = builderFuses(yamlText);
  const problems: string[] = [];
  for (const [name, wanted] of Object.entries(FUSES)) {
    if (configured[name] !== wanted)
      problems.push(`electron-builder.yml electronFuses.${name} should be ${wanted}`);
  }
  for (const name of Object.keys(configured)) {
    if (!(name in FUSES))
      problems.push(`electron-builder.yml electronFuses.${name} is not a fuse Relève knows`);
  }
  return problems;
}

/**
 * Flips the fuses in the binary (every fuse of its wire must be set: a wire longer than ours
 * is an Electron with a fuse we have not decided on) and reads them back. Returns the problems.
 */
export async function applyAndVerifyFuses(binary: string): Promise<string[]> {
  const config = Object.fromEntries(Object.entries(FUSES).map(([name, on]) => [INDEX[name as FuseName], on]));
  try {
    await flipFuses(binary, { version: FuseVersion.V1, strictlyRequireAllFuses: true, ...config } as never);
  } catch (error) {
    return [`fuses could not be applied: ${error instanceof Error ? error.message : String(error)}`];
  }
  return verifyFuses(binary);
}

/** Reads the wire back: each fuse must hold the state FUSES asks for. */
export async function verifyFuses(binary: string): Promise<string[]> {
  let wire: Record<string, unknown>;
  try {
    wire = (await getCurrentFuseWire(binary)) as unknown as Record<string, unknown>;
  } catch (error) {
    return [`no fuse wire could be read: ${error instanceof Error ? error.message : String(error)}`];
  }
  const problems: string[] = [];
  if (wire.version !== FuseVersion.V1) problems.push(`fuse wire version ${String(wire.version)}, not 1`);
  for (const [name, on] of Object.entries(FUSES) as [FuseName, boolean][]) {
    const expected = on ? FuseState.ENABLE : FuseState.DISABLE;
    if (wire[INDEX[name]] !== expected)
      problems.push(`fuse ${name} reads ${String(wire[INDEX[name]])}, not ${expected}`);
  }
  return problems;
}

// tsx build/electron/fuses.ts verify|apply PATH_TO_ELECTRON_BINARY: the packaging step.
if (process.argv[1]?.endsWith('fuses.ts')) {
  const [mode, binary] = process.argv.slice(2);
  const root = join(import.meta.dirname, '..', '..');
  const problems = builderConfigProblems(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
  if (binary && (mode === 'apply' || mode === 'verify')) {
    problems.push(...(mode === 'apply' ? await applyAndVerifyFuses(binary) : await verifyFuses(binary)));
  } else if (mode !== undefined) {
    problems.push('usage: tsx build/electron/fuses.ts [apply|verify PATH_TO_ELECTRON_BINARY]');
  }
  for (const problem of problems) process.stderr.write(`fuses: ${problem}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
