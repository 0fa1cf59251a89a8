/** What the reader layer reports: taps and removals go to the machine; readers to health. */
import { missingCaseError } from '../core/exhaustive.js';
import type { BadgeSourceEvent } from '../core/ports/index.js';
import type { AgentContext } from './context.js';
import { readersAfter, setHealth } from './health.js';

export function onSourceEvent(context: AgentContext, event: BadgeSourceEvent): void {
  const at = context.adapters.clock.now();
  const health = (): void =>
    setHealth(context, { ...context.health, readers: readersAfter(context.health, event) });
  switch (event.type) {
    case 'badge-presented':
    case 'badge-removed':
      void context.enqueue(event);
      return;
    case 'reader-lost':
      void context.enqueue(event);
      health();
      context.emit({ type: 'source', detail: `reader lost: ${event.readerName}`, available: false, at });
      return;
    case 'reader-added':
      health();
      context.emit({ type: 'source', detail: `reader added: ${event.reader.name}`, available: true, at });
      return;
    case 'source-status':
      health();
      context.emit({ type: 'source', detail: event.detail, available: event.available, at });
      return;
    default:
      // A source newer than this agent: a compile error here, a log line (not a crash) at run time.
      context.adapters.log.warn('unknown reader event ignored', { error: missingCaseError(event).message });
  }
}
