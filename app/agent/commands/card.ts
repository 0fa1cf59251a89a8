/**
 * `releve card [--json] [--reader NAME]`: what the CPS card in a reader says about its holder,
 * its certificate and its PIN — the tries left are read without spending one.
 */
import { X509Certificate } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as pcsc from 'smartcard';
import { chainIsValid, withCard } from '../../adapters/pcsc/card-session.js';
import { identifyAtr } from '../../core/cards/atr.js';
import { readCpsCard, readPinTriesLeft } from '../../core/cards/cps.js';
import type { CliIo } from '../cli.js';

export interface CardCommandOptions {
  readonly trusted: () => readonly X509Certificate[];
}

export async function cardCommand(
  args: readonly string[],
  io: CliIo,
  options: CardCommandOptions,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: { json: { type: 'boolean', default: false }, reader: { type: 'string' } },
  });
  let readerName = values.reader;
  try {
    if (!readerName) {
      // The first reader holding a CPS card.
      const context = new pcsc.Context();
      try {
        const readers = context.listReaders() as unknown as { name: string; atr: Buffer | null }[];
        readerName = readers.find(
          (r) => r.atr && identifyAtr(Uint8Array.from(r.atr)).badgeKind === 'cps-card',
        )?.name;
      } finally {
        context.close();
      }
      if (!readerName) {
        io.err('no CPS card found in any reader (use --reader NAME to name one)');
        return 1;
      }
    }
    const name = readerName;
    const report = await withCard(name, async (transmit, profile) => {
      const data = await readCpsCard(transmit, profile);
      const certificate = new X509Certificate(Buffer.from(data.authCertificate));
      return {
        reader: name,
        kind: profile,
        serial: data.serial,
        nationalId: data.identity.nationalId,
        givenName: data.identity.givenName,
        surname: data.identity.surname,
        profession: data.identity.profession,
        pinTriesLeft: await readPinTriesLeft(transmit, profile, data.pinReference),
        certificate: {
          subject: certificate.subject.replace(/\n/g, ', '),
          validFrom: certificate.validFrom,
          validTo: certificate.validTo,
        },
        chainValid: chainIsValid(data.authCertificate, options.trusted()),
      };
    });
    if (values.json) io.out(JSON.stringify(report));
    else {
      io.out(`${report.reader}: ${report.kind}, serial ${report.serial}`);
      io.out(
        `  ${report.givenName} ${report.surname} — ${report.profession ?? 'profession unknown'} — national ID ${report.nationalId}`,
      );
      io.out(
        `  certificate valid ${report.certificate.validFrom} → ${report.certificate.validTo}; chain ${report.chainValid ? 'valid' : 'NOT validated'}`,
      );
      io.out(`  PIN tries left: ${report.pinTriesLeft ?? 'not said (already verified)'}`);
    }
    return 0;
  } catch (error) {
    io.err(
      `the card${readerName ? ` in ${readerName}` : ''} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
}
