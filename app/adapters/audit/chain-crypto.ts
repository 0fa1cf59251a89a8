/**
 * node:crypto for the audit chain: SHA-256, and the workstation's Ed25519 checkpoint key, whose
 * private half lives only in the OS vault (SecretStore).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { SignatureCheck } from '../../core/audit-chain.js';
import type { SecretStore } from '../../core/ports/index.js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export const checkEd25519Signature: SignatureCheck = (key, message, signature) => {
  const publicKey = createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
  return verify(null, Buffer.from(message, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
};

export interface CheckpointKey {
  /** SPKI DER, base64: what a checkpoint names as its signer. */
  readonly publicKey: string;
  sign(message: string): string;
}

/** Where the checkpoint key lives; something that gives it (the vault) or says why it cannot. */
export interface CheckpointKeySource {
  key(): Promise<CheckpointKey>;
}

/** The vault account of the workstation's audit checkpoint key. */
export const CHECKPOINT_KEY_ACCOUNT = 'releve-audit-checkpoint-key';

function keyFrom(privateKey: KeyObject): CheckpointKey {
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    publicKey,
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64'),
  };
}

/**
 * The checkpoint key from the OS vault, made there on first use. A vault that cannot be reached
 * rejects (and is asked again next time): the key is never kept anywhere else.
 */
export class VaultCheckpointKey implements CheckpointKeySource {
  private loaded: Promise<CheckpointKey> | null = null;

  constructor(
    private readonly vault: SecretStore,
    private readonly account = CHECKPOINT_KEY_ACCOUNT,
  ) {}

  key(): Promise<CheckpointKey> {
    this.loaded ??= this.load().catch((error: unknown) => {
      this.loaded = null;
      throw error;
    });
    return this.loaded;
  }

  private async load(): Promise<CheckpointKey> {
    const stored = await this.vault.get(this.account);
    if (stored) return keyFrom(createPrivateKey(stored));
    const { privateKey } = generateKeyPairSync('ed25519');
    await this.vault.set(this.account, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    return keyFrom(privateKey);
  }
}
