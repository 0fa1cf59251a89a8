/**
 * The workstation's policy, read one way by everything that needs it: the headless agent, the
 * tray or the service that hosts the agent, and each `releve` command. One platform factory
 * (the registry on Windows, a JSON file on Linux), one explicit choice between `strict` and
 * `fallback`, one reader for the files that policy names, one watcher for live changes.
 *
 * The rule (DESIGN.md, "Policy and deployment"): an invalid setting takes its safe default and
 * is reported — printed, logged and audited (`policy-fallback`) by whoever hosts the agent.
 * `strict` is for the places where IT asked to be told instead: `releve policy check`, and
 * `releve agent --strict-policy` when trying a policy out.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { JsonFilePolicySource } from '../adapters/policy/json-file-source.js';
import { WindowsRegistryPolicySource } from '../adapters/policy/windows-registry-source.js';
import {
  DEFAULT_POLICY,
  POLICY_SETTINGS,
  policyWithFallback,
  validatePolicy,
  type Policy,
  type PolicyKey,
  type PolicyProblem,
} from '../core/policy.js';
import type { PolicySource } from '../core/ports/index.js';

// What shows policy outside the agent layer (the diagnostics page) asks the table the same way.
export { isSecretSetting, showSetting } from '../core/policy.js';

export type PolicyMode = 'strict' | 'fallback';

/** Where Linux workstations keep their policy (the .deb installs it; IT's tools write it). */
export const LINUX_POLICY_FILE = '/etc/releve/policy.json';

/**
 * True only when this module runs from its TypeScript source, that is from a source checkout
 * (tsx, jest). The shipped CLI, the packaged app and the service run compiled JavaScript, where
 * this is false whatever the environment says: nobody can turn a clinical build into a
 * development one by setting a variable.
 */
export function runsFromSourceCheckout(moduleUrl: string = import.meta.url): boolean {
  return moduleUrl.startsWith('file:') && fileURLToPath(moduleUrl).endsWith('.ts');
}

export interface PolicySourceOptions {
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  /** Default: `runsFromSourceCheckout()`. */
  readonly development?: boolean;
}

/**
 * The machine's policy store: `HKLM`/`HKCU\Software\Policies\Releve` on Windows,
 * /etc/releve/policy.json elsewhere. `RELEVE_POLICY` names another file only in development
 * (a source checkout, where the tests rely on it); anywhere else it is ignored.
 */
export function workstationPolicySource(options: PolicySourceOptions = {}): PolicySource {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return new WindowsRegistryPolicySource();
  const development = options.development ?? runsFromSourceCheckout();
  const override = development ? (options.env ?? process.env).RELEVE_POLICY : undefined;
  return new JsonFilePolicySource(override || LINUX_POLICY_FILE);
}

/** The settings that name a file the workstation must read. */
export const POLICY_FILE_SETTINGS = ['idpCaFile', 'cardTrustedRootsFile', 'siemCaFile'] as const;
export type PolicyFileSetting = (typeof POLICY_FILE_SETTINGS)[number];

/** The contents of the files policy names; undefined where the setting is empty. */
export type PolicyFiles = { readonly [K in PolicyFileSetting]: string | undefined };

export const NO_POLICY_FILES: PolicyFiles = {
  idpCaFile: undefined,
  cardTrustedRootsFile: undefined,
  siemCaFile: undefined,
};

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

const errorCode = (error: unknown): string =>
  (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));

/**
 * Reads every file that policy names, the one way: a file that cannot be read, or that holds no
 * PEM certificate, is a problem with that setting, reported with one message, and the setting
 * counts as empty (the system CAs for the IdP and the SIEM; no trusted card root).
 */
export async function readPolicyFiles(
  policy: Policy,
): Promise<{ readonly files: PolicyFiles; readonly problems: readonly PolicyProblem[] }> {
  const problems: PolicyProblem[] = [];
  const files: Record<PolicyFileSetting, string | undefined> = {
    idpCaFile: undefined,
    cardTrustedRootsFile: undefined,
    siemCaFile: undefined,
  };
  for (const key of POLICY_FILE_SETTINGS) {
    const path = policy[key];
    if (!path) continue;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      problems.push({ field: key, message: `${key}: ${path} cannot be read (${errorCode(error)})` });
      continue;
    }
    if (!PEM_CERTIFICATE.test(text)) {
      problems.push({ field: key, message: `${key}: ${path} holds no PEM certificate` });
      continue;
    }
    files[key] = text;
  }
  return { files, problems };
}

export type PolicyLoad =
  | {
      readonly ok: true;
      readonly policy: Policy;
      readonly files: PolicyFiles;
      /** What was wrong; each setting at fault took its default (fallback mode only). */
      readonly problems: readonly PolicyProblem[];
      readonly location: string;
    }
  | { readonly ok: false; readonly problems: readonly PolicyProblem[]; readonly location: string };

/** A policy the agent can run on (fallback mode always gives one). */
export type SettledPolicy = Extract<PolicyLoad, { ok: true }>;

/**
 * Reads, validates and settles the policy. `strict`: any problem refuses the policy. `fallback`:
 * every invalid setting, unreadable named file or unreadable store takes its default, and the
 * problems come back to be reported.
 */
export async function loadWorkstationPolicy(source: PolicySource, mode: 'fallback'): Promise<SettledPolicy>;
export async function loadWorkstationPolicy(source: PolicySource, mode: PolicyMode): Promise<PolicyLoad>;
export async function loadWorkstationPolicy(source: PolicySource, mode: PolicyMode): Promise<PolicyLoad> {
  const read = await source.read();
  if (!read.ok) {
    const problems = [{ field: '', message: read.problem }];
    if (mode === 'strict') return { ok: false, problems, location: read.location };
    return { ok: true, policy: DEFAULT_POLICY, files: NO_POLICY_FILES, problems, location: read.location };
  }
  const checked = validatePolicy(read.raw);
  if (!checked.ok && mode === 'strict') {
    return { ok: false, problems: checked.problems, location: read.location };
  }
  const settled = checked.ok ? { policy: checked.policy, problems: [] } : policyWithFallback(read.raw);
  const { files, problems: fileProblems } = await readPolicyFiles(settled.policy);
  if (fileProblems.length > 0 && mode === 'strict') {
    return { ok: false, problems: fileProblems, location: read.location };
  }
  const unreadable = Object.fromEntries(fileProblems.map((problem) => [problem.field, '']));
  return {
    ok: true,
    policy: Object.freeze({ ...settled.policy, ...unreadable }),
    files,
    problems: [...settled.problems, ...fileProblems],
    location: read.location,
  };
}

/** The source for `--policy FILE`: that file, read and watched like the machine's. */
export function policyFileSource(path: string): PolicySource {
  // A file named on purpose must exist: a typo must not quietly give the defaults.
  return new JsonFilePolicySource(path, { missing: 'problem' });
}

/** The settings whose values differ between two policies, in table order. */
export function changedSettings(before: Policy, after: Policy): PolicyKey[] {
  return (Object.keys(POLICY_SETTINGS) as PolicyKey[]).filter(
    (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
}

export type PolicyUpdate =
  | {
      readonly kind: 'changed';
      readonly load: SettledPolicy;
      readonly changed: readonly PolicyKey[];
    }
  | { readonly kind: 'refused'; readonly load: Extract<PolicyLoad, { ok: false }> };

/** How long a burst of writes to the store (an editor saving, Group Policy refreshing) settles. */
const SETTLE_MS = 250;

/**
 * Calls `onUpdate` when the policy in the store differs from `current()`: with the new policy
 * (settled as `mode` says) and the settings that changed, or with the problems that make it
 * unacceptable — any problem in strict mode; in either mode a store that cannot be read or
 * parsed at all. A change that changes no value is not one.
 * Returns how to stop watching.
 */
export function watchWorkstationPolicy(
  source: PolicySource,
  mode: PolicyMode,
  current: () => Policy,
  onUpdate: (update: PolicyUpdate) => void,
): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const check = async (): Promise<void> => {
    const load = await loadWorkstationPolicy(source, mode);
    if (stopped) return;
    if (!load.ok) {
      onUpdate({ kind: 'refused', load });
      return;
    }
    // A store that cannot be read or parsed at all (a file half written, reg.exe failing) is not
    // a new policy: falling back would put every default in force live. The policy stays.
    const unreadable = load.problems.filter((problem) => problem.field === '');
    if (unreadable.length > 0) {
      onUpdate({ kind: 'refused', load: { ok: false, problems: unreadable, location: load.location } });
      return;
    }
    const changed = changedSettings(current(), load.policy);
    if (changed.length > 0) onUpdate({ kind: 'changed', load, changed });
  };
  const stopSource = source.watch(() => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void check();
    }, SETTLE_MS);
  });
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    stopSource();
  };
}
