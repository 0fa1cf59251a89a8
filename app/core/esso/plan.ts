/**
 * Fill plans: what a driver does on one matched screen, step by step, with credential slots
 * in place of values. The plan holds no secret; the driver receives the values for one window
 * at the moment it executes, and keeps none.
 */
import type { FieldTarget, Profile, Screen } from './profile.js';
import { parseSequence, type CredentialSlot, type SequenceKey, type SequenceStep } from './sequence.js';

export type PlanStep =
  | { readonly kind: 'slot'; readonly slot: CredentialSlot }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'key'; readonly key: SequenceKey }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'clear-field'; readonly how: Profile['clearField'] }
  /** Set an accessible field's value (AT-SPI / UI Automation), no keystrokes. */
  | { readonly kind: 'set-field'; readonly field: FieldTarget; readonly slot: CredentialSlot }
  /** Press an accessible button. */
  | { readonly kind: 'press'; readonly field: FieldTarget };

export interface FillPlan {
  readonly windowId: string;
  readonly profileId: string;
  readonly screenId: string;
  readonly purpose: 'login' | 'password-change' | 'dismiss' | 'logout';
  readonly steps: readonly PlanStep[];
  /** The credential parts the driver must be given (none for dismiss). */
  readonly needs: readonly CredentialSlot[];
}

function fromSequence(source: string, profile: Profile): PlanStep[] {
  const parsed = parseSequence(source);
  // Profiles are validated before they reach the engine; a bad sequence here is a bug.
  if (!parsed.ok) throw new Error(`profile ${profile.id}: invalid sequence (${parsed.problem})`);
  return parsed.steps.map((step: SequenceStep): PlanStep =>
    step.kind === 'clear-field' ? { kind: 'clear-field', how: profile.clearField } : step,
  );
}

const needsOf = (steps: readonly PlanStep[]): CredentialSlot[] => {
  const slots: CredentialSlot[] = [];
  for (const step of steps)
    if ((step.kind === 'slot' || step.kind === 'set-field') && !slots.includes(step.slot))
      slots.push(step.slot);
  return slots;
};

/** The plan for a matched screen, or null when the screen is not one Relève acts on. */
export function planFor(windowId: string, profile: Profile, screen: Screen): FillPlan | null {
  const base = { windowId, profileId: profile.id, screenId: screen.id };
  if (screen.kind === 'dismiss' && screen.dismiss !== undefined) {
    const steps = fromSequence(screen.dismiss, profile);
    return { ...base, purpose: 'dismiss', steps, needs: [] };
  }
  if ((screen.kind !== 'login' && screen.kind !== 'password-change') || !screen.fill) return null;
  const fill = screen.fill;
  const steps: PlanStep[] =
    fill.method === 'keys'
      ? fromSequence(fill.sequence, profile)
      : [
          ...fill.fields.map((f): PlanStep => ({ kind: 'set-field', field: f.field, slot: f.value })),
          ...('button' in fill.submit
            ? [{ kind: 'press', field: fill.submit.button } as const]
            : fromSequence(fill.submit.keys, profile)),
        ];
  const settle: PlanStep[] = profile.settleMs > 0 ? [{ kind: 'delay', ms: profile.settleMs }] : [];
  return { ...base, purpose: screen.kind, steps: [...settle, ...steps], needs: needsOf(steps) };
}

/** The plan that logs a person out of an application at a user switch, if its profile types one. */
export function logoutPlanFor(windowId: string, profile: Profile): FillPlan | null {
  if (profile.onSwitch.action !== 'logout') return null;
  const steps = fromSequence(profile.onSwitch.sequence, profile);
  return { windowId, profileId: profile.id, screenId: 'switch', purpose: 'logout', steps, needs: [] };
}

/** What a screen seen after a fill says about that fill. */
export type FillVerdict = 'accepted' | 'rejected' | 'password-change-needed' | 'pending';

export function verdictOf(previous: FillPlan['purpose'], next: Screen['kind']): FillVerdict {
  if (previous === 'login') {
    if (next === 'login-success') return 'accepted';
    if (next === 'login-failure') return 'rejected';
    if (next === 'password-change') return 'password-change-needed';
    return 'pending';
  }
  if (previous === 'password-change') {
    if (next === 'password-change-success' || next === 'login-success') return 'accepted';
    if (next === 'password-change-failure') return 'rejected';
  }
  return 'pending';
}
