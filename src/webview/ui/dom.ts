/**
 * DOM building without markup: every text goes through textContent or a property, never innerHTML, so
 * that workspace text (untrusted) always shows as text.
 */

type Attrs = Record<string, string | number | boolean | undefined>;

/** An element with attributes (`false`/`undefined` leave one out) and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    e.setAttribute(name, value === true ? '' : String(value));
  }
  e.append(...children);
  return e;
}

/** How a character of the text shows on an axis or in a tooltip: newline ⏎, space ·, tab ⇥, other controls as control pictures. */
export function visibleChar(c: string): string {
  if (c === '\n') return '⏎';
  if (c === ' ') return '·';
  if (c === '\t') return '⇥';
  if (c === '\r') return '␍';
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return '␡';
  return c;
}

/** A next-character guess as shown: the empty symbol (end of text) as ∅. */
export function guessChar(c: string): string {
  return c === '' ? '∅' : visibleChar(c);
}

/** 1234567 -> "1.23M", 52300 -> "52.3k". */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${trim(n / 1e9)}G`;
  if (a >= 1e6) return `${trim(n / 1e6)}M`;
  if (a >= 1e3) return `${trim(n / 1e3)}k`;
  return trim(n);
}

function trim(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** 192 -> "3 min 12 s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatSigned(v: number): string {
  return (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(3);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
