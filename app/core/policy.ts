/**
 * The policy: every setting IT can set on a workstation, its safe default, its allowed range and
 * its description. One table is the single source of truth: the zod schema, the validation
 * messages, the README's table and the ADMX/ADML templates are all derived from it, so a
 * setting cannot exist in the code and be missing from Group Policy.
 */
import { z } from 'zod';

type Text = { readonly fr: string; readonly en: string };

interface SettingBase<T> {
  readonly default: T;
  readonly description: Text;
}
export interface IntegerSetting extends SettingBase<number> {
  readonly type: 'integer';
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}
export interface EnumSetting<V extends string = string> extends SettingBase<V> {
  readonly type: 'enum';
  readonly values: readonly V[];
}
export interface BooleanSetting extends SettingBase<boolean> {
  readonly type: 'boolean';
}
export interface StringSetting extends SettingBase<string> {
  readonly type: 'string';
  readonly pattern: RegExp;
  readonly patternHint: string;
  readonly maxLength: number;
  /**
   * A credential (a token): its value is never shown — not in a validation message, the audit
   * trail, a log or `releve policy check` — only whether it is set. Everything that prints
   * policy goes through `showSetting`.
   */
  readonly secret?: true;
}
export interface TimeListSetting extends SettingBase<readonly string[]> {
  readonly type: 'time-list';
  readonly maxItems: number;
}
export interface StringListSetting extends SettingBase<readonly string[]> {
  readonly type: 'string-list';
  readonly itemPattern: RegExp;
  readonly itemHint: string;
  readonly maxItems: number;
}
export type Setting =
  IntegerSetting | EnumSetting | BooleanSetting | StringSetting | TimeListSetting | StringListSetting;

const integer = (min: number, max: number, def: number, unit: string, description: Text): IntegerSetting => ({
  type: 'integer',
  min,
  max,
  default: def,
  unit,
  description,
});
const oneOf = <V extends string>(values: readonly V[], def: V, description: Text): EnumSetting<V> => ({
  type: 'enum',
  values,
  default: def,
  description,
});
const flag = (def: boolean, description: Text): BooleanSetting => ({
  type: 'boolean',
  default: def,
  description,
});
const text = (
  def: string,
  pattern: RegExp,
  patternHint: string,
  maxLength: number,
  description: Text,
): StringSetting => ({
  type: 'string',
  default: def,
  pattern,
  patternHint,
  maxLength,
  description,
});
// eslint-disable-next-line no-control-regex -- a path with control characters is refused
const ABSOLUTE_PATH_OR_EMPTY = /^$|^(\/|[A-Za-z]:\\)[^\u0000-\u001f]*$/;

export const SESSION_MODES = ['shared-kiosk', 'os-lock'] as const;
export const LOCALES = ['fr', 'en'] as const;
export const CONTACT_CARD_REMOVAL = ['lock', 'end-grace', 'ignore'] as const;
export const TAP_OVER_PREVIOUS = ['suspend', 'close'] as const;
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export const IDP_CLIENT_AUTH_METHODS = [
  'private_key_jwt',
  'client_secret_basic',
  'client_secret_post',
] as const;

export const POLICY_SETTINGS = {
  mode: oneOf(SESSION_MODES, 'shared-kiosk', {
    en: 'shared-kiosk: one generic OS session behind a full-screen lock overlay, applications switched per person; os-lock: personal OS sessions, tap-out locks the OS session.',
    fr: 'shared-kiosk : une session OS générique derrière un écran de verrouillage plein écran, applications basculées par personne ; os-lock : sessions OS personnelles, le retrait verrouille la session OS.',
  }),
  workstationName: {
    type: 'string',
    default: '',
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$|^$/,
    patternHint: 'letters, digits, ".", "_" or "-", at most 63 characters; empty means the host name',
    maxLength: 63,
    description: {
      en: 'Name of this workstation in the audit trail and on the lock screen. Empty: the host name.',
      fr: "Nom du poste dans la traçabilité et sur l'écran de verrouillage. Vide : le nom d'hôte.",
    },
  } satisfies StringSetting,
  locale: oneOf(LOCALES, 'fr', { en: 'Language of the screens.', fr: 'Langue des écrans.' }),
  graceRetapMinutes: integer(0, 720, 240, 'minutes', {
    en: 'After a full badge + PIN sign-in on this workstation, a re-tap within this period needs no PIN. 0 disables grace re-tap.',
    fr: 'Après une connexion complète badge + code PIN sur ce poste, un nouveau badgeage dans ce délai ne demande pas le code. 0 désactive.',
  }),
  otherTapInEndsGrace: flag(false, {
    en: "When true, another person's full sign-in on this workstation ends everyone else's grace re-tap.",
    fr: "Si vrai, la connexion complète d'une autre personne sur ce poste met fin au badgeage sans code des autres.",
  }),
  tapOutUndoSeconds: integer(0, 30, 5, 'seconds', {
    en: 'Tapping out locks after this undo window; a touch or a re-tap within it cancels the lock. 0 locks at once.',
    fr: 'Le retrait verrouille après ce délai d’annulation ; un toucher ou un nouveau badgeage l’annule. 0 verrouille immédiatement.',
  }),
  inactivityLockMinutes: integer(0, 240, 10, 'minutes', {
    en: 'Lock the workstation after this much inactivity. 0 disables the inactivity lock.',
    fr: "Verrouiller le poste après cette durée d'inactivité. 0 désactive.",
  }),
  pinEntryTimeoutSeconds: integer(10, 300, 30, 'seconds', {
    en: 'A PIN prompt left unanswered this long is cancelled.',
    fr: 'Une demande de code PIN sans réponse pendant ce délai est annulée.',
  }),
  authenticationTimeoutSeconds: integer(2, 120, 15, 'seconds', {
    en: 'Longest wait for the card or the identity provider before the sign-in fails safely.',
    fr: "Attente maximale de la carte ou du fournisseur d'identité avant un échec sûr.",
  }),
  maxSuspendedSessions: integer(0, 10, 3, 'sessions', {
    en: 'How many suspended sessions (tap-over) are kept on one workstation; the oldest is closed first.',
    fr: 'Nombre de sessions suspendues (changement d’utilisateur) gardées sur un poste ; la plus ancienne est fermée en premier.',
  }),
  maxSuspendedMinutes: integer(1, 1440, 480, 'minutes', {
    en: 'A suspended session older than this is closed.',
    fr: 'Une session suspendue plus ancienne que ce délai est fermée.',
  }),
  tapOverPreviousSession: oneOf(TAP_OVER_PREVIOUS, 'suspend', {
    en: "What happens to the signed-in person's session when someone else taps in: suspend (kept) or close.",
    fr: 'Sort de la session en cours quand une autre personne badge : suspend (conservée) ou close (fermée).',
  }),
  contactCardRemoval: oneOf(CONTACT_CARD_REMOVAL, 'lock', {
    en: "When the signed-in person's contact card is pulled out: lock (and end grace), end-grace only, or ignore.",
    fr: 'Au retrait de la carte à contact de la personne connectée : lock (verrouiller et finir la période de grâce), end-grace, ou ignore.',
  }),
  shiftBoundaries: {
    type: 'time-list',
    default: ['07:00', '14:00', '21:00'],
    maxItems: 8,
    description: {
      en: 'Local times (HH:MM) at which shifts change; grace re-tap ends at each.',
      fr: 'Heures locales (HH:MM) de changement d’équipe ; la période de grâce se termine à chacune.',
    },
  } satisfies TimeListSetting,
  pinMinLength: integer(4, 12, 4, 'digits', {
    en: 'Shortest PIN accepted by the PIN pad.',
    fr: 'Longueur minimale du code PIN.',
  }),
  pinMaxLength: integer(4, 12, 8, 'digits', {
    en: 'Longest PIN accepted by the PIN pad.',
    fr: 'Longueur maximale du code PIN.',
  }),
  breakGlassEnabled: flag(false, {
    en: 'Allow emergency (break-glass) access: loud, time-limited and audited for review.',
    fr: "Autoriser l'accès d'urgence (bris de glace) : signalé, limité dans le temps, tracé pour revue.",
  }),
  breakGlassMinutes: integer(5, 120, 30, 'minutes', {
    en: 'How long a break-glass access lasts.',
    fr: "Durée d'un accès d'urgence.",
  }),
  idpIssuer: text('', /^$|^https:\/\/[^\s]+$/, 'an https:// URL, or empty', 2048, {
    en: "The hospital IdP's issuer URL. Empty: no IdP is configured and every sign-in fails safely.",
    fr: "URL de l'émetteur du fournisseur d'identité de l'établissement. Vide : aucun, toute connexion échoue sans risque.",
  }),
  idpCaFile: text('', ABSOLUTE_PATH_OR_EMPTY, 'an absolute path, or empty', 1024, {
    en: "PEM file of extra CAs trusted for the IdP's TLS (an internal CA). Empty: the system's CAs.",
    fr: "Fichier PEM d'autorités supplémentaires pour le TLS du fournisseur d'identité. Vide : celles du système.",
  }),
  idpInitialAccessToken: {
    ...text('', /^$|^[\x21-\x7e]+$/, 'printable ASCII without spaces, or empty', 4096, {
      en: 'RFC 7591 initial access token with which the workstation registers itself at the IdP on first start.',
      fr: "Jeton d'accès initial (RFC 7591) avec lequel le poste s'enregistre auprès du fournisseur d'identité au premier démarrage.",
    }),
    secret: true,
  },
  idpClientId: text('', /^$|^[\x21-\x7e]{1,255}$/, 'printable ASCII without spaces, or empty', 255, {
    en: 'Client ID that IT registered for the workstations at the IdP. Empty: each workstation registers itself (RFC 7591).',
    fr: "Identifiant du client enregistré par l'informatique auprès du fournisseur d'identité. Vide : chaque poste s'enregistre lui-même (RFC 7591).",
  }),
  idpClientAuthMethod: oneOf(IDP_CLIENT_AUTH_METHODS, 'private_key_jwt', {
    en: 'How the client named by idpClientId authenticates: private_key_jwt (key made by `releve idp register`) or a client secret put in the OS vault by `releve idp set-secret`.',
    fr: 'Authentification du client nommé par idpClientId : private_key_jwt (clé créée par `releve idp register`) ou secret client placé dans le coffre du système par `releve idp set-secret`.',
  }),
  badgeUsernameTemplate: text('badge:{uid}', /\{uid\}/, 'text containing {uid}', 200, {
    en: 'The username sent to the IdP for an RFID/HID badge; {uid} is the canonical badge UID.',
    fr: "Identifiant envoyé au fournisseur d'identité pour un badge RFID/HID ; {uid} est l'UID canonique du badge.",
  }),
  cardTrustedRootsFile: text('', ABSOLUTE_PATH_OR_EMPTY, 'an absolute path, or empty', 1024, {
    en: 'PEM file of the IGC-Santé roots trusted for CPS card certificates. Empty: card chains are reported as not validated.',
    fr: 'Fichier PEM des racines IGC-Santé de confiance pour les certificats des cartes CPS. Vide : chaînes non validées.',
  }),
  readerUidByteOrder: {
    type: 'string-list',
    default: [],
    // eslint-disable-next-line no-control-regex -- reader names with control characters are refused
    itemPattern: /^[^=\u0000-\u001f]{1,200}=(as-read|reversed)$/,
    itemHint: '"<reader name prefix>=as-read" or "=reversed"',
    maxItems: 32,
    description: {
      en: 'Per-reader UID byte order, so that a badge gives the same ID on every reader: "<reader name prefix>=reversed".',
      fr: "Ordre des octets de l'UID par lecteur, pour qu'un badge ait le même identifiant partout : « <début du nom du lecteur>=reversed ».",
    },
  } satisfies StringListSetting,
  hidReaders: {
    type: 'string-list',
    default: [],
    itemPattern: /^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/,
    itemHint: '"vvvv:pppp" USB vendor:product IDs in hex',
    maxItems: 16,
    description: {
      en: 'HID badge readers to use (RFIDeas pcProx and the like), as USB vendor:product IDs.',
      fr: 'Lecteurs de badges HID à utiliser (RFIDeas pcProx, etc.), par identifiants USB fabricant:produit.',
    },
  } satisfies StringListSetting,
  // os-lock: the OS account a person works under; a tap unlocks only a session that account owns.
  osAccountTemplate: text(
    '{personId}',
    /^[A-Za-z0-9_.@{}-]*\{(personId|nationalId)\}[A-Za-z0-9_.@{}-]*$/,
    'text containing {personId} or {nationalId} (letters, digits, ".", "_", "-", "@")',
    64,
    {
      en: "os-lock mode: the OS account of a person, from {personId} (the IdP's subject) or {nationalId}; a tap unlocks only an OS session that this account owns.",
      fr: "Mode os-lock : le compte OS d'une personne, à partir de {personId} (le sujet du fournisseur d'identité) ou {nationalId} ; un badgeage ne déverrouille qu'une session OS de ce compte.",
    },
  ),
  // The privileged service: which desktop accounts may be its clients (the tray, the eSSO driver).
  serviceClientUids: {
    type: 'string-list',
    default: [],
    itemPattern: /^[1-9][0-9]{0,9}$/,
    itemHint: 'a numeric uid (root is always allowed)',
    maxItems: 32,
    description: {
      en: "Linux: the uids (the desktop or kiosk accounts) whose tray and eSSO driver may connect to the Relève service's socket; the kernel tells who connects (SO_PEERCRED). Empty: root only.",
      fr: "Linux : les uid (comptes du bureau ou du kiosque) dont la barre d'état et le pilote eSSO peuvent se connecter au service Relève ; le noyau dit qui se connecte (SO_PEERCRED). Vide : root seulement.",
    },
  } satisfies StringListSetting,
  pinFailuresBeforeCooldown: integer(1, 20, 5, 'PINs', {
    en: 'Wrong PINs in a row for one badge on this workstation before it must wait (a local cap, whatever the IdP or the card counts).',
    fr: "Codes PIN erronés à la suite pour un badge sur ce poste avant une attente obligatoire (plafond local, quel que soit le décompte de l'IdP ou de la carte).",
  }),
  pinCooldownMinutes: integer(1, 120, 5, 'minutes', {
    en: 'How long a badge waits after too many wrong PINs on this workstation.',
    fr: 'Attente imposée à un badge après trop de codes PIN erronés sur ce poste.',
  }),
  cardAllowUntrustedChain: flag(false, {
    en: 'Accept CPS cards whose certificate does not chain to a trusted IGC-Santé root. For test benches only: never on a clinical workstation.',
    fr: 'Accepter les cartes CPS dont le certificat ne remonte pas à une racine IGC-Santé de confiance. Bancs de test uniquement : jamais sur un poste clinique.',
  }),
  siemUrl: text(
    '',
    /^$|^tls:\/\/(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
    'tls://HOST:PORT, or empty',
    300,
    {
      en: 'The SIEM that receives the audit trail: RFC 5424 syslog over TLS (RFC 5425). Empty: the trail stays local.',
      fr: "Le SIEM qui reçoit la piste d'audit : syslog RFC 5424 sur TLS (RFC 5425). Vide : la piste reste locale.",
    },
  ),
  siemCaFile: text('', ABSOLUTE_PATH_OR_EMPTY, 'an absolute path, or empty', 1024, {
    en: "PEM file of the CAs trusted for the SIEM's TLS certificate. Empty: the system's CAs.",
    fr: 'Fichier PEM des autorités de confiance pour le certificat TLS du SIEM. Vide : celles du système.',
  }),
  auditRetentionDays: integer(30, 3650, 183, 'days', {
    en: 'How long the local audit trail is kept (files already sent to the SIEM, when there is one).',
    fr: "Durée de conservation de la piste d'audit locale (fichiers déjà envoyés au SIEM, s'il y en a un).",
  }),
  logLevel: oneOf(LOG_LEVELS, 'warn', {
    en: 'How much the diagnostic log says (never a PIN, token or secret, at any level).',
    fr: 'Niveau de détail du journal de diagnostic (jamais de PIN, jeton ou secret, à aucun niveau).',
  }),
  logFile: text('', ABSOLUTE_PATH_OR_EMPTY, 'an absolute path, or empty', 1024, {
    en: 'The diagnostic log file (rotated at 10 MB, 5 files kept). Empty: standard error.',
    fr: "Le fichier du journal de diagnostic (rotation à 10 Mo, 5 fichiers gardés). Vide : la sortie d'erreur.",
  }),
} as const satisfies Record<string, Setting>;

export type PolicyKey = keyof typeof POLICY_SETTINGS;
type ValueOf<S> =
  S extends EnumSetting<infer V>
    ? V
    : S extends IntegerSetting
      ? number
      : S extends BooleanSetting
        ? boolean
        : S extends TimeListSetting | StringListSetting
          ? readonly string[]
          : string;

export type Policy = { readonly [K in PolicyKey]: ValueOf<(typeof POLICY_SETTINGS)[K]> };

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

function describeAllowed(setting: Setting): string {
  switch (setting.type) {
    case 'integer':
      return `an integer from ${setting.min} to ${setting.max} (${setting.unit})`;
    case 'enum':
      return `one of ${setting.values.map((v) => `"${v}"`).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return setting.patternHint;
    case 'time-list':
      return `a list of at most ${setting.maxItems} distinct local times "HH:MM"`;
    case 'string-list':
      return `a list of at most ${setting.maxItems} entries, each ${setting.itemHint}`;
  }
}

function schemaFor(setting: Setting): z.ZodType {
  switch (setting.type) {
    case 'integer':
      return z.number().int().min(setting.min).max(setting.max);
    case 'enum':
      return z.enum(setting.values as [string, ...string[]]);
    case 'boolean':
      return z.boolean();
    case 'string':
      return z.string().max(setting.maxLength).regex(setting.pattern);
    case 'time-list':
      return z
        .array(z.string().regex(TIME_OF_DAY))
        .max(setting.maxItems)
        .refine((list) => new Set(list).size === list.length);
    case 'string-list':
      return z.array(z.string().regex(setting.itemPattern)).max(setting.maxItems);
  }
}

const settingEntries = Object.entries(POLICY_SETTINGS) as [PolicyKey, Setting][];

/** Each setting's schema, built once: validation runs at start and on every policy change. */
const schemas: ReadonlyMap<string, z.ZodType> = new Map(
  settingEntries.map(([key, setting]) => [key, schemaFor(setting)]),
);

export const DEFAULT_POLICY: Policy = Object.freeze(
  Object.fromEntries(settingEntries.map(([key, setting]) => [key, setting.default])),
) as Policy;

export interface PolicyProblem {
  /** The setting at fault ("" for the document as a whole). */
  readonly field: string;
  /** One sentence naming the field, what is allowed and what was found. */
  readonly message: string;
}

export type PolicyValidation =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly problems: readonly PolicyProblem[] };

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The table's entry for a key, if it is a setting: own keys only, never Object.prototype's. */
function settingFor(key: string): Setting | undefined {
  return Object.hasOwn(POLICY_SETTINGS, key) ? (POLICY_SETTINGS as Record<string, Setting>)[key] : undefined;
}

const isSecret = (setting: Setting): boolean => setting.type === 'string' && setting.secret === true;

/** Whether a setting is a credential whose value is never shown (marked `secret` in the table). */
export function isSecretSetting(key: string): boolean {
  const setting = settingFor(key);
  return setting !== undefined && isSecret(setting);
}

/**
 * A setting's value as anything that prints policy shows it: JSON, except for a secret
 * setting, of which only whether it is set is said.
 */
export function showSetting(key: PolicyKey, value: unknown): string {
  const setting: Setting = POLICY_SETTINGS[key];
  if (!isSecret(setting)) return JSON.stringify(value);
  return value === '' ? '""' : '(set: secret, not shown)';
}

/** What was found, for a validation message: never a secret's value. */
function found(setting: Setting, value: unknown): string {
  if (!isSecret(setting)) return show(value);
  return typeof value === 'string'
    ? `a value of ${value.length} characters (secret, not shown)`
    : `a ${value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value} (secret, not shown)`;
}

/**
 * Validates a policy document (already parsed from JSON, the registry or a test): every key must
 * be a known setting with an allowed value. Missing keys take their defaults.
 */
export function validatePolicy(input: unknown): PolicyValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      problems: [{ field: '', message: `the policy must be a JSON object of settings; got ${show(input)}` }],
    };
  }
  const problems: PolicyProblem[] = [];
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const setting = settingFor(key);
    if (!setting) {
      problems.push({
        field: key,
        message: `${key}: unknown setting (known settings: ${Object.keys(POLICY_SETTINGS).join(', ')})`,
      });
      continue;
    }
    const parsed = (schemas.get(key) ?? schemaFor(setting)).safeParse(value);
    if (parsed.success) result[key] = parsed.data;
    else
      problems.push({
        field: key,
        message: `${key}: must be ${describeAllowed(setting)}; got ${found(setting, value)}`,
      });
  }
  const merged = { ...DEFAULT_POLICY, ...result } as Policy;
  if (merged.pinMinLength > merged.pinMaxLength) {
    problems.push({
      field: 'pinMinLength',
      message: `pinMinLength: must not exceed pinMaxLength (${merged.pinMaxLength}); got ${merged.pinMinLength}`,
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy: Object.freeze(merged) };
}

/**
 * The safe fallback the agent uses when told to start on a broken policy: every valid setting is
 * kept, every invalid or unknown one is dropped (so its default applies), and the problems are
 * returned for the audit trail.
 */
export function policyWithFallback(input: unknown): { policy: Policy; problems: readonly PolicyProblem[] } {
  const checked = validatePolicy(input);
  if (checked.ok) return { policy: checked.policy, problems: [] };
  const bad = new Set(checked.problems.map((p) => p.field));
  const kept =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? Object.fromEntries(Object.entries(input).filter(([key]) => !bad.has(key)))
      : {};
  const retried = validatePolicy(kept);
  // A cross-field problem (pin lengths) survives the first filter; defaults then settle it.
  const policy = retried.ok ? retried.policy : DEFAULT_POLICY;
  return { policy, problems: checked.problems };
}

/**
 * Says where and why a policy is not JSON, without quoting it: V8's messages quote the document
 * ("Unexpected token 's', "{…}" is not valid JSON"), and the document may hold a secret.
 */
export function notJsonProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const expected = /^(Expected [^"'`]*?) in JSON (at position \d+(?: \(line \d+ column \d+\))?)/.exec(
    message,
  );
  const why = expected
    ? `${expected[1]!.toLowerCase()}, ${expected[2]!}`
    : /end of JSON input/i.test(message)
      ? 'it ends too early'
      : 'an unexpected character';
  return `the policy is not valid JSON (${why})`;
}

/** Parses policy text (a JSON file), reporting a syntax error the way IT will read it. */
export function parsePolicyText(text: string): PolicyValidation & { readonly raw?: unknown } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ field: '', message: notJsonProblem(error) }] };
  }
  return { ...validatePolicy(raw), raw };
}

export function describeSetting(key: PolicyKey): { allowed: string; default: string } {
  const setting: Setting = POLICY_SETTINGS[key];
  return { allowed: describeAllowed(setting), default: JSON.stringify(setting.default) };
}

/** Minutes since local midnight of each shift boundary, sorted. */
export function shiftBoundaryMinutes(policy: Policy): number[] {
  return policy.shiftBoundaries
    .map((hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)))
    .sort((a, b) => a - b);
}

/**
 * The first shift boundary strictly after `now`, as epoch milliseconds, given the workstation's
 * offset from UTC at that moment (the caller asks the OS; the core has no time zone).
 */
export function nextShiftBoundary(policy: Policy, now: number, utcOffsetMinutes: number): number | null {
  const boundaries = shiftBoundaryMinutes(policy);
  if (boundaries.length === 0) return null;
  const minuteMs = 60_000;
  const dayMs = 24 * 60 * minuteMs;
  const local = now + utcOffsetMinutes * minuteMs;
  const localMidnight = Math.floor(local / dayMs) * dayMs;
  for (const dayOffset of [0, 1]) {
    for (const minutes of boundaries) {
      const candidate = localMidnight + dayOffset * dayMs + minutes * minuteMs;
      if (candidate > local) return candidate - utcOffsetMinutes * minuteMs;
    }
  }
  return null;
}
