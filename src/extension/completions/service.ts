/**
 * The completion service: per open document a completion session (the hidden state before the
 * cursor, kept up to date incrementally), a cache that keeps the same suggestion while the user types
 * through it, the suggestions themselves (through the core's `automaticCompletion`, the code path the
 * evaluation measures), and local counters. The provider is a thin adapter over it.
 */
import { automaticCompletion, CompletionSettings, DEFAULT_COMPLETION_SETTINGS, explicitCompletions, lineAround } from '../../core/infer/completion-rules';
import { RnnModel } from '../../core/model/model';
import { Rng } from '../../core/model/rng';
import { CompletionSession } from '../../core/infer/session';
import { AdaptOptions, DynamicEvaluation } from '../../core/infer/adaptation';

/** The part of a document the service reads: the text from `base` to the end of the cursor's line. */
export interface DocumentSlice {
  /** a key for the document (its URI) */
  key: string;
  text: string;
  /** the document offset where `text` starts */
  base: number;
  /** the cursor, as a document offset */
  offset: number;
}

export interface Counters {
  shown: number;
  accepted: number;
  acceptedChars: number;
}

/** A suggestion shown, and where: typing through it shows its rest only at its own place. */
interface Suggested {
  /** the document offset it was made at */
  offset: number;
  /** the text before that offset (up to CONTEXT_CHARS) and right of it on its line, then */
  before: string;
  after: string;
  suggestion: string;
  /** characters right of the cursor it replaced (closers typed over) */
  replace: number;
  /** the settings it was made with (settingsKey): a suggestion made with others is not typed through */
  settings: string;
}

/** What the suggestion cache and typing through compare of the text before the cursor. */
const CONTEXT_CHARS = 300;

/** A suggestion for the editor: the text, the characters right of the cursor it replaces, and whether it continues one shown. */
export interface ServedSuggestion {
  text: string;
  replace: number;
  continued: boolean;
}

const CACHE_SIZE = 200;

/** Dynamic evaluation in this window: on or off, and its options. */
export interface AdaptSettings {
  enabled: boolean;
  options?: Partial<AdaptOptions>;
}

export class CompletionService {
  private model: RnnModel | undefined;
  /**
   * The adaptation of the model's direct connections to the text read and typed in this window,
   * shared by every document's session; in memory only, so it never reaches the checkpoint or another
   * workspace.
   */
  private dynamic: DynamicEvaluation | undefined;
  private adapt: AdaptSettings = { enabled: true };
  private readonly sessions = new Map<string, CompletionSession>();
  /** the last suggestion per document: typing through it keeps it */
  private readonly last = new Map<string, Suggested>();
  /** suggestions by the text before the cursor, right of it on its line, and the settings (LRU) */
  private readonly cache = new Map<string, { text: string; replace: number } | null>();
  private readonly rng = new Rng(Date.now() >>> 0);
  counters: Counters = { shown: 0, accepted: 0, acceptedChars: 0 };
  /** proposals computed (not served from the cache), for tests and benchmarks */
  computed = 0;

  /** The session's window needs the text from this offset on. */
  reach(offset: number): number {
    return CompletionSession.reach(offset);
  }

  get ready(): boolean {
    return this.model !== undefined;
  }

  /** A new model (or none): every cached state, suggestion and adaptation is dropped. */
  setModel(model: RnnModel | undefined, adapt: AdaptSettings = this.adapt): void {
    const adaptChanged = adapt.enabled !== this.adapt.enabled || JSON.stringify(adapt.options) !== JSON.stringify(this.adapt.options);
    this.adapt = adapt;
    if (model === this.model && !adaptChanged) return;
    this.model = model;
    const previous = this.dynamic;
    this.dynamic = model?.direct && adapt.enabled ? new DynamicEvaluation(model, adapt.options) : undefined;
    // a newer checkpoint of the same model (training writes one every minute) keeps what was learned here
    if (previous && this.dynamic && !adaptChanged) this.dynamic.carryFrom(previous);
    previous?.dispose();
    this.sessions.clear();
    this.last.clear();
    this.cache.clear();
    if (model) this.warmUp(model);
  }

  /** The adaptation, when the model has direct connections and adaptation is on. */
  get adaptation(): DynamicEvaluation | undefined {
    return this.dynamic;
  }

  /** Forgets the adaptation (and the suggestions made with it): the trained model's behaviour again. */
  resetAdaptation(): void {
    this.dynamic?.reset();
    for (const s of this.sessions.values()) s.clear();
    this.last.clear();
    this.cache.clear();
  }

  /** Runs every code path of a suggestion once, so that the first real one is not slowed by compilation. */
  private warmUp(model: RnnModel): void {
    const text = 'function f(a, b) {\n  return a + b;\n}\n'.repeat(40);
    // with a throwaway adaptation when it is on: its cache and mixture are on the path too
    const dynamic = this.dynamic ? new DynamicEvaluation(model, this.adapt.options) : undefined;
    try {
      automaticCompletion(new CompletionSession(model, { dynamic }), text, text.length, { ...DEFAULT_COMPLETION_SETTINGS, minConfidence: 0 }, 0, this.rng);
      dynamic?.work(DynamicEvaluation.MAX_QUEUE);
    } finally {
      dynamic?.dispose();
    }
  }

  /** The document was closed: its state goes, with that of its other cursors and list continuations (`key#...`). */
  forget(key: string): void {
    for (const map of [this.sessions, this.last]) {
      for (const k of [...map.keys()]) if (k === key || k.startsWith(`${key}#`)) map.delete(k);
    }
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  /** RNN steps the document's session has computed (for tests: the work a suggestion costs). */
  stepsComputed(key: string): number {
    return this.sessions.get(key)?.stepsComputed ?? 0;
  }

  private session(key: string): CompletionSession | undefined {
    if (!this.model) return undefined;
    let s = this.sessions.get(key);
    if (!s) this.sessions.set(key, (s = new CompletionSession(this.model, { dynamic: this.dynamic })));
    return s;
  }

  /**
   * The automatic suggestion at the cursor, or undefined. Typing the suggestion's next characters at
   * its place returns the rest of it without recomputing, only while everything a fresh request would
   * depend on is unchanged: the text before the place it was made at, the text right of the cursor
   * (an auto-closed quote changes it), and the settings. Anywhere else (another line with the same
   * text before the cursor, say) the suggestion is made afresh.
   */
  automatic(doc: DocumentSlice, settings: CompletionSettings = DEFAULT_COMPLETION_SETTINGS): ServedSuggestion | undefined {
    const session = this.session(doc.key);
    if (!session) return undefined;
    const line = lineAround(doc.text, doc.offset, doc.base);
    const withSettings = settingsKey(settings);
    const at = doc.offset - doc.base;
    const previous = this.last.get(doc.key);
    if (previous && previous.settings === withSettings && previous.after === line.after && doc.offset > previous.offset && previous.offset >= doc.base) {
      const from = previous.offset - doc.base;
      const typed = doc.text.slice(from, at);
      if (previous.replace === 0 && previous.suggestion.length > typed.length && previous.suggestion.startsWith(typed)
        && doc.text.slice(Math.max(0, from - CONTEXT_CHARS), from) === previous.before) {
        return { text: previous.suggestion.slice(typed.length), replace: 0, continued: true };
      }
    }
    const before = doc.text.slice(Math.max(0, at - CONTEXT_CHARS), at);
    const cacheKey = `${doc.key}\u0000${before}\u0000${line.after}\u0000${withSettings}`;
    let suggestion = this.cache.get(cacheKey);
    if (suggestion === undefined) {
      this.computed++;
      const made = automaticCompletion(session, doc.text, doc.offset, settings, doc.base, this.rng);
      suggestion = made ? { text: made.text, replace: made.replace } : null;
      this.cache.set(cacheKey, suggestion);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    } else {
      // keep it the most recently used
      this.cache.delete(cacheKey);
      this.cache.set(cacheKey, suggestion);
    }
    if (suggestion === null) {
      this.last.delete(doc.key);
      return undefined;
    }
    this.last.set(doc.key, { offset: doc.offset, before, after: line.after, suggestion: suggestion.text, replace: suggestion.replace, settings: withSettings });
    return { ...suggestion, continued: false };
  }

  /** The suggestions of an explicit request: the most likely, then different sampled ones. */
  explicit(doc: DocumentSlice, settings: CompletionSettings, count: number): { text: string; replace: number }[] {
    const session = this.session(doc.key);
    if (!session) return [];
    this.computed++;
    return explicitCompletions(session, doc.text, doc.offset, settings, count, this.rng, doc.base);
  }

  /**
   * With the suggestion list open: the continuation after the selected item, as if it were inserted,
   * or undefined.
   */
  afterSelectedItem(doc: DocumentSlice, replaceStart: number, itemText: string, settings: CompletionSettings): string | undefined {
    if (replaceStart < doc.base) return undefined;
    const lineRest = lineAround(doc.text, doc.offset, doc.base).after;
    const text = doc.text.slice(0, replaceStart - doc.base) + itemText + lineRest;
    const offset = replaceStart + itemText.length;
    const s = this.automatic({ key: selectedKey(doc.key), text, base: doc.base, offset }, settings);
    return s && s.replace === 0 ? s.text : undefined; // the item's range ends at the cursor: nothing right of it is replaced
  }
}

/** The session of a document's suggestion-list continuations. */
function selectedKey(key: string): string {
  return `${key}#selected`;
}

function settingsKey(s: CompletionSettings): string {
  return `${s.maxChars}/${s.minConfidence}/${s.maxLines}/${s.mode}/${s.temperature}/${s.topK}/${s.topP}/${s.beamWidth}`;
}
