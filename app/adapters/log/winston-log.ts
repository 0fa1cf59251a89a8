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
      logger.log(level, redact({ message }).message as string, redact(fields));
    } catch {
      // A diagnostic log must never take the agent down.
    }
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLog: DiagnosticLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
