/**
 * A small hostile or broken "IdP" over HTTPS on loopback: real discovery, JWKS and registration,
 * but a token endpoint whose answer each test writes — id_tokens for another audience, from
 * another issuer, signed by a key not in the JWKS, with `alg: none`; garbage JSON; oversized
 * bodies; unexpected token types; no answer at all. Never packaged.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { createTlsMaterial, type TlsMaterial } from '../pki.js';

export const ROGUE_CLIENT_ID = 'rogue-client';

export interface RogueTokenContext {
  readonly issuer: string;
  readonly clientId: string;
  /** Claims of a well-formed id_token for Claire Martin; override what the test needs. */
  claims(overrides?: JWTPayload): JWTPayload;
  /** Signed with the key the JWKS publishes. */
  sign(claims: JWTPayload): Promise<string>;
  /** Signed with a key the JWKS does not publish (same kid). */
  signWithForeignKey(claims: JWTPayload): Promise<string>;
  /** `alg: none`, no signature. */
  unsigned(claims: JWTPayload): string;
}

export interface RogueAnswer {
  readonly status?: number;
  /** An object is sent as JSON; a string as it is. */
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Never answer (the client must give up by itself). */
  readonly hang?: boolean;
}

export type RogueTokenHandler = (context: RogueTokenContext) => RogueAnswer | Promise<RogueAnswer>;

export interface RogueIdp {
  readonly issuer: string;
  readonly caPem: string;
  setTokenAnswer(handler: RogueTokenHandler): void;
  stop(): Promise<void>;
}

/** A normal token response carrying the given id_token. */
export function tokenResponse(idToken: string | undefined, extra: Record<string, unknown> = {}): RogueAnswer {
  return {
    body: {
      access_token: 'rogue-access-token',
      token_type: 'Bearer',
      expires_in: 300,
      refresh_token: 'rogue-refresh-token',
      ...(idToken === undefined ? {} : { id_token: idToken }),
      ...extra,
    },
  };
}

export async function startRogueIdp(options: { tls?: TlsMaterial } = {}): Promise<RogueIdp> {
  const [tls, trusted, foreign] = await Promise.all([
    options.tls ? Promise.resolve(options.tls) : createTlsMaterial(['localhost']),
    generateKeyPair('ES256', { extractable: true }),
    generateKeyPair('ES256'),
  ]);
  const kid = 'rogue-key';
  const publicJwk = { ...(await exportJWK(trusted.publicKey)), kid, alg: 'ES256', use: 'sig' };
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the rogue IdP did not get a TCP port');
  const issuer = `https://127.0.0.1:${address.port}`;

  const sign = (key: CryptoKey | Uint8Array, claims: JWTPayload): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(key);
  const context: RogueTokenContext = {
    issuer,
    clientId: ROGUE_CLIENT_ID,
    claims: (overrides = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return {
        iss: issuer,
        aud: ROGUE_CLIENT_ID,
        sub: 'claire.martin',
        iat: now,
        exp: now + 300,
        name: 'Claire Martin',
        profession: 'Infirmière',
        national_id: '899700075122',
        amr: ['pin', 'badge'],
        acr: 'eidas1',
        ...overrides,
      };
    },
    sign: (claims) => sign(trusted.privateKey, claims),
    signWithForeignKey: (claims) => sign(foreign.privateKey, claims),
    unsigned: (claims) =>
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
  };
  let tokenHandler: RogueTokenHandler = async (ctx) => tokenResponse(await ctx.sign(ctx.claims()));

  const send = (res: ServerResponse, answer: RogueAnswer): void => {
    const json = typeof answer.body !== 'string';
    res.writeHead(answer.status ?? 200, {
      'content-type': json ? 'application/json' : 'text/html',
      'cache-control': 'no-store',
      ...answer.headers,
    });
    res.end(json ? JSON.stringify(answer.body) : answer.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for await (const _chunk of req) {
      // Drain the request; its content does not matter here.
    }
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/.well-known/openid-configuration':
        return send(res, {
          body: {
            issuer,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            registration_endpoint: `${issuer}/reg`,
            revocation_endpoint: `${issuer}/revoke`,
            grant_types_supported: ['password', 'refresh_token'],
            token_endpoint_auth_methods_supported: ['private_key_jwt'],
            id_token_signing_alg_values_supported: ['ES256'],
          },
        });
      case '/jwks':
        return send(res, { body: { keys: [publicJwk] } });
      case '/reg':
        return send(res, {
          status: 201,
          body: {
            client_id: ROGUE_CLIENT_ID,
            token_endpoint_auth_method: 'private_key_jwt',
            id_token_signed_response_alg: 'ES256',
            grant_types: ['password', 'refresh_token'],
            response_types: [],
          },
        });
      case '/revoke':
        return send(res, { body: {} });
      case '/token': {
        const answer = await tokenHandler(context);
        if (answer.hang) return;
        return send(res, answer);
      }
      default:
        return send(res, { status: 404, body: { error: 'not_found' } });
    }
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: { error: 'server_error' } });
    });
  });

  return {
    issuer,
    caPem: tls.caPem,
    setTokenAnswer: (handler) => {
      tokenHandler = handler;
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
