/**
 * `releve card [--json] [--reader NAME]`: what the CPS card in a reader says about its holder,
 * its certificate and its PIN — the tries left are read without spending one. The chain is
 * checked against the roots the agent trusts: the file named by policy `cardTrustedRootsFile`,
 * loaded by the same loader as the agent's (`trustedRootsFromPolicy`).
 */
import { X509Certificate } from 'node:crypto';
import { parseArgs } from 'node:util';
import { chainIsValid, parsePemBundle, withCard } from '../../adapters/pcsc/card-session.js';
import { snapshotPcscReaders, type PcscReaderSnapshot } from '../../adapters/pcsc/reader-snapshot.js';
import { readCpsCard, readPinTriesLeft } from '../../core/cards/index.js';
import type { PolicySource } from '../../core/ports/index.js';
import type { CliIo } from '../cli.js';
import { loadWorkstationPolicy } from '../workstation-policy.js';

/**
 * The card roots (and intermediates) policy trusts. `warn` says why there are none when there
 * should be some (the chain then shows as not validated; reading the card is still worth it).
 */
export type TrustedRoots = (
  warn: (line: string) => void,
) => readonly X509Certificate[] | Promise<readonly X509Certificate[]>;

export interface ShowCardOptions {
  readonly json?: boolean;
  /** The reader to read; default: the first reader holding a CPS card. */
  readonly reader?: string;
  /** The card roots (and intermediates) policy trusts; none: the chain shows as not validated. */
  readonly trusted?: TrustedRoots;
  /** Where problems go; default `out`. */
  readonly err?: (line: string) => void;
  /** Where the reader list comes from; tests may replace it. */
  readonly snapshot?: () => PcscReaderSnapshot[];
}

/** What `releve card --json` prints: one object. */
export interface CardReport {
  readonly reader: string;
  readonly kind: string;
  readonly serial: string;
  readonly nationalId: string;
  readonly givenName: string;
  readonly surname: string;
  readonly profession: string | null;
  readonly pinTriesLeft: number | null;
  readonly certificate: { readonly subject: string; readonly validFrom: string; readonly validTo: string };
  readonly certificateValidNow: boolean;
  readonly chainValid: boolean;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Reads the CPS card and prints it. Exit code 0 when read, 1 when there is no card or it cannot be read. */
export async function showCard(options: ShowCardOptions, out: (line: string) => void): Promise<number> {
  const err = options.err ?? out;
  let readerName = options.reader;
  if (!readerName) {
    let readers: PcscReaderSnapshot[];
    try {
      readers = (options.snapshot ?? snapshotPcscReaders)();
    } catch (error) {
      err(`no card can be read: ${message(error)}`);
      return 1;
    }
    if (readers.length === 0) {
      err('no smart-card reader is connected');
      return 1;
    }
    readerName = readers.find((r) => r.card?.badgeKind === 'cps-card')?.name;
    if (!readerName) {
      err('no CPS card found in any reader (use --reader NAME to name one)');
      return 1;
    }
  }
  const name = readerName;
  const trusted = (await options.trusted?.((line) => err(`warning: ${line}`))) ?? [];
  let report: CardReport;
  try {
    report = await withCard(name, async (transmit, profile) => {
      const data = await readCpsCard(transmit, profile);
      const certificate = new X509Certificate(Buffer.from(data.authCertificate));
      const now = new Date();
      return {
        reader: name,
        kind: profile,
        serial: data.serial,
        nationalId: data.identity.nationalId,
        givenName: data.identity.givenName,
        surname: data.identity.surname,
        profession: data.identity.profession,
        // VERIFY without data: the card says how many tries are left, and none is spent.
        pinTriesLeft: await readPinTriesLeft(transmit, profile, data.pinReference),
        certificate: {
          subject: certificate.subject.replace(/\n/g, ', '),
          validFrom: certificate.validFrom,
          validTo: certificate.validTo,
        },
        certificateValidNow: now >= new Date(certificate.validFrom) && now <= new Date(certificate.validTo),
        chainValid: chainIsValid(data.authCertificate, trusted),
      };
    });
  } catch (error) {
    err(`the card in ${name} cannot be read: ${message(error)}`);
    return 1;
  }
  if (options.json) {
    out(JSON.stringify(report));
    return 0;
  }
  out(`${report.reader}: ${report.kind}, serial ${report.serial}`);
  out(
    `  ${report.givenName} ${report.surname} — ${report.profession ?? 'profession unknown'} — national ID ${report.nationalId}`,
  );
  out(
    `  certificate valid ${report.certificate.validFrom} → ${report.certificate.validTo}${report.certificateValidNow ? '' : ' (NOT valid now)'}; chain ${report.chainValid ? 'valid' : 'NOT validated'}`,
  );
  out(
    `  PIN tries left: ${report.pinTriesLeft === null ? 'not said (already verified)' : report.pinTriesLeft === 0 ? '0 — the PIN is blocked' : report.pinTriesLeft}`,
  );
  return 0;
}

/**
 * The roots named by policy `cardTrustedRootsFile`, as the agent gets them: the policy is loaded
 * from `source` (the registry on Windows, the JSON file on Linux) by the workstation's loader
 * when the command runs, settled the same way (a broken setting takes its default, and is
 * warned about). No environment variable stands in for policy.
 */
export function trustedRootsFromPolicy(source: PolicySource): TrustedRoots {
  return async (warn) => {
    const load = await loadWorkstationPolicy(source, 'fallback');
    for (const problem of load.problems) warn(`policy ${load.location}: ${problem.message} (default used)`);
    return parsePemBundle(load.files.cardTrustedRootsFile ?? '');
  };
}

export interface CardCommandOptions {
  /** The roots the agent trusts: `trustedRootsFromPolicy(the agent's policy source)`. */
  readonly trusted: TrustedRoots;
}

/** The `releve card` command line: parses its arguments, then `showCard`. */
export async function cardCommand(
  args: readonly string[],
  io: CliIo,
  options: CardCommandOptions,
): Promise<number> {
  let values: { json: boolean; reader?: string | undefined };
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      options: { json: { type: 'boolean', default: false }, reader: { type: 'string' } },
    }).values;
  } catch (error) {
    io.err(`releve card [--json] [--reader NAME]: ${message(error)}`);
    return 2;
  }
  return showCard(
    {
      json: values.json,
      ...(values.reader ? { reader: values.reader } : {}),
      trusted: options.trusted,
      err: (line) => io.err(line),
    },
    (line) => io.out(line),
  );
}
