/**
 * Re-records the transcripts from the virtual cards (after a change to a profile or to a card):
 *   node_modules/.bin/tsx test/unit/core/cards/record-transcripts.ts
 * The certificates in them were made by the harness PKI at recording time; the replay tests do
 * not depend on any key, only on the conversation. Hand-written transcripts (error paths, CPS4)
 * live in the same folder and are not touched.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCpsCard, readPinTriesLeft, signDigest, verifyPin } from '../../../../app/core/cards/cps.js';
import { identifyAtr } from '../../../../app/core/cards/profiles.js';
import { readUid } from '../../../../app/core/cards/uid.js';
import { toHex } from '../../../../app/core/badge.js';
import { createCardPki } from '../../../harness/pki.js';
import {
  recording,
  VirtualCps3Card,
  VirtualCps4Card,
  VirtualUidBadge,
} from '../../../harness/vcard/index.js';

const DIR = join(import.meta.dirname, 'transcripts');
const holder = {
  surname: 'Martin',
  givenName: 'Claire',
  nationalId: '899700075122',
  profession: 'Infirmier',
};
const pki = await createCardPki();
const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => i);
const digits = (text: string): Uint8Array => new TextEncoder().encode(text);

const cps3 = [
  { file: 'cps3-contact-t0.txt', protocol: 'T=0', contactless: false },
  { file: 'cps3-contact-t1.txt', protocol: 'T=1', contactless: false },
  { file: 'cps3-contactless-t1.txt', protocol: 'T=1', contactless: true },
] as const;

for (const { file, protocol, contactless } of cps3) {
  const card = await VirtualCps3Card.create({ holder, pki, protocol, contactless, serial: '31415926' });
  const { profile } = identifyAtr(card.atr);
  const lines = [
    `# CPS3 ${contactless ? 'contactless' : 'contact'} ${protocol}, ATR ${toHex(card.atr)} (${profile})`,
    '# read the card, tries left, a wrong then the right PIN (1234), a signature over bytes 00..1F',
  ];
  const t = recording(async (c) => card.process(c), lines);
  const data = await readCpsCard(t, profile);
  await readPinTriesLeft(t, profile, data.pinReference);
  await verifyPin(t, profile, data.pinReference, digits('0000'), data.pin);
  await verifyPin(t, profile, data.pinReference, digits('1234'), data.pin);
  await signDigest(t, profile, DIGEST, data.authKeyReference ?? undefined);
  writeFileSync(join(DIR, file), `${lines.join('\n')}\n`);
}

// CPS4 (ChipDoc): the same conversation, as ANS's public driver holds it with a CPS4 (channel 1,
// EF.DIR then PKCS#15, PSO DECIPHER by command chaining for the signature).
const cps4 = [
  { file: 'cps4-t1.txt', protocol: 'T=1' },
  { file: 'cps4-t0.txt', protocol: 'T=0' },
] as const;

for (const { file, protocol } of cps4) {
  const card = await VirtualCps4Card.create({ holder, pki, protocol, serial: '27182818' });
  const { profile } = identifyAtr(card.atr);
  const lines = [
    `# CPS4 ${protocol}, ATR ${toHex(card.atr)} (${profile}) — recorded from the virtual CPS4`,
    '# read the card, tries left, a wrong then the right PIN (1234), a signature over bytes 00..1F',
  ];
  const t = recording(async (c) => card.process(c), lines);
  const data = await readCpsCard(t, profile);
  await readPinTriesLeft(t, profile, data.pinReference);
  await verifyPin(t, profile, data.pinReference, digits('0000'), data.pin);
  await verifyPin(t, profile, data.pinReference, digits('1234'), data.pin);
  await signDigest(t, profile, DIGEST);
  writeFileSync(join(DIR, file), `${lines.join('\n')}\n`);
}

const badge = new VirtualUidBadge('04A1B2C3D4E5F6');
const uidLines = [`# contactless UID badge, 7-byte UID, ATR ${toHex(badge.atr)}`];
await readUid(
  recording(async (c) => badge.process(c), uidLines),
  'as-read',
);
writeFileSync(join(DIR, 'uid-7-bytes.txt'), `${uidLines.join('\n')}\n`);
console.log('transcripts recorded in', DIR);
