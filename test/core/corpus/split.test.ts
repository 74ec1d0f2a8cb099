import assert from 'node:assert/strict';
import { assignSplits, languageOf, SplitFile } from '../../../src/core/corpus/split';

/** A text of `chars` characters that takes no part in near-duplicate detection (one word). */
function filler(chars: number): string {
  return 'x'.repeat(chars);
}

function split(files: { relPath: string; chars: number }[], valFraction: number) {
  const splitFiles: SplitFile[] = files.map((f) => ({ relPath: f.relPath, text: filler(f.chars), split: 'train' }));
  const summary = assignSplits(splitFiles, valFraction, files.map((f) => f.chars));
  return { files: splitFiles, summary };
}

/** Validation characters by language. */
function valByLanguage(files: SplitFile[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of files) if (f.split === 'val') out.set(languageOf(f.relPath), (out.get(languageOf(f.relPath)) ?? 0) + f.text.length);
  return out;
}

describe('validation split: strata by language', () => {
  it('names a language by its lower-case extension, or the whole name without one', () => {
    assert.equal(languageOf('src/a.test.JS'), '.js');
    assert.equal(languageOf('LICENSE'), 'license');
    assert.equal(languageOf('docs/Makefile'), 'makefile');
    assert.equal(languageOf('.eslintrc'), '.eslintrc');
    assert.equal(languageOf('a.b/c'), 'c');
  });

  it('holds out no folder of a language too small for its share, wherever the folder falls in the order', () => {
    // 20 folders of code and, in each variant, a documentation folder under another name (so at another
    // place in the hash order): 1,000 characters of Markdown is 4.8% of the text, its share of a 20%
    // validation is 48 characters, so it is never held out
    for (const docs of ['docs', 'doc', 'README', 'a', 'zz', 'guide', 'man', 'notes']) {
      const files = Array.from({ length: 20 }, (_, i) => ({ relPath: `pkg${i}/index.js`, chars: 1000 }));
      files.push({ relPath: `${docs}/guide.md`, chars: 1000 });
      const { files: out, summary } = split(files, 0.2);
      assert.equal(out.find((f) => f.relPath.endsWith('.md'))!.split, 'train', `${docs}/guide.md is held out`);
      assert.equal(summary.unit, 'folder');
      assert.equal(summary.valChars, valByLanguage(out).get('.js'));
      assert.ok(summary.valChars >= 2000 && summary.valChars <= 0.2 * 21000, `${summary.valChars} characters held out`);
    }
  });

  it('gives each language at most its share of the validation text', () => {
    const files: { relPath: string; chars: number }[] = [];
    for (let i = 0; i < 30; i++) files.push({ relPath: `py/m${i}/mod.py`, chars: 900 + 10 * i });
    for (let i = 0; i < 10; i++) files.push({ relPath: `rb/m${i}/mod.rb`, chars: 950 + 10 * i });
    const total = files.reduce((n, f) => n + f.chars, 0);
    const { files: out } = split(files, 0.25);
    const val = valByLanguage(out);
    const share = (ext: string) => files.filter((f) => f.relPath.endsWith(ext)).reduce((n, f) => n + f.chars, 0) / total;
    for (const ext of ['.py', '.rb']) {
      assert.ok((val.get(ext) ?? 0) > 0, `no ${ext} held out`);
      assert.ok(val.get(ext)! <= 0.25 * total * share(ext), `${ext}: ${val.get(ext)} characters held out`);
    }
  });

  it('counts a mixed folder for the language of most of its text', () => {
    // each folder: 900 characters of Go and a 100-character README; Go is 90% of the corpus
    const files: { relPath: string; chars: number }[] = [];
    for (let i = 0; i < 20; i++) files.push({ relPath: `p${i}/x.go`, chars: 900 }, { relPath: `p${i}/README.md`, chars: 100 });
    const { files: out, summary } = split(files, 0.2);
    assert.ok(summary.valGroups >= 2, `${summary.valGroups} folders held out`);
    for (let i = 0; i < 20; i++) {
      const sides = out.filter((f) => f.relPath.startsWith(`p${i}/`)).map((f) => f.split);
      assert.equal(sides[0], sides[1], `folder p${i} is split across both sides`);
    }
  });
});
