/** `releve card` on a workstation: the virtual CPS3 card in pcscd's vpcd reader. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCardPki, type CardPki } from '../../harness/pki.js';
import { runReleve } from '../../harness/releve-process.js';
import { startPcscd, type RunningPcscd } from '../../harness/pcscd.js';
import { VirtualCps3Card, VpcdConnection } from '../../harness/vcard/index.js';

const releve = (env: Record<string, string>, ...args: string[]) => runReleve(args, env);

let pcscd: RunningPcscd;
let pki: CardPki;
beforeAll(async () => {
  pcscd = await startPcscd();
  pki = await createCardPki();
});
afterAll(async () => {
  await pcscd.stop();
});

describe('releve card', () => {
  it('reports holder, serial, certificate, chain and PIN tries left — without spending a try', async () => {
    const card = await VirtualCps3Card.create({
      holder: { surname: 'Durand', givenName: 'Paul', nationalId: '810001234567', profession: 'Médecin' },
      pki,
      serialDigits: '27182818',
    });
    const roots = join(mkdtempSync(join(tmpdir(), 'releve-roots-')), 'roots.pem');
    writeFileSync(roots, pki.rootPem + pki.intermediatePem);
    const slot = new VpcdConnection(card);
    await slot.insert();
    try {
      await new Promise((resolve) => setTimeout(resolve, 800)); // pcscd notices the card
      const result = await releve({ RELEVE_CARD_ROOTS: roots }, 'card', '--json');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        kind: 'cps3-contact',
        serial: '8025000001271828187',
        nationalId: '810001234567',
        givenName: 'Paul',
        surname: 'Durand',
        profession: 'Médecin',
        pinTriesLeft: 3,
        chainValid: true,
      });
      expect(card.pinTriesLeft).toBe(3);
      const untrusted = await releve({}, 'card', '--reader', 'Virtual PCD 00 00');
      expect(untrusted.stdout).toContain('Paul Durand — Médecin — national ID 810001234567');
      expect(untrusted.stdout).toContain('chain NOT validated');
    } finally {
      await slot.remove();
    }
  });

  it('says when no CPS card is in any reader, exit 1', async () => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    const result = await releve({}, 'card');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no CPS card found in any reader');
  });
});
