/**
 * SecretStore on the OS vault through @napi-rs/keyring: the Secret Service (gnome-keyring,
 * KWallet) on Linux, the Credential Manager on Windows. Entries are filed under the service
 * "Releve" and the caller's account name. A vault that is missing, locked or refusing is an
 * error the caller sees (it then keeps nothing), never a silent fallback to a file.
 */
import { AsyncEntry } from '@napi-rs/keyring';
import type { SecretStore } from '../../core/ports/secret-store.js';

export const KEYRING_SERVICE = 'Releve';

export interface KeyringSecretStoreOptions {
  /** Service name the entries are filed under; tests use their own to stay apart. */
  readonly service?: string;
  /** A vault that does not answer within this is reported unavailable. Default 5 s. */
  readonly timeoutMs?: number;
}

/** The vault could not be used. The message never contains the secret. */
export class SecretStoreUnavailableError extends Error {
  constructor(operation: string, account: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      `The OS vault refused to ${operation} "${account}" (${detail}). On Linux a Secret Service ` +
        '(gnome-keyring) must be running and unlocked on the session bus.',
      { cause },
    );
    this.name = 'SecretStoreUnavailableError';
  }
}

const ACCOUNT = /^[\x21-\x7e]{1,200}$/;

export class KeyringSecretStore implements SecretStore {
  private readonly service: string;
  private readonly timeoutMs: number;

  constructor(options: KeyringSecretStoreOptions = {}) {
    this.service = options.service ?? KEYRING_SERVICE;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  private entry(account: string): AsyncEntry {
    // Account names become D-Bus attributes and Windows target names: keep them plain.
    if (!ACCOUNT.test(account))
      throw new TypeError('A vault account name must be 1 to 200 printable ASCII characters');
    return new AsyncEntry(this.service, account);
  }

  private async run<T>(
    operation: string,
    account: string,
    call: (entry: AsyncEntry, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const entry = this.entry(account);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await call(entry, signal);
    } catch (error) {
      throw new SecretStoreUnavailableError(
        operation,
        account,
        signal.aborted ? new Error(`no answer within ${this.timeoutMs} ms`) : error,
      );
    }
  }

  get(account: string): Promise<string | null> {
    return this.run('read', account, (entry, signal) => entry.getPassword(signal));
  }

  set(account: string, secret: string): Promise<void> {
    return this.run('store', account, (entry, signal) => entry.setPassword(secret, signal));
  }

  delete(account: string): Promise<boolean> {
    return this.run('delete', account, (entry, signal) => entry.deletePassword(signal));
  }
}
