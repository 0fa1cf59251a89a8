/**
 * Diagnostic logging, separate from the audit trail. Contract: implementations pass every field
 * through `redact` (app/core/redact.ts) before writing, so no PIN, password, token or secret can
 * reach a log even by mistake; a logging failure never throws into the caller.
 */
export type LogFields = Readonly<Record<string, unknown>>;

export interface DiagnosticLog {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
