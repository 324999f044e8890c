/**
 * What every view is: it is given the runs on screen (or none) and draws them at a
 * simulated time. `render` must be cheap: it runs for every cursor move. A view may also
 * follow the focus (what the user clicked) and ask for one.
 */
import type { Focus } from '../model/focus.ts';
import type { RunSet } from '../model/run-set.ts';

export interface View {
  load(runs: RunSet | null): void;
  render(t: number): void;
  /** What the user asked to look at (null: nothing in particular). */
  focus?(focus: Focus | null): void;
}

/** How a view asks the app to pause at a moment and highlight what is there. */
export type FocusRequest = (focus: Focus) => void;

/** The chrome of a panel: a header with a title and tools, and a body. */
export function panelChrome(section: HTMLElement, title: string, hint?: string): { header: HTMLElement; tools: HTMLElement; body: HTMLElement } {
  section.replaceChildren();
  const header = el('div', 'panel-header');
  const h = el('h2', 'panel-title', title);
  if (hint !== undefined) h.title = hint;
  const tools = el('div', 'panel-tools');
  header.append(h, tools);
  const body = el('div', 'panel-body');
  section.append(header, body);
  return { header, tools, body };
}

/** A new element with a class and optional text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Calls `fn` with the element's content size now and whenever it changes. */
export function onResize(target: HTMLElement, fn: (width: number, height: number) => void): void {
  const observer = new ResizeObserver(() => fn(target.clientWidth, target.clientHeight));
  observer.observe(target);
}

/** A canvas sized for the device pixel ratio; returns its 2D context scaled to CSS pixels. */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}
