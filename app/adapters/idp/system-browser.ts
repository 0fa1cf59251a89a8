/**
 * Opens a URL in the person's default browser, without a shell (spawn, no `start`): `xdg-open` on Linux, `open` on
 * macOS, `rundll32 url.dll,FileProtocolHandler` on Windows. Only https URLs are opened (the
 * IdP's authorization URL): nothing else is handed to the OS's URL handlers.
 */
import { spawn } from 'node:child_process';

export type OpenBrowser = (url: string) => Promise<void>;

/** The command that opens `url` on `platform`. */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform = process.platform,
): { readonly file: string; readonly args: readonly string[] } {
  switch (platform) {
    case 'win32':
      return { file: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
    case 'darwin':
      return { file: 'open', args: [url] };
    default:
      return { file: 'xdg-open', args: [url] };
  }
}

/**
 * An opener for `enrollBadge`: resolves once the opener process has started (the browser itself
 * may keep running long after), rejects if it cannot be started or fails at once.
 */
export function systemBrowser(
  platform: NodeJS.Platform = process.platform,
  /** Where the opener is looked up (PATH) and what it inherits. */
  env: NodeJS.ProcessEnv = process.env,
): OpenBrowser {
  return (url) =>
    new Promise<void>((resolve, reject) => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        reject(new TypeError('not a URL'));
        return;
      }
      if (parsed.protocol !== 'https:') {
        reject(new TypeError(`only https URLs are opened in the browser, not ${parsed.protocol}`));
        return;
      }
      const { file, args } = browserCommand(parsed.href, platform);
      const child = spawn(file, [...args], {
        shell: false,
        env,
        windowsHide: true,
        stdio: 'ignore',
        // The browser may outlive this process (xdg-open can stay in the foreground with it).
        detached: platform !== 'win32',
      });
      let settled = false;
      const settle = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        if (error) reject(error);
        else resolve();
      };
      child.once('error', (error) => settle(new Error(`${file} could not be started: ${error.message}`)));
      // xdg-open exits non-zero when no browser could be found.
      child.once('exit', (code) =>
        settle(
          code === 0 || code === null ? null : new Error(`${file} could not open the browser (exit ${code})`),
        ),
      );
      // rundll32 and open return at once; xdg-open may wait for the browser: do not hold on it.
      child.once('spawn', () => setTimeout(() => settle(null), 2000).unref());
      // Nor may it keep this process alive once the enrollment is over.
      child.unref();
    });
}
