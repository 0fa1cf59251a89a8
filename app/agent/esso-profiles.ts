/**
 * eSSO profiles from disk: the bundled ones (resources/esso) and IT's own directory. A profile
 * that fails validation is left out and reported with its file and field, never half-used.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProfileSet } from '../core/esso/match.js';
import { checkProfile, type Profile } from '../core/esso/profile.js';
import { resourcesDir } from './resources.js';

export const BUNDLED_PROFILES_DIR = (): string => join(resourcesDir(), 'esso');

export type ProfileFileCheck =
  | { readonly ok: true; readonly profile: Profile }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Reads and validates one profile file; every problem names its field. */
export function checkProfileFile(file: string): ProfileFileCheck {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      problems: [`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`],
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`not JSON: ${(error as Error).message}`] };
  }
  return checkProfile(raw);
}

export interface LoadedProfiles {
  readonly profiles: ProfileSet;
  /** `file: problem` for each profile left out. */
  readonly problems: readonly string[];
}

export function loadProfiles(dirs: readonly string[]): LoadedProfiles {
  const profiles: Profile[] = [];
  const problems: string[] = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = readdirSync(dir)
        .filter((name) => name.endsWith('.json'))
        .sort();
    } catch (error) {
      problems.push(`${dir}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      continue;
    }
    for (const name of files) {
      const file = join(dir, name);
      const check = checkProfileFile(file);
      if (!check.ok) {
        for (const problem of check.problems) problems.push(`${file}: ${problem}`);
        continue;
      }
      if (profiles.some((p) => p.id === check.profile.id)) {
        problems.push(`${file}: profile id "${check.profile.id}" is already used by another file (left out)`);
        continue;
      }
      profiles.push(check.profile);
    }
  }
  return { profiles: new ProfileSet(profiles), problems };
}
