import type { LogFields } from './ports/diagnostic-log.js';

/** Field names that could carry a secret: masked whatever their value, at any depth. */
const SECRET_FIELD = /pin|puk|pass(word)?|secret|token|assertion|authorization|cookie|private|key/i;
// JWTs and long opaque strings that may hide inside free text (an error message from an IdP).
const SECRET_TEXT = /\beyJ[\w-]+\.[\w-]+\.[\w-]*|\b[A-Za-z0-9_-]{40,}\b/g;
/** Deeper than this, a value is not written: no log field needs it, and a hostile one may recurse. */
const MAX_DEPTH = 8;

function redactValue(value: unknown, depth: number, seen: Set<object>): unknown {
  if (typeof value === 'string') return value.replace(SECRET_TEXT, '[redacted]');
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (value instanceof Error) return `${value.name}: ${value.message}`.replace(SECRET_TEXT, '[redacted]');
  if (seen.has(value)) return '[cycle]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
    return redactObject(value as Record<string, unknown>, depth + 1, seen);
  } finally {
    seen.delete(value);
  }
}

function redactObject(
  fields: Readonly<Record<string, unknown>>,
  depth: number,
  seen: Set<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = SECRET_FIELD.test(name) ? '[redacted]' : redactValue(value, depth, seen);
  }
  return out;
}

/**
 * The fields as a log may write them: secret-named fields masked and tokens cut out of text, in
 * nested objects and arrays too (an IdP's answer logged whole carries its secrets one level down).
 */
export function redact(fields: LogFields | undefined): Record<string, unknown> {
  return redactObject(fields ?? {}, 0, new Set());
}
