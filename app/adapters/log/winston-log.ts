import winston from 'winston';
import type { DiagnosticLog, LogFields } from '../../core/ports/index.js';
import { redact } from '../../core/redact.js';

/** A rotated diagnostic log: at most this many files of this size (about 50 MB in all). */
export const LOG_FILE_BYTES = 10 * 1024 * 1024;
export const LOG_FILES_KEPT = 5;

/**
 * Diagnostic log on winston: JSON lines to a rotating file (or stderr), every field redacted
 * first, and the message too (a message built from an error may carry what a field would).
 * Not the audit trail: that has its own store and its own guarantees.
 */
export function createWinstonLog(
  options: { file?: string; level?: string; maxBytes?: number; maxFiles?: number } = {},
): DiagnosticLog {
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [
      options.file
        ? new winston.transports.File({
            filename: options.file,
            maxsize: options.maxBytes ?? LOG_FILE_BYTES,
            maxFiles: options.maxFiles ?? LOG_FILES_KEPT,
            // The newest lines stay in the named file; older ones move to file1, file2, ...
            tailable: true,
          })
        : new winston.transports.Stream({ stream: process.stderr }),
    ],
  });
  const write = (level: string) => (message: string, fields?: LogFields) => {
    try {
      logger.log(level, scrubText(message), redactDeep(fields));
    } catch {
      // A diagnostic log must never take the agent down.
    }
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/**
 * `redact` at every depth: an error object or a response body passed as one field may hold a
 * `password` or `token` key of its own, which top-level redaction would not see.
 */
function redactDeep(fields: LogFields | undefined, depth = 0): Record<string, unknown> {
  const out = redact(fields);
  for (const [name, value] of Object.entries(out)) {
    if (typeof value === 'string') out[name] = scrubText(value);
    else if (value instanceof Error) out[name] = scrubText(`${value.name}: ${value.message}`);
    else if (Array.isArray(value))
      out[name] =
        depth > 4
          ? '[nested]'
          : value.map((item) =>
              isPlainObject(item) ? redactDeep(item, depth + 1) : redactDeep({ item }, depth + 1).item,
            );
    else if (isPlainObject(value)) out[name] = depth > 4 ? '[nested]' : redactDeep(value, depth + 1);
  }
  return out;
}

/**
 * Free text (an error an IdP wrote) that names a secret and then gives it — « password 1234 »,
 * « pin=1234 », « token: abc123 » — keeps the name and loses the value (a value is what has a
 * digit or is long: « tokens rotated » stays readable).
 */
const NAMED_SECRET =
  /\b(pins?|puk|pass(?:word)?s?|secrets?|tokens?|credentials?)(\s*[:=]\s*|\s+)(?!\[redacted\])(?=["']?[^\s"']*\d|["']?[^\s"']{12,})("[^"]*"|'[^']*'|[^\s,;)}\]]+)/gi;

export function scrubText(text: string): string {
  return (redact({ text }).text as string).replace(NAMED_SECRET, '$1$2[redacted]');
}

function isPlainObject(value: unknown): value is LogFields {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}

export const silentLog: DiagnosticLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
