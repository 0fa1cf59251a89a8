/** `releve card` on a workstation: the virtual CPS3 card in pcscd's vpcd reader. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFilePolicySource } from '../../../app/adapters/policy/json-file-source.js';
import { cardCommand, trustedRootsFromPolicy } from '../../../app/agent/commands/card.js';
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
    const slot = new VpcdConnection(card);
    await slot.insert();
    try {
      await new Promise((resolve) => setTimeout(resolve, 800)); // pcscd notices the card
      // The roots come from the workstation's policy (cardTrustedRootsFile), as for the agent.
      const dir = mkdtempSync(join(tmpdir(), 'releve-policy-'));
      const roots = join(dir, 'roots.pem');
      writeFileSync(roots, pki.rootPem + pki.intermediatePem);
      const policy = join(dir, 'policy.json');
      writeFileSync(policy, JSON.stringify({ cardTrustedRootsFile: roots }));
      const result = await releve({ RELEVE_POLICY: policy, RELEVE_CARD_ROOTS: '' }, 'card', '--json');
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
      // No policy on this machine: no roots are trusted; an environment variable does not stand in.
      const noPolicy = join(dir, 'absent.json');
      const untrusted = await releve(
        { RELEVE_POLICY: noPolicy, RELEVE_CARD_ROOTS: roots },
        'card',
        '--reader',
        'Virtual PCD 00 00',
      );
      expect(untrusted.stderr).toBe('');
      expect(untrusted.stdout).toContain('Paul Durand — Médecin — national ID 810001234567');
      expect(untrusted.stdout).toContain('chain NOT validated');
    } finally {
      await slot.remove();
    }
  });

  it('checks the chain against the roots named by policy cardTrustedRootsFile, as the agent does', async () => {
    const card = await VirtualCps3Card.create({
      holder: { surname: 'Martin', givenName: 'Léa', nationalId: '810009876543', profession: 'Infirmier' },
      pki,
    });
    const dir = mkdtempSync(join(tmpdir(), 'releve-card-policy-'));
    const roots = join(dir, 'roots.pem');
    writeFileSync(roots, pki.rootPem + pki.intermediatePem);
    const policyFile = join(dir, 'policy.json');
    const run = async () => {
      const out: string[] = [];
      const err: string[] = [];
      const status = await cardCommand(
        ['--json'],
        { out: (line) => out.push(line), err: (line) => err.push(line) },
        // What the agent's entry point passes: its own policy source.
        { trusted: trustedRootsFromPolicy(new JsonFilePolicySource(policyFile)) },
      );
      return { status, out, err };
    };
    const slot = new VpcdConnection(card);
    await slot.insert();
    try {
      await new Promise((resolve) => setTimeout(resolve, 800)); // pcscd notices the card
      writeFileSync(policyFile, JSON.stringify({ cardTrustedRootsFile: roots }));
      const trusted = await run();
      expect(trusted.err).toEqual([]);
      expect(trusted.status).toBe(0);
      expect(JSON.parse(trusted.out[0] ?? '{}')).toMatchObject({
        nationalId: '810009876543',
        chainValid: true,
      });

      // Roots from another PKI: read, but the chain is not validated.
      const stranger = await createCardPki();
      writeFileSync(roots, stranger.rootPem + stranger.intermediatePem);
      const foreign = await run();
      expect(foreign.status).toBe(0);
      expect(JSON.parse(foreign.out[0] ?? '{}')).toMatchObject({ chainValid: false });

      // A roots file that cannot be read is said, and the card is still shown.
      writeFileSync(policyFile, JSON.stringify({ cardTrustedRootsFile: join(dir, 'missing.pem') }));
      const missing = await run();
      expect(missing.status).toBe(0);
      // The loader's one message for a file that policy names, as the agent logs and audits it.
      expect(missing.err.join('\n')).toMatch(
        /cardTrustedRootsFile: \S+missing\.pem cannot be read \(ENOENT\) \(default used\)/,
      );
      expect(JSON.parse(missing.out[0] ?? '{}')).toMatchObject({
        nationalId: '810009876543',
        chainValid: false,
      });

      // So is an invalid setting.
      writeFileSync(policyFile, JSON.stringify({ cardTrustedRootsFile: 'relative/roots.pem' }));
      const invalid = await run();
      expect(invalid.err.join('\n')).toMatch(/cardTrustedRootsFile/);
      expect(JSON.parse(invalid.out[0] ?? '{}')).toMatchObject({ chainValid: false });
      expect(card.pinTriesLeft).toBe(3);
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
