/**
 * The WAI-ARIA tabs pattern: a tablist of buttons with roving tabindex (Left/Right/Home/End move and
 * activate, the selected tab alone is in the tab order), each controlling a tabpanel.
 */
import { el } from './dom';

export interface TabSpec<Id extends string> {
  id: Id;
  label: string;
  panel: HTMLElement;
}

export class Tabs<Id extends string> {
  readonly element: HTMLElement;
  private readonly buttons = new Map<Id, HTMLButtonElement>();
  private current: Id;

  constructor(
    private readonly specs: TabSpec<Id>[],
    label: string,
    initial: Id,
    private readonly onChange: (id: Id) => void,
  ) {
    this.element = el('div', { role: 'tablist', 'aria-label': label, class: 'tabs' });
    for (const spec of specs) {
      const button = el('button', { type: 'button', role: 'tab', id: `tab-${spec.id}`, 'aria-controls': `panel-${spec.id}`, class: 'tab' }, spec.label);
      button.addEventListener('click', () => this.select(spec.id, true));
      button.addEventListener('keydown', (e) => this.onKey(e, spec.id));
      this.buttons.set(spec.id, button);
      this.element.append(button);
      spec.panel.id = `panel-${spec.id}`;
      spec.panel.setAttribute('role', 'tabpanel');
      spec.panel.setAttribute('aria-labelledby', `tab-${spec.id}`);
      spec.panel.tabIndex = -1;
    }
    this.current = initial;
    this.select(initial, false);
  }

  get selected(): Id {
    return this.current;
  }

  select(id: Id, focus: boolean): void {
    this.current = id;
    for (const spec of this.specs) {
      const on = spec.id === id;
      const button = this.buttons.get(spec.id)!;
      button.setAttribute('aria-selected', String(on));
      button.tabIndex = on ? 0 : -1;
      spec.panel.hidden = !on;
    }
    if (focus) this.buttons.get(id)!.focus();
    this.onChange(id);
  }

  private onKey(e: KeyboardEvent, id: Id): void {
    const ids = this.specs.map((s) => s.id);
    const i = ids.indexOf(id);
    let next: number | undefined;
    if (e.key === 'ArrowRight') next = (i + 1) % ids.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + ids.length) % ids.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = ids.length - 1;
    if (next === undefined) return;
    e.preventDefault();
    this.select(ids[next], true);
  }
}
