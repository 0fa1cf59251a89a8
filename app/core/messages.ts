/**
 * What the workstation says to the person in front of it. The core names a message and its
 * parameters; the catalogues in resources/locales (fr first, en second) hold the words, and a
 * unit test proves both cover every key.
 */
export const MESSAGE_KEYS = [
  'reading-badge',
  'greeting-pin',
  'enter-pin',
  'last-try',
  'checking',
  'welcome',
  'welcome-back',
  'no-national-id',
  'wrong-pin',
  'card-blocked',
  'too-many-attempts',
  'unknown-badge',
  'badge-unreadable',
  'idp-unreachable',
  'idp-error',
  'card-error',
  'card-removed',
  'timeout',
  'cancelled',
  'busy',
  'switching-user',
  'tap-out-undo',
  'tap-out-undone',
  'locked',
  'locked-inactivity',
  'locked-power',
  'reader-lost',
  'session-revoked',
  'sign-in-again',
  'break-glass',
  'break-glass-disabled',
  'break-glass-ended',
  'ecps-waiting',
  'ecps-denied',
  'ecps-expired',
  'ecps-unknown',
  'os-session-not-yours',
  'ecps-rate-limited',
  'break-glass-tap',
  'break-glass-rate-limited',
  'audit-unavailable',
] as const;

export type MessageKey = (typeof MESSAGE_KEYS)[number];

/** Values substituted into a message: `{name}`, `{seconds}`, `{triesLeft}`, `{previous}`, `{code}`, ... */
export type MessageParams = Readonly<Record<string, string | number>>;

export type Catalogue = Readonly<Record<MessageKey, string>>;

/**
 * Fills a message's `{placeholders}`. Parameters come from cards and IdPs, so control characters
 * and bidi overrides are stripped: a name must not be able to reorder or hide the text around it.
 */
export function formatMessage(catalogue: Catalogue, key: MessageKey, params: MessageParams = {}): string {
  return catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : sanitizeDisplayText(String(value));
  });
}

// C0/C1 controls, and the Unicode bidi embedding/override/isolate marks.
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function sanitizeDisplayText(text: string, maxLength = 80): string {
  const clean = text.replace(UNSAFE_TEXT, '').trim();
  return clean.length > maxLength ? `${clean.slice(0, maxLength - 1)}…` : clean;
}
