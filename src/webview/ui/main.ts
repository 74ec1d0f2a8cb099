/**
 * The training panel's webview: four views in tabs (loss curves, hidden-state heatmap, one neuron,
 * sample), fed by `ToPanel` messages from the extension host and answering with `FromPanel` messages
 * (../panel-protocol.ts). Everything is built with DOM calls; the page's CSP allows no inline script or style.
 */
import type { FromPanel, PanelStatus } from '../panel-protocol';
import { el } from './dom';
import { FrameScheduler } from './frame';
import { HeatmapView } from './heatmap';
import { LossChartView } from './loss-chart';
import { parseToPanel, type PanelMessage } from './messages';
import { NeuronView } from './neuron-view';
import type { ActivationData, ViewId } from './panel-state';
import { SampleView } from './sample-view';
import { Tabs } from './tabs';
import { onThemeChange, readTheme } from './theme';
import { Host } from './vscode-api';

const host = new Host();
const state = host.loadState();
const frames = new FrameScheduler();
let theme = readTheme();

/** Saves the state once per task, however many changes it had. */
let saveQueued = false;
function save(): void {
  clearTimeout(typingTimer);
  if (saveQueued) return;
  saveQueued = true;
  queueMicrotask(() => {
    saveQueued = false;
    host.saveState(state);
  });
}

/** While typing: saves 300 ms after the last keystroke (the state may hold a large heatmap), or on hiding. */
let typingTimer: ReturnType<typeof setTimeout> | undefined;
function saveSoon(): void {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(save, 300);
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden' && typingTimer !== undefined) save();
});

function nextRequest(): number {
  const request = state.nextRequest++;
  save();
  return request;
}

/** The activations request whose answer the heatmap waits for (older answers are dropped). */
let pendingActivations = -1;

function requestActivations(source: 'editor' | 'text', text?: string): void {
  const request = nextRequest();
  pendingActivations = request;
  state.query = source === 'text' ? { source, text } : { source };
  const message: FromPanel = source === 'text' ? { type: 'activations', request, source, text, layer: state.layer } : { type: 'activations', request, source, layer: state.layer };
  host.post(message);
  heatmap.setStatus('Asking the model…');
}

const chart = new LossChartView(frames, theme, state.logScale, {
  onLogScale(log) {
    state.logScale = log;
    save();
  },
  onExport(format, data) {
    host.post({ type: 'export', format, data });
  },
});

const heatmap = new HeatmapView(frames, theme, state.ordering, state.layer, state.text, {
  onRequest: requestActivations,
  onLayer(layer) {
    state.layer = layer;
    save();
    if (state.query) requestActivations(state.query.source, state.query.text);
  },
  onOrdering(ordering) {
    state.ordering = ordering;
    save();
  },
  onText(text) {
    state.text = text;
    saveSoon();
  },
  onOpenNeuron(n) {
    neuron.select(n);
    tabs.select('neuron', true);
  },
});

const neuron = new NeuronView(frames, () => heatmap.colourScale, state.neuron, {
  onNeuron(n) {
    state.neuron = n;
    heatmap.setSelected(n);
    save();
  },
});

const sample = new SampleView(state.sample, {
  onGenerate(s) {
    const request = nextRequest();
    host.post({ type: 'sample', request, prompt: s.prompt, length: s.length, temperature: s.temperature });
    return request;
  },
  onStop() {
    host.post({ type: 'stopSample' });
  },
  onSettings(s) {
    state.sample = s;
    saveSoon();
  },
});

const lazyViews = { chart, heatmap, neuron } as const;
const tabs = new Tabs<ViewId>(
  [
    { id: 'chart', label: 'Loss', panel: chart.element },
    { id: 'heatmap', label: 'Hidden state', panel: heatmap.element },
    { id: 'neuron', label: 'One neuron', panel: neuron.element },
    { id: 'sample', label: 'Sample', panel: sample.element },
  ],
  'Training panel views',
  state.view,
  (id) => {
    for (const [viewId, view] of Object.entries(lazyViews)) view.setShown(viewId === id);
    if (state.view !== id) {
      state.view = id;
      save();
    }
  },
);

/** Errors that belong to no view (e.g. the model could not be loaded). */
const alert = el('p', { role: 'alert' });
const dismiss = el('button', { type: 'button', class: 'secondary' }, 'Dismiss');
const alertBox = el('div', { class: 'alert', hidden: true }, alert, dismiss);
dismiss.addEventListener('click', () => (alertBox.hidden = true));
const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
app.replaceChildren(alertBox, tabs.element, chart.element, heatmap.element, neuron.element, sample.element);

function showActivations(a: ActivationData): void {
  state.activations = a;
  state.layer = a.layer;
  heatmap.setActivations(a);
  neuron.setActivations(a);
  if (state.neuron >= a.neurons) state.neuron = -1;
  heatmap.setSelected(state.neuron);
}

if (state.activations) {
  const layer = state.layer;
  showActivations(state.activations);
  state.layer = layer;
  heatmap.setLayer(layer);
}

function setStatus(status: PanelStatus): void {
  chart.setStatus(status);
  if (!status.model) return;
  const layer = heatmap.setLayers(status.model.layers);
  if (layer !== state.layer) {
    state.layer = layer;
    save();
  }
}

function onMessage(m: PanelMessage): void {
  switch (m.type) {
    case 'init':
      chart.reset(m.history);
      setStatus(m.status);
      break;
    case 'loss':
      chart.append(m.points);
      break;
    case 'status':
      setStatus(m.status);
      break;
    case 'activations': {
      if (m.request < pendingActivations) return; // an answer overtaken by a newer request
      const { type: _type, ...a } = m;
      showActivations(a);
      save();
      break;
    }
    case 'sample':
      sample.onChunk(m.request, m.text, m.done);
      break;
    case 'error':
      if (sample.onError(m.request, m.message)) break;
      if (m.request !== undefined && m.request === pendingActivations) {
        heatmap.setStatus(m.message);
        break;
      }
      alert.textContent = m.message;
      alertBox.hidden = false;
      break;
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = parseToPanel(e.data);
  if (m) onMessage(m);
});

onThemeChange(() => {
  theme = readTheme();
  chart.setTheme(theme);
  heatmap.setTheme(theme);
  neuron.setScale(() => heatmap.colourScale);
});

host.post({ type: 'ready' });
