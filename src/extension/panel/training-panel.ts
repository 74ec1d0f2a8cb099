/**
 * The training panel: a webview with the live loss curves, hidden-state heatmaps, one neuron's view and
 * streamed samples. Everything it shows is computed here, in the extension host (or comes from the
 * training process): the webview only draws. It can be opened before, during or after training, and is
 * restored after a window reload by a WebviewPanelSerializer (its view state lives in the webview's
 * getState/setState, not in retainContextWhenHidden). While hidden it gets no updates; it catches up
 * when shown again.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { generate } from '../../core/infer/generate';
import { hiddenStates } from '../../core/infer/inspect';
import { Rng } from '../../core/model/rng';
import { CompletionSession } from '../../core/infer/session';
import type { MetricPoint } from '../../core/checkpoint/training-state';
import { FromPanel, LossPoint, MAX_PANEL_TEXT, PanelStatus, parseFromPanel, ToPanel } from '../../webview/panel-protocol';
import { ModelStore } from '../model-store';
import { TrainingController } from '../training/controller';

export const PANEL_VIEW_TYPE = 'charRnn.trainingPanel';

/** What the panel needs from the rest of the extension. */
export interface PanelDeps {
  extensionUri: vscode.Uri;
  store: ModelStore;
  controller: TrainingController;
  log: (line: string) => void;
}

export class TrainingPanel implements vscode.Disposable {
  private static current: TrainingPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** the live points of the running job, since the checkpoint history was read */
  private live: LossPoint[] = [];
  /** points not yet sent because the panel was hidden */
  private unsent: LossPoint[] = [];
  private status: PanelStatus = { training: false };
  private sampling: { request: number; stopped: boolean } | undefined;
  private readonly rng = new Rng(Date.now() >>> 0);

  /** Opens the panel, or shows it if it is open. */
  static show(deps: PanelDeps): TrainingPanel {
    if (TrainingPanel.current) {
      TrainingPanel.current.panel.reveal();
      return TrainingPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Char RNN Training', vscode.ViewColumn.Beside, TrainingPanel.options(deps.extensionUri));
    return (TrainingPanel.current = new TrainingPanel(panel, deps));
  }

  /** Restores a panel after a window reload (the serializer's job). */
  static revive(panel: vscode.WebviewPanel, deps: PanelDeps): TrainingPanel {
    panel.webview.options = TrainingPanel.options(deps.extensionUri);
    TrainingPanel.current?.dispose();
    return (TrainingPanel.current = new TrainingPanel(panel, deps));
  }

  static get open(): TrainingPanel | undefined {
    return TrainingPanel.current;
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: PanelDeps,
  ) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseFromPanel(raw);
        if (!message) {
          deps.log(`training panel: ignored a malformed message`);
          return;
        }
        const request = 'request' in message ? message.request : undefined;
        void this.handle(message).catch((err) => this.post({ type: 'error', request, message: (err as Error).message }));
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.unsent.length > 0) {
          this.post({ type: 'loss', points: this.unsent });
          this.unsent = [];
        }
        if (panel.visible) this.post({ type: 'status', status: this.status });
      }),
      deps.controller.onMessage((m) => {
        if (m.type === 'start') {
          this.live = [];
          this.status = { ...this.status, training: true };
          this.post({ type: 'init', history: this.history(), status: this.status });
        } else if (m.type === 'progress') {
          this.status = { ...this.status, training: true, fraction: m.fraction, charsPerSec: m.charsPerSec, etaSec: m.etaSec >= 0 ? m.etaSec : undefined };
          this.addPoint({ charsSeen: m.charsSeen, step: m.step, loss: m.loss });
          if (panel.visible) this.post({ type: 'status', status: this.status });
        } else if (m.type === 'val') {
          this.addPoint({ charsSeen: m.charsSeen, step: m.step, loss: m.loss, valBitsPerChar: m.valBitsPerChar });
        }
      }),
      deps.controller.onDidChangeRunning((running) => {
        if (!running) {
          this.status = { ...this.status, training: false, fraction: undefined, etaSec: undefined };
          this.post({ type: 'status', status: this.status });
        }
      }),
      deps.store.onDidChange(() => {
        this.status = { ...this.status, model: this.modelSummary() };
        if (!deps.controller.isRunning) {
          this.live = [];
          this.post({ type: 'init', history: this.history(), status: this.status });
        }
      }),
    );
    this.status = { training: deps.controller.isRunning, model: this.modelSummary() };
  }

  private modelSummary(): PanelStatus['model'] {
    const s = this.deps.store.state;
    if (s.kind !== 'loaded') return undefined;
    const { hiddenSize, layers, vocabSize } = s.checkpoint.model.config;
    return { hiddenSize, layers, vocabSize, steps: s.checkpoint.training?.step ?? 0 };
  }

  /** The checkpoint's metrics history, then the points of the running job that came after it. */
  private history(): LossPoint[] {
    const s = this.deps.store.state;
    const saved: MetricPoint[] = s.kind === 'loaded' ? s.checkpoint.training?.history ?? [] : [];
    const points: LossPoint[] = saved.map((p) => ({ charsSeen: p.charsSeen, step: p.step, loss: p.loss, valBitsPerChar: p.valBitsPerChar }));
    const last = points.length > 0 ? points[points.length - 1].step : -1;
    return points.concat(this.live.filter((p) => p.step > last));
  }

  private addPoint(p: LossPoint): void {
    this.live.push(p);
    if (this.panel.visible) this.post({ type: 'loss', points: [p] });
    else this.unsent.push(p);
  }

  private post(message: ToPanel): void {
    void this.panel.webview.postMessage(message);
  }

  private async handle(message: FromPanel): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.post({ type: 'init', history: this.history(), status: this.status });
        this.unsent = [];
        return;
      case 'activations':
        return this.activations(message.request, message.source, message.text, message.layer);
      case 'sample':
        return this.sample(message.request, message.prompt, message.length, message.temperature);
      case 'stopSample':
        if (this.sampling) this.sampling.stopped = true;
        return;
      case 'export':
        return this.export(message.format, message.data);
    }
  }

  private model() {
    const s = this.deps.store.state;
    if (s.kind !== 'loaded') throw new Error('there is no model yet: train one first (Char RNN: Train on Workspace)');
    return s.checkpoint.model;
  }

  private activations(request: number, source: 'editor' | 'text', given: string | undefined, layer: number): void {
    const model = this.model();
    let text = given ?? '';
    if (source === 'editor') {
      const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
      if (!editor) throw new Error('no text editor is open: type a text in the panel instead');
      const doc = editor.document;
      if (!editor.selection.isEmpty) text = doc.getText(editor.selection);
      else {
        // up to 400 characters around the cursor, from a line start
        const offset = doc.offsetAt(editor.selection.active);
        const from = Math.max(0, offset - MAX_PANEL_TEXT / 2);
        text = doc.getText(new vscode.Range(doc.positionAt(from), doc.positionAt(from + MAX_PANEL_TEXT)));
        const nl = text.indexOf('\n');
        if (from > 0 && nl >= 0 && nl < 80) text = text.slice(nl + 1);
      }
    }
    text = Array.from(text.replace(/\r\n/g, '\n')).slice(0, MAX_PANEL_TEXT).join('');
    if (text.length === 0) throw new Error('there is no text to look at');
    const h = hiddenStates(model, text, Math.min(layer, model.config.layers - 1));
    this.post({ type: 'activations', request, chars: h.chars, layer: h.layer, layers: model.config.layers, neurons: h.neurons, values: Array.from(h.values), top: h.top });
  }

  private async sample(request: number, prompt: string, length: number, temperature: number): Promise<void> {
    const model = this.model();
    if (this.sampling) this.sampling.stopped = true;
    const job = (this.sampling = { request, stopped: false });
    // the whole prompt from the zero state, then each piece continues from where the last one ended
    const session = new CompletionSession(model, { window: Math.max(4, prompt.length + 1) });
    let state = session.stateAt(prompt, prompt.length);
    let history: number[] = Array.from(session.historyAt(prompt, prompt.length)); // for the direct connections
    let produced = 0;
    const current = () => { const st = this.deps.store.state; return st.kind === 'loaded' && st.checkpoint.model === model; };
    while (produced < length && !job.stopped && current()) { // a newer checkpoint replaces (and frees) this model
      const n = Math.min(20, length - produced);
      const g = generate(model, state, { maxLength: n, stopAtNewline: false, temperature, rng: this.rng, history });
      produced += g.ids.length;
      state = g.state;
      history = [...history, ...g.ids].slice(-8);
      this.post({ type: 'sample', request, text: g.text, done: produced >= length });
      await new Promise((r) => setTimeout(r, 15)); // streamed: the host stays responsive
      if (g.ids.length === 0) break;
    }
    if (job.stopped || produced < length) this.post({ type: 'sample', request, text: '', done: true });
    if (this.sampling === job) this.sampling = undefined;
  }

  private async export(format: 'csv' | 'png', data: string): Promise<void> {
    const target = await vscode.window.showSaveDialog({
      title: format === 'csv' ? 'Export the loss curves as CSV' : 'Export the chart as PNG',
      filters: format === 'csv' ? { CSV: ['csv'] } : { PNG: ['png'] },
      defaultUri: vscode.Uri.file(`char-rnn-loss.${format}`),
    });
    if (!target) return;
    const bytes = format === 'csv' ? Buffer.from(data, 'utf8') : Buffer.from(data.slice('data:image/png;base64,'.length), 'base64');
    await fsp.writeFile(target.fsPath, bytes);
    void vscode.window.showInformationMessage(`Saved ${target.fsPath}.`);
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'panel.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'panel.css'));
    const nonce = randomBytes(16).toString('base64');
    const csp = `default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
    return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}"><title>Char RNN Training</title></head>
<body><div id="app"></div><script nonce="${nonce}" src="${script}"></script></body></html>`;
  }

  dispose(): void {
    if (TrainingPanel.current === this) TrainingPanel.current = undefined;
    if (this.sampling) this.sampling.stopped = true;
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.panel.dispose();
  }
}
