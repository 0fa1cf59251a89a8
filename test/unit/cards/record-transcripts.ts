/**
 * Re-records the CPS3 and UID transcripts from the virtual cards:
 *   tsx test/unit/cards/record-transcripts.ts
 * The certificates in them were made by the harness PKI at recording time; the replay tests do
 * not depend on any key, only on the conversation.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCpsCard, readPinTriesLeft, signDigest, verifyPin } from '../../../app/core/cards/cps.js';
import { readUid } from '../../../app/core/cards/uid.js';
import { createCardPki } from '../../harness/pki.js';
import { recording, VirtualCps3Card, VirtualUidBadge } from '../../harness/vcard/index.js';

const DIR = join(import.meta.dirname, 'transcripts');
const holder = {
  surname: 'Martin',
  givenName: 'Claire',
  nationalId: '899700075122',
  profession: 'Infirmier',
};
const pki = await createCardPki();
const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => i);

for (const protocol of ['T=0', 'T=1'] as const) {
  const card = await VirtualCps3Card.create({ holder, pki, protocol, serialDigits: '31415926' });
  const lines = [
    `# CPS3 contact ${protocol}: read the card, tries left, a wrong then the right PIN, a signature over bytes 00..1F`,
  ];
  const t = recording(async (c) => card.process(c), lines);
  const data = await readCpsCard(t, 'cps3-contact');
  await readPinTriesLeft(t, 'cps3-contact', data.pinReference);
  await verifyPin(t, 'cps3-contact', data.pinReference, new TextEncoder().encode('0000'));
  await verifyPin(t, 'cps3-contact', data.pinReference, new TextEncoder().encode('1234'));
  await signDigest(t, 'cps3-contact', DIGEST);
  writeFileSync(join(DIR, `cps3-contact-${protocol === 'T=0' ? 't0' : 't1'}.txt`), `${lines.join('\n')}\n`);
}
const badge = new VirtualUidBadge('04A1B2C3D4E5F6');
const uidLines = ['# contactless UID badge, 7-byte UID'];
await readUid(
  recording(async (c) => badge.process(c), uidLines),
  'as-read',
);
writeFileSync(join(DIR, 'uid-7-bytes.txt'), `${uidLines.join('\n')}\n`);
console.log('transcripts recorded in', DIR);
