/**
 * Which OS account a person works under in `os-lock` mode. Policy names it with a template
 * (`osAccountTemplate`, e.g. "{personId}" when the IdP's subject is the directory login, or
 * "p{nationalId}"): the account that owns an OS session is the OS's own fact (logind's Name,
 * the Windows session's SID), so a person is let into a session only when the template gives
 * exactly that account.
 */
import type { SessionUser } from '../../core/session/types.js';

/**
 * A login name as POSIX and directory-joined systems (sssd, winbind: `name@domain`) spell it.
 * Never starting with "-" (it would read as an option to loginctl), no spaces, no shell or path
 * characters: a name outside this is no account, and nothing is unlocked.
 */
const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

/** The OS account of a person by the template; null when the template cannot name one. */
export function osAccountFor(
  template: string,
  user: Pick<SessionUser, 'personId' | 'nationalId'>,
): string | null {
  let missing = false;
  const account = template.replace(
    /\{(personId|nationalId)\}/g,
    (_whole, name: 'personId' | 'nationalId') => {
      const value = user[name];
      if (value === null || value === '') missing = true;
      return value ?? '';
    },
  );
  if (missing || /[{}]/.test(account)) return null;
  return ACCOUNT_NAME.test(account) ? account : null;
}
