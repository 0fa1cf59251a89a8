/**
 * One error type for everything a card or a reader can get wrong, so an adapter catches one class
 * and a person sees one clear sentence. `code` lets callers tell "pull the card and retry" from
 * "this card is not supported" without parsing messages.
 */
export type CardProblem =
  /** An answer or a structure ended before its announced length. */
  | 'truncated'
  /** The card answered with a status word that the command cannot go on with. */
  | 'bad-status'
  /** Bytes that do not follow the structure they claim (TLV, DER, PKCS#15). */
  | 'malformed'
  /** A file, application, certificate or object that should be there is not. */
  | 'not-found'
  /** A card, command or format we recognise but do not (or cannot, from public sources) handle. */
  | 'unsupported'
  /** More data than any real card holds: refused rather than read for ever. */
  | 'too-long';

export class CardProtocolError extends Error {
  override readonly name: string = 'CardProtocolError';
  constructor(
    message: string,
    readonly code: CardProblem,
  ) {
    super(message);
  }
}

const HEX = '0123456789ABCDEF';

/** A status word as 4 hex digits (`6A82`). */
export function swHex(sw: number): string {
  return [12, 8, 4, 0].map((shift) => HEX[(sw >> shift) & 0x0f]!).join('');
}
