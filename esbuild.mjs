// One bundle per runtime (see ../shared/STYLE.md §4): extension host, training process, CLI, library.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' },
  // the training process the extension forks
  { ...common, entryPoints: ['src/extension/training/process-main.ts'], outfile: 'dist/trainer-process.js' },
  // the training worker thread, next to every bundle that may start it
  { ...common, entryPoints: ['src/core/threads/train-worker.ts'], outfile: 'dist/train-worker.js' },
];

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
