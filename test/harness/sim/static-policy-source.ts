import type { PolicyRead, PolicySource } from '../../../app/core/ports/index.js';

/** A policy source for tests: a fixed document that a test can change and announce. */
export class StaticPolicySource implements PolicySource {
  private listeners = new Set<() => void>();

  constructor(private raw: unknown) {}

  async read(): Promise<PolicyRead> {
    return { ok: true, raw: this.raw, location: 'static' };
  }

  watch(onChanged: () => void): () => void {
    this.listeners.add(onChanged);
    return () => this.listeners.delete(onChanged);
  }

  change(raw: unknown): void {
    this.raw = raw;
    for (const listener of this.listeners) listener();
  }
}
