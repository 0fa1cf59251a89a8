/**
 * Audit links as RFC 5424 syslog messages, sent over TLS with octet-counting framing (RFC 5425),
 * and confirmed by the receiver's orderly close.
 *
 * Syslog over TLS has no acknowledgement: bytes a receiver never read are lost silently when it
 * dies. So a batch counts as received only when, after our close_notify and FIN, the receiver
 * closes in turn without error: it then has read everything we sent (a process that dies with
 * unread bytes makes its kernel answer with a reset, not a FIN). Anything less and the batch is
 * sent again; the SIEM de-duplicates by the chain position each message carries.
 */
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { isRecordLink, type ChainLink } from '../../core/audit-chain.js';

export interface SiemTarget {
  readonly host: string;
  readonly port: number;
  /** PEM of the CAs to trust for the receiver's certificate; absent: the system's CAs. */
  readonly caPem?: string;
}

/** `tls://HOST:PORT` (an IPv6 host in brackets), or null when it is not one. */
export function parseSiemUrl(url: string, caPem?: string): SiemTarget | null {
  const match = /^tls:\/\/(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(url);
  if (!match?.[1] || !match[2]) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  const host = match[1].replace(/^\[|\]$/g, '');
  return caPem === undefined ? { host, port } : { host, port, caPem };
}

/** IANA's private enterprise number reserved for documentation (RFC 5612), until Relève has its own. */
export const SD_ID = 'releve@32473';
/** authpriv (facility 10): security and authorisation messages. */
const FACILITY = 10;

/** RFC 5424 PRINTUSASCII, bounded: header fields may hold nothing else. */
function headerField(value: string, max: number): string {
  const cleaned = value.replace(/[^\x21-\x7e]/g, '-').slice(0, max);
  return cleaned === '' ? '-' : cleaned;
}

/** An SD-PARAM value: `"`, `\` and `]` escaped (RFC 5424 §6.3.3). */
function paramValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

function severity(link: ChainLink): number {
  if (!isRecordLink(link)) return 6;
  const { action, outcome } = link.record;
  if (action === 'break-glass' || action === 'audit-trail-repaired' || action === 'policy-fallback') return 4;
  return outcome === 'failure' ? 5 : 6;
}

/**
 * One link as an RFC 5424 message: the record's time, the workstation as HOSTNAME, the action as
 * MSGID, the chain position, record ID and hashes as structured data (so the SIEM can de-duplicate
 * and see gaps), and the link itself, as written in the trail, as the message (so the SIEM can
 * verify the chain on its side).
 */
export function syslogMessage(link: ChainLink): string {
  const time = isRecordLink(link) ? link.record.time : link.checkpoint.time;
  const host = isRecordLink(link) ? link.record.workstation : link.checkpoint.workstation;
  const msgid = isRecordLink(link) ? link.record.action : 'checkpoint';
  const params = [
    `pos="${link.pos}"`,
    ...(isRecordLink(link)
      ? [`id="${paramValue(link.record.id)}"`, `outcome="${paramValue(link.record.outcome)}"`]
      : []),
    `hash="${link.hash}"`,
    `prev="${link.prev}"`,
  ];
  const pri = FACILITY * 8 + severity(link);
  return `<${pri}>1 ${headerField(time, 64)} ${headerField(host, 255)} releve - ${headerField(msgid, 32)} [${SD_ID} ${params.join(' ')}] ${JSON.stringify(link)}`;
}

/** RFC 6587/5425 octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes. */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

export class SiemError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SiemError';
  }
}

/** Opens a verified TLS connection to the receiver (certificate chain and name checked). */
export function connectSiem(target: SiemTarget, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      ...(target.caPem ? { ca: target.caPem } : {}),
      ...(isIP(target.host) ? {} : { servername: target.host }),
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no TLS session within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new SiemError(
          `the SIEM ${target.host}:${target.port} cannot be reached over TLS (${describe(error)})`,
          { cause: error },
        ),
      );
    });
  });
}

/**
 * Sends `frames` over one new TLS connection, then closes it and waits for the receiver to close
 * in turn: resolves only when it has read them all. Rejects (and the caller sends again) on any
 * error, a reset, or no orderly close within `timeoutMs` of the last byte.
 */
export async function sendConfirmed(
  target: SiemTarget,
  frames: readonly Buffer[],
  timeoutMs = 30_000,
): Promise<void> {
  const socket = await connectSiem(target, timeoutMs);
  await new Promise<void>((resolve, reject) => {
    let failed: Error | null = null;
    let peerEnded = false;
    let timer: NodeJS.Timeout | null = null;
    const fail = (error: Error): void => {
      failed ??= error;
      socket.destroy();
    };
    // A syslog receiver says nothing; whatever it sends is ignored, never trusted.
    socket.on('data', () => undefined);
    socket.on('error', (error) =>
      fail(new SiemError(`the SIEM connection failed (${describe(error)})`, { cause: error })),
    );
    socket.on('end', () => {
      peerEnded = true;
    });
    socket.on('close', () => {
      if (timer) clearTimeout(timer);
      if (failed) reject(failed);
      else if (!peerEnded) reject(new SiemError('the SIEM connection ended without an orderly close'));
      else resolve();
    });
    void (async () => {
      for (const frame of frames) {
        if (failed) return;
        if (!socket.write(frame)) {
          await new Promise<void>((drained) => {
            const done = (): void => {
              socket.off('drain', done);
              socket.off('close', done);
              drained();
            };
            socket.on('drain', done);
            socket.on('close', done);
          });
        }
      }
      socket.end();
      timer = setTimeout(
        () => fail(new SiemError(`the SIEM did not close within ${timeoutMs} ms`)),
        timeoutMs,
      );
    })();
  });
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ? `${code}: ${(error as Error).message}` : String((error as Error)?.message ?? error);
}
