// ESLint for the project (run from the repository root by scripts/lint.mjs): typescript-eslint's
// recommended rules on every TypeScript file, the AssemblyScript kernels and generated code left out.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig([
  { basePath: '../..' },
  globalIgnores(['node_modules/', 'tools/', 'out/', 'dist/', '.cache/', 'src/core/kernels/wasm/assembly/', '**/*.generated.ts', 'test/e2e/artifacts/'], 'generated, installed and AssemblyScript files'),
  {
    basePath: '../..',
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
  },
]);
