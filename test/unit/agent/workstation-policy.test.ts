/** The one policy loader, against real files and the real JSON policy source. */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFilePolicySource } from '../../../app/adapters/policy/json-file-source.js';
import { WindowsRegistryPolicySource } from '../../../app/adapters/policy/windows-registry-source.js';
import {
  changedSettings,
  LINUX_POLICY_FILE,
  loadWorkstationPolicy,
  policyFileSource,
  runsFromSourceCheckout,
  watchWorkstationPolicy,
  workstationPolicySource,
  type PolicyUpdate,
} from '../../../app/agent/workstation-policy.js';
import { DEFAULT_POLICY } from '../../../app/core/policy.js';
import type { PolicySource } from '../../../app/core/ports/index.js';
import { StaticPolicySource } from '../../harness/sim/static-policy-source.js';

const dir = mkdtempSync(join(tmpdir(), 'releve-workstation-policy-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
const locationOf = async (source: PolicySource): Promise<string> => (await source.read()).location;

describe('where the workstation policy comes from', () => {
  it('is development only when running from the TypeScript sources', () => {
    expect(runsFromSourceCheckout()).toBe(true); // jest runs the .ts sources
    expect(runsFromSourceCheckout('file:///opt/releve/dist/app/agent/workstation-policy.js')).toBe(false);
    expect(runsFromSourceCheckout('file:///opt/releve/resources/app.asar/main.js')).toBe(false);
  });

  it('honours RELEVE_POLICY in development and ignores it in a compiled build', async () => {
    const env = { RELEVE_POLICY: '/tmp/elsewhere.json' };
    const dev = workstationPolicySource({ platform: 'linux', env, development: true });
    const shipped = workstationPolicySource({ platform: 'linux', env, development: false });
    expect(await locationOf(dev)).toBe('/tmp/elsewhere.json');
    expect(await locationOf(shipped)).toBe(LINUX_POLICY_FILE);
  });

  it('is the registry on Windows, whatever the environment says', () => {
    const source = workstationPolicySource({
      platform: 'win32',
      env: { RELEVE_POLICY: '/tmp/x.json' },
      development: true,
    });
    expect(source).toBeInstanceOf(WindowsRegistryPolicySource);
  });
});

describe('loading the policy', () => {
  it('falls back setting by setting and reports each problem, or refuses when strict', async () => {
    const source = new StaticPolicySource({ graceRetapMinutes: 9999, locale: 'en' });
    const fallback = await loadWorkstationPolicy(source, 'fallback');
    expect(fallback.policy.graceRetapMinutes).toBe(DEFAULT_POLICY.graceRetapMinutes);
    expect(fallback.policy.locale).toBe('en');
    expect(fallback.problems.map((p) => p.field)).toEqual(['graceRetapMinutes']);
    const strict = await loadWorkstationPolicy(source, 'strict');
    expect(strict.ok).toBe(false);
    expect(strict.problems[0]?.message).toContain('graceRetapMinutes: must be an integer from 0 to 720');
  });

  it('reads the files policy names once, and reports one that cannot be read as a problem with that setting', async () => {
    const roots = file('roots.pem', PEM);
    const ok = await loadWorkstationPolicy(new StaticPolicySource({ cardTrustedRootsFile: roots }), 'strict');
    expect(ok.ok && ok.files.cardTrustedRootsFile).toBe(PEM);

    const missing = join(dir, 'missing-ca.pem');
    const notPem = file('not.pem', 'hello');
    const source = new StaticPolicySource({ idpCaFile: missing, cardTrustedRootsFile: notPem, locale: 'en' });
    const load = await loadWorkstationPolicy(source, 'fallback');
    expect(load.problems.map((p) => p.message)).toEqual([
      `idpCaFile: ${missing} cannot be read (ENOENT)`,
      `cardTrustedRootsFile: ${notPem} holds no PEM certificate`,
    ]);
    // The settings at fault count as empty: the system CAs, no trusted card root.
    expect(load.policy).toMatchObject({ idpCaFile: '', cardTrustedRootsFile: '', locale: 'en' });
    expect(load.files).toEqual({ idpCaFile: undefined, cardTrustedRootsFile: undefined });
    expect((await loadWorkstationPolicy(source, 'strict')).ok).toBe(false);
  });

  it('starts on the defaults when the store cannot be read, unless strict', async () => {
    const source = new JsonFilePolicySource(file('broken.json', '{ "locale": '));
    const load = await loadWorkstationPolicy(source, 'fallback');
    expect(load.policy).toEqual(DEFAULT_POLICY);
    expect(load.problems[0]?.message).toMatch(/^the policy is not valid JSON/);
    expect((await loadWorkstationPolicy(source, 'strict')).ok).toBe(false);
  });

  it('takes a missing machine file as "nothing configured", but a missing --policy FILE as a problem', async () => {
    const absent = join(dir, 'absent.json');
    expect((await loadWorkstationPolicy(new JsonFilePolicySource(absent), 'strict')).ok).toBe(true);
    const named = await loadWorkstationPolicy(policyFileSource(absent), 'strict');
    expect(named).toMatchObject({ ok: false, problems: [{ message: expect.stringContaining('ENOENT') }] });
  });
});

describe('watching the policy', () => {
  const nextUpdate = (
    source: PolicySource,
    mode: 'strict' | 'fallback',
    change: () => void,
  ): Promise<{ update: PolicyUpdate; stop: () => void }> =>
    new Promise((resolve) => {
      const stop = watchWorkstationPolicy(
        source,
        mode,
        () => DEFAULT_POLICY,
        (update) => resolve({ update, stop }),
      );
      setTimeout(change, 50);
    });

  it('names the settings that changed, in table order', () => {
    expect(changedSettings(DEFAULT_POLICY, { ...DEFAULT_POLICY, locale: 'en', mode: 'os-lock' })).toEqual([
      'mode',
      'locale',
    ]);
    expect(
      changedSettings(DEFAULT_POLICY, { ...DEFAULT_POLICY, shiftBoundaries: ['07:00', '14:00', '21:00'] }),
    ).toEqual([]);
  });

  it('sees a policy file replaced by a rename, as configuration tools write it', async () => {
    const path = file('watched.json', '{}');
    const source = new JsonFilePolicySource(path);
    const { update, stop } = await nextUpdate(source, 'fallback', () => {
      writeFileSync(join(dir, 'watched.json.new'), '{"locale":"en"}');
      renameSync(join(dir, 'watched.json.new'), path);
    });
    stop();
    expect(update).toMatchObject({ kind: 'changed', changed: ['locale'] });
  });

  it('says nothing when a write changes no value, and refuses an invalid policy when strict', async () => {
    const source = new StaticPolicySource({});
    const seen: PolicyUpdate[] = [];
    const stop = watchWorkstationPolicy(
      source,
      'strict',
      () => DEFAULT_POLICY,
      (update) => seen.push(update),
    );
    source.change({ locale: 'fr' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(seen).toEqual([]);
    source.change({ locale: 'fr', inactivityLockMinutes: -1 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    stop();
    expect(seen).toMatchObject([
      { kind: 'refused', load: { problems: [{ field: 'inactivityLockMinutes' }] } },
    ]);
  });
});
