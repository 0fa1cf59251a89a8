/**
 * Sign-ins: a CPS card (the card checks its PIN, the IdP sees its signature), an RFID badge (the
 * IdP checks the PIN), e-CPS (the IdP waits for the person's app). Each method only obtains the
 * IdP's answer; one shared tail turns that answer into the outcome the session machine sees,
 * keeps the tokens, reports the result, and drops the tokens of a sign-in that came too late.
 * A new kind of sign-in is one more function that produces an `Answer`.
 */
import { personSchema, type AuthMethod } from '../core/identity.js';
import { zeroize } from '../core/pin.js';
import type { EcpsResult } from '../core/ports/identity-provider.js';
import type { AuthOutcome, Effect } from '../core/session/types.js';
import type { AgentContext } from './context.js';
import { deferred } from './context.js';
import { applyWithIdpHealth } from './health.js';
import { dropTokensIfUnused, keepTokens } from './tokens.js';

/** What a sign-in method brings back: the IdP's answer, or an outcome decided before asking it. */
type Answer =
  | {
      readonly kind: 'idp';
      readonly result: EcpsResult;
      readonly method: Extract<AuthMethod, 'card-pin' | 'badge-pin' | 'ecps'>;
      /** The badge the person signed in with, remembered to greet them by name next time. */
      readonly badgeId: string | null;
      /** The national ID the person must have (the card's, the one e-CPS asked for); null: any. */
      readonly expectedNationalId: string | null;
    }
  | { readonly kind: 'outcome'; readonly outcome: AuthOutcome }
  /** The attempt was withdrawn while the IdP was asked (e-CPS cancelled): nothing to report. */
  | { readonly kind: 'abandoned' };

/** Keeps the `amr` values the audit can carry: short, plain tokens. */
const plainAmr = (amr: readonly string[]): string[] =>
  amr.filter((value) => /^[A-Za-z0-9_.:-]{1,32}$/.test(value)).slice(0, 16);

/** An `acr` the audit can carry (often a URI), or null. */
const plainAcr = (acr: string | null): string | null =>
  acr !== null && /^[\x21-\x7e]{1,128}$/.test(acr) ? acr : null;

/** The most PIN tries any card or IdP may claim: the session machine accepts no more. */
export const MAX_TRIES_LEFT = 15;

/**
 * Tries left as the machine can take them: an IdP or a card answering 20 (or -1, or 2.5) would
 * have its whole answer refused, and the person left waiting on « Vérification… » until the
 * timeout. More than any counter has is shown as the most; nonsense as unknown.
 */
export function clampTriesLeft(triesLeft: number | null): number | null {
  if (triesLeft === null || !Number.isInteger(triesLeft)) return null;
  return Math.min(MAX_TRIES_LEFT, Math.max(0, triesLeft));
}

function failureOutcome(result: EcpsResult & { ok: false }): AuthOutcome {
  const failure = result.failure;
  switch (failure.reason) {
    case 'ecps-denied':
    case 'ecps-expired':
      return { reason: failure.reason };
    // Only the agent cancels, and it has moved on by then; should an IdP say so unasked, no one signs in.
    case 'cancelled':
      return { reason: 'timeout' };
    case 'wrong-pin':
      return { reason: 'wrong-pin', triesLeft: clampTriesLeft(failure.triesLeft) };
    case 'too-many-attempts':
      return { reason: 'too-many-attempts', retryAfterSeconds: failure.retryAfterSeconds };
    case 'unknown-badge':
    case 'idp-unreachable':
    case 'idp-error':
    case 'timeout':
      return { reason: failure.reason };
  }
}

/** The IdP's answer as an outcome; the tokens of a good answer are kept once `applied`. */
function outcomeOf(
  context: AgentContext,
  answer: Answer & { kind: 'idp' },
  applied: Promise<void>,
): AuthOutcome {
  const { result } = answer;
  if (!result.ok) return failureOutcome(result);
  const { person, amr, acr, tokens } = result.value;
  if (!personSchema.safeParse(person).success) {
    // The core would refuse this result and leave the person waiting until the deadline.
    context.adapters.log.error('the IdP named a person the workstation cannot show; sign-in refused');
    return { reason: 'idp-error' };
  }
  if (answer.expectedNationalId !== null && person.nationalId !== answer.expectedNationalId) {
    // The card proved one professional; an IdP that names another is mistaken or lying.
    context.adapters.log.error("the IdP named someone other than the card's holder; sign-in refused");
    context.track(context.adapters.idp.revoke(tokens));
    return { reason: 'idp-error' };
  }
  if (answer.badgeId !== null) context.knownBadges.set(answer.badgeId, person);
  keepTokens(context, person.personId, tokens, applied);
  return {
    reason: 'ok',
    person,
    method: answer.method,
    offline: false,
    amr: plainAmr(amr),
    acr: plainAcr(acr),
  };
}

/**
 * The one tail of every sign-in: asks `obtain` for the method's answer, reports the outcome to
 * the machine, and lets the tokens be kept only once that outcome is applied.
 */
async function concludeSignIn(
  context: AgentContext,
  attemptId: number,
  what: string,
  obtain: () => Promise<Answer>,
): Promise<void> {
  const applied = deferred();
  let outcome: AuthOutcome;
  try {
    const answer = await obtain();
    if (answer.kind === 'abandoned') {
      applied.resolve();
      return;
    }
    outcome = answer.kind === 'outcome' ? answer.outcome : outcomeOf(context, answer, applied.promise);
  } catch (error) {
    context.adapters.log.error(`${what} failed unexpectedly`, { error: String(error) });
    outcome = { reason: 'idp-error' };
  }
  try {
    await applyWithIdpHealth(context, outcome, () =>
      context.enqueue({ type: 'auth-result', attemptId, outcome }),
    );
  } finally {
    applied.resolve();
  }
  dropTokensIfUnused(context, outcome);
}

/** Badge or card + PIN: the PIN held for this attempt is used once, then zeroed. */
export async function authenticate(
  context: AgentContext,
  effect: Extract<Effect, { type: 'authenticate' }>,
): Promise<void> {
  const held = context.heldPin;
  const pin = held && held.attemptId === effect.attemptId ? held.bytes : null;
  context.heldPin = null;
  if (!pin) {
    await context.enqueue({
      type: 'auth-result',
      attemptId: effect.attemptId,
      outcome: { reason: 'timeout' },
    });
    return;
  }
  await concludeSignIn(context, effect.attemptId, 'sign-in', async () => {
    try {
      return effect.badge.kind === 'cps-card'
        ? await cardAnswer(context, effect, pin)
        : {
            kind: 'idp',
            result: await context.adapters.idp.signInWithBadge(effect.badge.badgeId, pin),
            method: 'badge-pin',
            badgeId: effect.badge.badgeId,
            expectedNationalId: null,
          };
    } finally {
      zeroize(pin);
    }
  });
}

async function cardAnswer(
  context: AgentContext,
  effect: Extract<Effect, { type: 'authenticate' }>,
  pin: Uint8Array,
): Promise<Answer> {
  const { badge } = effect;
  const cards = context.adapters.cards;
  const nationalId = effect.person?.nationalId;
  if (!cards || !nationalId) return { kind: 'outcome', outcome: { reason: 'card-error' } };
  // The card checks its own PIN, exactly once; the IdP then sees only the card's signature.
  const check = await cards.verifyPin(badge.readerName, pin);
  if (!check.ok) {
    return {
      kind: 'outcome',
      outcome:
        check.reason === 'wrong-pin'
          ? { reason: 'wrong-pin', triesLeft: clampTriesLeft(check.triesLeft) }
          : { reason: check.reason },
    };
  }
  const certificate = await cards.authenticationCertificate(badge.readerName);
  const result = await context.adapters.idp.signInWithCard({
    nationalId,
    certificate,
    sign: (digest) => cards.signDigest(badge.readerName, digest),
  });
  return { kind: 'idp', result, method: 'card-pin', badgeId: badge.badgeId, expectedNationalId: nationalId };
}

/** Stops waiting for the e-CPS request in flight (any of them, without an attempt ID). */
export function cancelEcpsRequest(context: AgentContext, attemptId: number | null): void {
  const inFlight = context.ecpsInFlight;
  if (!inFlight || (attemptId !== null && inFlight.attemptId !== attemptId)) return;
  inFlight.controller.abort();
  context.ecpsInFlight = null;
}

/** e-CPS: the IdP pushes a request to the person's app and waits for their approval. */
export async function ecpsSignIn(
  context: AgentContext,
  effect: Extract<Effect, { type: 'start-ecps' }>,
): Promise<void> {
  // Never two in flight: a new request first withdraws any other.
  cancelEcpsRequest(context, null);
  const controller = new AbortController();
  const mine = { attemptId: effect.attemptId, controller };
  context.ecpsInFlight = mine;
  const { idp } = context.adapters;
  await concludeSignIn(context, effect.attemptId, 'e-CPS sign-in', async () => {
    try {
      const result: EcpsResult = idp.signInWithEcps
        ? await idp.signInWithEcps(effect.nationalId, effect.bindingMessage, controller.signal)
        : { ok: false, failure: { reason: 'idp-error' } };
      // Cancelled here (the person, a lock, a tap): the core has moved on; nothing to report.
      if (controller.signal.aborted) return { kind: 'abandoned' };
      return { kind: 'idp', result, method: 'ecps', badgeId: null, expectedNationalId: effect.nationalId };
    } catch (error) {
      if (controller.signal.aborted) return { kind: 'abandoned' };
      throw error;
    } finally {
      if (context.ecpsInFlight === mine) context.ecpsInFlight = null;
    }
  });
}
