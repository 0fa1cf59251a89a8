/**
 * The reference IdP's directory: the test people (test/harness/people.ts) with their badges and
 * PINs, their directory passwords (the interactive login of badge enrollment), the PIN lockout,
 * and badge enrollment. In memory, per IdP instance, so tests do not share lockout state.
 */
import { timingSafeEqual } from 'node:crypto';
import { TEST_PEOPLE, type TestPerson } from '../people.js';

export interface DirectoryPerson {
  readonly personId: string;
  readonly displayName: string;
  readonly givenName: string;
  readonly surname: string;
  /** `8`+RPPS or `0`+ADELI; null for a local account not linked to the national directory. */
  readonly nationalId: string | null;
  readonly profession: string;
  /** Canonical upper-case hex UIDs of the person's RFID badges. */
  readonly badgeUids: readonly string[];
  readonly pin: string;
  /**
   * The directory (AD/LDAP) password, typed once at the IdP's login page to enroll a badge.
   * Absent: the person cannot log in interactively.
   */
  readonly password?: string;
}

/** The test people's directory passwords (fictional), by person ID. */
export const DIRECTORY_PASSWORDS: Readonly<Record<string, string>> = {
  'claire.martin': 'Infirmiere-2026',
  'paul.durand': 'Medecin-2026',
  'sophie.petit': 'Aide-2026',
};

/** The outcome of one PIN check; the lockout counts per person, across all their badges. */
export type PinAttempt =
  | { readonly outcome: 'accepted'; readonly person: DirectoryPerson }
  | { readonly outcome: 'unknown-badge' }
  | { readonly outcome: 'wrong-pin'; readonly triesLeft: number }
  | { readonly outcome: 'locked'; readonly retryAfterSeconds: number };

export type EnrollmentOutcome =
  | { readonly outcome: 'enrolled'; readonly person: DirectoryPerson }
  | { readonly outcome: 'badge-taken' | 'unknown-person' };

export interface DirectoryOptions {
  /** Consecutive wrong PINs before the person is locked out. Default 5. */
  readonly maxPinFailures?: number;
  /** How long a lockout lasts. Default 300 s. */
  readonly lockoutSeconds?: number;
  /** Epoch ms; tests move it instead of sleeping. */
  readonly now?: () => number;
}

function fromTestPerson(person: TestPerson): DirectoryPerson {
  // Sophie Petit's badge is listed under two UIDs: the shared people file's, and the one the
  // reference IdP's own tests and the demo script use.
  const extraBadges = person.personId === 'sophie.petit' ? ['0455667788'] : [];
  return {
    personId: person.personId,
    displayName: person.displayName,
    givenName: person.givenName,
    surname: person.surname,
    nationalId: person.nationalId,
    profession: person.profession ?? 'Professionnel de santé',
    badgeUids: [person.badgeUid, ...extraBadges],
    pin: person.pin,
    ...(DIRECTORY_PASSWORDS[person.personId] !== undefined
      ? { password: DIRECTORY_PASSWORDS[person.personId] }
      : {}),
  };
}

/** The default directory: Claire Martin (nurse), Dr Paul Durand (doctor), Sophie Petit (no national ID). */
export const DEFAULT_DIRECTORY_PEOPLE: readonly DirectoryPerson[] = TEST_PEOPLE.map(fromTestPerson);

const canonicalUid = (uid: string): string => uid.replace(/[\s:]/g, '').toUpperCase();

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

interface FailureState {
  consecutive: number;
  lockedUntil: number;
}

export class Directory {
  private readonly people = new Map<string, DirectoryPerson>();
  private readonly failures = new Map<string, FailureState>();
  readonly maxPinFailures: number;
  readonly lockoutSeconds: number;
  private readonly now: () => number;

  constructor(people: readonly DirectoryPerson[] = DEFAULT_DIRECTORY_PEOPLE, options: DirectoryOptions = {}) {
    for (const person of people) this.people.set(person.personId, person);
    this.maxPinFailures = options.maxPinFailures ?? 5;
    this.lockoutSeconds = options.lockoutSeconds ?? 300;
    this.now = options.now ?? Date.now;
  }

  all(): readonly DirectoryPerson[] {
    return [...this.people.values()];
  }

  find(personId: string): DirectoryPerson | null {
    return this.people.get(personId) ?? null;
  }

  findByBadge(badgeUid: string): DirectoryPerson | null {
    const uid = canonicalUid(badgeUid);
    return this.all().find((person) => person.badgeUids.includes(uid)) ?? null;
  }

  findByNationalId(nationalId: string): DirectoryPerson | null {
    return (
      this.all().find((person) => person.nationalId !== null && person.nationalId === nationalId) ?? null
    );
  }

  /** Checks a badge's PIN, counting consecutive failures and enforcing the lockout. */
  checkBadgePin(badgeUid: string, pin: string): PinAttempt {
    const person = this.findByBadge(badgeUid);
    if (!person) return { outcome: 'unknown-badge' };
    const now = this.now();
    const state = this.failures.get(person.personId) ?? { consecutive: 0, lockedUntil: 0 };
    if (state.lockedUntil > now) {
      return { outcome: 'locked', retryAfterSeconds: Math.ceil((state.lockedUntil - now) / 1000) };
    }
    if (state.lockedUntil !== 0) {
      // The lockout has run out: the person starts again with a full count.
      state.consecutive = 0;
      state.lockedUntil = 0;
    }
    if (sameSecret(pin, person.pin)) {
      this.failures.delete(person.personId);
      return { outcome: 'accepted', person };
    }
    state.consecutive += 1;
    if (state.consecutive >= this.maxPinFailures) {
      state.lockedUntil = now + this.lockoutSeconds * 1000;
      this.failures.set(person.personId, state);
      return { outcome: 'locked', retryAfterSeconds: this.lockoutSeconds };
    }
    this.failures.set(person.personId, state);
    return { outcome: 'wrong-pin', triesLeft: this.maxPinFailures - state.consecutive };
  }

  /** The interactive login (person ID + directory password); null when either is wrong. */
  checkPassword(personId: string, password: string): DirectoryPerson | null {
    const person = this.people.get(personId.trim());
    if (!person || person.password === undefined) return null;
    return sameSecret(password, person.password) ? person : null;
  }

  /** Binds a badge to a person and sets the PIN of their badges (the enrollment API). */
  enrollBadge(personId: string, badgeUid: string, pin: string): EnrollmentOutcome {
    const person = this.people.get(personId);
    if (!person) return { outcome: 'unknown-person' };
    const uid = canonicalUid(badgeUid);
    const holder = this.findByBadge(uid);
    if (holder && holder.personId !== personId) return { outcome: 'badge-taken' };
    const updated: DirectoryPerson = {
      ...person,
      badgeUids: person.badgeUids.includes(uid) ? person.badgeUids : [...person.badgeUids, uid],
      pin,
    };
    this.people.set(personId, updated);
    this.failures.delete(personId);
    return { outcome: 'enrolled', person: updated };
  }
}
