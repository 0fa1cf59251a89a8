/**
 * The floor of each benchmark measure: the unavoidable work done directly, in the same run, on
 * the same card, reader, pcscd and IdP as the agent, without the agent.
 *
 * - PC/SC: the same card profile's APDUs sent straight through the `smartcard` binding's
 *   low-level API (the binding the adapters use), on a PC/SC context made beforehand, in one
 *   connection: connect, the APDUs, nothing else. The agent's adapters open a context per
 *   transaction, retry, bound every call and may read a card more than once: all of that is
 *   the agent's share, not the floor's.
 * - IdP: the same token request made straight to the reference IdP with openid-client, as the
 *   same registered workstation client (the same `private_key_jwt` client authentication and
 *   the same DPoP key, loaded from the same vault), the id_token checked as the adapter checks it.
 *   Not included: reading the claims into a person, keeping the tokens in the OS vault, the
 *   audit record, the session machine: the agent's share.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import * as pcsc from 'smartcard';
import { createHttpsFetch, type HttpsFetchInit } from '../../app/adapters/idp/https-fetch.js';
import { JWT_BEARER_GRANT } from '../../app/adapters/idp/oidc-identity-provider.js';
import { loadOrRegisterClient, type WorkstationClient } from '../../app/adapters/idp/workstation-client.js';
import {
  createPcscContext,
  type PcscCardHandle,
  type PcscContextLike,
  type PcscReaderHandle,
} from '../../app/adapters/pcsc/transaction.js';
import {
  identifyAtr,
  readCpsCard,
  readPinTriesLeft,
  readUid,
  signDigest,
  verifyPin,
  type CardProfileId,
  type Transmit,
} from '../../app/core/cards/index.js';
import type { SecretStore } from '../../app/core/ports/index.js';

/** What a floor measurement gives: its duration, and how many APDUs it sent. */
export interface FloorSample {
  readonly ms: number;
  readonly apdus: number;
}

const PROTOCOLS = (): number => pcsc.SCARD_PROTOCOL_T0 | pcsc.SCARD_PROTOCOL_T1;

/** Direct PC/SC: one long-lived context, one connection per measurement. */
export class PcscFloor {
  private context: PcscContextLike | null = null;

  private reader(readerName: string): PcscReaderHandle {
    this.context ??= createPcscContext();
    const reader = this.context.listReaders().find((r) => r.name === readerName);
    if (!reader) throw new Error(`floor: the reader "${readerName}" is not there`);
    return reader;
  }

  /**
   * Connects to the card in `readerName` and runs `work` over a raw transmit; the clock runs from
   * the connect to the last answer. The reader handle is looked up before the clock starts.
   */
  async timed<T>(
    readerName: string,
    work: (transmit: Transmit, profile: CardProfileId) => Promise<T>,
  ): Promise<FloorSample & { readonly value: T }> {
    const reader = this.reader(readerName);
    let apdus = 0;
    let card: PcscCardHandle | null = null;
    const started = performance.now();
    try {
      card = await reader.connect(pcsc.SCARD_SHARE_EXCLUSIVE, PROTOCOLS());
      const connected = card;
      const profile = identifyAtr(Uint8Array.from(connected.atr ?? reader.atr ?? [])).profile;
      const transmit: Transmit = async (command) => {
        apdus += 1;
        return Uint8Array.from(await connected.transmit(Buffer.from(command)));
      };
      const value = await work(transmit, profile);
      return { ms: performance.now() - started, apdus, value };
    } finally {
      try {
        card?.disconnect(pcsc.SCARD_LEAVE_CARD);
      } catch {
        // already gone
      }
    }
  }

  /** A contactless badge's UID: GET DATA, as the badge source reads it. */
  async readUid(readerName: string): Promise<FloorSample> {
    return this.timed(readerName, async (transmit) => {
      const uid = await readUid(transmit, 'as-read');
      if (!uid.ok) throw new Error(`floor: GET UID failed: ${uid.problem}`);
      return uid.uid;
    });
  }

  /** A CPS card's identity once (serial, certificate, PIN reference) and its PIN tries left. */
  async readCpsIdentity(readerName: string): Promise<FloorSample & { readonly value: CpsCardFacts }> {
    return this.timed(readerName, async (transmit, profile) => {
      const data = await readCpsCard(transmit, profile);
      await readPinTriesLeft(transmit, profile, data.pinReference);
      return {
        nationalId: data.identity.nationalId,
        certificate: data.authCertificate,
        pinReference: data.pinReference,
      };
    });
  }

  close(): void {
    try {
      this.context?.close();
    } catch {
      // already gone
    }
    this.context = null;
  }
}

const base64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

/** Direct token requests to the IdP, as the same workstation client the agent registered. */
export class IdpFloor {
  private constructor(
    private readonly client: WorkstationClient,
    private readonly scope: string,
  ) {}

  /** Loads the workstation's client record from `store` (the agent must have registered first). */
  static async open(options: {
    readonly issuer: string;
    readonly store: SecretStore;
    readonly caPem: string;
    readonly scope?: string;
  }): Promise<IdpFloor> {
    const httpsFetch = createHttpsFetch({ caPem: options.caPem });
    const fetch: oidc.CustomFetch = (url, init) => httpsFetch(url, init as HttpsFetchInit);
    const client = await loadOrRegisterClient({
      issuer: options.issuer,
      store: options.store,
      initialAccessToken: null,
      fetch,
      timeoutSeconds: 10,
      clientName: 'Relève bench floor',
    });
    return new IdpFloor(client, options.scope ?? 'openid profile offline_access');
  }

  private static check(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): void {
    if (!response.access_token || !response.claims()?.sub)
      throw new Error('floor: the IdP answered without an access token or an id_token');
  }

  /** `grant_type=password`, `username=badge:<UID>`, `password=<PIN>`: the badge + PIN request. */
  async passwordGrant(badgeUid: string, pin: string): Promise<FloorSample> {
    const started = performance.now();
    const response = await oidc.genericGrantRequest(
      this.client.config,
      'password',
      { username: `badge:${badgeUid}`, password: pin, scope: this.scope },
      { DPoP: this.client.dpop },
    );
    const ms = performance.now() - started;
    IdpFloor.check(response);
    return { ms, apdus: 0 };
  }

  /** The RFC 7523 assertion, its SHA-256 digest signed by `sign` (the card), then the grant. */
  async cardGrant(
    nationalId: string,
    certificate: Uint8Array,
    sign: (digest: Uint8Array) => Promise<Uint8Array>,
  ): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [Buffer.from(certificate).toString('base64')] };
    const payload = {
      iss: this.client.clientId,
      sub: nationalId,
      aud: this.client.config.serverMetadata().issuer,
      iat: now,
      nbf: now - 5,
      exp: now + 60,
      jti: randomUUID(),
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const digest = new Uint8Array(createHash('sha256').update(signingInput, 'ascii').digest());
    const assertion = `${signingInput}.${base64url(await sign(digest))}`;
    const response = await oidc.genericGrantRequest(
      this.client.config,
      JWT_BEARER_GRANT,
      { assertion, scope: this.scope },
      { DPoP: this.client.dpop },
    );
    IdpFloor.check(response);
  }
}

/** What the floor knows of a CPS card from its own identity read. */
export interface CpsCardFacts {
  readonly nationalId: string;
  readonly certificate: Uint8Array;
  readonly pinReference: number;
}

/**
 * CPS card + PIN → tokens, done directly: in one connection, VERIFY, then the assertion signed
 * on the card (MSE SET + INTERNAL AUTHENTICATE), then the JWT bearer grant.
 */
export async function cpsSignInFloor(
  pcscFloor: PcscFloor,
  idpFloor: IdpFloor,
  readerName: string,
  card: CpsCardFacts,
  pin: string,
): Promise<FloorSample> {
  const sample = await pcscFloor.timed(readerName, async (transmit, profile) => {
    const check = await verifyPin(transmit, profile, card.pinReference, new TextEncoder().encode(pin));
    if (!check.ok) throw new Error(`floor: the card refused the PIN (${check.reason})`);
    await idpFloor.cardGrant(card.nationalId, card.certificate, (digest) =>
      signDigest(transmit, profile, digest),
    );
  });
  return { ms: sample.ms, apdus: sample.apdus };
}
