/**
 * Each person's application credentials (eSSO). Contract:
 * - Entries are keyed by person and application profile: one person never reads another's.
 * - Values live only in the backing vault (the OS vault today, the directory's roaming vault
 *   later): never in files, logs, audit records or error messages.
 * - `get` of a missing entry resolves to null; an unavailable vault rejects with a clear error,
 *   and the caller then asks the person to type their login, keeping nothing elsewhere.
 * - `list` names the applications a person has credentials for (no values).
 */
export interface ApplicationCredential {
  readonly username: string;
  readonly password: string;
}

export interface CredentialStore {
  get(personId: string, applicationId: string): Promise<ApplicationCredential | null>;
  put(personId: string, applicationId: string, credential: ApplicationCredential): Promise<void>;
  delete(personId: string, applicationId: string): Promise<boolean>;
  list(personId: string): Promise<string[]>;
}
