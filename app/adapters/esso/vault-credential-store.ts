/**
 * Each person's application credentials in the OS vault (through the SecretStore port): one
 * entry per person and application, and one index entry per person listing their applications
 * (the vault cannot be enumerated by prefix everywhere). Person IDs (an IdP subject, any text)
 * become a SHA-256 digest in account names, which must be plain ASCII.
 *
 * The roaming, per-person-encrypted store in the hospital directory is its own issue; this one
 * keeps the same port so it can replace this store without touching the agent.
 */
import { createHash } from 'node:crypto';
import type { ApplicationCredential, CredentialStore, SecretStore } from '../../core/ports/index.js';

const APPLICATION_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

const personKey = (personId: string): string =>
  createHash('sha256').update(personId, 'utf8').digest('hex').slice(0, 40);

function checkApplication(applicationId: string): void {
  if (!APPLICATION_ID.test(applicationId))
    throw new TypeError('an application ID is a profile ID: a-z, 0-9 and dashes');
}

function parseCredential(text: string): ApplicationCredential | null {
  try {
    const value = JSON.parse(text) as { username?: unknown; password?: unknown };
    if (typeof value.username === 'string' && typeof value.password === 'string')
      return { username: value.username, password: value.password };
  } catch {
    // A damaged entry reads as missing: the person is asked again, and the entry replaced.
  }
  return null;
}

export class VaultCredentialStore implements CredentialStore {
  /** Index updates one after another, so two saves never lose one another's application. */
  private indexQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly vault: SecretStore) {}

  private account(personId: string, applicationId: string): string {
    checkApplication(applicationId);
    return `esso/${personKey(personId)}/${applicationId}`;
  }

  private indexAccount(personId: string): string {
    return `esso-index/${personKey(personId)}`;
  }

  async get(personId: string, applicationId: string): Promise<ApplicationCredential | null> {
    const text = await this.vault.get(this.account(personId, applicationId));
    return text === null ? null : parseCredential(text);
  }

  async put(personId: string, applicationId: string, credential: ApplicationCredential): Promise<void> {
    const value = JSON.stringify({ username: credential.username, password: credential.password });
    await this.vault.set(this.account(personId, applicationId), value);
    await this.updateIndex(personId, (ids) =>
      ids.includes(applicationId) ? ids : [...ids, applicationId].sort(),
    );
  }

  async delete(personId: string, applicationId: string): Promise<boolean> {
    const deleted = await this.vault.delete(this.account(personId, applicationId));
    await this.updateIndex(personId, (ids) => ids.filter((id) => id !== applicationId));
    return deleted;
  }

  async list(personId: string): Promise<string[]> {
    await this.indexQueue.catch(() => undefined);
    return this.readIndex(personId);
  }

  private async readIndex(personId: string): Promise<string[]> {
    const text = await this.vault.get(this.indexAccount(personId));
    if (text === null) return [];
    try {
      const ids = JSON.parse(text) as unknown;
      return Array.isArray(ids)
        ? ids.filter((id): id is string => typeof id === 'string' && APPLICATION_ID.test(id))
        : [];
    } catch {
      return [];
    }
  }

  private updateIndex(personId: string, change: (ids: string[]) => string[]): Promise<void> {
    const update = this.indexQueue.then(async () => {
      const ids = change(await this.readIndex(personId));
      if (ids.length === 0) await this.vault.delete(this.indexAccount(personId));
      else await this.vault.set(this.indexAccount(personId), JSON.stringify(ids));
    });
    this.indexQueue = update.catch(() => undefined);
    return update;
  }
}
