/**
 * Keystroke sequences of eSSO profiles, KeePass auto-type style:
 * `{USERNAME}{TAB}{PASSWORD}{ENTER}`, with `{DELAY n}` (milliseconds), `{CLEARFIELD}`, the
 * new password of a change screen `{NEWPASSWORD}`, literal text between placeholders, and
 * `{{}` / `{}}` for literal braces. The parser names the position of anything it refuses.
 */

export const CREDENTIAL_SLOTS = ['username', 'password', 'new-password'] as const;
/** Which part of the person's credential goes there (never the value itself). */
export type CredentialSlot = (typeof CREDENTIAL_SLOTS)[number];

export const SEQUENCE_KEYS = ['Tab', 'Return', 'Escape', 'space', 'BackSpace', 'Up', 'Down'] as const;
export type SequenceKey = (typeof SEQUENCE_KEYS)[number];

export type SequenceStep =
  | { readonly kind: 'slot'; readonly slot: CredentialSlot }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'key'; readonly key: SequenceKey }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'clear-field' };

/** The longest wait a sequence may ask for between keystrokes. */
export const MAX_DELAY_MS = 5000;
export const MAX_SEQUENCE_LENGTH = 512;

const PLACEHOLDERS: Record<string, SequenceStep> = {
  USERNAME: { kind: 'slot', slot: 'username' },
  PASSWORD: { kind: 'slot', slot: 'password' },
  NEWPASSWORD: { kind: 'slot', slot: 'new-password' },
  TAB: { kind: 'key', key: 'Tab' },
  ENTER: { kind: 'key', key: 'Return' },
  ESC: { kind: 'key', key: 'Escape' },
  SPACE: { kind: 'key', key: 'space' },
  BACKSPACE: { kind: 'key', key: 'BackSpace' },
  UP: { kind: 'key', key: 'Up' },
  DOWN: { kind: 'key', key: 'Down' },
  CLEARFIELD: { kind: 'clear-field' },
  '{': { kind: 'text', text: '{' },
  '}': { kind: 'text', text: '}' },
};

export type SequenceParse =
  | { readonly ok: true; readonly steps: readonly SequenceStep[] }
  | { readonly ok: false; readonly problem: string };

export function parseSequence(source: string): SequenceParse {
  if (source.length > MAX_SEQUENCE_LENGTH)
    return { ok: false, problem: `longer than ${MAX_SEQUENCE_LENGTH} characters` };
  const steps: SequenceStep[] = [];
  const pushText = (text: string): void => {
    const last = steps[steps.length - 1];
    if (last?.kind === 'text') steps[steps.length - 1] = { kind: 'text', text: last.text + text };
    else steps.push({ kind: 'text', text });
  };
  let at = 0;
  while (at < source.length) {
    const char = source[at]!;
    if (char === '}') {
      if (source.startsWith('}}', at)) return { ok: false, problem: `"}}" at position ${at + 1}: write {}}` };
      return { ok: false, problem: `"}" without "{" at position ${at + 1}` };
    }
    if (char !== '{') {
      const code = char.charCodeAt(0);
      if (code < 0x20 || (code >= 0x7f && code < 0xa0))
        return { ok: false, problem: `a control character at position ${at + 1}: use {ENTER}, {TAB}...` };
      pushText(char);
      at++;
      continue;
    }
    // `{{}` and `{}}` are a brace each; otherwise the placeholder runs to the next `}`.
    const close = source[at + 1] === '{' || source[at + 1] === '}' ? at + 2 : source.indexOf('}', at + 1);
    if (close < 0 || source[close] !== '}')
      return { ok: false, problem: `"{" not closed at position ${at + 1}` };
    const name = source.slice(at + 1, close);
    const delay = /^DELAY (\d{1,5})$/.exec(name);
    if (delay) {
      const ms = Number(delay[1]);
      if (ms > MAX_DELAY_MS)
        return { ok: false, problem: `{DELAY ${ms}} at position ${at + 1}: at most ${MAX_DELAY_MS} ms` };
      steps.push({ kind: 'delay', ms });
    } else {
      const step = PLACEHOLDERS[name];
      if (!step) return { ok: false, problem: `unknown placeholder {${name}} at position ${at + 1}` };
      if (step.kind === 'text') pushText(step.text);
      else steps.push(step);
    }
    at = close + 1;
  }
  if (steps.length === 0) return { ok: false, problem: 'empty' };
  return { ok: true, steps };
}

/** The credential slots a sequence uses, in order of first use. */
export function slotsOf(steps: readonly SequenceStep[]): CredentialSlot[] {
  const slots: CredentialSlot[] = [];
  for (const step of steps) if (step.kind === 'slot' && !slots.includes(step.slot)) slots.push(step.slot);
  return slots;
}
