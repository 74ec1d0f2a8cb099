/**
 * A completion session over one document: the hidden state after the text before the cursor, computed
 * from the zero state over a bounded window and kept up to date incrementally, so that a keystroke
 * costs one step (plus the proposal).
 *
 * The window rule is a pure function of (text, offset), so that a state reached incrementally is
 * bit-identical to one computed from scratch: with window W and block S = W / 4, the state at `offset`
 * is computed from zero starting at the anchor: the first line start in [max(0, floor(offset / S) * S - W),
 * offset] (or that bound itself when the window holds no line start). The window thus spans W to W + S
 * characters. While the cursor moves through a block, the track of the next block's anchor is advanced
 * a few steps per call, so that crossing into the next block costs no burst of work.
 *
 * Offsets are UTF-16 code unit offsets (as in VS Code); the model reads code points. A caller may pass
 * only the part of a large document that the window can reach (`base`: where that part starts, at
 * most `offset - window - window / 4 - 1`).
 */
import { FloatArray } from '../kernels/kernels';
import { InferenceStepper, RnnModel, zeroState } from '../model/model';
import { propose, Proposal, ProposalOptions } from './proposal';
import { PAD } from '../model/direct-connections';
import { DynamicEvaluation, Segment } from './adaptation';

/** W: the characters of context before the cursor, at least */
const DEFAULT_WINDOW = 1000;

export interface SessionOptions {
  /** W: characters of context before the cursor, at least; default 1000 */
  window?: number;
  /** a snapshot of the state every this many characters, to restart from after an edit; default 64 */
  snapshotEvery?: number;
  /** steps spent per call on the next block's track; default 8 */
  lookaheadSteps?: number;
  /**
   * dynamic evaluation shared by the sessions of a workspace: the text this session reads before the
   * cursor is recorded in segments, and each call learns from one waiting segment
   */
  dynamic?: DynamicEvaluation;
  /** dynamic evaluation: waiting segments learned per call; default 1 */
  learnPerCall?: number;
}

interface Track {
  anchor: number;
  /** text[anchor .. anchor + seen.length) as processed */
  seen: string;
  /** (L, 1, H) the state after `seen` */
  state: Float32Array;
  /** states after seen[0 .. pos), about every snapshotEvery characters, pos increasing */
  snapshots: { pos: number; state: Float32Array }[];
  lastUsed: number;
}

export class CompletionSession {
  readonly model: RnnModel<FloatArray>;
  readonly window: number;
  readonly block: number;
  readonly snapshotEvery: number;
  readonly lookaheadSteps: number;
  private readonly stepper: InferenceStepper;
  private tracks: Track[] = [];
  private clock = 0;
  /** steps computed since creation (for tests and benchmarks) */
  stepsComputed = 0;
  readonly dynamic: DynamicEvaluation | undefined;
  readonly learnPerCall: number;
  /** dynamic evaluation: the segment being recorded, and the document offset up to which text was recorded */
  private segment: Segment | undefined;
  private recordedTo = 0;
  /** (orders) the direct-connection history while a track advances */
  private readonly hist: Int32Array;

  constructor(model: RnnModel<FloatArray>, opts: SessionOptions = {}) {
    this.model = model;
    this.window = opts.window ?? DEFAULT_WINDOW;
    if (!(Number.isInteger(this.window) && this.window >= 4)) throw new Error(`window must be an integer of at least 4 characters, got ${this.window}`);
    this.block = Math.max(1, Math.floor(this.window / 4));
    this.snapshotEvery = opts.snapshotEvery ?? 64;
    this.lookaheadSteps = opts.lookaheadSteps ?? 8;
    this.stepper = InferenceStepper.for(model, 1);
    this.dynamic = opts.dynamic;
    this.learnPerCall = opts.learnPerCall ?? 1;
    if (this.dynamic && this.dynamic.model !== model) throw new Error('the dynamic evaluation belongs to another model');
    this.hist = new Int32Array(this.dynamic ? this.dynamic.historyLength : model.direct?.config.orders ?? 0);
  }

  /**
   * The ids of the last `n` code points before `offset` as the model reads them (a CR before LF, or at
   * the end, is no symbol; another CR reads as LF), oldest first, PAD where the text has not started.
   */
  historyAt(text: string, offset: number, base = 0, n = this.hist.length, out: Int32Array = new Int32Array(n)): Int32Array {
    let i = offset - base;
    let k = n;
    while (k > 0 && i > 0) {
      let cp = text.charCodeAt(i - 1);
      let width = 1;
      if (isLowSurrogate(cp) && i >= 2 && isHighSurrogate(text.charCodeAt(i - 2))) {
        cp = text.codePointAt(i - 2)!;
        width = 2;
      }
      i -= width;
      if (cp === 13) {
        if (i + 1 === offset - base || text.charCodeAt(i + 1) === 10) continue;
        cp = 10;
      }
      out[--k] = this.model.vocab.idOfCodePoint(cp);
    }
    out.fill(PAD, 0, k);
    return out;
  }

  /** Where the state for `offset` starts from zero (see the file comment). */
  anchorOf(text: string, offset: number, base = 0): number {
    return this.anchorForBlock(text, base, offset, Math.floor(offset / this.block)).anchor;
  }

  /** How far back before `offset` the text must reach (see `base`). */
  reach(offset: number): number {
    return CompletionSession.reach(offset, this.window);
  }

  /** The same for a session with the given window. */
  static reach(offset: number, window = DEFAULT_WINDOW): number {
    return Math.max(0, offset - window - Math.max(1, Math.floor(window / 4)) - 1);
  }

  /**
   * The anchor of a block for a cursor at `offset`; `fixed` when a line start before the cursor decides
   * it, so that typing further cannot change it.
   */
  private anchorForBlock(text: string, base: number, offset: number, block: number): { anchor: number; fixed: boolean } {
    const lower = Math.max(0, block * this.block - this.window);
    if (lower === 0) return { anchor: 0, fixed: true };
    const nl = text.indexOf('\n', lower - 1 - base);
    return nl >= 0 && nl + base + 1 <= offset ? { anchor: nl + base + 1, fixed: true } : { anchor: lower, fixed: false };
  }

  /**
   * The state (L, 1, H) after text[0 .. offset) under the window rule. The returned array belongs to
   * the session: copy it before changing it.
   */
  stateAt(text: string, offset: number, base = 0): Float32Array {
    if (!(Number.isInteger(offset) && offset >= base && offset <= base + text.length)) throw new Error(`offset ${offset} is outside the text (length ${text.length})`);
    if (base > this.reach(offset)) throw new Error(`the text must reach back to offset ${this.reach(offset)}, it starts at ${base}`);
    if (offset < this.recordedTo) this.forgetFrom(offset); // the cursor went back: what is typed there is new
    const anchor = this.anchorOf(text, offset, base);
    const track = this.advance(this.trackFor(anchor), text, base, offset, Infinity, true);
    // look ahead: the next block's anchor, once it is fixed by a line start before the cursor
    const nextBlock = Math.floor(offset / this.block) + 1;
    const next = this.anchorForBlock(text, base, offset, nextBlock);
    if (next.fixed && next.anchor !== anchor && this.lookaheadSteps > 0) {
      const ahead = this.trackFor(next.anchor);
      this.advance(ahead, text, base, offset, this.lookaheadSteps);
    }
    track.lastUsed = ++this.clock;
    this.dynamic?.work(this.learnPerCall);
    return track.state;
  }

  /** The proposal the editor would show at `offset`. */
  propose(text: string, offset: number, opts: ProposalOptions = {}, base = 0): Proposal | undefined {
    const state = this.stateAt(text, offset, base);
    if (!this.model.direct) return propose(this.model, state, opts);
    return propose(this.model, state, { ...opts, history: this.historyAt(text, offset, base), direct: opts.direct ?? this.dynamic?.adaptation, mixture: opts.mixture ?? this.dynamic?.mixture });
  }

  /** Forgets every cached state (a new model, or the document closed). */
  clear(): void {
    this.tracks = [];
    this.segment = undefined;
    this.recordedTo = 0;
  }

  /** Drops the recorded positions at or after `offset` (text that changed or will be typed again). */
  private forgetFrom(offset: number): void {
    this.recordedTo = Math.min(this.recordedTo, offset);
    const seg = this.segment;
    if (!seg) return;
    while (seg.count > 0 && seg.ends[seg.count - 1] > offset) seg.count--;
    if (seg.count > 0) seg.targets[seg.count - 1] = -1;
  }

  /**
   * Dynamic evaluation: the input `id` ending at document offset `end` was just stepped (its state is
   * `state`). It is the target of the previous recorded input when that one ended where this one
   * starts (`start`); it is recorded itself when it lies past what was recorded before.
   */
  private record(state: Float32Array, id: number, start: number, end: number): void {
    const dyn = this.dynamic!;
    let seg = this.segment;
    const K = this.hist.length;
    let predicted = false;
    if (seg && seg.count > 0 && seg.targets[seg.count - 1] < 0) {
      const last = seg.ends[seg.count - 1];
      if (last === start) {
        seg.targets[seg.count - 1] = id;
        if (end > this.recordedTo) {
          // the cache predicts id from the text before it, then counts it
          dyn.read(id, this.hist, K - 2, K - 1, seg, seg.count - 1);
          predicted = true;
        }
        if (seg.count === seg.S) {
          dyn.enqueue(seg);
          seg = this.segment = undefined;
        }
      } else if (last < start) {
        seg.count--; // a gap: that input's next symbol was never seen here
      }
    }
    if (end <= this.recordedTo) return;
    if (!predicted) {
      if (start !== this.recordedTo) dyn.mixture?.startText();
      dyn.read(id, this.hist, K - 2, K - 1);
    }
    this.recordedTo = end;
    if (!seg) seg = this.segment = dyn.newSegment();
    const { hiddenSize: H, layers: L } = this.model.config;
    seg.push(state.subarray((L - 1) * H, L * H), this.model.direct!, this.hist, -1, end);
  }

  private trackFor(anchor: number): Track {
    let track = this.tracks.find((t) => t.anchor === anchor);
    if (!track) {
      track = { anchor, seen: '', state: zeroState(this.model.config), snapshots: [], lastUsed: ++this.clock };
      this.tracks.push(track);
      if (this.tracks.length > 3) {
        this.tracks.sort((a, b) => b.lastUsed - a.lastUsed);
        this.tracks.length = 3;
      }
    }
    return track;
  }

  /**
   * Brings the track to text[anchor .. offset), reusing what it had seen up to the first difference,
   * spending at most `budget` steps.
   */
  private advance(track: Track, text: string, base: number, offset: number, budget: number, learn = false): Track {
    const target = text.slice(track.anchor - base, offset - base);
    const seen = track.seen;
    let common = 0;
    const max = Math.min(seen.length, target.length);
    while (common < max && seen.charCodeAt(common) === target.charCodeAt(common)) common++;
    // never split a surrogate pair: back up to a code point boundary
    if (common > 0 && common < target.length && isLowSurrogate(target.charCodeAt(common)) && isHighSurrogate(target.charCodeAt(common - 1))) common--;
    if (common < seen.length) {
      // rewind to the last snapshot at or before the first difference
      while (track.snapshots.length > 0 && track.snapshots[track.snapshots.length - 1].pos > common) track.snapshots.pop();
      const last = track.snapshots[track.snapshots.length - 1];
      if (last) track.state.set(last.state);
      else track.state.fill(0);
      track.seen = seen.slice(0, last ? last.pos : 0);
      if (this.dynamic) this.forgetFrom(track.anchor + common);
    }
    let pos = track.seen.length;
    const ids = [0];
    let steps = 0;
    const recording = learn && this.dynamic !== undefined && this.hist.length > 0;
    if (recording && pos < target.length) this.historyAt(text, track.anchor + pos, base, this.hist.length, this.hist);
    while (pos < target.length && steps < budget) {
      const start = pos;
      const cp = target.codePointAt(pos)!;
      const width = cp > 0xffff ? 2 : 1;
      pos += width;
      // CRLF documents read as the LF text the model was trained on: a CR before LF is no step; a CR at
      // the end is not read until the next character says which it is
      if (cp === 13 && pos >= target.length) {
        pos = start;
        break;
      }
      if (cp === 13 && target.charCodeAt(pos) === 10) continue;
      ids[0] = this.model.vocab.idOfCodePoint(cp === 13 ? 10 : cp);
      this.stepper.step(track.state, ids, false);
      steps++;
      this.stepsComputed++;
      if (recording) {
        this.hist.copyWithin(0, 1);
        this.hist[this.hist.length - 1] = ids[0];
        this.record(track.state, ids[0], track.anchor + start - (cp === 10 && start > 0 && target.charCodeAt(start - 1) === 13 ? 1 : 0), track.anchor + pos);
      }
      if (pos >= (track.snapshots.length + 1) * this.snapshotEvery) track.snapshots.push({ pos, state: Float32Array.from(track.state) });
    }
    track.seen = target.slice(0, pos);
    return track;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
