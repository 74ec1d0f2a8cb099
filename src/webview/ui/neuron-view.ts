/**
 * One neuron: the text, each character on the colour of this neuron's activation there (same scale as the
 * heatmap), and for the character under the mouse or the keyboard cursor, the model's five most likely
 * next characters. The text is focusable: Left/Right/Home/End move the cursor.
 */
import type { ColourScale } from './colour-scale';
import { clamp, el, formatSigned, guessChar, visibleChar } from './dom';
import { FrameScheduler, LazyView } from './frame';
import type { ActivationData } from './panel-state';

export interface NeuronEvents {
  onNeuron(neuron: number): void;
}

export class NeuronView extends LazyView {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly info: HTMLElement;
  private readonly text: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly empty: HTMLElement;
  private data: ActivationData | undefined;
  private spans: HTMLElement[] = [];
  private spansFor: ActivationData | undefined;
  private active = -1;

  constructor(
    frames: FrameScheduler,
    private scale: () => ColourScale,
    private neuron: number,
    private readonly events: NeuronEvents,
  ) {
    super(frames);
    this.input = el('input', { type: 'number', id: 'neuron-index', min: 0, step: 1 });
    this.input.addEventListener('change', () => {
      const n = Number(this.input.value);
      if (this.data && Number.isInteger(n) && n >= 0 && n < this.data.neurons) this.select(n);
      else this.input.value = this.neuron >= 0 ? String(this.neuron) : '';
    });
    this.prev = el('button', { type: 'button', class: 'secondary', 'aria-label': 'Previous neuron' }, '‹');
    this.next = el('button', { type: 'button', class: 'secondary', 'aria-label': 'Next neuron' }, '›');
    this.prev.addEventListener('click', () => this.step(-1));
    this.next.addEventListener('click', () => this.step(1));
    this.info = el('span', { class: 'neuron-info' });
    this.text = el('div', {
      class: 'neuron-text',
      tabindex: 0,
      role: 'group',
      'aria-label': 'The text coloured by the neuron. Left and Right arrows read the next-character guesses character by character.',
    });
    this.detail = el('div', { class: 'neuron-detail', 'aria-live': 'polite' });
    this.empty = el('p', { class: 'empty' });
    this.element = el(
      'section',
      { class: 'view view-neuron' },
      el('div', { class: 'toolbar' }, el('label', { for: 'neuron-index' }, 'Neuron'), this.prev, this.input, this.next, this.info),
      this.empty,
      el('div', { class: 'neuron-body' }, this.text, this.detail),
    );

    this.text.addEventListener('mouseover', (e) => {
      const t = Number((e.target as HTMLElement).dataset?.t);
      if (Number.isInteger(t)) this.setActive(t);
    });
    this.text.addEventListener('keydown', (e) => {
      const T = this.data?.chars.length ?? 0;
      if (T === 0) return;
      const to: Record<string, number> = { ArrowLeft: this.active - 1, ArrowRight: this.active + 1, Home: 0, End: T - 1 };
      if (!(e.key in to)) return;
      e.preventDefault();
      this.setActive(clamp(to[e.key], 0, T - 1));
    });
    this.text.addEventListener('focus', () => {
      if (this.active < 0 && this.data) this.setActive(0);
    });
  }

  get selected(): number {
    return this.neuron;
  }

  setActivations(data: ActivationData): void {
    this.data = data;
    if (this.neuron >= data.neurons) this.neuron = -1;
    this.active = clamp(this.active, -1, data.chars.length - 1);
    this.invalidate();
  }

  select(neuron: number): void {
    this.neuron = neuron;
    this.events.onNeuron(neuron);
    this.invalidate();
  }

  setScale(scale: () => ColourScale): void {
    this.scale = scale;
    this.invalidate();
  }

  private step(d: number): void {
    if (!this.data) return;
    const H = this.data.neurons;
    this.select(this.neuron < 0 ? 0 : (this.neuron + d + H) % H);
  }

  protected override draw(): void {
    const a = this.data;
    const n = this.neuron;
    const ready = a !== undefined && n >= 0 && n < a.neurons;
    this.empty.hidden = ready;
    this.empty.textContent = a ? 'Click a row of the heatmap (or press Enter on it), or enter a neuron number above.' : 'Show the heatmap of some text first (Hidden state), then open one of its neurons.';
    this.text.hidden = this.detail.hidden = !ready;
    this.prev.disabled = this.next.disabled = this.input.disabled = !a;
    if (a) this.input.max = String(a.neurons - 1);
    this.input.value = n >= 0 ? String(n) : '';
    if (!ready) {
      this.info.textContent = '';
      return;
    }
    const H = a.neurons;
    if (this.spansFor !== a) this.buildSpans(a);
    const scale = this.scale();
    let min = Infinity;
    let max = -Infinity;
    for (let t = 0; t < a.chars.length; t++) {
      const v = a.values[t * H + n];
      if (v < min) min = v;
      if (v > max) max = v;
      const span = this.spans[t];
      span.style.backgroundColor = scale.colour(v);
      span.style.color = Math.abs(v) < 0.35 ? '' : scale.textOn(v);
      span.title = `${formatSigned(v)} · next: ${guesses(a, t)}`;
    }
    this.info.textContent = `of ${H} in layer ${a.layer} · from ${formatSigned(min)} to ${formatSigned(max)}`;
    this.showDetail();
  }

  private buildSpans(a: ActivationData): void {
    const nodes: Node[] = [];
    this.spans = a.chars.map((c, t) => {
      const span = el('span', { 'data-t': t }, c === '\n' ? '⏎' : c === '\t' ? '⇥' : c.codePointAt(0)! < 0x20 ? visibleChar(c) : c);
      nodes.push(span);
      if (c === '\n') nodes.push(document.createTextNode('\n'));
      return span;
    });
    this.text.replaceChildren(...nodes);
    this.spansFor = a;
    if (this.active >= 0) this.spans[this.active]?.classList.add('active');
  }

  private setActive(t: number): void {
    this.spans[this.active]?.classList.remove('active');
    this.active = t;
    this.spans[t]?.classList.add('active');
    this.showDetail();
  }

  /** The cursor's character, its activation and the five most likely next characters, as a small table. */
  private showDetail(): void {
    const a = this.data;
    const t = this.active;
    if (!a || this.neuron < 0 || t < 0 || t >= a.chars.length) {
      this.detail.replaceChildren(el('p', { class: 'hint' }, 'Hover a character (or focus the text and use the arrow keys) to see what the model expects next.'));
      return;
    }
    const v = a.values[t * a.neurons + this.neuron];
    const g = a.top[t];
    const rows = g.chars.map((c, k) =>
      el('tr', {}, el('td', { class: 'guess-char' }, guessChar(c)), el('td', { class: 'guess-prob' }, `${(g.probs[k] * 100).toFixed(1)}%`)),
    );
    this.detail.replaceChildren(
      el('p', {}, `After ‘${visibleChar(a.chars[t])}’ (character ${t + 1} of ${a.chars.length}): activation ${formatSigned(v)}`),
      el('table', { class: 'guesses' }, el('caption', {}, 'Most likely next characters'), el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Next'), el('th', { scope: 'col' }, 'Probability'))), el('tbody', {}, ...rows)),
    );
  }
}

function guesses(a: ActivationData, t: number): string {
  const g = a.top[t];
  return g.chars.map((c, k) => `‘${guessChar(c)}’ ${(g.probs[k] * 100).toFixed(1)}%`).join(', ');
}
