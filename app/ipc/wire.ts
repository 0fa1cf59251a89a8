/**
 * The IPC contract carried over the privileged service's local socket (Unix socket on Linux,
 * named pipe on Windows). The tray (Electron main) and the eSSO driver run as the desktop user
 * and are the service's unprivileged clients: every frame, both ways, is one line of JSON
 * checked here, and a request's payload and result are then checked against the contract
 * (contract.ts) exactly as main checks its renderer. A frame that does not parse ends the
 * connection: a client that sends garbage is not talking Relève.
 *
 * Only the contract's requests cross, so a client can do no more than the screens can: no
 * frame can read a token, change policy or touch the audit trail.
 */
import { z } from 'zod';
import { EVENT_NAMES, REQUEST_NAMES, type EventName, type RequestName } from './contract.js';

/** Where the service listens: a root-owned folder on Linux, a named pipe on Windows. */
export const SERVICE_SOCKET_PATH = {
  linux: '/run/releve/service.sock',
  win32: '\\\\.\\pipe\\releve-service',
} as const;

/** Longest frame either side accepts (a snapshot with 64 readers fits many times over). */
export const MAX_FRAME_BYTES = 64 * 1024;

/** What a client says it is: the tray (screens) or the eSSO driver. */
export const CLIENT_ROLES = ['tray', 'esso'] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];

/** Which requests each role may make: the eSSO driver only learns who is in front. */
export const ROLE_REQUESTS: Readonly<Record<ClientRole, readonly RequestName[]>> = {
  tray: REQUEST_NAMES,
  esso: ['getSnapshot'],
};

/** OS events only the desktop session sees (Electron's powerMonitor), forwarded to the service. */
export const FORWARDED_OS_EVENTS = ['inactivity-timeout', 'power-suspend', 'power-resume'] as const;

const requestName = z.enum(REQUEST_NAMES as [RequestName, ...RequestName[]]);
const eventName = z.enum(EVENT_NAMES as [EventName, ...EventName[]]);
const frameId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const clientFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), role: z.enum(CLIENT_ROLES) }).strict(),
  z.object({ t: z.literal('request'), id: frameId, name: requestName, payload: z.unknown() }).strict(),
  z.object({ t: z.literal('os-event'), event: z.enum(FORWARDED_OS_EVENTS) }).strict(),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

export const serviceFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('response'), id: frameId, result: z.unknown() }).strict(),
  z.object({ t: z.literal('event'), name: eventName, payload: z.unknown() }).strict(),
]);
export type ServiceFrame = z.infer<typeof serviceFrameSchema>;

/** One frame from its line; null when it is not JSON or not a frame of this protocol. */
export function parseClientFrame(line: string): ClientFrame | null {
  return parseLine(line, clientFrameSchema);
}

export function parseServiceFrame(line: string): ServiceFrame | null {
  return parseLine(line, serviceFrameSchema);
}

function parseLine<T>(line: string, schema: z.ZodType<T>): T | null {
  if (line.length > MAX_FRAME_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const checked = schema.safeParse(value);
  return checked.success ? checked.data : null;
}

/**
 * Splits a byte stream into lines, refusing any line longer than the frame limit (a peer that
 * never sends a newline must not make the other side buffer without end).
 */
export class LineSplitter {
  private pending = '';

  /** The complete lines in this chunk; null when a line has grown past the limit. */
  push(chunk: string): string[] | null {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_FRAME_BYTES) return null;
    return lines.filter((line) => line.length > 0);
  }
}
