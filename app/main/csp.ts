/**
 * The app's own origin and the Content-Security-Policy of its pages. No Electron here: the test
 * bridge serves the same pages under the same policy (plus `connect-src 'self'`, its transport).
 */
import { extname, join, normalize, sep } from 'node:path';

/** The renderer is served from app://releve/ (a privileged standard scheme), never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'releve';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Whether a URL is one of the app's own pages. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    // app: is not a special scheme for WHATWG URL, so its `origin` is "null": compare parts.
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '';
  } catch {
    return false;
  }
}

/**
 * Only our own scripts and styles; no inline script, no eval, no remote anything, no frames,
 * no forms, no plugins. `connectSelf` is for the test bridge only: in Electron the renderer
 * talks to main through the preload, never over the network.
 */
export function contentSecurityPolicy(options: { connectSelf?: boolean } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${options.connectSelf ? "'self'" : "'none'"}`,
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/**
 * The file an app:// URL names inside the renderer folder, with its content type; null for
 * anything outside it (`..`, encoded separators) or of a type the app does not serve.
 */
export function appFileFor(rendererDir: string, url: string): { file: string; contentType: string } | null {
  if (!isAppUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const relative = normalize(pathname === '/' ? '/index.html' : pathname).replace(/^[/\\]+/, '');
  if (relative.startsWith('..') || relative.split(sep).includes('..')) return null;
  const contentType = CONTENT_TYPES[extname(relative)];
  if (!contentType) return null;
  const file = join(rendererDir, relative);
  if (!file.startsWith(normalize(rendererDir + sep))) return null;
  return { file, contentType };
}
