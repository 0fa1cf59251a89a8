/**
 * Which screen shows, from what the agent last said. Pure (no DOM), so the rules read in one
 * place: an error stays on the lock screen until the next tap or until dismissed; a missing
 * reader shows whatever else is going on, because nothing else can happen until it is back.
 */
import type { Feedback, Snapshot } from '../ipc/contract.js';
import type { UiStrings, ErrorText } from './strings.js';

export type ErrorKind =
  | 'cardBlocked'
  | 'tooManyAttempts'
  | 'idpUnreachable'
  | 'idpError'
  | 'readerMissing'
  | 'unknownBadge'
  | 'badgeUnreadable'
  | 'timeout'
  | 'ecpsDenied'
  | 'ecpsExpired'
  | 'ecpsUnknown'
  | 'auditUnavailable';

/** Feedback messages that end an attempt with something the clinician must act on. */
const ERROR_MESSAGES: Readonly<Record<string, ErrorKind>> = {
  'card-blocked': 'cardBlocked',
  'too-many-attempts': 'tooManyAttempts',
  'idp-unreachable': 'idpUnreachable',
  'idp-error': 'idpError',
  'reader-lost': 'readerMissing',
  'unknown-badge': 'unknownBadge',
  'badge-unreadable': 'badgeUnreadable',
  'card-error': 'badgeUnreadable',
  'card-removed': 'badgeUnreadable',
  'audit-unavailable': 'auditUnavailable',
  'ecps-rate-limited': 'tooManyAttempts',
  'break-glass-rate-limited': 'tooManyAttempts',
  timeout: 'timeout',
  'ecps-denied': 'ecpsDenied',
  'ecps-expired': 'ecpsExpired',
  'ecps-unknown': 'ecpsUnknown',
};

export function errorKindOf(message: string): ErrorKind | null {
  return Object.hasOwn(ERROR_MESSAGES, message) ? (ERROR_MESSAGES[message] ?? null) : null;
}

export function errorText(strings: UiStrings, kind: ErrorKind): ErrorText {
  return strings.errors[kind];
}

export type Route = 'main' | 'ecps' | 'diagnostics';

export type Screen =
  | { readonly kind: 'lock' }
  | { readonly kind: 'error'; readonly error: ErrorKind }
  | { readonly kind: 'reading' }
  | { readonly kind: 'switching' }
  | { readonly kind: 'pin' }
  | { readonly kind: 'checking' }
  | { readonly kind: 'active' }
  | { readonly kind: 'locking' }
  /** e-CPS: the national ID pad. */
  | { readonly kind: 'ecps' }
  /** e-CPS: the code to pick in the app, while the request waits. */
  | { readonly kind: 'ecps-waiting' }
  | { readonly kind: 'diagnostics' };

export interface ViewInput {
  readonly snapshot: Snapshot;
  /** The last error feedback not yet dismissed, kept only while the workstation is locked. */
  readonly pendingError: ErrorKind | null;
  readonly route: Route;
}

export function screenFor({ snapshot, pendingError, route }: ViewInput): Screen {
  if (route === 'diagnostics') return { kind: 'diagnostics' };
  switch (snapshot.phase) {
    case 'locked':
      // e-CPS needs no reader: it stays open to someone who chose it while the reader is away.
      if (route === 'ecps') return { kind: 'ecps' };
      if (snapshot.health.readers !== 'ok' || snapshot.readers.length === 0) {
        return { kind: 'error', error: 'readerMissing' };
      }
      if (pendingError) return { kind: 'error', error: pendingError };
      return { kind: 'lock' };
    case 'identifying':
      return { kind: 'reading' };
    case 'switching':
      return { kind: 'switching' };
    case 'awaiting-pin':
      return { kind: 'pin' };
    case 'authenticating':
      return { kind: 'checking' };
    case 'ecps-waiting':
      return { kind: 'ecps-waiting' };
    case 'active':
    case 'offline-active':
    case 'break-glass':
      // Someone else chose e-CPS over this session (a tap-over without a badge).
      return route === 'ecps' ? { kind: 'ecps' } : { kind: 'active' };
    case 'locking':
      return { kind: 'locking' };
  }
}

/**
 * The error kept after a feedback message. Errors stick (the phase is back to locked by the
 * time they arrive); the view clears them when the phase leaves locked or the person dismisses.
 */
export function errorAfterFeedback(previous: ErrorKind | null, feedback: Feedback): ErrorKind | null {
  return errorKindOf(feedback.message) ?? previous;
}

/**
 * Digits typed on a pad (the PIN, the national ID): at most `max`, with the note the pad shows
 * under them. Clearing drops the references to the digits at once; the strings themselves
 * cannot be wiped (JS strings are immutable) and go with the garbage collector.
 */
export class DigitEntry {
  digits: string[] = [];
  note: string | null = null;

  /** Adds a digit, or says `tooLong` when `max` are already there. */
  type(digit: string, max: number, tooLong: string): void {
    if (this.digits.length >= max) {
      this.note = tooLong;
      return;
    }
    this.digits.push(digit);
    this.note = null;
  }

  erase(): void {
    this.digits.pop();
    this.note = null;
  }

  clear(): void {
    this.digits.fill('');
    this.digits = [];
    this.note = null;
  }

  get text(): string {
    return this.digits.join('');
  }
}
