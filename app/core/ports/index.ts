export type { AuditSink } from './audit-sink.js';
export type { BadgeSource, BadgeSourceEvent, ReaderInfo } from './badge-source.js';
export type { CardError, CardIdentity, CardSession } from './card-session.js';
export type { Clock } from './clock.js';
export type { ApplicationCredential, CredentialStore } from './credential-store.js';
export type { EssoDriver, EssoWindowEvent, FillFailure, FillOutcome, FillSecrets } from './esso-driver.js';
export type {
  IdentityProvider,
  IdpFailure,
  IdpResult,
  RefreshResult,
  SignedInPerson,
  TokenSet,
} from './identity-provider.js';
export type { OsSessionController, OsSessionEvent, UnlockOutcome } from './os-session.js';
export type { PinCheck, PinVerifier } from './pin-verifier.js';
export type { PolicyRead, PolicySource } from './policy-source.js';
export type { SecretStore } from './secret-store.js';
export type { DiagnosticLog, LogFields } from './diagnostic-log.js';
