/**
 * The Windows policy source: what Group Policy (resources/admx) writes under
 * HKCU and HKLM `Software\Policies\Releve`, read with `reg query` (no native addon). Machine
 * policy wins over user policy, setting by setting. Lists live under a subkey per setting with
 * values named 1, 2, 3… (the ADMX `list` element with an empty prefix).
 */
import { execFile } from 'node:child_process';
import { POLICY_SETTINGS, type Setting } from '../../core/policy.js';
import type { PolicyRead, PolicySource } from '../../core/ports/index.js';

export interface RegResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
export type RegRunner = (args: readonly string[]) => Promise<RegResult>;

const runReg: RegRunner = (args) =>
  new Promise((resolve) => {
    execFile('reg.exe', [...args], { windowsHide: true, timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const ROOTS = ['HKCU', 'HKLM'] as const; // later wins: machine over user
const POLICY_PATH = 'Software\\Policies\\Releve';

interface RegValue {
  readonly key: string;
  readonly name: string;
  readonly type: string;
  readonly data: string;
}

/** Parses `reg query … /s` output: key header lines, then indented `name    TYPE    data`. */
export function parseRegQuery(output: string): RegValue[] {
  const values: RegValue[] = [];
  let key = '';
  for (const line of output.split(/\r?\n/)) {
    if (/^HKEY_/.test(line)) {
      key = line.trim();
      continue;
    }
    const match =
      /^ {4}(.*?) {4}(REG_[A-Z_]+) {4}(.*)$/.exec(line) ?? /^ {4}(.*?) {4}(REG_[A-Z_]+)$/.exec(line);
    if (match) values.push({ key, name: match[1]!, type: match[2]!, data: match[3] ?? '' });
  }
  return values;
}

function valueFor(setting: Setting, value: RegValue): unknown {
  const dword = value.type === 'REG_DWORD' ? Number.parseInt(value.data, 16) : null;
  switch (setting.type) {
    case 'integer':
      return dword ?? (/^-?\d+$/.test(value.data) ? Number(value.data) : value.data);
    case 'boolean':
      return dword === null ? value.data : dword !== 0;
    case 'enum':
    case 'string':
      return value.data;
    case 'time-list':
    case 'string-list':
      return value.data;
  }
}

/** Builds the raw policy document from the values of one hive; validation is the core's job. */
export function policyFromRegistry(values: readonly RegValue[]): Record<string, unknown> {
  const settings = POLICY_SETTINGS as Record<string, Setting>;
  // Names come from whoever can write the registry key: `__proto__` must be a key like any
  // other (reported as unknown), never the document's prototype.
  const document: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const lists = new Map<string, { index: number; data: string }[]>();
  for (const value of values) {
    const subkey = value.key.split('\\').at(-1) ?? '';
    const isListEntry = !value.key.toLowerCase().endsWith('\\policies\\releve');
    if (isListEntry) {
      const entries = lists.get(subkey) ?? [];
      entries.push({ index: Number(value.name), data: value.data });
      lists.set(subkey, entries);
      continue;
    }
    const setting = Object.hasOwn(settings, value.name) ? settings[value.name] : undefined;
    // Unknown names are kept as they are, so that validation reports them to IT.
    document[value.name] = setting ? valueFor(setting, value) : value.data;
  }
  for (const [name, entries] of lists) {
    document[name] = entries.sort((a, b) => a.index - b.index).map((entry) => entry.data);
  }
  return document;
}

export class WindowsRegistryPolicySource implements PolicySource {
  constructor(private readonly reg: RegRunner = runReg) {}

  async read(): Promise<PolicyRead> {
    const merged: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const root of ROOTS) {
      const result = await this.reg(['query', `${root}\\${POLICY_PATH}`, '/s']);
      if (result.code !== 0) {
        // reg answers 1 with "unable to find" when the key does not exist: not configured.
        if (/unable to find|impossible de trouver/i.test(result.stderr)) continue;
        return {
          ok: false,
          problem: `reg query ${root}\\${POLICY_PATH} failed: ${result.stderr.trim()}`,
          location: `${root}\\${POLICY_PATH}`,
        };
      }
      Object.assign(merged, policyFromRegistry(parseRegQuery(result.stdout)));
    }
    return { ok: true, raw: merged, location: `HKLM/HKCU\\${POLICY_PATH}` };
  }

  watch(onChanged: () => void): () => void {
    // Group Policy refreshes every 90 minutes or so; polling every minute is enough and cheap.
    let last = '';
    const timer = setInterval(() => {
      void this.read().then((read) => {
        const now = JSON.stringify(read);
        if (last && now !== last) onChanged();
        last = now;
      });
    }, 60_000);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}
