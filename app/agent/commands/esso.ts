/**
 * `releve esso check FILE...` validates profiles (exit 1 naming each field that is wrong);
 * `releve esso probe [--json] [--watch]` lists the windows on this desktop, what the driver
 * sees of them, and which profile and screen each matches and why; `releve esso learn` writes
 * a draft profile from the window in front, for IT to edit. The probe never types anything.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ProfileSet, WindowDescription } from '../../core/esso/match.js';
import { checkProfile, PROFILE_SCHEMA_VERSION } from '../../core/esso/profile.js';
import type { EssoDriver } from '../../core/ports/index.js';
import type { CliIo } from '../cli.js';
import { checkProfileFile, loadProfiles } from '../esso-profiles.js';

export interface EssoCommandDeps {
  /** The desktop driver (the X11 one on Linux); rejects with a clear message when there is no desktop. */
  readonly driver: () => Promise<
    EssoDriver & { focusedWindow(): Promise<WindowDescription | null>; stop(): Promise<void> }
  >;
  /** Where IT keeps profiles (default: /etc/releve/esso, then the bundled examples). */
  readonly profileDirs: () => string[];
  readonly untilSignal: () => Promise<void>;
}

const USAGE =
  'usage: releve esso check FILE... | esso probe [--json] [--watch] [--profiles DIR] | esso learn [--profiles DIR]';

export async function essoCommand(
  args: readonly string[],
  io: CliIo,
  deps: EssoCommandDeps,
): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'check':
      return check(rest, io);
    case 'probe':
      return probe(rest, io, deps);
    case 'learn':
      return learn(rest, io, deps);
    default:
      io.err(`releve: unknown esso command: ${sub ?? '(none)'}`);
      io.err(USAGE);
      return 2;
  }
}

function check(args: readonly string[], io: CliIo): number {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: {} });
  if (positionals.length === 0) {
    io.err(USAGE);
    return 2;
  }
  let failed = false;
  for (const file of positionals) {
    const result = checkProfileFile(file);
    if (result.ok) {
      const { profile } = result;
      io.out(
        `${file}: valid profile "${profile.id}" (${profile.label}, revision ${profile.revision}, ${profile.screens.length} screens)`,
      );
    } else {
      failed = true;
      io.err(`${file}: invalid profile`);
      for (const problem of result.problems) io.err(`  - ${problem}`);
    }
  }
  return failed ? 1 : 0;
}

function profilesFrom(dirOption: string | undefined, deps: EssoCommandDeps, io: CliIo): ProfileSet {
  const dirs = dirOption ? [dirOption] : deps.profileDirs().filter((dir) => existsSync(dir));
  const { profiles, problems } = loadProfiles(dirs);
  for (const problem of problems) io.err(`releve: profile left out: ${problem}`);
  return profiles;
}

function describe(window: WindowDescription, profiles: ProfileSet): Record<string, unknown> {
  const result = profiles.match(window);
  const match =
    result.kind === 'matched'
      ? {
          profile: result.match.profile.id,
          screen: result.match.screen.id,
          kind: result.match.screen.kind,
          why: result.match.reasons,
        }
      : result.kind === 'ambiguous'
        ? {
            ambiguous: result.candidates.map((c) => ({
              profile: c.profile.id,
              screen: c.screen.id,
              why: c.reasons,
            })),
          }
        : null;
  return {
    window: window.windowId,
    process: window.process,
    class: window.className,
    title: window.title,
    fields: window.fields,
    match,
  };
}

/** Titles are shown, never trusted: control characters are made visible and length bounded. */
const shown = (text: string): string =>
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text).replace(/[\u0000-\u001f]/g, '?');

function printWindow(io: CliIo, json: boolean, fields: Record<string, unknown>, event?: string): void {
  if (json) {
    io.out(JSON.stringify(event ? { event, ...fields } : fields));
    return;
  }
  const match = fields.match as {
    profile?: string;
    screen?: string;
    kind?: string;
    why?: string[];
    ambiguous?: { profile: string; screen: string }[];
  } | null;
  const verdict = !match
    ? 'no profile'
    : match.ambiguous
      ? `AMBIGUOUS: ${match.ambiguous.map((c) => `${c.profile}/${c.screen}`).join(', ')} (nothing is filled)`
      : `${match.profile}/${match.screen} (${match.kind}) because ${match.why!.join('; ')}`;
  io.out(
    `${event ? `${event} ` : ''}window ${String(fields.window)} process=${String(fields.process) || '?'} class=${shown(String(fields.class))} title=${shown(String(fields.title))} → ${verdict}`,
  );
}

type CommandDriver = Awaited<ReturnType<EssoCommandDeps['driver']>>;

/** Opens the desktop driver (a clear line when there is no desktop), runs `use`, always stops it. */
async function withDriver(
  deps: EssoCommandDeps,
  io: CliIo,
  use: (driver: CommandDriver) => Promise<number>,
): Promise<number> {
  let driver: CommandDriver;
  try {
    driver = await deps.driver();
  } catch (error) {
    io.err(`releve: ${(error as Error).message}`);
    return 1;
  }
  try {
    return await use(driver);
  } finally {
    await driver.stop();
  }
}

async function probe(args: readonly string[], io: CliIo, deps: EssoCommandDeps): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: { json: { type: 'boolean' }, watch: { type: 'boolean' }, profiles: { type: 'string' } },
  });
  const profiles = profilesFrom(values.profiles, deps, io);
  return withDriver(deps, io, async (driver) => {
    const json = values.json ?? false;
    for (const window of await driver.windows()) printWindow(io, json, describe(window, profiles));
    if (!values.watch) return 0;
    const stop = driver.watch((event) => {
      if (event.kind === 'gone') {
        if (json) io.out(JSON.stringify({ event: 'gone', window: event.windowId }));
        else io.out(`gone window ${event.windowId}`);
      } else printWindow(io, json, describe(event.window, profiles), event.kind);
    });
    await deps.untilSignal();
    stop();
    return 0;
  });
}

/** A draft profile from the window in front: its class and title, a typical login sequence. */
async function learn(args: readonly string[], io: CliIo, deps: EssoCommandDeps): Promise<number> {
  parseArgs({ args: [...args], strict: true, options: { profiles: { type: 'string' } } });
  return withDriver(deps, io, async (driver) => {
    const window = await driver.focusedWindow();
    if (!window) {
      io.err('releve: no application window has the focus: click in the login window, then run this again');
      return 1;
    }
    const id =
      (window.className || window.process)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'application';
    // eslint-disable-next-line no-control-regex -- control characters cannot go into a profile
    const title = window.title.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 256);
    const draft = {
      schemaVersion: PROFILE_SCHEMA_VERSION,
      id,
      label: (window.className || id).slice(0, 64),
      revision: 1,
      application: window.className
        ? { className: { equals: window.className } }
        : { process: window.process },
      screens: [
        {
          id: 'login',
          kind: 'login',
          match: title ? { title: { equals: title } } : { process: window.process },
          fill: { method: 'keys', sequence: '{CLEARFIELD}{USERNAME}{TAB}{CLEARFIELD}{PASSWORD}{ENTER}' },
        },
      ],
      onSwitch: { action: 'close' },
    };
    const checked = checkProfile(draft);
    if (!checked.ok) {
      io.err(`releve: the draft cannot be made valid from this window: ${checked.problems.join('; ')}`);
      return 1;
    }
    io.err(
      'releve: draft profile below. Add the failure, success and password-change screens, check the keys, then: releve esso check FILE',
    );
    io.out(JSON.stringify(draft, null, 2));
    return 0;
  });
}
