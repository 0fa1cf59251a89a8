/** Prints the README's policy table from the policy schema itself (one source of truth). */
import { POLICY_SETTINGS, describeSetting, type PolicyKey } from '../../app/core/policy.js';

console.log('| setting | default | allowed | meaning |');
console.log('| --- | --- | --- | --- |');
for (const key of Object.keys(POLICY_SETTINGS) as PolicyKey[]) {
  const { allowed, default: def } = describeSetting(key);
  console.log(`| \`${key}\` | \`${def}\` | ${allowed} | ${POLICY_SETTINGS[key].description.en} |`);
}
