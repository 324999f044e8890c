/**
 * Canvas marks shared by the space-time diagram and its layer: hatched bands, arrow heads,
 * diamonds, legend swatches, and the gutter width that both agree on.
 */
import { el } from './view.ts';

/** Width of the lane labels left of the plot, in CSS px. */
export const GUTTER = 96;

export function hatch(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, color: string, alpha: number): void {
  ctx.save();
  ctx.globalAlpha = alpha;
  ctx.fillStyle = color;
  ctx.fillRect(x, y, w, h);
  ctx.globalAlpha = Math.min(1, alpha * 2.4);
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let k = x - h; k < x + w; k += 7) {
    ctx.moveTo(k, y + h);
    ctx.lineTo(k + h, y);
  }
  ctx.stroke();
  ctx.restore();
}

export function arrowHead(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const s = 5;
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - s * Math.cos(angle - 0.45), y1 - s * Math.sin(angle - 0.45));
  ctx.lineTo(x1 - s * Math.cos(angle + 0.45), y1 - s * Math.sin(angle + 0.45));
  ctx.closePath();
}

/** Adds a diamond to the current path (the caller fills). */
export function diamond(ctx: CanvasRenderingContext2D, x: number, y: number, s: number): void {
  ctx.moveTo(x, y - s);
  ctx.lineTo(x + s, y);
  ctx.lineTo(x, y + s);
  ctx.lineTo(x - s, y);
  ctx.closePath();
}

export function lowerBoundBy(values: readonly number[], key: (v: number) => number, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(values[mid]!) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function legendItem(kind: 'line' | 'cross' | 'band' | 'diamond' | 'tri', color: string, text: string): HTMLElement {
  const item = el('span', 'legend-item');
  const sw = el('span', `swatch ${kind}`);
  if (kind === 'cross') sw.textContent = '✕';
  else if (kind === 'diamond') sw.textContent = '◆';
  else if (kind === 'tri') sw.textContent = '▲';
  if (kind === 'line') sw.style.borderTopColor = color;
  else if (kind === 'band') sw.style.background = color;
  else sw.style.color = color;
  item.append(sw, document.createTextNode(text));
  return item;
}
