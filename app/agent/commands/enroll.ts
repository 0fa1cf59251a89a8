/**
 * `releve enroll --badge UID [--json] [--policy FILE]`: enrolls an unknown badge for the person at
 * the workstation. They choose the badge's PIN on the terminal (typed twice), log in once with
 * their directory password at the IdP's page in the system browser, and the IdP binds the badge
 * to them with that PIN (app/adapters/idp/enrollment.ts).
 *
 * The IdP comes from policy (`idpIssuer`, `idpCaFile`, `idpInitialAccessToken`), as for the agent.
 * Ctrl-C cancels. The PINs are zeroed whatever happens; no PIN, code or token is printed.
 * Exit codes: 0 enrolled, 1 not enrolled (the reason is printed), 2 usage error.
 */
import { parseArgs } from 'node:util';
import {
  canonicalBadgeId,
  enrollBadge,
  type EnrollBadgeOptions,
  type EnrollmentFailureReason,
  type EnrollmentResult,
} from '../../adapters/idp/enrollment.js';
import { KeyringSecretStore } from '../../adapters/vault/keyring-secret-store.js';
import { systemBrowser } from '../../adapters/idp/system-browser.js';
import { DEFAULT_POLICY } from '../../core/policy.js';
import type { DiagnosticLog, PolicySource, SecretStore } from '../../core/ports/index.js';
import type { CliIo } from '../cli.js';
import {
  loadWorkstationPolicy,
  NO_POLICY_FILES,
  policyFileSource,
  type SettledPolicy,
} from '../workstation-policy.js';

export interface EnrollCommandOptions {
  /** Where policy comes from when no --policy FILE is given (registry on Windows, JSON file on Linux). */
  readonly policySource?: PolicySource;
  /** Asks for a PIN on the terminal; undefined when there is none. */
  readonly readPin?: (prompt: string) => Promise<Uint8Array | null>;
  /** Default: the system browser. */
  readonly openBrowser?: (url: string) => Promise<void>;
  /** Default: the OS vault (where the workstation's client keys are). */
  readonly secretStore?: () => SecretStore;
  /**
   * Calls `cancel` on an interrupt (Ctrl-C); returns how to stop listening. Default: SIGINT and
   * SIGTERM of this process.
   */
  readonly onInterrupt?: (cancel: () => void) => () => void;
  /** How long the person has to log in in the browser. Default 5 min. */
  readonly browserTimeoutMs?: number;
  readonly log?: DiagnosticLog;
}

export const ENROLL_USAGE = 'releve enroll --badge UID [--json] [--policy FILE]';

/** What each failure tells the person, French first. */
const FAILURE_TEXT: Record<EnrollmentFailureReason, string> = {
  'invalid-badge':
    "Cet identifiant de badge n'est pas valide (8 à 20 chiffres hexadécimaux). / This badge ID is not valid (8 to 20 hexadecimal digits).",
  'invalid-pin': "Ce PIN n'a pas le bon format. / This PIN does not have the right format.",
  cancelled: 'Enregistrement annulé. / Enrollment cancelled.',
  timeout:
    "Délai dépassé : la connexion dans le navigateur n'a pas abouti à temps. / Timed out: the login in the browser did not finish in time.",
  denied:
    "Connexion annulée ou refusée par le fournisseur d'identité. / The login was cancelled or refused by the identity provider.",
  'state-mismatch':
    'Réponse refusée : elle ne correspond pas à cet enregistrement. Recommencez. / Answer refused: it does not belong to this enrollment. Start again.',
  'badge-taken':
    'Ce badge appartient déjà à une autre personne. / This badge already belongs to someone else.',
  'pin-refused':
    "Le fournisseur d'identité refuse ce PIN (sa politique de PIN). Choisissez-en un autre. / The identity provider refuses this PIN (its PIN policy). Choose another one.",
  'browser-failed': "Le navigateur n'a pas pu être ouvert. / The browser could not be opened.",
  'idp-unreachable': "Le fournisseur d'identité est injoignable. / The identity provider cannot be reached.",
  'idp-error':
    "Le fournisseur d'identité a répondu de façon inattendue. / The identity provider answered unexpectedly.",
};

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, index) => byte === b[index]);

function defaultOnInterrupt(cancel: () => void): () => void {
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  return () => {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  };
}

/**
 * The policy as the agent settles it (the workstation's loader): a broken setting takes its
 * default and is said on stderr. A file named with --policy must exist.
 */
async function loadPolicy(
  file: string | undefined,
  source: PolicySource | undefined,
  io: CliIo,
): Promise<SettledPolicy> {
  const from = file ? policyFileSource(file) : source;
  if (!from)
    return { ok: true, policy: DEFAULT_POLICY, files: NO_POLICY_FILES, problems: [], location: 'defaults' };
  const load = await loadWorkstationPolicy(from, 'fallback');
  for (const problem of load.problems)
    io.err(`releve enroll: policy ${load.location}: ${problem.message} (default used)`);
  return load;
}

/** The `releve enroll` command line. */
export async function enrollCommand(
  args: readonly string[],
  io: CliIo,
  options: EnrollCommandOptions = {},
): Promise<number> {
  let values: { badge?: string | undefined; json: boolean; policy?: string | undefined };
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      options: {
        badge: { type: 'string' },
        json: { type: 'boolean', default: false },
        policy: { type: 'string' },
      },
    }).values;
  } catch (error) {
    io.err(`${ENROLL_USAGE}: ${message(error)}`);
    return 2;
  }
  if (!values.badge) {
    io.err(`${ENROLL_USAGE}: --badge UID is required`);
    return 2;
  }
  const badgeId = canonicalBadgeId(values.badge);
  if (!badgeId) {
    io.err(`${ENROLL_USAGE}: ${FAILURE_TEXT['invalid-badge']}`);
    return 2;
  }
  const json = values.json;
  const report = (result: EnrollmentResult): number => {
    if (json) {
      io.out(
        JSON.stringify(
          result.ok
            ? { enrolled: true, badgeId: result.badgeId, person: result.person }
            : {
                enrolled: false,
                badgeId,
                reason: result.failure.reason,
                ...(result.failure.detail ? { detail: result.failure.detail } : {}),
              },
        ),
      );
    } else if (result.ok) {
      io.out(
        `Badge ${result.badgeId} enregistré pour ${result.person.displayName}. / Badge ${result.badgeId} enrolled for ${result.person.displayName}.`,
      );
    } else {
      io.err(FAILURE_TEXT[result.failure.reason]);
      if (result.failure.detail) io.err(`  (${result.failure.detail})`);
    }
    return result.ok ? 0 : 1;
  };

  const { policy, files } = await loadPolicy(values.policy, options.policySource, io);
  if (!policy.idpIssuer) {
    io.err(
      "releve enroll: aucun fournisseur d'identité n'est configuré (politique idpIssuer). / No identity provider is configured (policy idpIssuer).",
    );
    return 1;
  }
  const caPem = files.idpCaFile;
  if (!options.readPin) {
    io.err('releve enroll: le PIN se saisit dans un terminal. / The PIN must be typed in a terminal.');
    return 2;
  }

  const lengths = `${policy.pinMinLength}-${policy.pinMaxLength}`;
  const pin = await options.readPin(
    `Nouveau PIN du badge (${lengths} chiffres) / New badge PIN (${lengths} digits):`,
  );
  if (!pin) return report({ ok: false, failure: { reason: 'cancelled' } });
  const again = await options.readPin('Confirmez le PIN / Confirm the PIN:');
  if (!again) {
    pin.fill(0);
    return report({ ok: false, failure: { reason: 'cancelled' } });
  }
  const same = sameBytes(pin, again);
  again.fill(0);
  if (!same) {
    pin.fill(0);
    io.err("Les deux PIN saisis diffèrent ; rien n'a été envoyé. / The two PINs differ; nothing was sent.");
    return 1;
  }

  const opener = options.openBrowser ?? systemBrowser();
  const controller = new AbortController();
  const stopListening = (options.onInterrupt ?? defaultOnInterrupt)(() => controller.abort());
  try {
    const enrollOptions: EnrollBadgeOptions = {
      issuer: policy.idpIssuer,
      secretStore: (options.secretStore ?? (() => new KeyringSecretStore()))(),
      initialAccessToken: policy.idpInitialAccessToken || null,
      configuredClient: policy.idpClientId
        ? { clientId: policy.idpClientId, authMethod: policy.idpClientAuthMethod }
        : null,
      ...(caPem !== undefined ? { caPem } : {}),
      badgeId,
      pin,
      pinMinLength: policy.pinMinLength,
      pinMaxLength: policy.pinMaxLength,
      requestTimeoutMs: policy.authenticationTimeoutSeconds * 1000,
      timeoutMs: options.browserTimeoutMs ?? 5 * 60_000,
      signal: controller.signal,
      ...(options.log ? { log: options.log } : {}),
      // The URL is printed too: if no browser opens, the person can open it themselves.
      openBrowser: async (url) => {
        io.err(
          "Connectez-vous dans le navigateur avec votre mot de passe de l'annuaire (Ctrl-C pour annuler). / Log in in the browser with your directory password (Ctrl-C to cancel).",
        );
        io.err(url);
        try {
          await opener(url);
        } catch (error) {
          io.err(
            `Le navigateur n'a pas pu être ouvert (${message(error)}) : ouvrez l'adresse ci-dessus. / The browser could not be opened: open the address above.`,
          );
        }
      },
    };
    return report(await enrollBadge(enrollOptions));
  } finally {
    stopListening();
    pin.fill(0);
  }
}
