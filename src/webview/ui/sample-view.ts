/**
 * Sampling: a prompt, a length and a temperature; Generate asks the extension for a sample, which streams
 * back in `sample` messages (appended as text) until one with done: true. Stop asks it to stop.
 */
import { MAX_SAMPLE_LENGTH } from '../panel-protocol';
import { clamp, el } from './dom';
import type { SampleSettings } from './panel-state';

export interface SampleEvents {
  /** returns the request number used */
  onGenerate(settings: SampleSettings): number;
  onStop(): void;
  onSettings(settings: SampleSettings): void;
}

export class SampleView {
  readonly element: HTMLElement;
  private readonly prompt: HTMLTextAreaElement;
  private readonly length: HTMLInputElement;
  private readonly temperature: HTMLInputElement;
  private readonly generate: HTMLButtonElement;
  private readonly stop: HTMLButtonElement;
  private readonly output: HTMLElement;
  private readonly promptEcho: HTMLElement;
  private readonly statusLine: HTMLElement;
  private request = -1;
  private running = false;

  constructor(settings: SampleSettings, private readonly events: SampleEvents) {
    this.prompt = el('textarea', { id: 'sample-prompt', rows: 3, placeholder: 'A prompt (may be empty)', spellcheck: 'false' });
    this.prompt.value = settings.prompt;
    this.length = el('input', { type: 'number', id: 'sample-length', min: 1, max: MAX_SAMPLE_LENGTH, step: 1 });
    this.length.value = String(clampLength(settings.length));
    this.temperature = el('input', { type: 'number', id: 'sample-temperature', min: 0, max: 2, step: 0.05 });
    this.temperature.value = String(clampTemperature(settings.temperature));
    this.generate = el('button', { type: 'button', 'data-action': 'generate' }, 'Generate');
    this.stop = el('button', { type: 'button', class: 'secondary', 'data-action': 'stop', disabled: true }, 'Stop');
    this.promptEcho = el('span', { class: 'sample-prompt-echo' });
    this.output = el('span', { class: 'sample-text' });
    this.statusLine = el('p', { class: 'view-status', role: 'status' });

    for (const input of [this.prompt, this.length, this.temperature]) input.addEventListener('input', () => this.events.onSettings(this.settings(false)));
    for (const input of [this.length, this.temperature]) input.addEventListener('change', () => this.settings(true));
    this.generate.addEventListener('click', () => this.start());
    this.stop.addEventListener('click', () => {
      this.events.onStop();
      this.finish('Stopped.');
    });
    this.prompt.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.start();
      }
    });

    this.element = el(
      'section',
      { class: 'view view-sample' },
      el('label', { for: 'sample-prompt' }, 'Prompt'),
      this.prompt,
      el(
        'div',
        { class: 'toolbar' },
        el('label', { for: 'sample-length' }, 'Length'),
        this.length,
        el('label', { for: 'sample-temperature' }, 'Temperature'),
        this.temperature,
        this.generate,
        this.stop,
      ),
      this.statusLine,
      el('pre', { class: 'sample-output', 'aria-label': 'The sample', tabindex: 0 }, this.promptEcho, this.output),
    );
  }

  /** The inputs as settings; `fix` writes clamped values back into the inputs. */
  private settings(fix: boolean): SampleSettings {
    const s = { prompt: this.prompt.value, length: clampLength(Number(this.length.value)), temperature: clampTemperature(Number(this.temperature.value)) };
    if (fix) {
      this.length.value = String(s.length);
      this.temperature.value = String(s.temperature);
    }
    return s;
  }

  private start(): void {
    const s = this.settings(true);
    this.events.onSettings(s);
    this.promptEcho.textContent = s.prompt;
    this.output.textContent = '';
    this.request = this.events.onGenerate(s);
    this.running = true;
    this.generate.disabled = true;
    this.stop.disabled = false;
    this.statusLine.textContent = 'Generating…';
  }

  private finish(status: string): void {
    this.running = false;
    this.generate.disabled = false;
    this.stop.disabled = true;
    this.statusLine.textContent = status;
  }

  /** A streamed piece: appended if it belongs to the latest request (also after Stop, until done). */
  onChunk(request: number, text: string, done: boolean): void {
    if (request !== this.request) return;
    if (text) this.output.append(text);
    if (done && this.running) this.finish('Done.');
  }

  /** An error for the latest sample request. Returns false if the request is not ours. */
  onError(request: number | undefined, message: string): boolean {
    if (request === undefined || request !== this.request) return false;
    this.finish(message);
    return true;
  }
}

function clampLength(n: number): number {
  return Number.isFinite(n) ? clamp(Math.round(n), 1, MAX_SAMPLE_LENGTH) : 200;
}

function clampTemperature(t: number): number {
  return Number.isFinite(t) ? clamp(Math.round(t * 100) / 100, 0, 2) : 0.8;
}
