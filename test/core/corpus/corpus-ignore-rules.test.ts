/** The corpus's rules (ignore-rules.ts, name-rules.ts): .gitignore files, .git/info/exclude, extra patterns, VS Code globs, default excludes. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Corpus, readCorpus } from '../../../src/core/corpus/corpus';
import { accepted, skippedAs, skippedEntry, spyOnFileAccess, tmp, useTempFolder, write } from '../../helpers/corpus';

describe('corpus: readCorpus', () => {
  useTempFolder();

  it('honours nested .gitignore files with negation and folder-relative patterns', async () => {
    write('.gitignore', '*.log\n/top-only.txt\ndocs/*.md\n');
    write('app.log', 'ignored by the root\n');
    write('top-only.txt', 'anchored at the root\n');
    write('docs/guide.md', 'ignored: docs/*.md\n');
    write('main.ts', 'export {};\n');
    write('sub/.gitignore', '!keep.log\n/local.txt\n');
    write('sub/keep.log', 're-included by sub/.gitignore\n');
    write('sub/other.log', 'still ignored\n');
    write('sub/local.txt', 'anchored to sub/\n');
    write('sub/top-only.txt', 'the root pattern is anchored to the root\n');
    write('sub/docs/guide.md', 'docs/*.md of the root does not reach sub/docs\n');
    write('sub/deeper/local.txt', '/local.txt of sub is anchored to sub\n');
    write('sub/deeper/keep.log', 'keep.log matches at any depth below sub\n');
    write('other/keep.log', 'the negation of sub does not apply here\n');

    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), [
      '.gitignore',
      'main.ts',
      'sub/.gitignore',
      'sub/deeper/keep.log',
      'sub/deeper/local.txt',
      'sub/docs/guide.md',
      'sub/keep.log',
      'sub/top-only.txt',
    ]);
    assert.deepEqual(skippedAs(corpus, 'ignored'), ['app.log', 'docs/guide.md', 'other/keep.log', 'sub/local.txt', 'sub/other.log', 'top-only.txt']);
    assert.match(skippedEntry(corpus, 'sub/other.log').detail, /"\*\.log" in \.gitignore/);
    assert.match(skippedEntry(corpus, 'sub/local.txt').detail, /"\/local\.txt" in sub\/\.gitignore/);
  });

  it('lets a nested .gitignore re-include a folder that a parent pattern excludes', async () => {
    write('.gitignore', 'pkg/gen/\n');
    write('pkg/.gitignore', '!gen/\n');
    write('pkg/gen/a.txt', 'kept\n');
    const corpus = await readCorpus([tmp]);
    assert.ok(accepted(corpus).includes('pkg/gen/a.txt'));
  });

  it('honours .git/info/exclude at the root', async () => {
    write('.git/info/exclude', 'secret.txt\n');
    write('secret.txt', 'excluded\n');
    write('public.txt', 'kept\n');
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['public.txt']);
    assert.deepEqual(skippedAs(corpus, 'ignored'), ['secret.txt']);
    assert.match(skippedEntry(corpus, 'secret.txt').detail, /\.git\/info\/exclude/);
  });

  it('reports an ignored folder once and never lists or reads what is inside', async () => {
    write('.gitignore', 'generated/\n');
    write('generated/a.txt', 'x\n');
    write('generated/deep/b.txt', 'y\n');
    write('src/c.txt', 'z\n');
    const spy = spyOnFileAccess();
    let corpus: Corpus;
    try {
      corpus = await readCorpus([tmp]);
    } finally {
      spy.restore();
    }
    const generated = path.join(tmp, 'generated');
    assert.deepEqual(
      spy.touched.filter((touched) => touched.startsWith(generated)),
      [],
    );
    assert.ok(spy.touched.includes(path.join(tmp, 'src', 'c.txt')), 'the spy should see the files that are read');
    assert.deepEqual(corpus.skipped, [
      { path: generated, relPath: 'generated', reason: 'ignored', detail: 'matched "generated/" in .gitignore', isDirectory: true },
    ]);
    assert.deepEqual(accepted(corpus), ['.gitignore', 'src/c.txt']);
  });

  it('skips the default excluded folders once each, unless useDefaultExcludes is false', async () => {
    write('node_modules/lib/index.js', 'module.exports = 1;\n');
    write('.git/config', '[core]\n');
    write('dist/app.js', 'bundle\n');
    write('src/__pycache__/m.txt', 'cache\n');
    write('src/app.ts', 'export const app = 1;\n');
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['src/app.ts']);
    assert.deepEqual(skippedAs(corpus, 'default-exclude'), ['.git', 'dist', 'node_modules', 'src/__pycache__']);
    assert.ok(corpus.skipped.every((entry) => entry.isDirectory));

    const everything = await readCorpus([tmp], { useDefaultExcludes: false });
    assert.deepEqual(accepted(everything), ['.git/config', 'dist/app.js', 'node_modules/lib/index.js', 'src/__pycache__/m.txt', 'src/app.ts']);
  });

  it('skips lock files, minified names, source maps and binary-ish extensions by name', async () => {
    for (const name of ['package-lock.json', 'yarn.lock', 'Cargo.lock', 'go.sum', 'custom.lock', 'app.min.js', 'style.min.css', 'app.js.map', 'logo.png', 'font.woff2', 'weights.safetensors']) {
      write(name, 'plain text that would otherwise pass every content check\n');
    }
    write('package.json', '{ "name": "x" }\n');
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['package.json']);
    assert.deepEqual(skippedAs(corpus, 'lock-file'), ['Cargo.lock', 'custom.lock', 'go.sum', 'package-lock.json', 'yarn.lock']);
    assert.deepEqual(skippedAs(corpus, 'minified'), ['app.js.map', 'app.min.js', 'style.min.css']);
    assert.deepEqual(skippedAs(corpus, 'not-text-extension'), ['font.woff2', 'logo.png', 'weights.safetensors']);
  });

  it('applies extraIgnore patterns relative to each root, and a .gitignore negation cannot undo them', async () => {
    write('.gitignore', '!README.md\n');
    write('README.md', '# readme\n');
    write('docs/a.txt', 'docs\n');
    write('src/docs/b.txt', 'nested docs\n');
    write('src/main.ts', 'main\n');
    const corpus = await readCorpus([tmp], { extraIgnore: ['*.md', '/docs/'] });
    assert.deepEqual(accepted(corpus), ['.gitignore', 'src/docs/b.txt', 'src/main.ts']);
    assert.deepEqual(skippedAs(corpus, 'ignored'), ['README.md', 'docs']);
    assert.equal(skippedEntry(corpus, 'docs').isDirectory, true);
    assert.match(skippedEntry(corpus, 'README.md').detail, /extra exclude/);
  });

  it('applies VS Code exclude globs (files.exclude, search.exclude) to files and folders, never descending', async () => {
    write('a.log', 'log\n');
    write('src/keep.ts', 'keep\n');
    write('src/gen/out.ts', 'generated\n');
    write('tmp/x.ts', 'tmp\n');
    const spy = spyOnFileAccess();
    let corpus: Corpus;
    try {
      corpus = await readCorpus([tmp], { excludeGlobs: ['**/*.{log,txt}', '**/gen', 'tmp/**'] });
    } finally {
      spy.restore();
    }
    assert.deepEqual(accepted(corpus), ['src/keep.ts']);
    assert.deepEqual(skippedAs(corpus, 'ignored'), ['a.log', 'src/gen', 'tmp']);
    assert.match(skippedEntry(corpus, 'tmp').detail, /exclude pattern of the settings/);
    const inside = spy.touched.map((p) => path.relative(tmp, p).split(path.sep).join('/'));
    assert.ok(!inside.some((p) => p.startsWith('src/gen') || p.startsWith('tmp')), `excluded folders are never read: ${inside.join(', ')}`);
  });

  it('reads only files matching the include globs when there are any', async () => {
    write('a.ts', 'a\n');
    write('lib/b.js', 'b\n');
    write('lib/c.ts', 'c\n');
    const corpus = await readCorpus([tmp], { includeGlobs: ['**/*.ts'] });
    assert.deepEqual(accepted(corpus), ['a.ts', 'lib/c.ts']);
    assert.deepEqual(skippedAs(corpus, 'not-included'), ['lib/b.js']);
    const all = await readCorpus([tmp], { includeGlobs: [] });
    assert.equal(all.files.length, 3);
  });
});
