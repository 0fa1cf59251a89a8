/** The card profiles: pure functions over a `Transmit`, chosen by ATR. Adapters import from here. */
export { CardProtocolError, swHex, type CardProblem } from './errors.js';
export {
  CardStatusError,
  commandName,
  describeStatus,
  expectOk,
  getPinInfo,
  getResponse,
  getUid,
  internalAuthenticate,
  MAX_READ_BINARY,
  mseSetAuthentication,
  parseResponse,
  readBinary,
  selectAid,
  selectPath,
  transceive,
  verify,
  withLe,
  type Response,
  type Transmit,
} from './apdu.js';
export { CardDataError, children, find, readAll, readTlv, type Tlv } from './tlv.js';
export {
  cpsIdentityFromCertificate,
  decodeOid,
  parseCertificate,
  type CertificateInfo,
  type CpsIdentity,
  type DistinguishedName,
  type NameAttribute,
} from './x509.js';
export {
  holderPin,
  parseAodf,
  parseCdf,
  parseEfDir,
  parseOdf,
  parsePinReference,
  parsePrkdf,
  type CertificateEntry,
  type DirApplication,
  type FilePath,
  type OdfEntries,
  type PinInfo,
  type PrivateKeyEntry,
} from './pkcs15.js';
export { identifyAtr, type AtrMatch, type CardProfileId } from './profiles.js';
export { byteOrderFor, GET_UID, readUid } from './uid.js';
export {
  pkcs1Type1Block,
  readCps4Serial,
  readCpsCard,
  readCpsSerial,
  readPinTriesLeft,
  signDigest,
  verifyPin,
  type CpsCardData,
} from './cps.js';
