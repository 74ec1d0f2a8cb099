/**
 * The VS Code theme as colours a canvas can use. VS Code sets `--vscode-*` variables on <html> and a class
 * on <body> (vscode-light, vscode-dark, vscode-high-contrast, vscode-high-contrast-light); a change of
 * theme changes them in place, so `onThemeChange` watches both.
 */

export type Rgb = [number, number, number];

export interface Theme {
  foreground: string;
  background: string;
  backgroundRgb: Rgb;
  /** the training-loss series */
  loss: string;
  /** the validation series */
  val: string;
  grid: string;
  focus: string;
  fontFamily: string;
  editorFontFamily: string;
  highContrast: boolean;
}

let probe: HTMLElement | undefined;

/** A CSS colour (with var() fallbacks) resolved to rgb()/rgba() by the browser. */
function resolve(css: string): string {
  if (!probe) {
    probe = document.createElement('span');
    probe.hidden = true;
    document.body.append(probe);
  }
  probe.style.color = '';
  probe.style.color = css;
  return getComputedStyle(probe).color;
}

function parseRgb(color: string): Rgb {
  const m = /rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(color);
  return m ? [Math.round(Number(m[1])), Math.round(Number(m[2])), Math.round(Number(m[3]))] : [255, 255, 255];
}

export function readTheme(): Theme {
  const body = getComputedStyle(document.body);
  const fg = resolve('var(--vscode-editor-foreground, #333333)');
  const bg = resolve('var(--vscode-editor-background, #ffffff)');
  const [r, g, b] = parseRgb(fg);
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    foreground: fg,
    background: bg,
    backgroundRgb: parseRgb(bg),
    loss: resolve('var(--vscode-charts-blue, #1a85ff)'),
    val: resolve('var(--vscode-charts-orange, #d18616)'),
    grid: `rgba(${r}, ${g}, ${b}, ${highContrast ? 0.45 : 0.14})`,
    focus: resolve('var(--vscode-focusBorder, #0090f1)'),
    fontFamily: body.fontFamily || 'system-ui, sans-serif',
    editorFontFamily: getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-font-family').trim() || 'monospace',
    highContrast,
  };
}

/** Calls `f` (at most once a frame) after the theme changed. */
export function onThemeChange(f: () => void): void {
  let queued = false;
  const fire = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      f();
    });
  };
  const observer = new MutationObserver(fire);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
