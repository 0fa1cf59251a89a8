/**
 * eSSO application profiles: data files (JSON) IT writes once per application, saying how to
 * recognise each of its screens and what to do there. The schema is versioned (`schemaVersion`)
 * and strict: an unknown key is a typo IT must hear about, not a setting silently ignored.
 */
import { z } from 'zod';
import { compileRegex, compileWildcard, MAX_PATTERN_LENGTH, PatternError } from './text-pattern.js';
import { parseSequence, slotsOf } from './sequence.js';

export const PROFILE_SCHEMA_VERSION = 1;

/**
 * The screens of an application, as Imprivata and SSOWatch have them. Only `login` and
 * `password-change` are filled; the others tell the engine how a fill ended, or are dismissed.
 */
export const SCREEN_KINDS = [
  'login',
  'login-failure',
  'login-success',
  'password-change',
  'password-change-success',
  'password-change-failure',
  'dismiss',
] as const;
export type ScreenKind = (typeof SCREEN_KINDS)[number];

/** Accessible roles the drivers report (AT-SPI and UI Automation both map onto these). */
export const FIELD_ROLES = ['text', 'password-text', 'push-button', 'label', 'terminal'] as const;
export type FieldRole = (typeof FIELD_ROLES)[number];

/** What a profile may say about the application at a user switch (shared-kiosk mode). */
export const SWITCH_ACTIONS = ['close', 'logout', 'hide', 'none'] as const;
export type SwitchActionKind = (typeof SWITCH_ACTIONS)[number];

const plainText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex -- control characters are refused
    .refine((text) => !/[\u0000-\u001f\u007f-\u009f]/.test(text), 'control characters are not allowed');

/**
 * One of: `equals` (whole text), `wildcard` (`*` and `?`, whole text) or `regex` (a bounded
 * subset, searched: see text-pattern.ts). Case-insensitive unless `caseSensitive`.
 */
export const textMatcherSchema = z
  .object({
    equals: plainText(MAX_PATTERN_LENGTH).optional(),
    wildcard: plainText(MAX_PATTERN_LENGTH).optional(),
    regex: plainText(MAX_PATTERN_LENGTH).optional(),
    caseSensitive: z.boolean().optional(),
  })
  .strict()
  .superRefine((matcher, context) => {
    const given = (['equals', 'wildcard', 'regex'] as const).filter((key) => matcher[key] !== undefined);
    if (given.length !== 1) {
      context.addIssue({ code: 'custom', message: 'give exactly one of equals, wildcard or regex' });
      return;
    }
    try {
      if (matcher.regex !== undefined) compileRegex(matcher.regex);
      if (matcher.wildcard !== undefined) compileWildcard(matcher.wildcard);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      context.addIssue({
        code: 'custom',
        path: [matcher.regex !== undefined ? 'regex' : 'wildcard'],
        message: error.message,
      });
    }
  });
export type TextMatcher = z.infer<typeof textMatcherSchema>;

const fieldTargetSchema = z
  .object({ role: z.enum(FIELD_ROLES).optional(), name: textMatcherSchema.optional() })
  .strict()
  .refine((field) => field.role !== undefined || field.name !== undefined, 'give a role, a name or both');
export type FieldTarget = z.infer<typeof fieldTargetSchema>;

/** An executable name as the OS reports it (`java`, `xterm`, `LABO.EXE`). */
const processName = plainText(64).refine((name) => !name.includes('/') && !name.includes('\\'), {
  message: 'a process name, not a path',
});

const sequenceSchema = plainText(512).superRefine((source, context) => {
  const parsed = parseSequence(source);
  if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.problem });
});

/** Keys typed where no credential belongs (dismissing a screen, logging out). */
const keysOnlySequenceSchema = sequenceSchema.refine((source) => {
  const parsed = parseSequence(source);
  return !parsed.ok || slotsOf(parsed.steps).length === 0;
}, 'no {USERNAME}, {PASSWORD} or {NEWPASSWORD} here');

const windowMatchSchema = z
  .object({
    process: processName.optional(),
    className: textMatcherSchema.optional(),
    title: textMatcherSchema.optional(),
    /** Accessible fields that must all be present (AT-SPI / UI Automation). */
    fields: z.array(fieldTargetSchema).min(1).max(16).optional(),
    /** Text shown on a terminal screen (terminal applications). */
    screenText: textMatcherSchema.optional(),
  })
  .strict()
  .refine(
    (match) => Object.values(match).some((value) => value !== undefined),
    'give at least one criterion',
  );
export type WindowMatch = z.infer<typeof windowMatchSchema>;

export const FILL_VALUES = ['username', 'password', 'new-password'] as const;

const fillSchema = z.discriminatedUnion('method', [
  z
    .object({
      /** Keystrokes typed into the window, focus checked before each burst. */
      method: z.literal('keys'),
      sequence: sequenceSchema,
    })
    .strict(),
  z
    .object({
      /** Fields set through the accessibility API, then submitted. */
      method: z.literal('fields'),
      fields: z
        .array(z.object({ field: fieldTargetSchema, value: z.enum(FILL_VALUES) }).strict())
        .min(1)
        .max(8),
      submit: z.union([
        z.object({ button: fieldTargetSchema }).strict(),
        z.object({ keys: sequenceSchema }).strict(),
      ]),
    })
    .strict(),
]);
export type FillSpec = z.infer<typeof fillSchema>;

const screenSchema = z
  .object({
    /** The screen's name in reports and audit records (`login`, `expired-password`...). */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes'),
    kind: z.enum(SCREEN_KINDS),
    match: windowMatchSchema,
    fill: fillSchema.optional(),
    /** For `dismiss` screens: the keys that close them (`{ENTER}`, `{ESC}`). */
    dismiss: keysOnlySequenceSchema.optional(),
  })
  .strict()
  .superRefine((screen, context) => {
    const filled = screen.kind === 'login' || screen.kind === 'password-change';
    if (filled && !screen.fill)
      context.addIssue({ code: 'custom', path: ['fill'], message: `a ${screen.kind} screen needs a fill` });
    if (!filled && screen.fill)
      context.addIssue({
        code: 'custom',
        path: ['fill'],
        message: `a ${screen.kind} screen is never filled`,
      });
    if (screen.kind === 'dismiss' && !screen.dismiss)
      context.addIssue({ code: 'custom', path: ['dismiss'], message: 'a dismiss screen needs its keys' });
    if (screen.kind !== 'dismiss' && screen.dismiss)
      context.addIssue({
        code: 'custom',
        path: ['dismiss'],
        message: 'only dismiss screens have keys to dismiss',
      });
    if (screen.fill) {
      const slots =
        screen.fill.method === 'keys'
          ? (() => {
              const parsed = parseSequence(screen.fill.sequence);
              return parsed.ok ? slotsOf(parsed.steps) : [];
            })()
          : screen.fill.fields.map((field) => field.value);
      if (screen.kind === 'login' && slots.includes('new-password'))
        context.addIssue({ code: 'custom', path: ['fill'], message: 'a login screen has no new password' });
      if (screen.kind === 'password-change' && !slots.includes('new-password'))
        context.addIssue({
          code: 'custom',
          path: ['fill'],
          message: 'a password-change screen must fill the new password',
        });
    }
  });
export type Screen = z.infer<typeof screenSchema>;

const passwordRulesSchema = z
  .object({
    minLength: z.number().int().min(4).max(128),
    maxLength: z.number().int().min(4).max(128),
    /** Character classes the application demands, at least one character of each. */
    require: z.array(z.enum(['lower', 'upper', 'digit', 'symbol'])).max(4),
    /** Symbols the application accepts (some legacy ones accept few). */
    symbols: z.string().regex(/^[!-/:-@[-`{-~]{0,32}$/, 'printable ASCII symbols only'),
  })
  .strict()
  .refine((rules) => rules.minLength <= rules.maxLength, 'minLength must not exceed maxLength');
export type PasswordRules = z.infer<typeof passwordRulesSchema>;

const switchActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('close') }).strict(),
  z.object({ action: z.literal('hide') }).strict(),
  z.object({ action: z.literal('none') }).strict(),
  /** Keys typed into the application's window to log out (`{ESC}q`, a menu accelerator...). */
  z.object({ action: z.literal('logout'), sequence: keysOnlySequenceSchema }).strict(),
]);
export type SwitchAction = z.infer<typeof switchActionSchema>;

export const profileSchema = z
  .object({
    schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
    /** Stable identifier: the key of each person's stored credential for this application. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes'),
    /** Shown to clinicians (« Enregistrer vos identifiants pour LABO ? »). */
    label: plainText(64),
    /** This profile's own revision, raised by IT at each edit: audit records carry it. */
    revision: z.number().int().min(1),
    /** What every window of the application has in common (one criterion at least). */
    application: windowMatchSchema,
    screens: z.array(screenSchema).min(1).max(32),
    /** How a field is emptied before typing: select-all then erase, or a terminal's Ctrl+U. */
    clearField: z.enum(['select-all', 'line-kill']).default('select-all'),
    /**
     * Milliseconds a login or change screen is left to build its fields before the first
     * keystroke: many applications show their title first and their fields a moment later.
     */
    settleMs: z.number().int().min(0).max(5000).default(100),
    onSwitch: switchActionSchema,
    passwordRules: passwordRulesSchema.optional(),
  })
  .strict()
  .superRefine((profile, context) => {
    if (!profile.screens.some((screen) => screen.kind === 'login'))
      context.addIssue({ code: 'custom', path: ['screens'], message: 'a profile needs a login screen' });
    const seen = new Set<string>();
    profile.screens.forEach((screen, index) => {
      if (seen.has(screen.id))
        context.addIssue({
          code: 'custom',
          path: ['screens', index, 'id'],
          message: `"${screen.id}" is used twice`,
        });
      seen.add(screen.id);
    });
  });
export type Profile = z.infer<typeof profileSchema>;

export type ProfileCheck =
  | { readonly ok: true; readonly profile: Profile }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Validates a parsed JSON value; each problem names its field (`screens.0.match.title.regex: ...`). */
export function checkProfile(raw: unknown): ProfileCheck {
  const parsed = profileSchema.safeParse(raw);
  if (parsed.success) return { ok: true, profile: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
  };
}
