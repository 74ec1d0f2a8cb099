// The direction of dependencies (README, "Architecture"), checked by `npm test` (scripts/lint.mjs):
// src/core never reaches the editor, the webview or the CLI; inside src/core each folder imports only
// the layers below it; nothing anywhere forms a cycle.
/** Folders of src/core and the folders each may import (besides itself). */
const LAYERS = {
  common: [],
  kernels: ['common'],
  model: ['kernels', 'common'],
  corpus: ['common'],
  checkpoint: ['model', 'kernels', 'common'],
  infer: ['model', 'kernels', 'common'],
  train: ['checkpoint', 'corpus', 'model', 'kernels', 'common'],
  eval: ['infer', 'model', 'kernels', 'common'],
};
const folders = Object.keys(LAYERS);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'A cycle ties modules together so that neither can be read, tested or moved alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-headless',
      severity: 'error',
      comment: 'src/core runs in the CLI, the training process and worker threads: no editor, webview or CLI code, no vscode.',
      from: { path: '^src/core/' },
      to: { path: ['^src/(extension|webview|cli)/', '^vscode$', '(^|/)node_modules/@types/vscode/'] },
    },
    {
      name: 'cli-is-not-the-editor',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: ['^src/(extension|webview)/', '^vscode$', '(^|/)node_modules/@types/vscode/'] },
    },
    {
      name: 'webview-stands-alone',
      severity: 'error',
      comment: 'The webview is browser code: it talks to the extension through panel-protocol.ts only.',
      from: { path: '^src/webview/' },
      to: { path: ['^src/(extension|cli|core)/', '^vscode$', '(^|/)node_modules/@types/vscode/'] },
    },
    {
      name: 'core-root-index-only-from-outside',
      severity: 'error',
      comment: 'src/core/index.ts is the library entry: the layers inside core do not import it.',
      from: { path: '^src/core/[^/]+/' },
      to: { path: '^src/core/index\\.ts$' },
    },
    ...folders.map((folder) => ({
      name: `core-${folder}-layer`,
      severity: 'error',
      comment: `src/core/${folder} may import only ${LAYERS[folder].length ? LAYERS[folder].join(', ') : 'nothing else in src/core'}.`,
      from: { path: `^src/core/${folder}/` },
      to: { path: `^src/core/(${folders.filter((f) => f !== folder && !LAYERS[folder].includes(f)).join('|')})/` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/core/kernels/wasm/assembly/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
