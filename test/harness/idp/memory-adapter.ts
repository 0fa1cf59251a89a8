/**
 * oidc-provider's storage, one per reference IdP. The package's own in-memory adapter is shared by
 * every provider in the process and evicts past 1,000 entries, which would let one test's IdP see
 * another's tokens and a soak lose live ones; this one is a plain Map per IdP instance.
 */
type Payload = Record<string, unknown> & {
  grantId?: string;
  userCode?: string;
  uid?: string;
  consumed?: number;
};

interface Entry {
  readonly payload: Payload;
  /** Epoch ms, or Infinity. */
  readonly expiresAt: number;
}

export interface AdapterInstance {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** A factory for the `adapter` option: `new (factory)(modelName)`. */
export function createMemoryAdapter(): new (model: string) => AdapterInstance {
  const store = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };

  return class MemoryAdapter implements AdapterInstance {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
      store.set(this.key(id), { payload: { ...payload }, expiresAt });
    }

    async find(id: string): Promise<Payload | undefined> {
      const entry = live(this.key(id));
      return entry ? { ...entry.payload } : undefined;
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return this.findBy((payload) => payload.userCode === userCode);
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return this.findBy((payload) => payload.uid === uid);
    }

    private findBy(test: (payload: Payload) => boolean): Payload | undefined {
      const prefix = `${this.model}:`;
      for (const key of [...store.keys()]) {
        if (!key.startsWith(prefix)) continue;
        const entry = live(key);
        if (entry && test(entry.payload)) return { ...entry.payload };
      }
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const entry = live(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, entry] of [...store.entries()]) {
        if (entry.payload.grantId === grantId) store.delete(key);
      }
    }
  };
}
