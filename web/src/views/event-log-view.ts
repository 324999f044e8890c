/**
 * The event log: every trace event, filterable by kind, node and text, drawn on a canvas
 * that only paints the visible rows (a 100,000-event run scrolls like a 100-event one).
 * The row at the cursor is highlighted and kept in view while following; events after the
 * cursor are greyed. A click on a row moves the cursor to that event.
 */
import { describeFault, type TraceEvent } from '../../../engine/index.ts';
import type { Focus } from '../model/focus.ts';
import { fixed, fmtNumber, fmtTimePrecise, preview } from '../model/format.ts';
import { DROP_COLORS, OKABE_ITO, VERDICT_COLORS } from '../model/palette.ts';
import type { RunSet } from '../model/run-set.ts';
import { messageTypeOf, type TraceStore } from '../model/trace-store.ts';
import { el, type FocusRequest, onResize, panelChrome, sizeCanvas, type View } from './view.ts';

const ROW_H = 18;

const KINDS: Record<string, readonly TraceEvent['type'][]> = {
  'protocol events': [
    'send',
    'deliver',
    'drop',
    'duplicate',
    'crash',
    'restart',
    'pause',
    'resume',
    'slow',
    'partition',
    'heal',
    'degrade',
    'restore',
    'inject',
    'state',
    'violation',
    'note',
  ],
  'all events': [],
  messages: ['send', 'deliver', 'drop', 'duplicate'],
  drops: ['drop'],
  faults: ['crash', 'restart', 'pause', 'resume', 'slow', 'partition', 'heal', 'degrade', 'restore', 'inject'],
  states: ['state'],
  notes: ['note'],
  metrics: ['metric'],
  timers: ['timer'],
  violations: ['violation'],
};

const TYPE_COLORS: Partial<Record<TraceEvent['type'], string>> = {
  send: OKABE_ITO.blue,
  deliver: OKABE_ITO.bluishGreen,
  drop: DROP_COLORS['node-down'],
  crash: OKABE_ITO.vermillion,
  restart: OKABE_ITO.bluishGreen,
  partition: OKABE_ITO.reddishPurple,
  heal: OKABE_ITO.reddishPurple,
  violation: VERDICT_COLORS.violated,
  note: '#1d2733',
  state: OKABE_ITO.orange,
};

export class EventLogView implements View {
  private readonly canvas: HTMLCanvasElement;
  private readonly followButton: HTMLButtonElement;
  private readonly position: HTMLElement;
  private ctx: CanvasRenderingContext2D;
  private readonly kind: HTMLSelectElement;
  private readonly node: HTMLSelectElement;
  private readonly text: HTMLInputElement;
  private readonly runPick: HTMLSelectElement;
  private readonly count: HTMLElement;
  private runs: RunSet | null = null;
  private run = 0;
  private filtered = new Int32Array(1024);
  private filteredLength = 0;
  private scanned = 0;
  private follow = true;
  /** First row in sight when not following. */
  private first = 0;
  private width = 300;
  private height = 100;
  private t = 0;
  private debounce = 0;
  /** Row text by event index (formatting is the costly part of drawing a row). */
  private texts: (string | undefined)[] = [];

  /** The event the user clicked (an index into the run's events), drawn as selected. */
  private selected = -1;
  /** The rows in sight as text: the canvas's text alternative for screen readers. */
  private readonly textRows: HTMLElement;
  private textKey = '';

  constructor(
    section: HTMLElement,
    private readonly request: FocusRequest,
  ) {
    const chrome = panelChrome(section, 'Event log');
    this.runPick = el('select', 'tool-select');
    this.runPick.setAttribute('aria-label', 'Run whose events are listed');
    this.kind = el('select', 'tool-select');
    this.kind.setAttribute('aria-label', 'Kinds of events listed');
    for (const k of Object.keys(KINDS)) this.kind.append(new Option(k, k));
    this.node = el('select', 'tool-select');
    this.node.setAttribute('aria-label', 'Node whose events are listed');
    this.text = el('input', 'tool-input');
    this.text.type = 'search';
    this.text.placeholder = 'filter text';
    this.text.setAttribute('aria-label', 'Filter events by text');
    this.count = el('span', 'tool-readout');
    chrome.tools.append(this.count, this.runPick, this.kind, this.node, this.text);
    const refilter = (): void => this.resetFilter();
    this.kind.onchange = refilter;
    this.node.onchange = refilter;
    this.runPick.onchange = () => {
      this.run = Number(this.runPick.value);
      refilter();
    };
    this.text.oninput = () => {
      clearTimeout(this.debounce);
      this.debounce = window.setTimeout(refilter, 150);
    };
    this.followButton = el('button', 'tool-button', '↓ follow');
    this.followButton.title = 'Follow the cursor again';
    this.followButton.onclick = () => {
      this.follow = true;
      this.draw();
    };
    chrome.tools.append(this.followButton);
    this.canvas = el('canvas', 'log-canvas');
    this.canvas.setAttribute('aria-hidden', 'true');
    this.textRows = el('ol', 'sr-only log-text');
    this.textRows.setAttribute('aria-label', 'Events in sight, the one at the cursor marked');
    this.position = el('div', 'list-position');
    chrome.body.append(this.canvas, this.textRows, this.position);
    chrome.body.classList.add('log-body');
    this.ctx = this.canvas.getContext('2d')!;
    onResize(chrome.body, (w, h) => {
      this.width = w;
      this.height = h;
      this.ctx = sizeCanvas(this.canvas, w, h);
      this.draw();
    });
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const rows = this.rowsInSight();
        const top = this.topRow();
        this.first = Math.max(
          0,
          Math.min(Math.max(0, this.filteredLength - rows), top + Math.sign(e.deltaY) * Math.max(1, Math.round(Math.abs(e.deltaY) / ROW_H))),
        );
        this.follow = false;
        this.draw();
      },
      { passive: false },
    );
    this.canvas.addEventListener('click', (e) => {
      const rect = this.canvas.getBoundingClientRect();
      const row = this.topRow() + Math.floor((e.clientY - rect.top) / ROW_H);
      const store = this.store();
      if (store === null || row < 0 || row >= this.filteredLength) return;
      const index = this.filtered[row]!;
      const event = store.events[index]!;
      this.selected = index;
      this.request({
        kind: 'log',
        t: event.t,
        key: null,
        nodes: nodesOf(event),
        witnesses: [],
        run: this.run,
        id: `log:${this.run}:${index}`,
        label: describeEvent(event),
      });
    });
  }

  load(runs: RunSet | null): void {
    this.runs = runs;
    this.run = 0;
    this.runPick.replaceChildren();
    this.runPick.hidden = !(runs?.compare ?? false);
    for (const [i, label] of (runs?.labels ?? []).entries()) this.runPick.append(new Option(label, String(i)));
    this.node.replaceChildren(new Option('all nodes', ''));
    for (const n of runs?.stores[0]?.nodes ?? []) this.node.append(new Option(n, n));
    this.resetFilter();
  }

  render(t: number): void {
    this.t = t;
    this.scan();
    this.draw();
  }

  focus(focus: Focus | null): void {
    if (focus === null || focus.kind !== 'log') this.selected = -1;
    this.follow = true;
  }

  private store(): TraceStore | null {
    return this.runs?.stores[this.run] ?? null;
  }

  private resetFilter(): void {
    this.filteredLength = 0;
    this.texts = [];
    this.scanned = 0;
    this.follow = true;
    this.scan();
    this.draw();
  }

  /** Extends the filtered list with events that arrived since the last scan. */
  private scan(): void {
    const store = this.store();
    if (store === null) return;
    const kinds = KINDS[this.kind.value] ?? [];
    const node = this.node.value;
    const text = this.text.value.trim().toLowerCase();
    for (let i = this.scanned; i < store.length; i++) {
      const e = store.events[i]!;
      if (kinds.length > 0 && !kinds.includes(e.type)) continue;
      if (node !== '' && !involves(e, node)) continue;
      if (text !== '' && !JSON.stringify(e).toLowerCase().includes(text)) continue;
      if (this.filteredLength === this.filtered.length) {
        const next = new Int32Array(this.filtered.length * 2);
        next.set(this.filtered);
        this.filtered = next;
      }
      this.filtered[this.filteredLength++] = i;
    }
    this.scanned = store.length;
    this.count.textContent = `${fixed(this.filteredLength, 0)} of ${fixed(store.length, 0)}`;
  }

  /** Row of the last filtered event at or before the cursor (-1: none). */
  private cursorRow(): number {
    const store = this.store();
    if (store === null) return -1;
    let lo = 0;
    let hi = this.filteredLength;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (store.times[this.filtered[mid]!]! <= this.t) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private rowsInSight(): number {
    return Math.max(1, Math.floor(this.height / ROW_H));
  }

  /** The first row in sight: around the cursor while following, else where the user scrolled. */
  private topRow(): number {
    const rows = this.rowsInSight();
    if (!this.follow) return Math.min(this.first, Math.max(0, this.filteredLength - rows));
    const current = this.cursorRow();
    return Math.max(0, Math.min(current - Math.floor(rows * 0.6), this.filteredLength - rows));
  }

  private draw(): void {
    const store = this.store();
    const ctx = this.ctx;
    ctx.clearRect(0, 0, this.width, this.height);
    this.followButton.hidden = this.follow;
    if (store === null) return;
    const current = this.cursorRow();
    const first = this.topRow();
    const rows = Math.ceil(this.height / ROW_H);
    this.position.textContent = this.filteredLength === 0 ? '' : `${fixed(first + 1, 0)}–${fixed(Math.min(this.filteredLength, first + rows), 0)}`;
    ctx.font = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
    ctx.textBaseline = 'middle';
    const room = Math.max(10, Math.floor((this.width - 186) / 6.6));
    for (let k = 0; k < rows; k++) {
      const row = first + k;
      if (row >= this.filteredLength) break;
      const index = this.filtered[row]!;
      const e = store.events[index]!;
      const y = k * ROW_H;
      if (index === this.selected) {
        ctx.fillStyle = '#ffe08a';
        ctx.fillRect(0, y, this.width, ROW_H);
        ctx.fillStyle = '#1d2733';
        ctx.fillRect(0, y, 3, ROW_H);
      } else if (row === current) {
        ctx.fillStyle = '#fff3c4';
        ctx.fillRect(0, y, this.width, ROW_H);
      } else if (row % 2 === 1) {
        ctx.fillStyle = '#f7f8fa';
        ctx.fillRect(0, y, this.width, ROW_H);
      }
      ctx.globalAlpha = e.t > this.t ? 0.55 : 1;
      const mid = y + ROW_H / 2;
      ctx.fillStyle = '#5b6573';
      ctx.fillText(fmtTimePrecise(e.t).padStart(14), 4, mid);
      ctx.fillStyle = TYPE_COLORS[e.type] ?? '#5b6573';
      ctx.fillText(e.type, 112, mid);
      ctx.fillStyle = '#1d2733';
      let detail = this.texts[index];
      if (detail === undefined) {
        detail = describeEvent(e);
        this.texts[index] = detail;
      }
      ctx.fillText(detail.length > room ? `${detail.slice(0, room - 1)}…` : detail, 186, mid);
      ctx.globalAlpha = 1;
    }
    ctx.textBaseline = 'alphabetic';
    this.describeRows(store, first, rows, current);
  }

  /** The rows in sight as a list for screen readers (its items reused, their text set only when it changes). */
  private describeRows(store: TraceStore, first: number, rows: number, current: number): void {
    const last = Math.min(this.filteredLength, first + rows);
    const key = `${this.run}:${first}:${last}:${current}`;
    if (key === this.textKey) return;
    this.textKey = key;
    const items = this.textRows.children;
    for (let row = first, k = 0; row < first + rows; row++, k++) {
      let item = items[k] as HTMLElement | undefined;
      if (row >= last) {
        if (item !== undefined) item.hidden = true;
        continue;
      }
      if (item === undefined) {
        item = el('li');
        this.textRows.append(item);
      }
      const e = store.events[this.filtered[row]!]!;
      const text = `${fmtTimePrecise(e.t)} ${e.type}: ${this.texts[this.filtered[row]!] ?? describeEvent(e)}`;
      if (item.textContent !== text) item.textContent = text;
      item.hidden = false;
      if (row === current) item.setAttribute('aria-current', 'true');
      else item.removeAttribute('aria-current');
    }
  }
}

/** The nodes an event concerns. */
function nodesOf(e: TraceEvent): string[] {
  if ('from' in e) return [e.from, e.to];
  if ('node' in e && typeof e.node === 'string') return [e.node];
  return [];
}

function involves(e: TraceEvent, node: string): boolean {
  if ('from' in e && (e.from === node || e.to === node)) return true;
  if ('node' in e && e.node === node) return true;
  if ('fault' in e) return JSON.stringify(e.fault).includes(`"${node}"`);
  return false;
}

/** One line about an event, for the log. */
export function describeEvent(e: TraceEvent): string {
  switch (e.type) {
    case 'send':
    case 'deliver':
      return `${e.from} → ${e.to}  ${messageTypeOf(e.msg)}  ${preview(e.msg, 120)}`;
    case 'drop':
      return `${e.from} → ${e.to}  ${messageTypeOf(e.msg)}  dropped: ${e.reason}`;
    case 'duplicate':
      return `${e.from} → ${e.to}  message #${e.id} duplicated`;
    case 'timer':
      return `${e.node}  timer ${preview(e.tag, 100)}`;
    case 'crash':
      return `${e.node} crashes`;
    case 'restart':
      return `${e.node} restarts`;
    case 'pause':
      return `${e.node} pauses`;
    case 'resume':
      return `${e.node} resumes`;
    case 'slow':
      return e.factor === 1 ? `${e.node} back to normal speed` : `${e.node} runs ${e.factor}x slower`;
    case 'partition':
    case 'degrade':
    case 'inject':
      return describeFault(e.fault).replace(/ at [\d,.]+ ms$/, '');
    case 'heal':
      return 'network partitions heal';
    case 'restore':
      return 'links restored';
    case 'state':
      return `${e.node}  → ${e.state}${e.detail === undefined ? '' : ` (${e.detail})`}`;
    case 'metric':
      return `${e.name} = ${fmtNumber(e.value)}${e.node ? ` on ${e.node}` : ''}`;
    case 'violation':
      return `${e.invariant} violated${e.node ? ` on ${e.node}` : ''}: ${e.message}`;
    case 'note':
      return `${e.level === 'key' ? '★ ' : e.level === 'warn' ? '⚠ ' : ''}${e.node ? `${e.node}: ` : ''}${e.text}`;
    default:
      // Kinds the kernel learns later (a clock skew) still get a line.
      return preview(e, 160);
  }
}
