/**
 * Narration: the scenario's notes in plain words, in order, up to the cursor; the current
 * one highlighted, the 'key' ones emphasised, warnings marked. A filter keeps only the key
 * moments. Only the rows in sight exist, and the list scrolls by the wheel through an
 * offset of its own, so drawing it never forces the browser to lay the page out: a run
 * with thousands of notes scrubs as lightly as one with ten. It follows the cursor until
 * the user scrolls back; a click on a note moves the cursor there.
 */
import type { TraceEvent } from '../../../engine/index.ts';
import type { Focus } from '../model/focus.ts';
import { fixed, fmtTime } from '../model/format.ts';
import type { RunSet } from '../model/run-set.ts';
import type { TraceStore } from '../model/trace-store.ts';
import { wordPattern } from '../model/witnesses.ts';
import { el, type FocusRequest, onResize, panelChrome, type View } from './view.ts';

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
  /** Per run: indices into store.notes of the notes the filter keeps (grown as notes arrive). */
  private keyIdx: number[][] = [];
  private keyScanned: number[] = [];
  /** The story being told: the notes naming this key (null: every note). */
  private story: { key: string; pattern: RegExp } | null = null;
  private readonly storyBar: HTMLElement;
  private readonly storyLabel: HTMLElement;

  constructor(
    section: HTMLElement,
    private readonly request: FocusRequest,
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
      this.resetFilter();
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
    this.storyBar = el('div', 'story-bar');
    this.storyLabel = el('span', 'story-label');
    const clear = el('button', 'tool-button', 'all notes');
    clear.title = 'Show every note again';
    clear.onclick = () => this.tell(null);
    this.storyBar.append(this.storyLabel, clear);
    this.storyBar.hidden = true;
    chrome.body.append(this.storyBar, this.list, this.position);
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

  /** A focus with a key tells that key's story: only the notes naming it. */
  focus(focus: Focus | null): void {
    this.tell(focus?.key ?? null);
  }

  private tell(key: string | null): void {
    this.story = key === null ? null : { key, pattern: wordPattern(key) };
    this.storyBar.hidden = key === null;
    this.storyLabel.textContent = key === null ? '' : `The story of ${key}`;
    this.follow = true;
    this.resetFilter();
    this.lastKey = '';
    this.draw();
  }

  private filtering(): boolean {
    return this.keyOnly.checked || this.story !== null;
  }

  private resetFilter(): void {
    this.keyIdx = (this.runs?.stores ?? []).map(() => []);
    this.keyScanned = (this.runs?.stores ?? []).map(() => 0);
    this.lastKey = '';
  }

  private visible(): number {
    return Math.max(1, Math.floor(this.height / ROW_H));
  }

  /** How many notes are listed and the first row in sight. */
  private window(): { count: number; top: number; current: number } {
    const store = this.runs?.stores[this.run];
    if (store === undefined) return { count: 0, top: 0, current: -1 };
    this.scanKeys(store);
    const upTo = store.noteAt(this.t) + 1;
    const shown = this.filtering() ? lowerBound(this.keyIdx[this.run]!, upTo) : upTo;
    // A key's story is told whole (what is still ahead of the cursor greyed); otherwise up to the cursor.
    const count = this.story !== null ? this.keyIdx[this.run]!.length : shown;
    const current = shown - 1;
    const follow = Math.max(0, Math.min(count - this.visible(), current - this.visible() + 2));
    const top = this.follow ? follow : Math.min(this.first, Math.max(0, count - 1));
    if (this.follow) this.first = top;
    return { count, top, current };
  }

  private draw(): void {
    const runs = this.runs;
    if (runs === null) {
      for (const r of this.rows) r.hidden = true;
      return;
    }
    const store = runs.stores[this.run]!;
    const { count, top, current } = this.window();
    const visible = this.visible() + 1;
    const key = `${this.run}:${count}:${top}:${current}:${this.keyOnly.checked}:${this.story?.key ?? ''}:${visible}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.followButton.hidden = this.follow;
    this.position.textContent =
      count === 0 ? 'no narration yet' : `${fixed(Math.min(count, top + 1), 0)}–${fixed(Math.min(count, top + visible - 1), 0)} of ${fixed(count, 0)}`;
    while (this.rows.length < visible) {
      const row = el('div', 'note');
      row.onclick = () => {
        const time = Number(row.dataset.time);
        if (!Number.isFinite(time)) return;
        this.request({
          kind: 'note',
          t: time,
          key: this.story?.key ?? null,
          nodes: row.dataset.node ? [row.dataset.node] : [],
          witnesses: [],
          run: this.run,
          id: `note:${this.run}:${row.dataset.event}`,
          label: row.title,
        });
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
      const noteIndex = this.filtering() ? keys[i]! : i;
      const event = store.events[store.notes[noteIndex]!] as Extract<TraceEvent, { type: 'note' }>;
      row.hidden = false;
      row.style.transform = `translateY(${k * ROW_H}px)`;
      row.className = `note level-${event.level}${i === current ? ' current' : i > current ? ' ahead' : ''}`;
      if (row.dataset.event === String(store.notes[noteIndex])) return;
      row.dataset.event = String(store.notes[noteIndex]);
      row.dataset.time = String(event.t);
      row.dataset.node = event.node ?? '';
      row.title = event.text;
      const text = el('span', 'note-text');
      // Notes usually open with their node's name ("p3 aborts t5"): bold it there rather than say it twice.
      const who = event.node ?? 'scenario';
      if (event.node !== undefined && event.text.startsWith(`${event.node} `)) {
        text.append(el('b', 'note-node', event.node), document.createTextNode(event.text.slice(event.node.length)));
      } else text.append(el('b', 'note-node', who), document.createTextNode(` ${event.text}`));
      row.replaceChildren(el('span', 'note-time', fmtTime(event.t)), text);
    });
  }

  private scanKeys(store: TraceStore): void {
    const keys = this.keyIdx[this.run]!;
    for (let i = this.keyScanned[this.run]!; i < store.notes.length; i++) {
      const e = store.events[store.notes[i]!]!;
      if (e.type !== 'note') continue;
      if (this.keyOnly.checked && e.level === 'info') continue;
      if (this.story !== null && !this.story.pattern.test(e.text)) continue;
      keys.push(i);
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
