// ESLint flat config: ESLint's recommended rules for every JavaScript and TypeScript file, and typescript-eslint's
// type-checked recommended rules for the TypeScript (typed through tsconfig.check.json, the same program as
// `tsc -p tsconfig.check.json`). Formatting is Prettier's (.prettierrc.json), not ESLint's.
// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.callqa/', 'test-artifacts/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Async functions without await implement Promise-returning interfaces (engine close(), test callbacks of waitFor).
      '@typescript-eslint/require-await': 'off',
      // `_name` marks a value left out on purpose (`const { key: _drop, ...rest } = row`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read untyped JSON (HTTP responses, report files, database rows) and assert its shape with expect().
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  {
    rules: {
      // Comments quote Chinese text as it is written, with ideographic spaces (U+3000).
      'no-irregular-whitespace': ['error', { skipComments: true }],
    },
  },
);
