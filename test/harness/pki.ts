/**
 * The harness's test PKI: an IGC-Santé-like root and intermediate for cards, card certificates
 * with the real subject shape (`SN=<surname+id> + CN=<national ID> + GN=<given name>,
 * title=<profession>, C=FR`), and a TLS CA with server certificates for the reference IdP on
 * loopback. Everything is made at run time with real RSA-2048 keys; nothing here is packaged.
 */
import 'reflect-metadata';
import { webcrypto, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const RSA: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

const DAY = 24 * 60 * 60 * 1000;

export interface Issuer {
  readonly certificate: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

export interface IssuedCertificate {
  /** DER bytes of the certificate. */
  readonly der: Uint8Array;
  readonly pem: string;
  /** The private key, as Node's KeyObject (for a virtual card or a TLS server). */
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
}

export interface CardHolder {
  readonly surname: string;
  readonly givenName: string;
  /** `8`+RPPS or `0`+ADELI, e.g. 899700075122. */
  readonly nationalId: string;
  readonly profession: string;
}

let serialCounter = 1;
function nextSerial(): string {
  serialCounter += 1;
  return (Date.now().toString(16) + serialCounter.toString(16).padStart(4, '0')).slice(-16);
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportIssued(
  certificate: x509.X509Certificate,
  keys: CryptoKeyPair,
): Promise<IssuedCertificate> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    der: new Uint8Array(certificate.rawData),
    pem: certificate.toString('pem'),
    privateKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: createPublicKey(privateKey),
  };
}

async function createAuthority(name: string, issuer: Issuer | null, pathLength: number): Promise<Issuer> {
  const keys = await generateKeys();
  const now = Date.now();
  const extensions = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const certificate = issuer
    ? await x509.X509CertificateGenerator.create({
        serialNumber: nextSerial(),
        subject: name,
        issuer: issuer.certificate.subject,
        notBefore: new Date(now - DAY),
        notAfter: new Date(now + 3650 * DAY),
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
        signingAlgorithm: RSA,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: nextSerial(),
        name,
        notBefore: new Date(now - DAY),
        notAfter: new Date(now + 3650 * DAY),
        keys,
        signingAlgorithm: RSA,
        extensions,
      });
  return { certificate, keys };
}

export interface CardPki {
  readonly root: Issuer;
  readonly intermediate: Issuer;
  /** PEM of the root, as policy would list it among trusted roots. */
  readonly rootPem: string;
  readonly intermediatePem: string;
}

/** A root and an intermediate shaped like IGC-Santé's (names are clearly marked as tests). */
export async function createCardPki(): Promise<CardPki> {
  const root = await createAuthority(
    'CN=TEST AC RACINE IGC-SANTE RELEVE, OU=TEST, O=RELEVE HARNESS, C=FR',
    null,
    1,
  );
  const intermediate = await createAuthority(
    'CN=TEST AC IGC-SANTE FORT PERSONNES, OU=TEST, O=RELEVE HARNESS, C=FR',
    root,
    0,
  );
  return {
    root,
    intermediate,
    rootPem: root.certificate.toString('pem'),
    intermediatePem: intermediate.certificate.toString('pem'),
  };
}

/**
 * A card's authentication certificate. The subject's multi-valued RDN carries the surname
 * (2.5.4.4), the national ID as CN and the given name (2.5.4.42), then the profession as title.
 */
export async function issueCardCertificate(
  pki: CardPki,
  holder: CardHolder,
  options: { validDays?: number; notBefore?: Date } = {},
): Promise<IssuedCertificate> {
  const keys = await generateKeys();
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const subject = new x509.Name([
    { '2.5.4.6': ['FR'] },
    { '2.5.4.12': [holder.profession] },
    {
      '2.5.4.4': [`${holder.surname.toUpperCase()}${holder.nationalId.slice(-7)}`],
      '2.5.4.3': [holder.nationalId],
      '2.5.4.42': [holder.givenName.toUpperCase()],
    },
  ]);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject,
    issuer: pki.intermediate.certificate.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (options.validDays ?? 3 * 365) * DAY),
    publicKey: keys.publicKey,
    signingKey: pki.intermediate.keys.privateKey,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return exportIssued(certificate, keys);
}

export interface TlsMaterial {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA and a server certificate for loopback (localhost, 127.0.0.1, ::1). */
export async function createTlsMaterial(hostnames: readonly string[] = ['localhost']): Promise<TlsMaterial> {
  // Each CA gets a name of its own: TLS finds an issuer by name, so two harness CAs trusted
  // together (the reference IdP's and a rogue one's) must not be mistaken for each other.
  const ca = await createAuthority(
    `CN=Releve Harness TLS CA ${randomUUID()}, O=RELEVE HARNESS, C=FR`,
    null,
    0,
  );
  const keys = await generateKeys();
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${hostnames[0] ?? 'localhost'}`,
    issuer: ca.certificate.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...hostnames.map((value) => ({ type: 'dns' as const, value })),
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    ],
  });
  const issued = await exportIssued(certificate, keys);
  return { caPem: ca.certificate.toString('pem'), certPem: issued.pem, keyPem: issued.privateKeyPem };
}
