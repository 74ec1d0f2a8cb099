/**
 * The loss curves: smoothed training loss (nats/char, left axis) and validation bits/char (right axis)
 * against characters seen, drawn by uPlot. Points are appended to plain arrays as they arrive; the
 * chart's setData runs at most once per frame, only while the view is shown and the panel visible.
 */
import uPlot from 'uplot';
import type { LossPoint, PanelStatus } from '../panel-protocol';
import { clamp, el, formatCount, formatDuration } from './dom';
import { FrameScheduler, LazyView } from './frame';
import { memorisingNote } from './memorising';
import type { Theme } from './theme';

const CSV_HEADER = 'chars_seen,step,loss,val_bits_per_char';

/** The history, sorted by characters seen; a point at the same count as an earlier one fills in its missing fields. */
class LossHistory {
  readonly xs: number[] = [];
  readonly steps: number[] = [];
  readonly loss: (number | null)[] = [];
  readonly val: (number | null)[] = [];

  get length(): number {
    return this.xs.length;
  }

  reset(points: LossPoint[]): void {
    this.xs.length = this.steps.length = this.loss.length = this.val.length = 0;
    this.append(points);
  }

  append(points: LossPoint[]): void {
    for (const p of points) {
      const n = this.xs.length;
      if (n === 0 || p.charsSeen > this.xs[n - 1]) {
        this.xs.push(p.charsSeen);
        this.steps.push(p.step);
        this.loss.push(p.loss ?? null);
        this.val.push(p.valBitsPerChar ?? null);
        continue;
      }
      // out of order (rare): binary search for its place
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.xs[mid] < p.charsSeen) lo = mid + 1;
        else hi = mid;
      }
      if (this.xs[lo] === p.charsSeen) {
        if (p.loss !== undefined) this.loss[lo] = p.loss;
        if (p.valBitsPerChar !== undefined) this.val[lo] = p.valBitsPerChar;
        this.steps[lo] = p.step;
      } else {
        this.xs.splice(lo, 0, p.charsSeen);
        this.steps.splice(lo, 0, p.step);
        this.loss.splice(lo, 0, p.loss ?? null);
        this.val.splice(lo, 0, p.valBitsPerChar ?? null);
      }
    }
  }

  toCsv(): string {
    const lines = [CSV_HEADER];
    for (let k = 0; k < this.xs.length; k++) {
      lines.push(`${this.xs[k]},${this.steps[k]},${this.loss[k] ?? ''},${this.val[k] ?? ''}`);
    }
    return lines.join('\n') + '\n';
  }
}

export interface LossChartEvents {
  onLogScale(log: boolean): void;
  onExport(format: 'csv' | 'png', data: string): void;
}

export class LossChartView extends LazyView {
  readonly element: HTMLElement;
  readonly history = new LossHistory();
  private readonly plotBox: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly statusText: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly speed: HTMLElement;
  private readonly eta: HTMLElement;
  private readonly modelText: HTMLElement;
  /** says when validation rises while the training loss falls (memorising.ts) */
  private readonly note: HTMLElement;
  private readonly logToggle: HTMLInputElement;
  private chart: uPlot | undefined;
  private zoomed = false;
  private drawStart = 0;

  constructor(
    frames: FrameScheduler,
    private theme: Theme,
    private logScale: boolean,
    private readonly events: LossChartEvents,
  ) {
    super(frames);
    this.statusText = el('span', { class: 'status-state' }, 'Not training');
    this.progress = el('progress', { max: 1, 'aria-label': 'Training progress (of the time budget)', hidden: true });
    this.speed = el('span', { class: 'status-speed' });
    this.eta = el('span', { class: 'status-eta' });
    this.modelText = el('span', { class: 'status-model' }, 'No model yet');
    this.logToggle = el('input', { type: 'checkbox', id: 'log-scale' });
    this.logToggle.checked = logScale;
    this.logToggle.addEventListener('change', () => this.setLogScale(this.logToggle.checked, true));
    const csv = el('button', { type: 'button', class: 'secondary', 'data-action': 'export-csv' }, 'Export CSV');
    csv.addEventListener('click', () => this.events.onExport('csv', this.history.toCsv()));
    const png = el('button', { type: 'button', class: 'secondary', 'data-action': 'export-png' }, 'Export PNG');
    png.addEventListener('click', () => {
      const data = this.toPng();
      if (data) this.events.onExport('png', data);
    });
    this.plotBox = el('div', { class: 'chart', 'aria-label': 'Loss curves. Hover for the values at a point; drag to zoom in, double-click to zoom out.', role: 'figure' });
    this.empty = el('p', { class: 'empty' }, 'No loss yet: run Char RNN: Train on Workspace and the curves appear here.');
    this.note = el('p', { class: 'note memorising', role: 'status' });
    this.note.hidden = true;
    this.element = el(
      'section',
      { class: 'view view-chart' },
      el('div', { class: 'status-bar' }, this.statusText, this.progress, this.speed, this.eta, this.modelText),
      el(
        'div',
        { class: 'toolbar' },
        el('label', { class: 'check' }, this.logToggle, 'Log scale'),
        el('span', { class: 'spacer' }),
        csv,
        png,
      ),
      this.empty,
      this.note,
      this.plotBox,
    );
    new ResizeObserver(() => {
      if (!this.isShown || this.plotBox.clientWidth === 0) return;
      if (!this.chart) this.invalidate(); // skipped while it had no width
      else {
        const { width, height } = this.size();
        if (width !== this.chart.width || height !== this.chart.height) this.chart.setSize({ width, height });
      }
    }).observe(this.plotBox);
  }

  reset(points: LossPoint[]): void {
    this.history.reset(points);
    this.invalidate();
  }

  append(points: LossPoint[]): void {
    if (points.length === 0) return;
    this.history.append(points);
    this.invalidate();
  }

  setStatus(s: PanelStatus): void {
    const pct = s.fraction !== undefined ? ` ${Math.round(s.fraction * 100)}%` : '';
    this.statusText.textContent = s.training ? `Training${pct}` : 'Not training';
    this.progress.hidden = !s.training || s.fraction === undefined;
    if (s.fraction !== undefined) this.progress.value = s.fraction;
    this.speed.textContent = s.training && s.charsPerSec !== undefined ? `${formatCount(s.charsPerSec)} chars/s` : '';
    this.eta.textContent = s.training && s.etaSec !== undefined ? `${formatDuration(s.etaSec)} left` : '';
    const m = s.model;
    this.modelText.textContent = m
      ? `Model: ${m.hiddenSize} hidden × ${m.layers} layer${m.layers > 1 ? 's' : ''}, ${m.vocabSize} symbols, ${m.steps.toLocaleString('en-US')} steps`
      : 'No model yet';
  }

  setLogScale(log: boolean, byUser = false): void {
    this.logScale = log;
    this.logToggle.checked = log;
    this.rebuild();
    if (byUser) this.events.onLogScale(log);
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.rebuild();
  }

  /** The chart as a PNG data URL, on the theme's background. */
  toPng(): string | undefined {
    if (!this.chart) this.draw();
    const src = this.chart?.ctx.canvas;
    if (!src || src.width === 0) return undefined;
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    return out.toDataURL('image/png');
  }

  private rebuild(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.invalidate();
  }

  private size(): { width: number; height: number } {
    const width = Math.max(200, this.plotBox.clientWidth);
    return { width, height: Math.round(clamp(width * 0.5, 220, 420)) };
  }

  protected override draw(): void {
    const h = this.history;
    this.empty.hidden = h.length > 0;
    const note = memorisingNote(h.steps, h.loss, h.val);
    this.note.hidden = note === undefined;
    this.note.textContent = note ?? '';
    if (this.plotBox.clientWidth === 0) return;
    this.drawStart = performance.now();
    const data: uPlot.AlignedData = [h.xs, h.loss, h.val];
    if (!this.chart) {
      this.chart = new uPlot(this.options(), data, this.plotBox);
      this.zoomed = false;
    } else {
      this.chart.setData(data, !this.zoomed);
    }
    this.plotBox.dataset.points = String(h.length);
  }

  private options(): uPlot.Options {
    const t = this.theme;
    const distr = this.logScale ? 3 : 1;
    const font = `12px ${t.fontFamily}`;
    const axis = (extra: uPlot.Axis): uPlot.Axis => ({
      stroke: t.foreground,
      font,
      labelFont: font,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1 },
      ...extra,
    });
    const num = (digits: number) => (_u: uPlot, v: number | null) => (v == null ? '–' : v.toFixed(digits));
    return {
      ...this.size(),
      scales: {
        x: { time: false },
        loss: { distr, log: 10 },
        bpc: { distr, log: 10 },
      },
      series: [
        { label: 'Characters seen', value: (_u, v) => (v == null ? '–' : v.toLocaleString('en-US')) },
        { label: 'Training loss (nats/char)', scale: 'loss', stroke: () => this.theme.loss, width: 1.5, spanGaps: true, value: num(3) },
        {
          label: 'Validation (bits/char)',
          scale: 'bpc',
          stroke: () => this.theme.val,
          width: 2,
          spanGaps: true,
          points: { show: true, size: 5, fill: () => this.theme.val, stroke: () => this.theme.val },
          value: num(3),
        },
      ],
      axes: [
        axis({ label: 'Characters seen', values: (_u, splits) => splits.map((v) => formatCount(v)) }),
        axis({ scale: 'loss', label: 'Loss (nats/char)', size: 56 }),
        axis({ scale: 'bpc', label: 'Validation (bits/char)', side: 1, size: 56, grid: { show: false } }),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false }, points: { size: 7 } },
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x') return;
            const xs = this.history.xs;
            if (xs.length < 2) return;
            const span = xs[xs.length - 1] - xs[0];
            const eps = span * 1e-9;
            this.zoomed = (u.scales.x.min ?? xs[0]) > xs[0] + eps || (u.scales.x.max ?? 0) < xs[xs.length - 1] - eps;
          },
        ],
        draw: [
          () => {
            this.plotBox.dataset.drawMs = (performance.now() - this.drawStart).toFixed(2);
          },
        ],
      },
    };
  }
}
