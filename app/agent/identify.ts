/**
 * Identifying a tapped badge before the PIN: a CPS card is read (its holder, PIN tries left, the
 * trust of its certificate chain); an RFID badge is looked up among the people seen here.
 */
import type { Effect } from '../core/session/types.js';
import type { AgentContext } from './context.js';
import { clampTriesLeft } from './sign-in.js';

export async function identify(
  context: AgentContext,
  attemptId: number,
  badge: Extract<Effect, { type: 'identify-badge' }>['badge'],
): Promise<void> {
  const { adapters, knownBadges } = context;
  if (badge.kind !== 'cps-card') {
    await context.enqueue({
      type: 'badge-identified',
      attemptId,
      person: knownBadges.get(badge.badgeId) ?? null,
      pinTriesLeft: null,
    });
    return;
  }
  if (!adapters.cards) {
    await context.enqueue({ type: 'badge-unreadable', attemptId, reason: 'no card reader stack configured' });
    return;
  }
  try {
    const card = await adapters.cards.readIdentity(badge.readerName);
    if (!card.chainValid && !context.policy.cardAllowUntrustedChain) {
      // A card whose certificate does not chain to a root policy trusts proves nobody.
      adapters.log.warn('card refused: its certificate chain is not trusted', { reader: badge.readerName });
      await context.enqueue({ type: 'badge-unreadable', attemptId, reason: 'certificate chain not trusted' });
      return;
    }
    knownBadges.set(badge.badgeId, card.person);
    await context.enqueue({
      type: 'badge-identified',
      attemptId,
      person: card.person,
      pinTriesLeft: clampTriesLeft(card.pinTriesLeft),
    });
  } catch (error) {
    adapters.log.warn('card could not be read', { reader: badge.readerName, error: String(error) });
    await context.enqueue({ type: 'badge-unreadable', attemptId, reason: 'card could not be read' });
  }
}
