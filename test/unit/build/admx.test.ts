/** Group Policy templates: generated from the schema, checked in, and internally consistent. */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMX_FILES, adml, admx } from '../../../build/dev/admx.js';
import { POLICY_SETTINGS } from '../../../app/core/policy.js';

describe('ADMX/ADML', () => {
  it.each(Object.keys(ADMX_FILES))(
    'resources/admx/%s is what the generator produces from the schema',
    (name) => {
      expect(readFileSync(join('resources', 'admx', name), 'utf8')).toBe(ADMX_FILES[name]!());
    },
  );

  it('has a policy for every setting, and every string and presentation it references exists in both languages', () => {
    const definitions = admx();
    for (const key of Object.keys(POLICY_SETTINGS)) expect(definitions).toContain(`<policy name="${key}"`);
    for (const locale of ['fr', 'en'] as const) {
      const resources = adml(locale);
      const strings = new Set([...resources.matchAll(/<string id="([^"]+)">/g)].map((m) => m[1]));
      const presentations = new Set([...resources.matchAll(/<presentation id="([^"]+)">/g)].map((m) => m[1]));
      for (const [, id] of definitions.matchAll(/\$\(string\.([^)]+)\)/g))
        expect({ locale, id, found: strings.has(id) }).toEqual({ locale, id, found: true });
      for (const [, id] of definitions.matchAll(/\$\(presentation\.([^)]+)\)/g))
        expect({ locale, id, found: presentations.has(id) }).toEqual({ locale, id, found: true });
    }
  });

  it('is well-formed XML', () => {
    // Python's XML parser is on every machine of this kind; Node has none built in.
    const script = 'import sys, xml.dom.minidom\nfor p in sys.argv[1:]: xml.dom.minidom.parse(p)';
    const files = Object.keys(ADMX_FILES).map((name) => join('resources', 'admx', name));
    expect(() => execFileSync('python3', ['-c', script, ...files])).not.toThrow();
  });
});
