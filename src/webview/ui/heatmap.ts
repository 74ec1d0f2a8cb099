/**
 * The hidden-state heatmap: rows = neurons (in the chosen order), columns = characters, colour = h in
 * [-1, 1] on the diverging scale of colour-scale.ts. The canvas holds one pixel per cell (written as one
 * ImageData) and CSS scales it up without smoothing, so a 512 × 400 map is a single putImageData of
 * 204,800 pixels. The characters run along a second canvas above it, which sticks to the top while scrolling.
 *
 * Mouse: hover shows neuron, character and value; click opens the neuron. Keyboard (the map is focusable):
 * arrows move a cell cursor (PageUp/PageDown 16 rows, Home/End), Enter or Space opens its neuron.
 */
import { MAX_PANEL_TEXT } from '../panel-protocol';
import { ColourScale } from './colour-scale';
import { clamp, el, formatSigned, visibleChar } from './dom';
import { FrameScheduler, LazyView } from './frame';
import { orderNeurons } from './ordering';
import type { Theme } from './theme';
import { ORDERINGS, type ActivationData, type Ordering } from './panel-state';

const CELL_WIDTH = 11;
const AXIS_HEIGHT = 18;

/** Row height in CSS pixels: taller rows for small layers, 3 px from 257 neurons on (512 rows: 1536 px, scrolled). */
function cellHeight(neurons: number): number {
  if (neurons <= 32) return 14;
  if (neurons <= 64) return 10;
  if (neurons <= 128) return 6;
  if (neurons <= 256) return 4;
  return 3;
}

const ORDERING_LABELS: Record<Ordering, string> = {
  index: 'By index',
  variance: 'By variance (most variable first)',
  clustered: 'Clustered (by correlation)',
};

export interface HeatmapEvents {
  onRequest(source: 'editor' | 'text', text?: string): void;
  onLayer(layer: number): void;
  onOrdering(ordering: Ordering): void;
  onText(text: string): void;
  /** a row was clicked or Enter pressed on it */
  onOpenNeuron(neuron: number): void;
}

export class HeatmapView extends LazyView {
  readonly element: HTMLElement;
  private readonly layerSelect: HTMLSelectElement;
  private readonly orderSelect: HTMLSelectElement;
  private readonly textArea: HTMLTextAreaElement;
  private readonly textButton: HTMLButtonElement;
  private readonly statusLine: HTMLElement;
  private readonly scroll: HTMLElement;
  private readonly axis: HTMLCanvasElement;
  private readonly body: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly selMarker: HTMLElement;
  private readonly cursorMarker: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly legend: HTMLCanvasElement;
  private readonly empty: HTMLElement;
  private scale: ColourScale;
  private data: ActivationData | undefined;
  private order: Int32Array = new Int32Array(0);
  private rowOf = new Int32Array(0);
  private orderFor: { data: ActivationData; ordering: Ordering } | undefined;
  private selected = -1;
  private cursor = { row: 0, col: 0, shown: false };

  constructor(
    frames: FrameScheduler,
    private theme: Theme,
    private ordering: Ordering,
    private layer: number,
    text: string,
    private readonly events: HeatmapEvents,
  ) {
    super(frames);
    this.scale = new ColourScale(theme.backgroundRgb);

    this.layerSelect = el('select', { id: 'heatmap-layer' });
    this.layerSelect.addEventListener('change', () => {
      this.layer = Number(this.layerSelect.value);
      this.events.onLayer(this.layer);
    });
    this.setLayers(layer + 1); // until the model's number of layers is known
    this.orderSelect = el('select', { id: 'heatmap-order' });
    for (const o of ORDERINGS) this.orderSelect.append(el('option', { value: o }, ORDERING_LABELS[o]));
    this.orderSelect.value = ordering;
    this.orderSelect.addEventListener('change', () => {
      this.ordering = this.orderSelect.value as Ordering;
      this.events.onOrdering(this.ordering);
      this.invalidate();
    });
    const editorButton = el('button', { type: 'button', 'data-action': 'editor-text' }, 'Use editor text');
    editorButton.title = 'The text around the cursor (or the selection) of the active editor';
    editorButton.addEventListener('click', () => this.events.onRequest('editor'));

    this.textArea = el('textarea', { id: 'heatmap-text', rows: 3, maxlength: MAX_PANEL_TEXT, placeholder: 'Or type some text…', spellcheck: 'false' });
    this.textArea.value = text;
    this.textButton = el('button', { type: 'button', class: 'secondary', 'data-action': 'typed-text' }, 'Show for this text');
    const sendText = () => {
      if (this.textArea.value.length > 0) this.events.onRequest('text', this.textArea.value);
    };
    this.textButton.addEventListener('click', sendText);
    this.textArea.addEventListener('input', () => {
      this.textButton.disabled = this.textArea.value.length === 0;
      this.events.onText(this.textArea.value);
    });
    this.textArea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        sendText();
      }
    });
    this.textButton.disabled = text.length === 0;

    this.statusLine = el('p', { class: 'view-status', role: 'status' });
    this.axis = el('canvas', { class: 'heatmap-axis', 'aria-hidden': 'true' });
    this.canvas = el('canvas', { class: 'heatmap', tabindex: 0, role: 'img' });
    this.selMarker = el('div', { class: 'heatmap-selected', hidden: true });
    this.cursorMarker = el('div', { class: 'heatmap-cursor', hidden: true });
    this.body = el('div', { class: 'heatmap-body' }, this.canvas, this.selMarker, this.cursorMarker);
    this.scroll = el('div', { class: 'heatmap-scroll', hidden: true }, this.axis, this.body);
    this.tooltip = el('div', { class: 'tooltip', role: 'tooltip', hidden: true });
    this.readout = el('p', { class: 'readout', 'aria-live': 'polite' });
    this.legend = el('canvas', { class: 'legend-bar', width: 128, height: 10, 'aria-hidden': 'true' });
    this.empty = el('p', { class: 'empty' }, 'Press Use editor text (or type some text) to see how each neuron of the model reacts to each character.');

    this.element = el(
      'section',
      { class: 'view view-heatmap' },
      el(
        'div',
        { class: 'toolbar' },
        el('label', { for: 'heatmap-layer' }, 'Layer'),
        this.layerSelect,
        el('label', { for: 'heatmap-order' }, 'Order'),
        this.orderSelect,
        editorButton,
      ),
      el('div', { class: 'toolbar text-row' }, el('label', { for: 'heatmap-text', class: 'visually-hidden' }, 'Text to show'), this.textArea, this.textButton),
      this.statusLine,
      el('div', { class: 'legend', 'aria-label': 'Colour scale: blue for −1, background for 0, red for +1' }, el('span', {}, '−1'), this.legend, el('span', {}, '+1'), el('span', { class: 'legend-note' }, 'Hover a cell for its value; click a row (or Enter) to open the neuron.')),
      this.empty,
      this.scroll,
      this.readout,
      this.tooltip,
    );

    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e);
      if (!cell) return;
      this.cursor = { row: cell.row, col: cell.col, shown: false };
      this.open(cell.row);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.addEventListener('focus', () => this.moveCursor(0, 0));
    this.canvas.addEventListener('blur', () => {
      this.cursor.shown = false;
      this.cursorMarker.hidden = true;
    });
  }

  /** The model's number of layers; returns the selected layer (kept below it). */
  setLayers(layers: number): number {
    const n = Math.max(1, layers);
    this.layer = Math.min(this.layer, n - 1);
    if (this.layerSelect.options.length !== n) {
      this.layerSelect.replaceChildren(...Array.from({ length: n }, (_, i) => el('option', { value: i }, String(i))));
    }
    this.layerSelect.value = String(this.layer);
    return this.layer;
  }

  setLayer(layer: number): void {
    this.layer = layer;
    if (layer >= this.layerSelect.options.length) this.setLayers(layer + 1);
    this.layerSelect.value = String(layer);
  }

  setActivations(data: ActivationData): void {
    this.data = data;
    this.setLayers(data.layers);
    this.setLayer(data.layer);
    this.setStatus('');
    this.cursor.row = Math.min(this.cursor.row, data.neurons - 1);
    this.cursor.col = Math.min(this.cursor.col, data.chars.length - 1);
    this.invalidate();
  }

  setSelected(neuron: number): void {
    this.selected = neuron;
    this.placeMarkers();
  }

  setStatus(text: string): void {
    this.statusLine.textContent = text;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.scale = new ColourScale(theme.backgroundRgb);
    this.invalidate();
  }

  get colourScale(): ColourScale {
    return this.scale;
  }

  protected override draw(): void {
    const start = performance.now();
    this.drawLegend();
    const a = this.data;
    this.empty.hidden = a !== undefined;
    this.scroll.hidden = a === undefined;
    if (!a) return;
    const T = a.chars.length;
    const H = a.neurons;
    if (this.orderFor?.data !== a || this.orderFor.ordering !== this.ordering) {
      this.order = orderNeurons(a.values, T, H, this.ordering);
      this.rowOf = new Int32Array(H);
      for (let r = 0; r < H; r++) this.rowOf[this.order[r]] = r;
      this.orderFor = { data: a, ordering: this.ordering };
    }

    // the cells: one pixel each, rows in order, written through a Uint32 view of the ImageData
    const cw = CELL_WIDTH;
    const ch = cellHeight(H);
    if (this.canvas.width !== T) this.canvas.width = T;
    if (this.canvas.height !== H) this.canvas.height = H;
    this.canvas.style.width = `${T * cw}px`;
    this.canvas.style.height = `${H * ch}px`;
    const ctx = this.canvas.getContext('2d')!;
    const image = ctx.createImageData(T, H);
    const px = new Uint32Array(image.data.buffer);
    const lut = this.scale.packed;
    const values = a.values;
    for (let r = 0; r < H; r++) {
      const n = this.order[r];
      const base = r * T;
      for (let t = 0; t < T; t++) px[base + t] = lut[ColourScale.index(values[t * H + n])];
    }
    ctx.putImageData(image, 0, 0);

    this.drawAxis(a.chars);
    this.canvas.setAttribute('aria-label', `Heatmap of layer ${a.layer}: ${H} neurons by ${T} characters, ${ORDERING_LABELS[this.ordering].toLowerCase()}. Arrow keys move a cell cursor, Enter opens the neuron.`);
    this.placeMarkers();
    this.canvas.dataset.renderMs = (performance.now() - start).toFixed(2);
  }

  /** The characters along the axis, one per column, on a canvas at the device's pixel ratio. */
  private drawAxis(chars: string[]): void {
    const dpr = window.devicePixelRatio || 1;
    const w = chars.length * CELL_WIDTH;
    this.axis.width = Math.round(w * dpr);
    this.axis.height = Math.round(AXIS_HEIGHT * dpr);
    this.axis.style.width = `${w}px`;
    this.axis.style.height = `${AXIS_HEIGHT}px`;
    const ctx = this.axis.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, w, AXIS_HEIGHT);
    ctx.font = `11px ${this.theme.editorFontFamily}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let t = 0; t < chars.length; t++) {
      const c = chars[t];
      const special = c === '\n' || c === ' ' || c === '\t' || (c.codePointAt(0) ?? 0) < 0x20;
      ctx.globalAlpha = special ? 0.55 : 1;
      ctx.fillStyle = this.theme.foreground;
      ctx.fillText(visibleChar(c), t * CELL_WIDTH + CELL_WIDTH / 2, AXIS_HEIGHT / 2 + 1, CELL_WIDTH);
    }
    ctx.globalAlpha = 1;
  }

  private drawLegend(): void {
    const ctx = this.legend.getContext('2d')!;
    const w = this.legend.width;
    const image = ctx.createImageData(w, 1);
    const px = new Uint32Array(image.data.buffer);
    for (let x = 0; x < w; x++) px[x] = this.scale.packed[ColourScale.index((2 * x) / (w - 1) - 1)];
    for (let y = 0; y < this.legend.height; y++) ctx.putImageData(image, 0, y);
  }

  private placeMarkers(): void {
    const a = this.data;
    const ch = a ? cellHeight(a.neurons) : 0;
    const sel = a && this.selected >= 0 && this.selected < a.neurons ? this.rowOf[this.selected] : -1;
    this.selMarker.hidden = sel < 0;
    if (sel >= 0) {
      this.selMarker.style.top = `${sel * ch}px`;
      this.selMarker.style.height = `${ch}px`;
    }
    this.cursorMarker.hidden = !a || !this.cursor.shown;
    if (a && this.cursor.shown) {
      this.cursorMarker.style.left = `${this.cursor.col * CELL_WIDTH}px`;
      this.cursorMarker.style.top = `${this.cursor.row * ch}px`;
      this.cursorMarker.style.width = `${CELL_WIDTH}px`;
      this.cursorMarker.style.height = `${ch}px`;
    }
  }

  private cellAt(e: MouseEvent): { row: number; col: number } | undefined {
    const a = this.data;
    if (!a) return undefined;
    const rect = this.canvas.getBoundingClientRect();
    const col = Math.floor((e.clientX - rect.left) / CELL_WIDTH);
    const row = Math.floor((e.clientY - rect.top) / cellHeight(a.neurons));
    if (col < 0 || col >= a.chars.length || row < 0 || row >= a.neurons) return undefined;
    return { row, col };
  }

  /** "neuron 17 · 'a' (character 12 of 400) · +0.834" */
  private describe(row: number, col: number): string {
    const a = this.data!;
    const n = this.order[row];
    const v = a.values[col * a.neurons + n];
    return `Neuron ${n} · ‘${visibleChar(a.chars[col])}’ (character ${col + 1} of ${a.chars.length}) · ${formatSigned(v)}`;
  }

  private onHover(e: MouseEvent): void {
    const cell = this.cellAt(e);
    if (!cell) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent = this.describe(cell.row, cell.col);
    this.tooltip.hidden = false;
    const x = Math.min(e.clientX + 14, window.innerWidth - this.tooltip.offsetWidth - 4);
    const y = e.clientY + 18 + this.tooltip.offsetHeight > window.innerHeight ? e.clientY - this.tooltip.offsetHeight - 8 : e.clientY + 18;
    this.tooltip.style.left = `${Math.max(0, x)}px`;
    this.tooltip.style.top = `${Math.max(0, y)}px`;
  }

  private onKey(e: KeyboardEvent): void {
    const a = this.data;
    if (!a) return;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      PageUp: [-16, 0],
      PageDown: [16, 0],
      Home: [0, -a.chars.length],
      End: [0, a.chars.length],
    };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.open(this.cursor.row);
    } else if (moves[e.key]) {
      e.preventDefault();
      this.moveCursor(...moves[e.key]);
    }
  }

  private moveCursor(dRow: number, dCol: number): void {
    const a = this.data;
    if (!a) return;
    this.cursor.row = clamp(this.cursor.row + dRow, 0, a.neurons - 1);
    this.cursor.col = clamp(this.cursor.col + dCol, 0, a.chars.length - 1);
    this.cursor.shown = true;
    this.placeMarkers();
    this.cursorMarker.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    this.readout.textContent = this.describe(this.cursor.row, this.cursor.col);
  }

  private open(row: number): void {
    const n = this.order[row];
    if (n === undefined) return;
    this.setSelected(n);
    this.events.onOpenNeuron(n);
  }
}
