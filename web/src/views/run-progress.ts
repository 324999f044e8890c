/**
 * While a run computes: what is being computed, for how long so far, and a way to stop it.
 * The previous run is stopped before this shows, so nothing plays behind it. Wall-clock time
 * belongs to the web layer; it only measures how long the wait has been.
 */
import { fixed } from '../model/format.ts';
import { el } from './view.ts';

export class RunProgress {
  private readonly label: HTMLElement;
  private readonly elapsed: HTMLElement;
  private started = 0;
  private timer = 0;
  private detail = '';

  constructor(
    private readonly root: HTMLElement,
    cancel: () => void,
  ) {
    root.replaceChildren();
    root.setAttribute('role', 'status');
    root.hidden = true;
    this.label = el('span', 'progress-label');
    this.elapsed = el('span', 'progress-elapsed');
    const bar = el('span', 'progress-bar');
    const stop = el('button', 'small-button', 'Stop');
    stop.id = 'stop-run';
    stop.onclick = cancel;
    root.append(bar, this.label, this.elapsed, stop);
  }

  show(what: string): void {
    this.label.textContent = `Computing ${what}…`;
    this.started = performance.now();
    this.elapsed.textContent = '';
    this.detail = '';
    this.root.hidden = false;
    clearInterval(this.timer);
    this.timer = window.setInterval(() => this.tick(), 100);
  }

  /** A line of progress from the engine (events recorded so far). */
  note(text: string): void {
    this.detail = text;
    this.tick();
  }

  private tick(): void {
    const seconds = `${fixed((performance.now() - this.started) / 1000, 1, true)} s`;
    this.elapsed.textContent = this.detail === '' ? seconds : `${seconds} · ${this.detail}`;
  }

  hide(): void {
    clearInterval(this.timer);
    this.root.hidden = true;
  }

  get visible(): boolean {
    return !this.root.hidden;
  }
}
