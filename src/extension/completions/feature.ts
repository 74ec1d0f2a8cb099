/**
 * Inline completions in the editor: the InlineCompletionItemProvider (a thin adapter over the
 * CompletionService) and its life cycle. The provider and its document listeners exist only while
 * completions are enabled and a model is loaded: disabled or without a model, nothing runs at all.
 */
import * as vscode from 'vscode';
import { CompletionSettings, DEFAULT_COMPLETION_SETTINGS } from '../../core/infer/completion-rules';
import { ModelStore } from '../model-store';
import { readSettings, Settings } from '../settings';
import { CompletionService, Counters, DocumentSlice } from './service';
import { documentSlice, lfOffset, SliceSource } from './slice';

const ACCEPTED_COMMAND = 'charRnn.completionAccepted';
const COUNTERS_KEY = 'charRnn.counters';

function coreSettings(s: Settings['completion']): CompletionSettings {
  return {
    ...DEFAULT_COMPLETION_SETTINGS,
    maxChars: s.maxChars,
    minConfidence: s.minConfidence,
    maxLines: s.multiline,
    mode: s.mode,
    temperature: s.temperature,
    topK: s.topK,
    topP: s.topP,
  };
}

/**
 * The completion settings for a document: with its language's overrides (`"[python]": {...}`; the
 * settings package.json marks `language-overridable`), read at each request so that a change applies
 * at the next keystroke.
 */
function documentSettings(document: vscode.TextDocument): Settings['completion'] {
  return readSettings(vscode.workspace.getConfiguration('charRnn', document)).completion;
}

/** The document as `documentSlice` reads it. */
function sliceSource(document: vscode.TextDocument): SliceSource {
  return {
    crlf: document.eol === vscode.EndOfLine.CRLF,
    lineStart: (line) => document.offsetAt(new vscode.Position(line, 0)),
    lineOf: (offset) => document.positionAt(offset).line,
    text: (start, end) => document.getText(new vscode.Range(document.positionAt(start), document.positionAt(end))),
  };
}

/** The text the service needs: from the window's reach to the end of the cursor's line, as LF text. */
function slice(document: vscode.TextDocument, position: vscode.Position, service: CompletionService): DocumentSlice {
  const lineEnd = document.offsetAt(document.lineAt(position.line).range.end);
  const above = cellsAbove(document);
  if (above !== undefined) {
    // a notebook cell reads on from the code cells above it, as one text (LF offsets in that text)
    const cell = documentSlice('', sliceSource(document), position.line, document.offsetAt(position), lineEnd, () => 0);
    const text = above + cell.text;
    const offset = above.length + cell.offset;
    const base = service.reach(offset);
    return { key: document.uri.toString(), text: text.slice(base), base, offset };
  }
  return documentSlice(document.uri.toString(), sliceSource(document), position.line, document.offsetAt(position), lineEnd, (o) => service.reach(o));
}

/** The most characters of the cells above a notebook cell that are read (the session's window needs fewer). */
const NOTEBOOK_CONTEXT_CHARS = 4000;

/**
 * For a notebook cell: the text of the code cells above it in the same language, in order, each
 * followed by a blank line (at most the last NOTEBOOK_CONTEXT_CHARS characters); undefined for any
 * other document.
 */
function cellsAbove(document: vscode.TextDocument): string | undefined {
  if (document.uri.scheme !== 'vscode-notebook-cell') return undefined;
  for (const notebook of vscode.workspace.notebookDocuments) {
    const cells = notebook.getCells();
    const index = cells.findIndex((c) => c.document === document);
    if (index < 0) continue;
    let text = '';
    for (let i = index - 1; i >= 0 && text.length < NOTEBOOK_CONTEXT_CHARS; i--) {
      const c = cells[i];
      if (c.kind !== vscode.NotebookCellKind.Code || c.document.languageId !== document.languageId) continue;
      text = c.document.getText().replace(/\r\n/g, '\n').replace(/\n*$/, '\n\n') + text;
    }
    return text.slice(-NOTEBOOK_CONTEXT_CHARS);
  }
  return '';
}

/**
 * The documents suggestions are made in: files (local and remote), untitled documents and notebook
 * cells. Not in the output and debug consoles, the source-control input, settings editors or the
 * read-only sides of diffs (other schemes); not in virtual workspaces, where the extension does not run
 * (package.json's capabilities: training reads files from disk).
 */
const COMPLETION_SCHEMES = ['file', 'untitled', 'vscode-notebook-cell', 'vscode-remote'];

/** The most cursors a suggestion is made for (each costs a session's window of work). */
const MAX_CURSORS = 8;

/**
 * The other cursors of the editor showing `document` with its primary cursor at `position`: [] with
 * one cursor, undefined when a selection is not empty or there are more than MAX_CURSORS (no suggestion).
 */
function otherCursors(document: vscode.TextDocument, position: vscode.Position): vscode.Position[] | undefined {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document && e.selection.active.isEqual(position));
  if (!editor || editor.selections.length === 1) return [];
  if (editor.selections.length > MAX_CURSORS || editor.selections.some((s) => !s.isEmpty)) return undefined;
  return editor.selections.slice(1).map((s) => s.active); // selections[0] is the primary cursor
}

export class CompletionsFeature implements vscode.Disposable {
  readonly service = new CompletionService();
  private active: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly countersChanged = new vscode.EventEmitter<Counters>();
  readonly onDidChangeCounters = this.countersChanged.event;

  constructor(
    private readonly store: ModelStore,
    private readonly memento: vscode.Memento,
    private readonly log: (line: string) => void,
  ) {
    const saved = memento.get<Counters>(COUNTERS_KEY);
    if (saved) this.service.counters = { ...saved };
    this.disposables.push(
      this.countersChanged,
      store.onDidChange(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('charRnn.completion')) this.refresh();
      }),
      vscode.commands.registerCommand(ACCEPTED_COMMAND, (chars: number) => this.accepted(chars)),
    );
    this.refresh();
  }

  get enabled(): boolean {
    return readSettings().completion.enabled;
  }

  /** Whether the provider is registered now (enabled, with a model). */
  get isActive(): boolean {
    return this.active.length > 0;
  }

  get counters(): Counters {
    return this.service.counters;
  }

  async toggle(): Promise<void> {
    const config = vscode.workspace.getConfiguration('charRnn');
    const inspected = config.inspect<boolean>('completion.enabled');
    const target = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await config.update('completion.enabled', !this.enabled, target);
    this.refresh();
  }

  /** Char RNN: Reset Adaptation. */
  resetAdaptation(): void {
    const dyn = this.service.adaptation;
    this.service.resetAdaptation();
    this.log(dyn ? 'Adaptation reset: suggestions come from the trained model again.' : 'No adaptation to reset (adaptation is off, or the model has no direct connections).');
  }

  resetCounters(): void {
    this.service.counters = { shown: 0, accepted: 0, acceptedChars: 0 };
    void this.memento.update(COUNTERS_KEY, this.service.counters);
    this.countersChanged.fire(this.service.counters);
  }

  private accepted(chars: number): void {
    const c = this.service.counters;
    c.accepted++;
    c.acceptedChars += typeof chars === 'number' && Number.isFinite(chars) ? chars : 0;
    void this.memento.update(COUNTERS_KEY, c);
    this.countersChanged.fire(c);
  }

  /** Registers or unregisters the provider to match the settings and the model. */
  refresh(): void {
    const state = this.store.state;
    const model = state.kind === 'loaded' ? state.checkpoint.model : undefined;
    const settings = readSettings().completion;
    const on = settings.enabled && model !== undefined;
    this.service.setModel(on ? model : undefined, { enabled: settings.adapt, options: { maxMB: settings.adaptMB, mixture: { maxMB: settings.cacheMB } } });
    if (on && !this.isActive) {
      this.active = [
        vscode.languages.registerInlineCompletionItemProvider(COMPLETION_SCHEMES.map((scheme) => ({ scheme })), {
          provideInlineCompletionItems: (document, position, context, token) => this.provide(document, position, context, token),
        }),
        vscode.workspace.onDidCloseTextDocument((doc) => this.service.forget(doc.uri.toString())),
      ];
    } else if (!on && this.isActive) {
      for (const d of this.active) d.dispose();
      this.active = [];
    }
  }

  private async provide(document: vscode.TextDocument, position: vscode.Position, context: vscode.InlineCompletionContext, token: vscode.CancellationToken): Promise<vscode.InlineCompletionItem[] | undefined> {
    const settings = documentSettings(document);
    if (!this.service.ready || settings.disabledLanguages.includes(document.languageId)) return undefined;
    try {
      if (settings.debounceMs > 0 && context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic) {
        await new Promise((resolve) => setTimeout(resolve, settings.debounceMs));
      }
      if (token.isCancellationRequested) return undefined;
      const items = this.suggest(document, position, context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke ? 'explicit' : 'automatic', settings, context.selectedCompletionInfo);
      return token.isCancellationRequested ? undefined : items;
    } catch (err) {
      this.log(`completion failed: ${(err as Error).stack ?? String(err)}`);
      return undefined;
    }
  }

  /**
   * The items the provider returns at a position (its whole work after the debounce): also what the
   * benchmarks inside the editor time.
   */
  suggest(document: vscode.TextDocument, position: vscode.Position, kind: 'automatic' | 'explicit', settings = documentSettings(document), selected?: vscode.SelectedCompletionInfo): vscode.InlineCompletionItem[] | undefined {
    if (!this.service.ready) return undefined;
    const core = coreSettings(settings);
    const doc = slice(document, position, this.service);
    // a suggestion that types over closers right of the cursor replaces them (fitToLine)
    const here = (replace = 0) => new vscode.Range(position, position.translate(0, replace));
    const item = (text: string, range: vscode.Range) =>
      new vscode.InlineCompletionItem(text, range, { title: 'Accepted', command: ACCEPTED_COMMAND, arguments: [text.length] });
    if (selected) {
      // the suggestion list is open: only a continuation of its selected item, on its range
      const replaceStart = lfOffset(sliceSource(document), selected.range.start.line, document.offsetAt(selected.range.start));
      const rest = this.service.afterSelectedItem(doc, replaceStart, selected.text, core);
      if (!rest) return undefined;
      this.countShown();
      return [item(selected.text + rest, selected.range)];
    }
    const others = otherCursors(document, position);
    if (others === undefined) return undefined; // a selection, or too many cursors
    if (others.length > 0) {
      // several cursors: the editor writes the same text at each, so only what fits every one of them
      const s = this.commonSuggestion(document, [position, ...others], kind === 'explicit' ? { ...core, minConfidence: 0 } : core);
      if (s === undefined) return undefined;
      this.countShown();
      return [item(s, here())];
    }
    if (kind === 'explicit') {
      const texts = this.service.explicit(doc, core, settings.alternatives);
      if (texts.length === 0) return undefined;
      this.countShown();
      return texts.map((t) => item(t.text, here(t.replace)));
    }
    const suggestion = this.service.automatic(doc, core);
    if (!suggestion) return undefined;
    if (!suggestion.continued) this.countShown(); // typing through a suggestion shows no new one
    return [item(suggestion.text, here(suggestion.replace))];
  }

  /**
   * The suggestion that fits every cursor: the longest common prefix of the automatic suggestions at
   * each (each cursor has its own session), at least 2 characters; none when a cursor has none or one
   * would replace closers right of it.
   */
  private commonSuggestion(document: vscode.TextDocument, cursors: vscode.Position[], core: CompletionSettings): string | undefined {
    let common: string | undefined;
    for (let i = 0; i < cursors.length; i++) {
      const s = this.service.automatic({ ...slice(document, cursors[i], this.service), key: `${document.uri.toString()}#cursor${i}` }, core);
      if (!s || s.replace > 0) return undefined;
      if (common === undefined) common = s.text;
      else {
        let k = 0;
        while (k < common.length && k < s.text.length && common[k] === s.text[k]) k++;
        common = common.slice(0, k);
      }
      if (common.length < 2) return undefined;
    }
    return common;
  }

  private countShown(): void {
    this.service.counters.shown++;
    this.countersChanged.fire(this.service.counters);
  }

  dispose(): void {
    for (const d of this.active) d.dispose();
    this.active = [];
    for (const d of this.disposables) d.dispose();
    void this.memento.update(COUNTERS_KEY, this.service.counters);
  }
}
