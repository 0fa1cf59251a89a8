/**
 * Each person's tokens around the session: kept in the OS vault after a sign-in, dropped when
 * a sign-in opened nothing, renewed after a grace re-tap.
 */
import type { TokenSet } from '../core/ports/index.js';
import { foregroundUser } from '../core/session/machine.js';
import type { AuthOutcome } from '../core/session/types.js';
import type { AgentContext } from './context.js';

/**
 * Keeps a person's new tokens in the OS vault without making them wait for the keyring: the
 * write starts once `opened` (the sign-in's result has been applied), and the vault orders it
 * before anything later asks for that person's tokens. Tokens are kept in the vault or not at
 * all: if it refuses, the person stays signed in on this workstation and applications needing
 * their tokens will ask them again.
 */
export function keepTokens(
  context: AgentContext,
  personId: string,
  set: TokenSet,
  opened: Promise<void>,
): void {
  const { tokens, adapters } = context;
  // A person signing in again (over their own suspended session, after a lock) replaces the
  // set kept for them; the replaced grant is ended at the IdP, not left live for nobody. Both
  // vault operations take their place in the person's order now, before anything later.
  const replacedSet = tokens.load(personId).catch(() => null);
  const saved = tokens.save(personId, set, opened);
  context.track(
    (async () => {
      const replaced = await replacedSet;
      try {
        await saved;
      } catch (error) {
        adapters.log.error('could not keep tokens in the OS vault; they are dropped', {
          error: String(error),
        });
        return;
      }
      if (replaced && replaced.refreshToken !== set.refreshToken) await adapters.idp.revoke(replaced);
    })(),
  );
}

/**
 * A sign-in whose result came too late (the prompt timed out, someone else tapped, the person
 * cancelled) opened no session: its fresh grant is revoked and its tokens forgotten, rather
 * than left in the vault for nobody.
 */
export function dropTokensIfUnused(context: AgentContext, outcome: AuthOutcome): void {
  if (outcome.reason !== 'ok') return;
  const { personId } = outcome.person;
  const { state } = context;
  const hasSession =
    foregroundUser(state)?.personId === personId || state.suspended.some((s) => s.user.personId === personId);
  if (!hasSession) context.track(context.tokens.logout(personId));
}

/**
 * After a grace re-tap: the person's access token is renewed if it is about to expire. When the
 * IdP refuses the refresh token (`invalid_grant`), the person is asked for their PIN again —
 * once, never in a loop. An unreachable IdP leaves the session as it is (offline rules apply).
 */
export async function refreshTokens(context: AgentContext, personId: string): Promise<void> {
  const { tokens, adapters } = context;
  // No tokens kept (the vault refused them at sign-in): asking again would not bring them back.
  if (!(await tokens.load(personId).catch(() => null))) return;
  const result = await tokens.accessToken(personId);
  if (result.ok) return;
  adapters.log.warn('token renewal after a grace re-tap failed', { reason: result.reason });
  if (result.reason === 'reauthenticate') await context.enqueue({ type: 'sign-in-expired', personId });
}
