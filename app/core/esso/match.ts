/**
 * The eSSO engine: a window as a driver describes it → the profile and screen it shows, and
 * why. The most specific match wins; two equally specific matches are reported as ambiguous,
 * never guessed between (filling the wrong application with a password is worse than asking).
 */
import type { FieldRole, FieldTarget, Profile, Screen, TextMatcher, WindowMatch } from './profile.js';
import { compileRegex, compileWildcard, type CompiledPattern } from './text-pattern.js';

export interface FieldDescription {
  readonly role: FieldRole;
  readonly name: string;
}

/** What a driver knows about one top-level window. */
export interface WindowDescription {
  readonly windowId: string;
  /** Executable name (`java`, `xterm`), or '' when the driver cannot tell. */
  readonly process: string;
  readonly className: string;
  readonly title: string;
  /** Accessible fields, empty when the toolkit exposes none (Tk, xterm). */
  readonly fields: readonly FieldDescription[];
  /** The text on a terminal's screen, or null for other windows. */
  readonly screenText: string | null;
}

export interface ScreenMatch {
  readonly profile: Profile;
  readonly screen: Screen;
  /** Specificity: the larger, the more the profile says about this window. */
  readonly score: number;
  /** Each criterion that matched, for `releve esso probe` and diagnostics. */
  readonly reasons: readonly string[];
}

export type MatchResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'matched'; readonly match: ScreenMatch }
  | { readonly kind: 'ambiguous'; readonly candidates: readonly ScreenMatch[] };

/** Titles come from any application: control characters never match a literal. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const visible = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');

type CompiledMatcher = {
  readonly test: (text: string) => boolean;
  readonly weight: number;
  readonly describe: string;
};

function compileMatcher(matcher: TextMatcher): CompiledMatcher {
  const caseSensitive = matcher.caseSensitive ?? false;
  if (matcher.equals !== undefined) {
    const expected = caseSensitive ? matcher.equals : matcher.equals.toLowerCase();
    return {
      test: (text) => (caseSensitive ? text : text.toLowerCase()) === expected,
      weight: 3,
      describe: `is "${matcher.equals}"`,
    };
  }
  const pattern: CompiledPattern =
    matcher.wildcard !== undefined
      ? compileWildcard(matcher.wildcard, caseSensitive)
      : compileRegex(matcher.regex ?? '', caseSensitive);
  return {
    test: (text) => pattern.test(text),
    weight: 2,
    describe: matcher.wildcard !== undefined ? `matches "${matcher.wildcard}"` : `matches /${matcher.regex}/`,
  };
}

type Check = (window: WindowDescription) => string | null;
interface CompiledCriteria {
  readonly checks: readonly Check[];
  readonly weight: number;
}

function fieldCheck(target: FieldTarget): {
  check: (fields: readonly FieldDescription[]) => boolean;
  describe: string;
} {
  const name = target.name ? compileMatcher(target.name) : null;
  return {
    check: (fields) =>
      fields.some(
        (field) =>
          (target.role === undefined || field.role === target.role) &&
          (!name || name.test(visible(field.name))),
      ),
    describe: [target.role, name?.describe].filter(Boolean).join(' '),
  };
}

function compileCriteria(match: WindowMatch): CompiledCriteria {
  const checks: Check[] = [];
  let weight = 0;
  if (match.process !== undefined) {
    const expected = match.process.toLowerCase();
    checks.push((w) => (w.process.toLowerCase() === expected ? `process is ${match.process}` : null));
    weight += 3;
  }
  const textChecks: [TextMatcher | undefined, string, (w: WindowDescription) => string | null][] = [
    [match.className, 'class', (w) => w.className],
    [match.title, 'title', (w) => w.title],
    [match.screenText, 'screen text', (w) => w.screenText],
  ];
  for (const [matcher, label, read] of textChecks) {
    if (!matcher) continue;
    const compiled = compileMatcher(matcher);
    checks.push((w) => {
      const text = read(w);
      return text !== null && compiled.test(visible(text)) ? `${label} ${compiled.describe}` : null;
    });
    weight += compiled.weight;
  }
  for (const target of match.fields ?? []) {
    const field = fieldCheck(target);
    checks.push((w) => (field.check(w.fields) ? `has field ${field.describe}` : null));
    weight += 2;
  }
  return { checks, weight };
}

/** Every criterion's reason, or null as soon as one fails. */
function evaluate(criteria: CompiledCriteria, window: WindowDescription): string[] | null {
  const reasons: string[] = [];
  for (const check of criteria.checks) {
    const reason = check(window);
    if (reason === null) return null;
    reasons.push(reason);
  }
  return reasons;
}

interface CompiledProfile {
  readonly profile: Profile;
  readonly application: CompiledCriteria;
  readonly screens: readonly { readonly screen: Screen; readonly criteria: CompiledCriteria }[];
}

/** Profiles with their patterns compiled once (profiles are already validated). */
export class ProfileSet {
  private readonly compiled: readonly CompiledProfile[];

  constructor(readonly profiles: readonly Profile[]) {
    this.compiled = profiles.map((profile) => ({
      profile,
      application: compileCriteria(profile.application),
      screens: profile.screens.map((screen) => ({ screen, criteria: compileCriteria(screen.match) })),
    }));
  }

  byId(id: string): Profile | undefined {
    return this.profiles.find((profile) => profile.id === id);
  }

  /** The profiles whose application criteria this window meets (whatever its screen). */
  applicationsOf(window: WindowDescription): Profile[] {
    return this.compiled.filter((c) => evaluate(c.application, window) !== null).map((c) => c.profile);
  }

  match(window: WindowDescription): MatchResult {
    const candidates: ScreenMatch[] = [];
    for (const { profile, application, screens } of this.compiled) {
      const applicationReasons = evaluate(application, window);
      if (applicationReasons === null) continue;
      for (const { screen, criteria } of screens) {
        const screenReasons = evaluate(criteria, window);
        if (screenReasons === null) continue;
        candidates.push({
          profile,
          screen,
          score: application.weight + criteria.weight,
          reasons: [...applicationReasons, ...screenReasons],
        });
      }
    }
    if (candidates.length === 0) return { kind: 'none' };
    candidates.sort((a, b) => b.score - a.score);
    const best = candidates[0]!;
    const tied = candidates.filter((candidate) => candidate.score === best.score);
    return tied.length === 1 ? { kind: 'matched', match: best } : { kind: 'ambiguous', candidates: tied };
  }
}

/**
 * Notices a profile that has stopped matching its application: a window of an application
 * whose login screen the profile recognised before now shows a screen none of its screens
 * recognise (the application was updated). Reported once per profile and title, so a
 * long-lived window does not flood the audit trail.
 */
export class StaleProfileTracker {
  private readonly recognised = new Set<string>();
  private readonly reported = new Set<string>();

  /** Returns the profiles to report as stale for this window, given its match result. */
  observe(profiles: ProfileSet, window: WindowDescription, result: MatchResult): Profile[] {
    if (result.kind === 'matched') {
      if (result.match.screen.kind === 'login') this.recognised.add(result.match.profile.id);
      return [];
    }
    if (result.kind === 'ambiguous') return [];
    const stale: Profile[] = [];
    for (const profile of profiles.applicationsOf(window)) {
      const key = `${profile.id}\u0000${window.title}`;
      if (!this.recognised.has(profile.id) || this.reported.has(key)) continue;
      this.reported.add(key);
      stale.push(profile);
    }
    return stale;
  }
}
