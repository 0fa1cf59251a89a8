import type { CardIdentity, CardSession, PinCheck, PinVerifier } from '../../../app/core/ports/index.js';
import { personOnly, type TestPerson } from '../people.js';

/**
 * A CPS card for unit tests of the agent: a holder, a PIN with a 3-try counter that blocks, and
 * a pull-out switch. The real thing is the virtual card over vpcd (test/harness/vcard).
 */
export class FakeCpsCard implements CardSession, PinVerifier {
  triesLeft = 3;
  inserted = true;
  /** Whether the card's certificate leads to a root policy trusts; false: a forged or foreign card. */
  chainValid = true;
  readonly verifications: string[] = [];

  constructor(
    readonly holder: TestPerson,
    readonly serial = '80250000012345',
  ) {}

  async readIdentity(): Promise<CardIdentity> {
    if (!this.inserted) throw new Error('card removed');
    return {
      person: personOnly(this.holder),
      serial: this.serial,
      pinTriesLeft: this.triesLeft,
      chainValid: this.chainValid,
    };
  }

  async verifyPin(_reader: string, pin: Uint8Array): Promise<PinCheck> {
    if (!this.inserted) return { ok: false, reason: 'card-removed' };
    if (this.triesLeft === 0) return { ok: false, reason: 'card-blocked' };
    this.verifications.push(`${pin.length} digits`);
    if (new TextDecoder().decode(pin) === this.holder.pin) {
      this.triesLeft = 3;
      return { ok: true };
    }
    this.triesLeft -= 1;
    return this.triesLeft === 0
      ? { ok: false, reason: 'card-blocked' }
      : { ok: false, reason: 'wrong-pin', triesLeft: this.triesLeft };
  }

  async signDigest(): Promise<Uint8Array> {
    return new Uint8Array(256);
  }

  async authenticationCertificate(): Promise<Uint8Array> {
    return new Uint8Array([0x30, 0x00]);
  }
}
