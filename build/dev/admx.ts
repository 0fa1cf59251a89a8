/**
 * Group Policy templates generated from the policy schema (app/core/policy.ts), so that a
 * setting cannot exist in the code and be missing from Group Policy. Writes
 * resources/admx/Releve.admx and its ADML in fr-FR and en-US; a unit test checks that the
 * files in the repository are what this generator produces.
 *   tsx build/dev/admx.ts [--check]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { POLICY_SETTINGS, describeSetting, type PolicyKey, type Setting } from '../../app/core/policy.js';

export const POLICY_KEY = 'Software\\Policies\\Releve';
const HEADER = '<?xml version="1.0" encoding="utf-8"?>';

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function element(key: PolicyKey, setting: Setting): string {
  switch (setting.type) {
    case 'integer':
      return `<decimal id="${key}" valueName="${key}" minValue="${setting.min}" maxValue="${setting.max}" />`;
    case 'enum':
      return [
        `<enum id="${key}" valueName="${key}">`,
        ...setting.values.map(
          (value) =>
            `            <item displayName="$(string.${key}_${value.replace(/[^A-Za-z0-9]/g, '_')})"><value><string>${xml(value)}</string></value></item>`,
        ),
        '          </enum>',
      ].join('\n');
    case 'string':
      return `<text id="${key}" valueName="${key}" maxLength="${setting.maxLength}" />`;
    case 'time-list':
    case 'string-list':
      // Lists live as values under their own subkey; the registry source reads them back in order.
      return `<list id="${key}" key="${POLICY_KEY}\\${key}" valuePrefix="" />`;
    case 'boolean':
      return '';
  }
}

export function admx(): string {
  const policies = (Object.entries(POLICY_SETTINGS) as [PolicyKey, Setting][]).map(([key, setting]) => {
    const common = `name="${key}" class="Both" displayName="$(string.${key})" explainText="$(string.${key}_Explain)" key="${POLICY_KEY}"`;
    if (setting.type === 'boolean') {
      return [
        `    <policy ${common} valueName="${key}">`,
        '      <parentCategory ref="Releve" />',
        '      <supportedOn ref="windows:SUPPORTED_Windows_10_0" />',
        '      <enabledValue><decimal value="1" /></enabledValue>',
        '      <disabledValue><decimal value="0" /></disabledValue>',
        '    </policy>',
      ].join('\n');
    }
    return [
      `    <policy ${common} presentation="$(presentation.${key})">`,
      '      <parentCategory ref="Releve" />',
      '      <supportedOn ref="windows:SUPPORTED_Windows_10_0" />',
      '      <elements>',
      `          ${element(key, setting)}`,
      '      </elements>',
      '    </policy>',
    ].join('\n');
  });
  return [
    HEADER,
    '<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
    '  <policyNamespaces>',
    '    <target prefix="releve" namespace="Releve.Policies" />',
    '    <using prefix="windows" namespace="Microsoft.Policies.Windows" />',
    '  </policyNamespaces>',
    '  <resources minRequiredRevision="1.0" />',
    '  <categories>',
    '    <category name="Releve" displayName="$(string.Releve)" />',
    '  </categories>',
    '  <policies>',
    ...policies,
    '  </policies>',
    '</policyDefinitions>',
    '',
  ].join('\n');
}

const TITLES: Record<'fr' | 'en', { category: string; defaultWord: string; allowedWord: string }> = {
  fr: {
    category: 'Relève — agent de session des postes cliniques',
    defaultWord: 'Par défaut',
    allowedWord: 'Valeurs admises (en anglais)',
  },
  en: {
    category: 'Relève — clinical workstation session agent',
    defaultWord: 'Default',
    allowedWord: 'Allowed',
  },
};

function presentation(key: PolicyKey, setting: Setting): string {
  switch (setting.type) {
    case 'integer':
      return `      <presentation id="${key}"><decimalTextBox refId="${key}" defaultValue="${setting.default}">${key}</decimalTextBox></presentation>`;
    case 'enum':
      return `      <presentation id="${key}"><dropdownList refId="${key}" noSort="true" defaultItem="${setting.values.indexOf(setting.default)}">${key}</dropdownList></presentation>`;
    case 'string':
      return `      <presentation id="${key}"><textBox refId="${key}"><label>${key}</label><defaultValue>${xml(setting.default)}</defaultValue></textBox></presentation>`;
    case 'time-list':
    case 'string-list':
      return `      <presentation id="${key}"><listBox refId="${key}">${key}</listBox></presentation>`;
    case 'boolean':
      return '';
  }
}

export function adml(locale: 'fr' | 'en'): string {
  const titles = TITLES[locale];
  const entries = Object.entries(POLICY_SETTINGS) as [PolicyKey, Setting][];
  const strings = entries.flatMap(([key, setting]) => {
    const { allowed, default: def } = describeSetting(key);
    const explain = `${setting.description[locale]}\n\n${titles.defaultWord}: ${def}\n${titles.allowedWord}: ${allowed}`;
    const items =
      setting.type === 'enum'
        ? setting.values.map(
            (value) =>
              `      <string id="${key}_${value.replace(/[^A-Za-z0-9]/g, '_')}">${xml(value)}</string>`,
          )
        : [];
    return [
      `      <string id="${key}">${key}</string>`,
      `      <string id="${key}_Explain">${xml(explain)}</string>`,
      ...items,
    ];
  });
  return [
    HEADER,
    '<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions">',
    `  <displayName>Relève</displayName>`,
    `  <description>${xml(titles.category)}</description>`,
    '  <resources>',
    '    <stringTable>',
    `      <string id="Releve">${xml(titles.category)}</string>`,
    ...strings,
    '    </stringTable>',
    '    <presentationTable>',
    ...entries.map(([key, setting]) => presentation(key, setting)).filter(Boolean),
    '    </presentationTable>',
    '  </resources>',
    '</policyDefinitionResources>',
    '',
  ].join('\n');
}

export const ADMX_FILES: Record<string, () => string> = {
  'Releve.admx': admx,
  'fr-FR/Releve.adml': () => adml('fr'),
  'en-US/Releve.adml': () => adml('en'),
};

const ADMX_DIR = join('resources', 'admx');

if (process.argv[1]?.endsWith('admx.ts')) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [name, generate] of Object.entries(ADMX_FILES)) {
    const path = join(ADMX_DIR, name);
    if (check) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        // missing counts as stale
      }
      if (current !== generate()) {
        console.error(`${path} is out of date: run tsx build/dev/admx.ts`);
        stale += 1;
      }
    } else {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, generate());
      console.log(`wrote ${path}`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
