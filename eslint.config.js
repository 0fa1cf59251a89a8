// Every rule here carries its reason: the config is also how a newcomer learns what we value.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import releve from './build/eslint/layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'test-artifacts/', '.releve-dev/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js'],
    plugins: { releve },
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // DESIGN.md's layering: core is pure, the UI sees only the IPC contract, app/ never sees test/.
      'releve/layers': 'error',
      // Unused code hides intent; a leading underscore marks a deliberately unused parameter.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `any` switches the type checker off exactly where bytes from a card or an IdP arrive.
      '@typescript-eslint/no-explicit-any': 'error',
      // A console.log in the agent is a log that bypasses redaction: use the diagnostic logger.
      'no-console': ['error', { allow: ['error'] }],
      // Types-only imports stay types-only, so a runtime never loads a module it does not need.
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Shipped code is linted with its types: a floating promise, an unbound method or a switch
    // that forgets a case are bugs the compiler alone does not report.
    files: ['app/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Every switch over a union names each case (or says why not in a default): adding a
      // phase, an event or an error kind without deciding what it does is then a lint error.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      // Off: ports return promises, and an implementation that has nothing to await (a fake, a
      // guard that answers at once) is still right to be async — it keeps throws as rejections.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The CLI, the demo, benchmarks and tests talk to a terminal on purpose.
    files: ['app/agent/cli*.ts', 'test/**', 'build/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
