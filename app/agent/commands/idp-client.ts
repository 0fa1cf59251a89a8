/**
 * The commands IT runs when it registers the workstations' client in the IdP's console itself
 * (policy `idpClientId`), instead of letting each workstation register (RFC 7591):
 * - `releve idp register --client-id ID [--json]`: makes the client's ES256 key pair once, keeps
 *   the private key in the OS vault, and prints the public key (JWK and PEM) to paste into the
 *   console. Run again, it prints the same key: it never replaces one IT may have registered.
 * - `releve idp set-secret --client-id ID --secret-file FILE`: puts the client secret the console
 *   gave into the OS vault. The secret is never printed, logged, or written anywhere else.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { clientSecretAccount, ensureClientKey } from '../../adapters/idp/workstation-client.js';
import type { SecretStore } from '../../core/ports/secret-store.js';
import type { CliIo } from '../cli.js';

export interface IdpClientCommandOptions {
  /** The OS vault. */
  readonly vault: () => SecretStore;
}

const CLIENT_ID = /^[\x21-\x7e]{1,255}$/;
/** What a console-made secret looks like: printable ASCII, no spaces, of a sensible length. */
const CLIENT_SECRET = /^[\x21-\x7e]{8,1024}$/;

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.message;
}

function parse(
  command: string,
  args: readonly string[],
  io: CliIo,
  extra: Record<string, { type: 'string' | 'boolean' }>,
): Record<string, string | boolean | undefined> | null {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { 'client-id': { type: 'string' }, ...extra },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) {
      io.err(`releve idp ${command}: unexpected argument ${positionals[0]}`);
      return null;
    }
    const clientId = values['client-id'];
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
      io.err(`releve idp ${command}: --client-id ID is required (printable ASCII, no spaces)`);
      return null;
    }
    return values;
  } catch (error) {
    io.err(`releve idp ${command}: ${error instanceof Error ? error.message : 'bad arguments'}`);
    return null;
  }
}

/** `releve idp register --client-id ID [--json]`. */
export async function idpRegisterCommand(
  args: readonly string[],
  io: CliIo,
  options: IdpClientCommandOptions,
): Promise<number> {
  const values = parse('register', args, io, { json: { type: 'boolean' } });
  if (!values) return 2;
  const clientId = String(values['client-id']);
  let key: Awaited<ReturnType<typeof ensureClientKey>>;
  try {
    key = await ensureClientKey(options.vault(), clientId);
  } catch (error) {
    io.err(
      `releve idp register: the OS vault cannot keep the key (${describeError(error)}); nothing was made`,
    );
    return 1;
  }
  if (values.json === true) {
    io.out(JSON.stringify({ clientId, created: key.created, jwks: { keys: [key.jwk] }, pem: key.pem }));
    return 0;
  }
  io.out(
    key.created
      ? `A new key for client ${clientId} is in this workstation's OS vault.`
      : `The OS vault already holds a key for client ${clientId}; it is kept.`,
  );
  io.out(
    'At the IdP, register the client with token_endpoint_auth_method private_key_jwt (ES256) and this public key:',
  );
  io.out(JSON.stringify({ keys: [key.jwk] }, null, 2));
  io.out(key.pem.trimEnd());
  io.out(`Then set policy idpClientId=${clientId} and idpClientAuthMethod=private_key_jwt.`);
  return 0;
}

/** `releve idp set-secret --client-id ID --secret-file FILE`. */
export async function idpSetSecretCommand(
  args: readonly string[],
  io: CliIo,
  options: IdpClientCommandOptions,
): Promise<number> {
  const values = parse('set-secret', args, io, { 'secret-file': { type: 'string' } });
  if (!values) return 2;
  const clientId = String(values['client-id']);
  const file = values['secret-file'];
  if (typeof file !== 'string' || file === '') {
    io.err(
      'releve idp set-secret: --secret-file FILE is required (the secret is never taken on the command line)',
    );
    return 2;
  }
  let secret: string;
  try {
    // One trailing newline is what an editor or `echo` leaves; anything else is kept as is.
    secret = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    io.err(`releve idp set-secret: cannot read ${file} (${describeError(error)})`);
    return 1;
  }
  if (!CLIENT_SECRET.test(secret)) {
    // The value is not echoed: it may be the secret with a typo.
    io.err(
      `releve idp set-secret: ${file} does not hold one client secret (8 to 1024 printable characters, no spaces, on one line)`,
    );
    return 1;
  }
  try {
    await options.vault().set(clientSecretAccount(clientId), secret);
  } catch (error) {
    io.err(`releve idp set-secret: the OS vault cannot keep the secret (${describeError(error)})`);
    return 1;
  }
  io.out(
    `The secret of client ${clientId} is in this workstation's OS vault. Delete ${file}, and set policy ` +
      `idpClientId=${clientId} and idpClientAuthMethod (client_secret_basic or client_secret_post).`,
  );
  return 0;
}
