/**
 * What the virtual CPS3 and CPS4 cards share of a smart card's operating system (ISO 7816-4):
 * the status words, the split of a short APDU, the PIN and PUK with their try counters, and the
 * answer buffer that T=0 hands out through GET RESPONSE. Never packaged.
 */

export const equal = (a: readonly number[], b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

export const SW = {
  ok: [0x90, 0x00],
  endOfFile: [0x62, 0x82],
  wrongLength: [0x67, 0x00],
  logicalChannelNotSupported: [0x68, 0x81],
  secureMessagingNotSupported: [0x68, 0x82],
  lastCommandOfChainExpected: [0x68, 0x83],
  chainingNotSupported: [0x68, 0x84],
  incompatibleWithFileStructure: [0x69, 0x81],
  securityNotSatisfied: [0x69, 0x82],
  blocked: [0x69, 0x83],
  conditionsNotSatisfied: [0x69, 0x85],
  noCurrentEf: [0x69, 0x86],
  incorrectData: [0x6a, 0x80],
  functionNotSupported: [0x6a, 0x81],
  fileNotFound: [0x6a, 0x82],
  recordNotFound: [0x6a, 0x83],
  wrongP1P2: [0x6a, 0x86],
  referenceNotFound: [0x6a, 0x88],
  offsetBeyondEnd: [0x6b, 0x00],
  insNotSupported: [0x6d, 0x00],
  claNotSupported: [0x6e, 0x00],
} as const;

/**
 * A short APDU's data and Le: 4 bytes (case 1), 5 (case 2: Le), 5 + Lc (case 3), 6 + Lc
 * (case 4). Null when its length does not match its Lc. Le 00 means 256.
 */
export function splitApdu(apdu: readonly number[]): { body: number[]; le: number } | null {
  const lc = apdu.length > 5 ? apdu[4]! : 0;
  if (apdu.length > 5 && apdu.length !== 5 + lc && apdu.length !== 6 + lc) return null;
  const body = apdu.slice(5, 5 + lc);
  const le = apdu.length === 5 ? apdu[4]! || 256 : apdu.length === 6 + lc ? apdu[5 + lc]! || 256 : 0;
  return { body, le };
}

/** The holder's PIN (3 tries) and its unblocking code (10 tries), as both CPS cards keep them. */
export class PinCounters {
  pinTriesLeft = 3;
  pukTriesLeft = 10;
  verified = false;

  constructor(
    private pin: number[],
    private readonly puk: number[],
  ) {}

  get pinLength(): number {
    return this.pin.length;
  }

  get pukLength(): number {
    return this.puk.length;
  }

  /** VERIFY's data: none asks the tries left (9000 once verified) without spending one. */
  verify(body: readonly number[]): number[] {
    if (this.pinTriesLeft === 0) return [...SW.blocked];
    if (body.length === 0) return this.verified ? [...SW.ok] : [0x63, 0xc0 | this.pinTriesLeft];
    if (equal(this.pin, Uint8Array.from(body))) {
      this.pinTriesLeft = 3;
      this.verified = true;
      return [...SW.ok];
    }
    this.pinTriesLeft -= 1;
    this.verified = false;
    return [0x63, 0xc0 | this.pinTriesLeft];
  }

  /** RESET RETRY COUNTER's data: P1 00 PUK + new PIN, or P1 01 PUK alone (the PIN is kept). */
  resetRetryCounter(p1: number, body: readonly number[]): number[] {
    if (this.pukTriesLeft === 0) return [...SW.blocked];
    const puk = body.slice(0, this.puk.length);
    const newPin = body.slice(this.puk.length);
    if (p1 === 0x00 && (newPin.length !== 4 || newPin.some((b) => b < 0x30 || b > 0x39)))
      return [...SW.incorrectData];
    if (p1 === 0x01 && newPin.length > 0) return [...SW.wrongLength];
    if (!equal(this.puk, Uint8Array.from(puk))) {
      this.pukTriesLeft -= 1;
      return [0x63, 0xc0 | this.pukTriesLeft];
    }
    this.pukTriesLeft = 10;
    if (p1 === 0x00) this.pin = newPin;
    this.pinTriesLeft = 3;
    this.verified = false;
    return [...SW.ok];
  }
}

/** The answer data of a case-4 command: on T=0 announced by 61xx and fetched with GET RESPONSE. */
export class ResponseBuffer {
  private pending: number[] = [];

  constructor(private readonly protocol: 'T=0' | 'T=1') {}

  outgoing(bytes: readonly number[]): number[] {
    if (this.protocol === 'T=0' && bytes.length > 0) {
      this.pending = [...bytes];
      return [0x61, bytes.length & 0xff];
    }
    return [...bytes, ...SW.ok];
  }

  getResponse(p1: number, p2: number, le: number): number[] {
    if (p1 !== 0 || p2 !== 0) return [...SW.wrongP1P2];
    if (this.pending.length === 0) return [...SW.conditionsNotSatisfied];
    const wanted = le || 256;
    if (wanted > this.pending.length) return [0x6c, this.pending.length & 0xff];
    const out = this.pending.slice(0, wanted);
    this.pending = this.pending.slice(wanted);
    return this.pending.length > 0 ? [...out, 0x61, this.pending.length & 0xff] : [...out, ...SW.ok];
  }

  /** Data waiting for GET RESPONSE is lost at the next other command. */
  afterCommand(ins: number | undefined, answer: readonly number[]): void {
    if (ins !== 0xc0 && answer[answer.length - 2] !== 0x61) this.pending = [];
  }

  clear(): void {
    this.pending = [];
  }
}
