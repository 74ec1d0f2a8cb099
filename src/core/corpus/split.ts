/**
 * The validation split: what validation measures must be what a held-out folder measures, so whole
 * groups of files are held out, never a file whose near-copy is trained on.
 *
 * A group is a connected set (union-find) of files joined by
 *   - their folder: the files of one folder stay together. When folders are too coarse for the fraction
 *     (whole folders cannot come within half of it without passing it: every file in one folder, or one
 *     folder holding most of the text), each file is its own unit instead; near-duplicates stay joined
 *     either way;
 *   - near-duplicate content: the same documentation as Markdown, HTML and a man page, a copied file,
 *     generated variants. Each file's text becomes 5-word shingles of its alphanumeric tokens (lower
 *     case; HTML tags and entities, troff escapes and requests dropped, so that markup mostly vanishes),
 *     summarised by a MinHash sketch of K = 64 bins (one-permutation hashing: one hash per shingle, empty
 *     bins filled from their right-hand neighbour). LSH banding (16 bands of 4 bins) proposes candidate
 *     pairs in near-linear time; a pair is joined when its estimated Jaccard similarity (the fraction of
 *     equal bins) is at least 0.5. Files of fewer than 20 shingles take no part: too short to tell a
 *     copy from a coincidence, and too short to matter.
 *
 * Groups are ordered by a hash of their key (the smallest folder, or path, among their files), so that
 * the choice is deterministic and stable under unrelated changes, and added to validation while its text
 * stays at most `valFraction` of the characters, and each language's (file extension's) validation text
 * at most `valFraction` of that language's characters: validation has the corpus's mix of languages. With two groups or more and a positive fraction at
 * least one group is held out (the smallest, when none fits) and never all of them.
 */

/** What the split needs of a file; it sets `split`. */
export interface SplitFile {
  relPath: string;
  text: string;
  split: 'train' | 'val';
}

/** How a corpus was split, for its report. */
export interface SplitSummary {
  /** 'folder': the files of a folder stay together; 'file': each file is a unit (folders were too coarse) */
  unit: 'folder' | 'file';
  groups: number;
  valGroups: number;
  /** characters (code points) of the validation files, and of every file */
  valChars: number;
  totalChars: number;
  /** files joined to another file of a different unit by near-duplicate content */
  nearDuplicateFiles: number;
}

/** MinHash bins per sketch, and the LSH bands (BANDS * ROWS = K). */
const K = 64;
const BANDS = 16;
const ROWS = 4;
/** words per shingle */
const SHINGLE = 5;
/** files with fewer shingles take no part in near-duplicate detection */
const MIN_SHINGLES = 20;
/** estimated Jaccard similarity from which two files are near-duplicates */
const NEAR_DUPLICATE_JACCARD = 0.5;
/** a sketch bin that no shingle fell into */
const EMPTY = 0xffffffff;
/** folders are too coarse when whole folders fill less than this part of the validation target */
const MIN_FOLDER_FILL = 0.5;

/**
 * The deterministic split hash of a key in [0, 1): FNV-1a 32-bit of its UTF-8 bytes, divided by 2^32.
 * Groups are taken for validation in the order of their key's hash.
 */
export function splitOf(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x100000000;
}

/**
 * Marks each file 'train' or 'val' by whole groups (see the file's comment); `chars[i]` is file i's
 * length in code points. `valFraction` is a fraction of the characters, in [0, 0.5].
 */
export function assignSplits(files: SplitFile[], valFraction: number, chars: readonly number[]): SplitSummary {
  const n = files.length;
  let totalChars = 0;
  for (let i = 0; i < n; i++) totalChars += chars[i];
  for (const file of files) file.split = 'train';
  const summary: SplitSummary = { unit: 'folder', groups: n === 0 ? 0 : 1, valGroups: 0, valChars: 0, totalChars, nearDuplicateFiles: 0 };
  if (n < 2 || valFraction <= 0) return summary;

  const duplicates = nearDuplicatePairs(files.map((f) => f.text));
  const folders = files.map((f) => folderOf(f.relPath));
  const target = valFraction * totalChars;
  const languages = files.map((f) => languageOf(f.relPath));
  // each language's share of the validation text: `target` x its share of the characters
  const quota = new Map<string, number>();
  for (let i = 0; i < n; i++) quota.set(languages[i], (quota.get(languages[i]) ?? 0) + chars[i]);
  for (const [language, languageChars] of quota) quota.set(language, totalChars > 0 ? (target * languageChars) / totalChars : 0);
  let unit: 'folder' | 'file' = 'folder';
  let grouping = groupFiles(n, duplicates, folders);
  let chosen = chooseGroups(grouping.groups, chars, languages, quota, target);
  // folders are too coarse when whole folders cannot come near the target without passing it
  if (grouping.groups.length < 2 || chosen.fill < MIN_FOLDER_FILL * target || chosen.fill > target) {
    const byFile = groupFiles(n, duplicates, files.map((f) => f.relPath));
    const chosenByFile = chooseGroups(byFile.groups, chars, languages, quota, target);
    if (byFile.groups.length >= 2) {
      unit = 'file';
      grouping = byFile;
      chosen = chosenByFile;
    }
  }
  summary.unit = unit;
  summary.groups = grouping.groups.length;
  summary.nearDuplicateFiles = grouping.joinedByContent;
  for (const g of chosen.val) for (const i of grouping.groups[g].members) files[i].split = 'val';
  summary.valGroups = chosen.val.length;
  summary.valChars = chosen.fill;
  return summary;
}

/** The folder of a posix relative path ('' for a file at the root). */
function folderOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash < 0 ? '' : relPath.slice(0, slash);
}

interface Group {
  key: string;
  hash: number;
  members: number[];
}

/**
 * Connected components of the files joined by equal `units[i]` and by the near-duplicate pairs, each
 * keyed by its smallest unit and sorted by the key's hash (then the key).
 */
function groupFiles(n: number, duplicates: readonly [number, number][], units: readonly string[]): { groups: Group[]; joinedByContent: number } {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a), rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const firstOfUnit = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const first = firstOfUnit.get(units[i]);
    if (first === undefined) firstOfUnit.set(units[i], i);
    else union(first, i);
  }
  const joined = new Set<number>();
  for (const [a, b] of duplicates) {
    if (units[a] === units[b]) continue;
    joined.add(a).add(b);
    union(a, b);
  }
  const byRoot = new Map<number, Group>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    const group = byRoot.get(root);
    if (group) {
      group.members.push(i);
      if (units[i] < group.key) group.key = units[i];
    } else {
      byRoot.set(root, { key: units[i], hash: 0, members: [i] });
    }
  }
  const groups = [...byRoot.values()];
  for (const g of groups) g.hash = splitOf(g.key);
  groups.sort((a, b) => a.hash - b.hash || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { groups, joinedByContent: joined.size };
}

/**
 * The language of a file for the split's strata: its lower-case extension ('.js', '.md'), or its
 * whole lower-case name when it has none ('license', 'makefile').
 */
export function languageOf(relPath: string): string {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1).toLowerCase();
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : name;
}

/**
 * The groups held out, stratified by language: each group counts for the language of most of its text,
 * and is taken, in order, when it keeps the validation text at most `target` characters and its
 * language's validation text at most `target` x that language's share of the corpus. So validation has
 * the corpus's mix of languages (a JavaScript project's validation is JavaScript, not its README and
 * package.json), and a language too small to hold a group out is trained on whole. With none fitting,
 * the smallest group (the first in order on ties). Never every group.
 */
function chooseGroups(groups: readonly Group[], chars: readonly number[], languages: readonly string[], quota: ReadonlyMap<string, number>, target: number): { val: number[]; fill: number } {
  if (groups.length < 2) return { val: [], fill: 0 };
  const size = groups.map((g) => g.members.reduce((s, i) => s + chars[i], 0));
  const languageOfGroup = groups.map((g) => {
    const byLanguage = new Map<string, number>();
    for (const i of g.members) byLanguage.set(languages[i], (byLanguage.get(languages[i]) ?? 0) + chars[i]);
    let best = languages[g.members[0]];
    for (const [language, n] of byLanguage) if (n > byLanguage.get(best)! || (n === byLanguage.get(best)! && language < best)) best = language;
    return best;
  });
  const filled = new Map<string, number>();
  const val: number[] = [];
  let fill = 0;
  for (let g = 0; g < groups.length; g++) {
    const language = languageOfGroup[g];
    const languageFill = filled.get(language) ?? 0;
    if (fill + size[g] <= target && languageFill + size[g] <= quota.get(language)!) {
      val.push(g);
      fill += size[g];
      filled.set(language, languageFill + size[g]);
    }
  }
  if (val.length === 0) {
    let smallest = 0;
    for (let g = 1; g < groups.length; g++) if (size[g] < size[smallest]) smallest = g;
    val.push(smallest);
    fill = size[smallest];
  }
  if (val.length === groups.length) fill -= size[val.pop()!]; // only when every group is empty of text
  return { val, fill };
}

// ---- near-duplicate detection: MinHash sketches and LSH banding ------------------------------------

/**
 * The pairs of texts (by index, a < b) whose sketches estimate a Jaccard similarity of at least 0.5.
 * Each file is compared only with the first file that shares one of its 16 band keys.
 */
export function nearDuplicatePairs(texts: readonly string[]): [number, number][] {
  const sketches: (Uint32Array | undefined)[] = texts.map((t) => minHashSketch(t));
  const buckets: Map<number, number>[] = Array.from({ length: BANDS }, () => new Map());
  const pairs: [number, number][] = [];
  const seen = new Set<string>();
  for (let i = 0; i < sketches.length; i++) {
    const s = sketches[i];
    if (!s) continue;
    for (let band = 0; band < BANDS; band++) {
      let key = band;
      for (let r = 0; r < ROWS; r++) key = fmix32(Math.imul(key ^ s[band * ROWS + r], 0x9e3779b1));
      const first = buckets[band].get(key);
      if (first === undefined) {
        buckets[band].set(key, i);
        continue;
      }
      const id = `${first},${i}`;
      if (seen.has(id)) continue;
      seen.add(id);
      if (estimatedJaccard(sketches[first]!, s) >= NEAR_DUPLICATE_JACCARD) pairs.push([first, i]);
    }
  }
  return pairs;
}

/** The fraction of equal bins of two sketches: an estimate of their shingle sets' Jaccard similarity. */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let equal = 0;
  for (let k = 0; k < K; k++) if (a[k] === b[k]) equal++;
  return equal / K;
}

/**
 * The MinHash sketch (K bins) of a text's 5-word shingles, or undefined when it has fewer than
 * MIN_SHINGLES of them. One pass over the text: a word is a run of ASCII letters and digits (lower
 * case) or of non-ASCII characters; HTML tags (`<...>` within a line), entities (`&amp;`), troff escapes
 * (`\fB`, `\(em`, `\-`) and troff requests (`.SH` at a line start) are skipped.
 */
export function minHashSketch(text: string): Uint32Array | undefined {
  const sketch = new Uint32Array(K).fill(EMPTY);
  // the last SHINGLE word hashes, as a ring
  const ring = new Uint32Array(SHINGLE);
  let words = 0;
  let shingles = 0;
  let word = 0x811c9dc5;
  let inWord = false;
  const n = text.length;
  const endWord = () => {
    ring[words % SHINGLE] = fmix32(word);
    words++;
    word = 0x811c9dc5;
    inWord = false;
    if (words < SHINGLE) return;
    // the shingle of the last SHINGLE words, oldest first
    let h = 0;
    for (let k = words - SHINGLE; k < words; k++) h = Math.imul(h ^ ring[k % SHINGLE], 0x01000193) + 0x7f4a7c15;
    h = fmix32(h) >>> 0;
    const bin = h >>> 26; // top 6 bits: one of K = 64 bins
    const value = h & 0x3ffffff;
    if (value < sketch[bin]) sketch[bin] = value;
    shingles++;
  };
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    const letter = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 0x80 && c !== 0xa0 && !(c >= 0x2000 && c <= 0x206f));
    if (letter) {
      if (c >= 65 && c <= 90) c |= 0x20;
      word = Math.imul(word ^ c, 0x01000193);
      inWord = true;
      continue;
    }
    if (inWord) endWord();
    if (c === 60 /* < */) {
      const close = text.indexOf('>', i + 1);
      if (close > i && close - i <= 200 && !hasNewline(text, i + 1, close)) i = close;
    } else if (c === 38 /* & */) {
      let j = i + 1;
      if (j < n && text.charCodeAt(j) === 35 /* # */) j++;
      while (j < n && j - i <= 10 && isAsciiAlnum(text.charCodeAt(j))) j++;
      if (j < n && j > i + 1 && text.charCodeAt(j) === 59 /* ; */) i = j;
    } else if (c === 92 /* \ */ && i + 1 < n) {
      const next = text.charCodeAt(i + 1);
      if (next === 102 /* f */ || next === 115 /* s */) {
        // \fB, \f(CW, \f[B], \s-1: a font or size change
        const arg = text.charCodeAt(i + 2);
        if (arg === 40 /* ( */) i += 4;
        else if (arg === 91 /* [ */) i = Math.max(i + 2, text.indexOf(']', i + 2));
        else if (arg === 45 || arg === 43 /* - + */) i += 3;
        else i += 2;
      } else if (next === 40 /* ( */) {
        i += 3; // \(em: a special character
      } else {
        i += 1; // \-, \e, \&, \n in a string...
      }
    } else if (c === 46 /* . */ && (i === 0 || text.charCodeAt(i - 1) === 10)) {
      // a troff request at a line start: `.SH`, `.TP`, `.B` (one or two letters)
      let j = i + 1;
      while (j < n && j - i <= 3 && isAsciiLetter(text.charCodeAt(j))) j++;
      if (j - i <= 3 && (j >= n || text.charCodeAt(j) === 32 || text.charCodeAt(j) === 10)) i = j - 1;
    }
  }
  if (inWord) endWord();
  if (shingles < MIN_SHINGLES) return undefined;
  // an empty bin takes the value of the next non-empty bin to its right (circularly), offset by the
  // distance: similar texts leave similar bins empty, so they fill them alike
  const dense = new Uint32Array(K);
  for (let k = 0; k < K; k++) {
    if (sketch[k] !== EMPTY) {
      dense[k] = sketch[k];
      continue;
    }
    let d = 1;
    while (sketch[(k + d) % K] === EMPTY) d++;
    dense[k] = (0x4000000 | (sketch[(k + d) % K] + Math.imul(d, 0x9e3779b1))) >>> 0; // above every real value
  }
  return dense;
}

function hasNewline(text: string, from: number, to: number): boolean {
  const at = text.indexOf('\n', from);
  return at >= 0 && at < to;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isAsciiAlnum(c: number): boolean {
  return isAsciiLetter(c) || (c >= 48 && c <= 57);
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
