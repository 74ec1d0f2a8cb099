/**
 * The read-only "Model Info" document (char-rnn:/Char RNN Model Info.md): its content provider, told
 * whenever the model changes, the last full training run's corpus report (kept in the storage folder as
 * corpus.json) and the last job's error; other parts add sections (the completion counters, say).
 * Show Model Info opens it rendered.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatModelInfo, CorpusReport } from './model-info';
import type { ModelStore } from './model-store';
import type { TrainingController } from './training/controller';

const INFO_URI = vscode.Uri.parse('char-rnn:/Char%20RNN%20Model%20Info.md');
const CORPUS_REPORT = 'corpus.json';

export class ModelInfoDocument implements vscode.Disposable {
  private corpus: CorpusReport | undefined;
  /** the last training job's error, until the next job starts or the model is reset */
  lastError: string | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscription: vscode.Disposable;

  /** More Markdown sections for the document (the completion counters, say). */
  readonly sections: (() => string)[] = [];

  /** The document's content provider. */
  readonly provider: vscode.TextDocumentContentProvider = {
    onDidChange: this.changed.event,
    provideTextDocumentContent: () => [formatModelInfo(this.store, this.corpus, this.controller.currentJob, this.lastError), ...this.sections.map((f) => f())].join('\n'),
  };

  constructor(
    private readonly store: ModelStore,
    private readonly controller: TrainingController,
  ) {
    this.subscription = store.onDidChange(() => this.changed.fire(INFO_URI));
  }

  /** Reads the last corpus report from the storage folder (none when it is missing or unreadable). */
  async loadCorpusReport(): Promise<void> {
    try {
      this.corpus = JSON.parse(await fsp.readFile(path.join(this.store.folder, CORPUS_REPORT), 'utf8')) as CorpusReport;
    } catch {
      this.corpus = undefined;
    }
  }

  /** Keeps the corpus report of a full training run, and writes it to the storage folder (not awaited). */
  setCorpusReport(report: CorpusReport): void {
    this.corpus = report;
    void fsp.writeFile(path.join(this.store.folder, CORPUS_REPORT), JSON.stringify(this.corpus)).catch(() => undefined);
  }

  /** Forgets the corpus report (its file too) and the last error: the model was reset. */
  async clear(): Promise<void> {
    await fsp.rm(path.join(this.store.folder, CORPUS_REPORT), { force: true });
    this.corpus = undefined;
    this.lastError = undefined;
  }

  /** Opens the document rendered (the Markdown preview), or as text where no preview is available. */
  async show(): Promise<void> {
    this.changed.fire(INFO_URI);
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes('markdown.showPreview')) {
      await vscode.commands.executeCommand('markdown.showPreview', INFO_URI);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(INFO_URI);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
