/**
 * Where the repository is, for tests that run its bundles (dist/), read its package.json or fixtures:
 * the nearest folder above the compiled test that holds package.json (tests run from out/test/...).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root; throws when no folder above holds package.json. */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}
