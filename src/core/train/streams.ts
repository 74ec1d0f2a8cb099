/**
 * The B streams that read chunks of the encoded training files (model/encoded-text.ts) for truncated
 * BPTT, and the validation sample.
 *
 * A stream reads one segment at a time and starts each from the zero state: inference starts from zero
 * a bounded window before the cursor, at a line start (session.ts, 1,000 to 1,250 characters back), and
 * evaluation at the start of each file, so both kinds of start must be in the training distribution.
 *   - `segmentChars` > 0 (the default, 1,024): a segment reads at most that many characters from the
 *     line start at or before a position drawn uniformly over the data (the file's start when it is
 *     on the first line; in a line longer than that, from the block of segmentChars holding the
 *     position), so that every part of every file is read about as often;
 *   - `segmentChars` 0: a segment reads to the end of its file, from the file's start or, with
 *     probability `lineStartProb`, from a random line start inside it.
 * Segments running to the ends of their files (tens of thousands of characters) started a stream from
 * zero once in hundreds of steps: a model could then drift into a saturated state (every unit of h at
 * +-1, ~30 bits/char from then on) from the zero state on a start it had not met lately (a Python
 * file's `# ` comment line) while its training loss, made of carried states, looked fine; capped
 * segments train the zero state's dynamics on every kind of line, about 2 restarts a step. Files are
 * picked with probability proportional to their length, from a seeded generator, so the data order is
 * reproducible and resumable.
 */
import { crc32 } from '../common/crc32';
import { Chunk } from '../model/bptt';
import { DirectConnections } from '../model/direct-connections';
import { Rng } from '../model/rng';
import { EncodedFiles } from '../model/encoded-text';
import { Vocab } from '../model/vocab';
import { StreamState } from '../checkpoint/training-state';

export class StreamSampler {
  readonly data: EncodedFiles;
  readonly B: number;
  readonly lineStartProb: number;
  /** the most characters a segment reads (0: to the end of its file) */
  readonly segmentChars: number;
  private readonly newlineId: number;
  /** (B) the next input position of each stream */
  readonly pos: Int32Array;
  /** (B) the end of each stream's segment (exclusive) */
  readonly end: Int32Array;
  /** (B) the start of the file each stream reads (direct-connection contexts do not reach before it) */
  readonly fileStart: Int32Array;

  constructor(data: EncodedFiles, vocab: Vocab, B: number, lineStartProb: number, segmentChars = 0) {
    this.data = data;
    this.B = B;
    this.lineStartProb = lineStartProb;
    this.segmentChars = segmentChars;
    this.newlineId = vocab.idOfCodePoint(10);
    this.pos = new Int32Array(B);
    this.end = new Int32Array(B); // pos >= end - 1: no target left, a new segment is needed
    this.fileStart = new Int32Array(B);
    let usable = 0;
    for (let f = 0; f + 1 < data.starts.length; f++) if (data.starts[f + 1] - data.starts[f] >= 2) usable++;
    if (usable === 0) throw new Error('the training files hold no file of at least 2 characters: nothing to learn from');
  }

  getState(): StreamState {
    return { pos: Array.from(this.pos), end: Array.from(this.end) };
  }

  setState(state: StreamState): void {
    const total = this.data.tokens.length;
    if (state.pos.length !== this.B || state.end.length !== this.B) throw new Error('stream state does not match the batch size');
    for (let b = 0; b < this.B; b++) {
      const p = state.pos[b], e = state.end[b];
      if (!Number.isInteger(p) || !Number.isInteger(e) || p < 0 || e < 0 || p > total || e > total) throw new Error('stream state is outside the data');
      this.pos[b] = p;
      this.end[b] = e;
      this.fileStart[b] = total > 0 ? this.data.starts[fileOf(this.data.starts, Math.min(p, total - 1))] : 0;
    }
  }

  /**
   * Fills a chunk of T steps for the B streams, starting new segments where streams run out. With
   * `direct`, also the direct-connection rows of each position into `rows` (N, orders).
   */
  fill(chunk: Chunk, T: number, rng: Rng, direct?: { table: DirectConnections; rows: Int32Array }): void {
    const { B, pos, end } = this;
    const tokens = this.data.tokens;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const n = t * B + b;
        let reset = 0;
        if (pos[b] >= end[b] - 1) {
          this.newSegment(b, rng);
          reset = 1;
        }
        const p = pos[b];
        chunk.inputs[n] = tokens[p];
        chunk.targets[n] = tokens[p + 1];
        chunk.reset[n] = reset;
        chunk.weight[n] = 1;
        pos[b] = p + 1;
        if (direct) direct.table.rowsAt(tokens, p, this.fileStart[b], direct.rows, n * direct.table.config.orders);
      }
    }
  }

  private newSegment(b: number, rng: Rng): void {
    const { tokens, starts } = this.data;
    const total = tokens.length;
    for (;;) {
      const r = rng.nextInt(total);
      const f = fileOf(starts, r);
      const fileStart = starts[f], fileEnd = starts[f + 1];
      if (fileEnd - fileStart < 2) continue;
      let start = fileStart;
      // capped segments start at the line start before r, so that every part of a file is read as
      // often (starting them at file starts would train on the files' first segmentChars characters)
      if (this.segmentChars > 0 || rng.next() < this.lineStartProb) {
        start = r;
        while (start > fileStart && tokens[start - 1] !== this.newlineId) start--;
        // a line longer than a segment is read in blocks of segmentChars from its start
        if (this.segmentChars > 0) start += Math.floor((r - start) / this.segmentChars) * this.segmentChars;
        if (fileEnd - start < 2) start = fileStart;
      }
      this.pos[b] = start;
      // segmentChars predictions: inputs start .. start + segmentChars - 1, the last target one further
      this.end[b] = this.segmentChars > 0 ? Math.min(fileEnd, start + this.segmentChars + 1) : fileEnd;
      this.fileStart[b] = fileStart;
      return;
    }
  }
}

/** The index of the file holding token r (binary search over the starts). */
function fileOf(starts: Int32Array, r: number): number {
  let lo = 0, hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= r) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/** The shortest piece of a file that validation during training reads (about the editor's window). */
const MIN_VALIDATION_PIECE = 1000;

/**
 * A fixed sample of the held-out files for validation during training: at most `maxChars` tokens
 * spread over them, so that it measures many files rather than the first one or two. Files are taken
 * in the order of a hash of their name, as many as give each a piece of at least MIN_VALIDATION_PIECE
 * tokens; each gets an equal share of the budget (what a shorter file leaves goes to the others). A
 * piece is a span of its file that starts at a line start, at a place chosen by the hash of the file's
 * name, and is read from the zero state as the editor's window is. The same data gives the same sample,
 * so that successive validations are comparable. Everything, when it fits.
 */
export function validationSample(files: EncodedFiles, maxChars: number, newlineId: number): EncodedFiles {
  const { tokens, starts, names } = files;
  if (tokens.length <= maxChars) return files;
  const usable: { file: number; hash: number; place: number }[] = [];
  const utf8 = new TextEncoder();
  for (let f = 0; f + 1 < starts.length; f++) {
    if (starts[f + 1] - starts[f] < 2) continue;
    const name = utf8.encode(names[f]);
    usable.push({ file: f, hash: crc32(name), place: crc32(name, 0x9e3779b9) / 0x100000000 });
  }
  usable.sort((a, b) => a.hash - b.hash || a.file - b.file);
  const count = Math.min(usable.length, Math.max(1, Math.floor(maxChars / MIN_VALIDATION_PIECE)));
  const chosen = usable.slice(0, count);
  // equal shares, the shortest files first so that what they leave goes to the longer ones
  const bySize = chosen.slice().sort((a, b) => (starts[a.file + 1] - starts[a.file]) - (starts[b.file + 1] - starts[b.file]) || a.file - b.file);
  const take = new Map<number, number>();
  let left = maxChars;
  bySize.forEach(({ file }, i) => {
    const n = Math.min(starts[file + 1] - starts[file], Math.floor(left / (bySize.length - i)));
    take.set(file, n);
    left -= n;
  });
  const pieces: { from: number; to: number; name: string }[] = [];
  for (const { file, place } of chosen) {
    const s = starts[file], e = starts[file + 1], n = take.get(file)!;
    if (n < 2) continue;
    let from = s + Math.floor(place * (e - s - n + 1));
    while (from > s && tokens[from - 1] !== newlineId) from--;
    pieces.push({ from, to: from + n, name: from === s ? names[file] : `${names[file]}@${from - s}` });
  }
  const total = pieces.reduce((sum, p) => sum + p.to - p.from, 0);
  const out = tokens instanceof Uint8Array ? new Uint8Array(total) : new Uint16Array(total);
  const outStarts = new Int32Array(pieces.length + 1);
  let offset = 0;
  pieces.forEach((p, i) => {
    outStarts[i] = offset;
    out.set(tokens.subarray(p.from, p.to), offset);
    offset += p.to - p.from;
  });
  outStarts[pieces.length] = offset;
  return { tokens: out, starts: outStarts, names: pieces.map((p) => p.name) };
}
