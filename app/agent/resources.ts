import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESSAGE_KEYS, type Catalogue } from '../core/messages.js';

/**
 * resources/ sits at the project root in development and beside the compiled app when
 * packaged: look upward from this module for it rather than hard-coding a depth.
 */
export function resourcesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    const candidate = join(dir, 'resources');
    if (existsSync(join(candidate, 'locales'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('resources/ not found beside the application');
}

/** The message catalogue for a locale; a missing key is an error at start, not a blank screen. */
export function loadCatalogue(locale: 'fr' | 'en'): Catalogue {
  const raw = JSON.parse(readFileSync(join(resourcesDir(), 'locales', `${locale}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
  const missing = MESSAGE_KEYS.filter((key) => typeof raw[key] !== 'string');
  if (missing.length > 0) throw new Error(`locale ${locale} lacks messages: ${missing.join(', ')}`);
  return raw as Catalogue;
}
