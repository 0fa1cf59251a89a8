/** The per-reader UID byte-order rule (policy `readerUidByteOrder`), the one every badge source applies. */
import { describe, expect, it } from '@jest/globals';
import { byteOrderFor } from '../../../../app/core/cards/uid.js';

describe('byteOrderFor', () => {
  const rules = ['ACS ACR122U=reversed', 'ACS=as-read', 'HID OMNIKEY=reversed'];

  it('takes the first rule whose prefix starts the reader name', () => {
    expect(byteOrderFor('ACS ACR122U PICC Interface 00 00', rules)).toBe('reversed');
    expect(byteOrderFor('ACS ACR1252 1S CL Reader PICC 00 00', rules)).toBe('as-read');
    expect(byteOrderFor('HID OMNIKEY 5427 CK 00 00', rules)).toBe('reversed');
  });

  it('reads a reader no rule names as-read', () => {
    expect(byteOrderFor('Identiv uTrust 3700 F 00 00', rules)).toBe('as-read');
    expect(byteOrderFor('Identiv uTrust 3700 F 00 00', [])).toBe('as-read');
  });

  it('matches by prefix, case and all: a rule never matches the middle of a name', () => {
    expect(byteOrderFor('Generic ACS ACR122U 00 00', rules)).toBe('as-read');
    expect(byteOrderFor('acs acr122u 00 00', rules)).toBe('as-read');
  });

  it('lets a malformed rule (which policy refuses) match no reader, rather than every reader', () => {
    expect(byteOrderFor('ACS ACR122U 00 00', ['=reversed'])).toBe('as-read');
    expect(byteOrderFor('reverse 00 00', ['reversed'])).toBe('as-read');
    expect(byteOrderFor('ACS ACR122U 00 00', ['ACS=backwards', 'ACS=reversed'])).toBe('reversed');
  });
});
