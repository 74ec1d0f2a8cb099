/**
 * The heatmap's diverging scale on [-1, 1]: linear in sRGB from NEGATIVE (-1) through the editor's
 * background (0) to POSITIVE (+1). The ends are fixed colours, readable on light, dark and high-contrast
 * backgrounds alike; 0 blends into the theme, so only strong activations stand out.
 */
import type { Rgb } from './theme';

/** -1: blue #2563eb */
const NEGATIVE: Rgb = [37, 99, 235];
/** +1: red #dc2626 */
const POSITIVE: Rgb = [220, 38, 38];

/** Table entries: value v maps to entry round((v + 1) * STEPS / 2). */
const STEPS = 510;

export class ColourScale {
  /** ABGR-packed pixels (little-endian RGBA bytes), one per entry, for writing ImageData through a Uint32Array */
  readonly packed = new Uint32Array(STEPS + 1);
  /** CSS colours, one per entry */
  private readonly css: string[] = [];
  private readonly rgb: Rgb[] = [];

  constructor(readonly zero: Rgb) {
    for (let k = 0; k <= STEPS; k++) {
      const v = (2 * k) / STEPS - 1;
      const end = v < 0 ? NEGATIVE : POSITIVE;
      const t = Math.abs(v);
      const c: Rgb = [0, 1, 2].map((j) => Math.round(zero[j] + t * (end[j] - zero[j]))) as Rgb;
      this.rgb.push(c);
      this.css.push(`rgb(${c[0]}, ${c[1]}, ${c[2]})`);
      this.packed[k] = ((255 << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
    }
  }

  static index(v: number): number {
    const k = Math.round((v + 1) * (STEPS / 2));
    return k < 0 ? 0 : k > STEPS ? STEPS : k;
  }

  colour(v: number): string {
    return this.css[ColourScale.index(v)];
  }

  /** Black or white, whichever reads better on the colour of v. */
  textOn(v: number): string {
    const [r, g, b] = this.rgb[ColourScale.index(v)];
    const lum = (0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b));
    return lum > 0.179 ? '#000000' : '#ffffff';
  }
}

function lin(c: number): number {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}
