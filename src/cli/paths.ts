import * as fs from 'node:fs';
import * as path from 'node:path';

/** The corpus that ships with the package (media/corpus): found by walking up from this bundle's folder. */
export function builtinCorpusPath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'media', 'corpus');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`the built-in corpus (media/corpus) is missing from the package near ${__dirname}`);
  }
}
