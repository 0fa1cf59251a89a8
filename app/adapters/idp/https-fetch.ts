/**
 * The one way the IdP adapter talks HTTP: HTTPS only, trusting the system's CAs or the ones the
 * hospital configured (and, in tests, the harness CA), answers capped in size, and every request
 * aborted by its signal. A Fetch-compatible function, handed to openid-client as `customFetch`.
 */
import { request as httpsRequest, Agent } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { rootCertificates } from 'node:tls';

export interface HttpsFetchOptions {
  /** Extra CAs (PEM) to trust besides the system's, e.g. the hospital's internal CA. */
  readonly caPem?: string | readonly string[];
  /** Larger answers are refused: an IdP never needs more for metadata, keys or tokens. */
  readonly maxResponseBytes?: number;
}

export interface HttpsFetchInit {
  readonly method?: string;
  readonly headers?: Record<string, string> | Headers;
  readonly body?: string | Uint8Array | ArrayBuffer | URLSearchParams | ReadableStream | null;
  readonly signal?: AbortSignal | null;
  readonly redirect?: string;
}

export type HttpsFetch = (url: string, init?: HttpsFetchInit) => Promise<Response>;

/** Thrown for answers over the size cap; the caller reports the IdP as misbehaving. */
export class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(`the IdP's answer is larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function toHeaderRecord(headers: HttpsFetchInit['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  return { ...headers };
}

async function toBodyBytes(body: HttpsFetchInit['body']): Promise<Buffer | null> {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(await new Response(body).arrayBuffer());
}

function toResponseHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

export function createHttpsFetch(options: HttpsFetchOptions = {}): HttpsFetch {
  const extra =
    options.caPem === undefined
      ? []
      : typeof options.caPem === 'string'
        ? [options.caPem]
        : [...options.caPem];
  const agent = new Agent({
    keepAlive: true,
    ca: extra.length > 0 ? [...rootCertificates, ...extra] : undefined,
  });
  const maxBytes = options.maxResponseBytes ?? 256 * 1024;

  return async (url, init = {}) => {
    const target = new URL(url);
    if (target.protocol !== 'https:')
      throw new TypeError(`the IdP must be reached over HTTPS, not ${target.protocol}`);
    const body = await toBodyBytes(init.body);
    const headers = toHeaderRecord(init.headers);
    if (body) headers['content-length'] = String(body.length);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();

    return new Promise<Response>((resolve, reject) => {
      const request = httpsRequest(
        target,
        { method: init.method ?? 'GET', headers, agent, signal },
        (answer) => {
          const chunks: Buffer[] = [];
          let size = 0;
          answer.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              answer.destroy();
              request.destroy();
              reject(new ResponseTooLargeError(maxBytes));
              return;
            }
            chunks.push(chunk);
          });
          answer.on('error', reject);
          answer.on('close', () => {
            if (!answer.complete)
              reject(new Error('the IdP closed the connection before its answer was complete'));
          });
          answer.on('end', () => {
            const status = answer.statusCode ?? 0;
            try {
              resolve(
                new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), {
                  status,
                  statusText: answer.statusMessage ?? '',
                  headers: toResponseHeaders(answer.headers),
                }),
              );
            } catch {
              reject(new Error(`the IdP answered with an unusable HTTP status ${status}`));
            }
          });
        },
      );
      request.on('error', reject);
      request.end(body ?? undefined);
    });
  };
}
