/**
 * What a CPS card does for the JWT bearer assertion, with the key a virtual card was issued:
 * an RSA private-key operation with PKCS#1 v1.5 padding over the SHA-256 DigestInfo, i.e.
 * INTERNAL AUTHENTICATE's answer.
 */
import { constants, privateEncrypt, type KeyObject } from 'node:crypto';
import { sha256DigestInfo } from '../../../app/adapters/idp/card-assertion.js';

export function cardSigner(privateKey: KeyObject): (digest: Uint8Array) => Promise<Uint8Array> {
  return async (digest) =>
    new Uint8Array(
      privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, sha256DigestInfo(digest)),
    );
}
