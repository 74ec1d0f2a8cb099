// One bundle per runtime (see ../shared/STYLE.md §4): extension host, training process, CLI, library, webview.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // maps in both (beside the bundles, for debugging; .vscodeignore keeps them out of the .vsix)
  sourcemap: true,
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
  { ...common, entryPoints: ['src/core/train/threads/train-worker.ts'], outfile: 'dist/train-worker.js' },
  { ...common, entryPoints: ['src/core/checkpoint/worker/checkpoint-worker.ts'], outfile: 'dist/checkpoint-worker.js' },
  // the training panel's webview (browser): its script and its stylesheet (uPlot's CSS bundled in)
  { ...common, platform: 'browser', format: 'iife', target: 'chrome120', entryPoints: ['src/webview/ui/main.ts'], outfile: 'dist/webview/panel.js' },
  { ...common, platform: 'browser', target: 'chrome120', entryPoints: ['src/webview/ui/panel.css'], outfile: 'dist/webview/panel.css' },
];

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
