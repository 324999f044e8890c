/**
 * Narration: the scenario's notes in plain words, in order, up to the cursor; the current
 * one highlighted, the 'key' ones emphasised, warnings marked. A filter keeps only the key
 * moments. Only the rows in sight exist, and the list scrolls by the wheel through an
 * offset of its own, so drawing it never forces the browser to lay the page out: a run
 * with thousands of notes scrubs as lightly as one with ten. It follows the cursor until
 * the user scrolls back; a click on a note moves the cursor there.
 */
import type { TraceEvent } from '../../../engine/index.ts';
import { fixed, fmtTime } from '../model/format.ts';
import type { RunSet } from '../model/run-set.ts';
import type { TraceStore } from '../model/trace-store.ts';
import { el, onResize, panelChrome, type View } from './view.ts';

const ROW_H = 40;

export class NarrationView implements View {
  private readonly list: HTMLElement;
  private readonly rows: HTMLElement[] = [];
  private readonly keyOnly: HTMLInputElement;
  private readonly runPick: HTMLSelectElement;
  private readonly followButton: HTMLButtonElement;
  private readonly position: HTMLElement;
  private runs: RunSet | null = null;
  private run = 0;
  private follow = true;
  /** Index of the first row shown when not following. */
  private first = 0;
  private height = 200;
  private lastKey = '';
  private t = 0;
  /** Per run: indices into store.notes of key notes (grown as notes arrive). */
  private keyIdx: number[][] = [];
  private keyScanned: number[] = [];

  constructor(
    section: HTMLElement,
    private readonly seek: (t: number) => void,
  ) {
    const chrome = panelChrome(section, 'Narration', 'What happened, in plain words');
    this.runPick = el('select', 'tool-select');
    this.runPick.setAttribute('aria-label', 'Run to narrate');
    this.runPick.onchange = () => {
      this.run = Number(this.runPick.value);
      this.follow = true;
      this.draw();
    };
    const label = el('label', 'tool-toggle');
    this.keyOnly = el('input');
    this.keyOnly.type = 'checkbox';
    this.keyOnly.onchange = () => {
      this.follow = true;
      this.draw();
    };
    label.append(this.keyOnly, document.createTextNode('key moments only'));
    this.followButton = el('button', 'tool-button', '↓ follow');
    this.followButton.title = 'Follow the cursor again';
    this.followButton.onclick = () => {
      this.follow = true;
      this.draw();
    };
    chrome.tools.append(this.runPick, label, this.followButton);
    this.list = el('div', 'narration-list');
    this.position = el('div', 'list-position');
    chrome.body.append(this.list, this.position);
    chrome.body.classList.add('narration-body');
    onResize(this.list, (_w, h) => {
      this.height = h;
      this.lastKey = '';
      this.draw();
    });
    this.list.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const { count, top } = this.window();
        this.first = Math.max(
          0,
          Math.min(Math.max(0, count - this.visible() + 1), top + Math.sign(e.deltaY) * Math.max(1, Math.round(Math.abs(e.deltaY) / ROW_H))),
        );
        this.follow = this.first >= count - this.visible() + 1;
        this.draw();
      },
      { passive: false },
    );
  }

  load(runs: RunSet | null): void {
    this.runs = runs;
    this.run = 0;
    this.follow = true;
    this.keyIdx = (runs?.stores ?? []).map(() => []);
    this.keyScanned = (runs?.stores ?? []).map(() => 0);
    this.runPick.replaceChildren();
    this.runPick.hidden = !(runs?.compare ?? false);
    for (const [i, label] of (runs?.labels ?? []).entries()) this.runPick.append(new Option(label, String(i)));
    this.lastKey = '';
    this.render(0);
  }

  render(t: number): void {
    this.t = t;
    this.draw();
  }

  private visible(): number {
    return Math.max(1, Math.floor(this.height / ROW_H));
  }

  /** How many notes are listed and the first row in sight. */
  private window(): { count: number; top: number } {
    const store = this.runs?.stores[this.run];
    if (store === undefined) return { count: 0, top: 0 };
    this.scanKeys(store);
    const upTo = store.noteAt(this.t) + 1;
    const count = this.keyOnly.checked ? lowerBound(this.keyIdx[this.run]!, upTo) : upTo;
    const top = this.follow ? Math.max(0, count - this.visible()) : Math.min(this.first, Math.max(0, count - 1));
    if (this.follow) this.first = top;
    return { count, top };
  }

  private draw(): void {
    const runs = this.runs;
    if (runs === null) {
      for (const r of this.rows) r.hidden = true;
      return;
    }
    const store = runs.stores[this.run]!;
    const { count, top } = this.window();
    const visible = this.visible() + 1;
    const key = `${this.run}:${count}:${top}:${this.keyOnly.checked}:${visible}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.followButton.hidden = this.follow;
    this.position.textContent =
      count === 0 ? 'no narration yet' : `${fixed(Math.min(count, top + 1), 0)}–${fixed(Math.min(count, top + visible - 1), 0)} of ${fixed(count, 0)}`;
    while (this.rows.length < visible) {
      const row = el('div', 'note');
      row.onclick = () => {
        const time = Number(row.dataset.time);
        if (Number.isFinite(time)) this.seek(time);
      };
      this.rows.push(row);
      this.list.append(row);
    }
    const keys = this.keyIdx[this.run]!;
    this.rows.forEach((row, k) => {
      const i = top + k;
      if (k >= visible || i >= count) {
        row.hidden = true;
        return;
      }
      const noteIndex = this.keyOnly.checked ? keys[i]! : i;
      const event = store.events[store.notes[noteIndex]!] as Extract<TraceEvent, { type: 'note' }>;
      row.hidden = false;
      row.style.transform = `translateY(${k * ROW_H}px)`;
      row.className = `note level-${event.level}${i === count - 1 ? ' current' : ''}`;
      if (row.dataset.event === String(store.notes[noteIndex])) return;
      row.dataset.event = String(store.notes[noteIndex]);
      row.dataset.time = String(event.t);
      row.title = event.text;
      const text = el('span', 'note-text');
      text.append(el('b', 'note-node', event.node ?? 'scenario'), document.createTextNode(` ${event.text}`));
      row.replaceChildren(el('span', 'note-time', fmtTime(event.t)), text);
    });
  }

  private scanKeys(store: TraceStore): void {
    const keys = this.keyIdx[this.run]!;
    for (let i = this.keyScanned[this.run]!; i < store.notes.length; i++) {
      const e = store.events[store.notes[i]!]!;
      if (e.type === 'note' && e.level !== 'info') keys.push(i);
    }
    this.keyScanned[this.run] = store.notes.length;
  }
}

function lowerBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
