/**
 * Inline completions in the editor: the InlineCompletionItemProvider (a thin adapter over the
 * CompletionService) and its life cycle. The provider and its document listeners exist only while
 * completions are enabled and a model is loaded: disabled or without a model, nothing runs at all.
 */
import * as vscode from 'vscode';
import { CompletionSettings, DEFAULT_COMPLETION_SETTINGS } from '../../core/completion';
import { ModelStore } from '../model-store';
import { readSettings, Settings } from '../settings';
import { CompletionService, Counters, DocumentSlice } from './service';

export const ACCEPTED_COMMAND = 'charRnn.completionAccepted';
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

/** The text the service needs: from the window's reach to the end of the cursor's line. */
function slice(document: vscode.TextDocument, position: vscode.Position, service: CompletionService): DocumentSlice {
  const offset = document.offsetAt(position);
  const base = service.reach(offset);
  const text = document.getText(new vscode.Range(document.positionAt(base), document.lineAt(position.line).range.end));
  return { key: document.uri.toString(), text, base, offset };
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
        vscode.languages.registerInlineCompletionItemProvider([{ scheme: 'file' }, { scheme: 'untitled' }], {
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
    const settings = readSettings().completion;
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
  suggest(document: vscode.TextDocument, position: vscode.Position, kind: 'automatic' | 'explicit', settings = readSettings().completion, selected?: vscode.SelectedCompletionInfo): vscode.InlineCompletionItem[] | undefined {
    if (!this.service.ready) return undefined;
    const core = coreSettings(settings);
    const doc = slice(document, position, this.service);
    const here = new vscode.Range(position, position);
    const item = (text: string, range: vscode.Range) =>
      new vscode.InlineCompletionItem(text, range, { title: 'Accepted', command: ACCEPTED_COMMAND, arguments: [text.length] });
    if (selected) {
      // the suggestion list is open: only a continuation of its selected item, on its range
      const rest = this.service.afterSelectedItem(doc, document.offsetAt(selected.range.start), selected.text, core);
      if (!rest) return undefined;
      this.countShown();
      return [item(selected.text + rest, selected.range)];
    }
    if (kind === 'explicit') {
      const texts = this.service.explicit(doc, core, settings.alternatives);
      if (texts.length === 0) return undefined;
      this.countShown();
      return texts.map((t) => item(t, here));
    }
    const suggestion = this.service.automatic(doc, core);
    if (!suggestion) return undefined;
    if (!suggestion.continued) this.countShown(); // typing through a suggestion shows no new one
    return [item(suggestion.text, here)];
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
