// ESLint for the project (run from the repository root by scripts/lint.mjs): typescript-eslint's
// recommended rules on the TypeScript, ESLint's on the build and test scripts; the AssemblyScript
// kernels, generated code and test fixtures left out.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  { basePath: '../..' },
  globalIgnores(
    ['node_modules/', 'tools/', 'out/', 'dist/', '.cache/', '.vscode-test/', 'src/core/kernels/wasm/assembly/', '**/*.generated.ts', 'test/e2e/fixtures/', 'test/e2e/artifacts/', 'media/'],
    'installed, built, generated and AssemblyScript files, test fixtures',
  ),
  {
    basePath: '../..',
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // a variable freed by a cleanup closure defined before it is assigned stays `let`
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `const { type: _type, ...rest } = m` leaves a field out of a copy
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    basePath: '../..',
    files: ['**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    basePath: '../..',
    files: ['**/test/e2e/ui/*.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
]);
