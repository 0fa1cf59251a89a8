/** Collects events and waits for one that matches, with a bounded wait (never a fixed sleep). */
export class EventLog<E> {
  readonly events: E[] = [];
  private waiters: { match: (e: E) => boolean; resolve: (e: E) => void }[] = [];

  push = (event: E): void => {
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(event)) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(event);
      }
    }
  };

  /** The first event from now on (or already logged after `since`) that matches. */
  waitFor(
    match: (e: E) => boolean,
    what: string,
    timeoutMs = 10_000,
    since = this.events.length,
  ): Promise<E> {
    const already = this.events.slice(since).find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; saw ${JSON.stringify(this.events.slice(since))}`,
          ),
        );
      }, timeoutMs);
      const done = (event: E): void => {
        clearTimeout(timer);
        resolve(event);
      };
      this.waiters.push({ match, resolve: done });
    });
  }
}
