/**
 * The OS vault (Secret Service, Windows Credential Manager). Contract:
 * - Values are stored only there: never in files, logs or error messages.
 * - `get` of a missing entry resolves to null; an unavailable vault rejects with a clear error
 *   (the caller then refuses to keep the secret, rather than keeping it elsewhere).
 */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}
