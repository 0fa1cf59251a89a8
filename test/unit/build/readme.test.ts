import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { POLICY_SETTINGS, describeSetting, type PolicyKey } from '../../../app/core/policy.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it('starts with the two commands for a fresh machine: the demo, then the whole test suite', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => line.split('#')[0]!.trim());
    expect(commands).toEqual(['npm run demo', 'npm test']);
  });

  it('documents every policy setting with its current default', () => {
    // Prettier pads table cells: compare rows with their spacing folded.
    const rows = readme.split('\n').map((line) => line.replace(/\s*\|\s*/g, '|'));
    for (const key of Object.keys(POLICY_SETTINGS) as PolicyKey[]) {
      const row = `|\`${key}\`|\`${describeSetting(key).default}\`|`;
      expect({ key, documented: rows.some((line) => line.startsWith(row)) }).toEqual({
        key,
        documented: true,
      });
    }
  });
});
