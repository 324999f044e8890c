/**
 * Verdicts: the invariants (each green or red, its violations listed; a click on one jumps
 * to its moment and shows what explains it — its key and witnesses, also for invariants
 * judged at the end; a violation still ahead of the cursor is shown as such), the
 * "sometimes" goals, and the run's final metrics — in compare mode a table of A, B and the
 * difference, with the better side marked, the first outcome that differs (a transaction's
 * result, a write kept or lost) and the first event where the runs diverge.
 */
import type { MetricSpec } from '../../../scenarios/index.ts';
import type { Focus, WitnessMark } from '../model/focus.ts';
import { fmtNumber, fmtTime } from '../model/format.ts';
import { firstOutcomeDifference } from '../model/outcomes.ts';
import type { RunSet } from '../model/run-set.ts';
import { describeWitness, witnessesOf } from '../model/witnesses.ts';
import { el, type FocusRequest, panelChrome, type View } from './view.ts';

type Tab = 'invariants' | 'metrics';

export class VerdictsView implements View {
  private readonly body: HTMLElement;
  private readonly tabs: Record<Tab, HTMLButtonElement>;
  private tab: Tab = 'invariants';
  private runs: RunSet | null = null;
  private rows: { el: HTMLElement; t: number; id: string }[] = [];
  private lastT = -1;
  private focused: Focus | null = null;
  /** Whether the lists were drawn with every event at hand (witnesses are read from the trace). */
  private drawnComplete = false;

  constructor(
    section: HTMLElement,
    private readonly request: FocusRequest,
  ) {
    const chrome = panelChrome(section, 'Verdicts');
    this.body = chrome.body;
    this.body.classList.add('verdicts-body');
    chrome.tools.setAttribute('role', 'tablist');
    chrome.tools.setAttribute('aria-label', 'Verdicts');
    const make = (tab: Tab, label: string): HTMLButtonElement => {
      const b = el('button', 'tab', label);
      b.setAttribute('role', 'tab');
      b.onclick = () => this.show(tab);
      chrome.tools.append(b);
      return b;
    };
    this.tabs = { invariants: make('invariants', 'Invariants'), metrics: make('metrics', 'Metrics') };
    this.show('invariants');
  }

  show(tab: Tab): void {
    this.tab = tab;
    for (const [k, b] of Object.entries(this.tabs)) {
      b.classList.toggle('active', k === tab);
      b.setAttribute('aria-selected', String(k === tab));
    }
    this.draw();
  }

  focus(focus: Focus | null): void {
    this.focused = focus;
    for (const row of this.rows) row.el.classList.toggle('selected', focus !== null && row.id === focus.id);
  }

  load(runs: RunSet | null): void {
    this.runs = runs;
    if (runs?.compare && this.tab === 'invariants') this.tab = 'metrics';
    this.show(runs?.compare ? 'metrics' : 'invariants');
  }

  render(t: number): void {
    if (this.runs?.complete && !this.drawnComplete) this.draw();
    if (t === this.lastT) return;
    this.lastT = t;
    for (const row of this.rows) row.el.classList.toggle('ahead', row.t > t);
    if (this.focused !== null) this.focus(this.focused);
  }

  private draw(): void {
    this.body.replaceChildren();
    this.rows = [];
    this.lastT = -1;
    const runs = this.runs;
    if (runs === null) return;
    this.drawnComplete = runs.complete;
    if (this.tab === 'invariants') this.drawInvariants(runs);
    else this.drawMetrics(runs);
    this.focus(this.focused);
  }

  private drawInvariants(runs: RunSet): void {
    const specs = runs.scenario.invariants;
    const cols = el('div', `invariant-columns${runs.compare ? ' two' : ''}`);
    runs.stores.forEach((store, r) => {
      const col = el('div', 'invariant-column');
      if (runs.compare) col.append(el('div', 'column-title', runs.labels[r]!));
      const list = el('ul', 'invariant-list');
      for (const inv of store.summary.invariants) {
        const spec = specs.find((s) => s.name === inv.name);
        const li = el('li', `invariant ${inv.ok ? 'ok' : 'violated'}`);
        li.dataset.invariant = inv.name;
        li.dataset.ok = String(inv.ok);
        const head = el('div', 'invariant-head');
        head.append(
          el('span', 'verdict-icon', inv.ok ? '✓' : '✗'),
          el('span', 'invariant-name', inv.name),
          el('span', 'invariant-kind', inv.kind),
          el('span', 'verdict-text', inv.ok ? 'holds' : `violated ×${inv.count}`),
        );
        li.append(head);
        if (spec !== undefined) li.title = spec.description;
        if (spec !== undefined && !runs.compare) li.append(el('div', 'invariant-desc', spec.description));
        inv.violations.slice(0, runs.compare ? 2 : 4).forEach((v, k) => {
          const id = `violation:${r}:${inv.name}:${k}`;
          const why = witnessesOf(store, v as typeof v & { witnesses?: WitnessMark[] });
          const focus: Focus = {
            kind: 'violation',
            t: v.time,
            key: why.key,
            nodes: [...new Set([...(v.node ? [v.node] : []), ...why.witnesses.flatMap((w) => (w.node ? [w.node] : []))])],
            witnesses: why.witnesses,
            run: r,
            id,
            label: `${inv.name}${why.key ? ` · ${why.key}` : ''}`,
          };
          const b = el('button', 'violation');
          b.dataset.time = String(v.time);
          b.dataset.violation = inv.name;
          if (why.key !== null) b.dataset.key = why.key;
          b.append(el('span', 'violation-time', fmtTime(v.time)), document.createTextNode(` ${v.node ? `${v.node}: ` : ''}${v.message}`));
          b.title = 'Pause here and show what explains it';
          b.onclick = () => {
            // Read again at the click: a streamed run may have received the key's messages since.
            const now = witnessesOf(store, v as typeof v & { witnesses?: WitnessMark[] });
            this.request({ ...focus, key: now.key, witnesses: now.witnesses, label: `${inv.name}${now.key ? ` · ${now.key}` : ''}` });
          };
          li.append(b);
          this.rows.push({ el: b, t: v.time, id });
          // The moments that explain it (an end-judged invariant's causes), each a click away.
          const causes = why.witnesses.filter((w) => w.t !== v.time || w.what !== 'judged violated');
          if (causes.length > 0 && !runs.compare) {
            const trail = el('div', 'witnesses');
            trail.append(el('span', 'witness-caption', why.key ? `${why.key}:` : 'why:'));
            causes.forEach((w, j) => {
              const wb = el('button', 'witness', describeWitness(w));
              wb.dataset.time = String(w.t);
              const wid = `${id}:w${j}`;
              wb.onclick = () => this.request({ ...focus, t: w.t, id: wid });
              trail.append(wb);
              this.rows.push({ el: wb, t: w.t, id: wid });
            });
            li.append(trail);
          }
        });
        list.append(li);
      }
      col.append(list);
      const goals = store.summary.goals;
      if (goals.length > 0) {
        const g = el('div', 'goals');
        g.append(el('span', 'goals-caption', 'sometimes:'));
        for (const goal of goals) {
          const item = el('span', `goal ${goal.reached ? 'reached' : 'missed'}`, `${goal.reached ? '●' : '○'} ${goal.name}`);
          item.title = runs.scenario.goals.find((x) => x.name === goal.name)?.description ?? '';
          g.append(item);
        }
        col.append(g);
      }
      cols.append(col);
    });
    this.body.append(cols);
  }

  private drawMetrics(runs: RunSet): void {
    const d = runs.divergence;
    if (runs.compare) {
      const box = el('div', 'divergence');
      // What came out differently first: a transaction's result, a write kept or lost, a verdict.
      const outcome = firstOutcomeDifference(runs);
      if (outcome !== null) {
        const id = 'outcome';
        const b = el('button', 'violation outcome-link');
        b.dataset.time = String(outcome.t);
        b.append(
          el('span', 'violation-time', fmtTime(outcome.t)),
          document.createTextNode(
            ` first different outcome: ${outcome.subject} — A: ${outcome.a}${Number.isNaN(outcome.ta) ? '' : ` (${fmtTime(outcome.ta)})`}; B: ${outcome.b}${Number.isNaN(outcome.tb) ? '' : ` (${fmtTime(outcome.tb)})`}`,
          ),
        );
        b.title = 'Pause here; both diagrams keep this key in front';
        b.onclick = () =>
          this.request({
            kind: 'outcome',
            t: outcome.t,
            key: outcome.key,
            nodes: outcome.node ? [outcome.node] : [],
            witnesses: [],
            run: null,
            id,
            label: outcome.subject,
          });
        box.append(b);
        this.rows.push({ el: b, t: outcome.t, id });
      } else box.append(el('div', 'divergence-none', 'No outcome differs: every key ends in the same state and every verdict is the same.'));
      if (d === null) box.append(el('div', 'divergence-none', 'The two traces are identical, event for event.'));
      else {
        const id = 'divergence';
        const b = el('button', 'violation divergence-link');
        b.dataset.time = String(d.t);
        b.append(el('span', 'violation-time', fmtTime(d.t)), document.createTextNode(` runs diverge at event #${d.index.toLocaleString('en-US')}`));
        b.onclick = () =>
          this.request({
            kind: 'divergence',
            t: d.t,
            key: null,
            nodes: [d.a, d.b].flatMap((e) => (e && 'node' in e && typeof e.node === 'string' ? [e.node] : e && 'from' in e ? [e.from] : [])),
            witnesses: [],
            run: null,
            id,
            label: `event #${d.index}`,
          });
        b.title = `A: ${JSON.stringify(d.a)}\nB: ${JSON.stringify(d.b)}`;
        box.append(b);
        this.rows.push({ el: b, t: d.t, id });
      }
      this.body.append(box);
    }
    const table = el('table', 'metrics-table');
    const head = el('tr');
    head.append(el('th', undefined, 'metric'), el('th', 'num', runs.compare ? runs.labels[0]! : 'value'));
    if (runs.compare) head.append(el('th', 'num', runs.labels[1]!), el('th', 'num', 'B − A'));
    head.append(el('th', undefined, 'unit'));
    table.append(head);
    const specs: MetricSpec[] = runs.scenario.metrics;
    for (const m of specs) {
      const tr = el('tr');
      tr.title = m.description;
      const a = runs.stores[0]!.summary.metrics[m.name];
      tr.append(el('td', 'metric-name', m.name), el('td', 'num', a === undefined ? '–' : fmtNumber(a)));
      if (runs.compare) {
        const b = runs.stores[1]!.summary.metrics[m.name];
        const diff = a !== undefined && b !== undefined ? b - a : Number.NaN;
        const cell = el('td', 'num diff', Number.isNaN(diff) ? '–' : `${diff > 0 ? '+' : ''}${fmtNumber(diff)}`);
        const better = m.better === 'neither' || diff === 0 || Number.isNaN(diff) ? '' : (m.better === 'lower') === diff < 0 ? 'better' : 'worse';
        if (better !== '') {
          cell.classList.add(better);
          cell.title = `B is ${better} (${m.better} is better)`;
        }
        tr.append(el('td', 'num', b === undefined ? '–' : fmtNumber(b)), cell);
      }
      tr.append(el('td', 'unit', m.unit));
      table.append(tr);
    }
    const events = el('tr');
    events.append(el('td', 'metric-name', 'trace events'), el('td', 'num', fmtNumber(runs.stores[0]!.summary.traceEvents)));
    if (runs.compare) {
      const a = runs.stores[0]!.summary.traceEvents;
      const b = runs.stores[1]!.summary.traceEvents;
      events.append(el('td', 'num', fmtNumber(b)), el('td', 'num diff', `${b - a > 0 ? '+' : ''}${fmtNumber(b - a)}`));
    }
    events.append(el('td', 'unit', 'events'));
    table.append(events);
    this.body.append(table);
  }
}
