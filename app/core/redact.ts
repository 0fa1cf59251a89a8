import type { LogFields } from './ports/diagnostic-log.js';

/** Field names that could carry a secret: masked whatever their value. */
const SECRET_FIELD = /pin|puk|pass(word)?|secret|token|assertion|authorization|cookie|private|key/i;
// JWTs and long opaque strings that may hide inside free text (an error message from an IdP).
const SECRET_TEXT = /\beyJ[\w-]+\.[\w-]+\.[\w-]*|\b[A-Za-z0-9_-]{40,}\b/g;

export function redact(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields ?? {})) {
    if (SECRET_FIELD.test(name)) out[name] = '[redacted]';
    else if (typeof value === 'string') out[name] = value.replace(SECRET_TEXT, '[redacted]');
    else if (value instanceof Uint8Array) out[name] = `[${value.length} bytes]`;
    else out[name] = value;
  }
  return out;
}
