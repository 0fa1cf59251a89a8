import winston from 'winston';
import type { DiagnosticLog, LogFields } from '../../core/ports/index.js';
import { redact } from '../../core/redact.js';

/**
 * Diagnostic log on winston: JSON lines to a file (or stderr), every field redacted first.
 * Not the audit trail: that has its own sink and its own guarantees.
 */
export function createWinstonLog(options: { file?: string; level?: string } = {}): DiagnosticLog {
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [
      options.file
        ? new winston.transports.File({ filename: options.file })
        : new winston.transports.Stream({ stream: process.stderr }),
    ],
  });
  const write = (level: string) => (message: string, fields?: LogFields) => {
    try {
      logger.log(level, message, redact(fields));
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
