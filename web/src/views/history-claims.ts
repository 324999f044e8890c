/**
 * The side of the history view: what each run's history was judged against (an invariant
 * claiming a model: `session`, `kv`, `list-append`...) and the verdict; for a violated claim
 * its anomaly in words — one at a time, with ‹ › through the others — and the operations it
 * names as buttons (each jumps to the operation, as clicking its bar does). What the server
 * left out of a long history is said here too.
 */
import type { HistoryAnomalyView, HistoryOperationView } from '../../../wire/index.ts';
import { fixed, fmtTime } from '../model/format.ts';
import { describeOperation, type HistoryLayout, type HistoryRunRows } from '../model/history-lanes.ts';
import { el } from './view.ts';

/** Which anomaly of which claim is selected, per run. */
export interface AnomalyChoice {
  claim: number;
  anomaly: number;
}

export interface ClaimActions {
  /** The user chose another anomaly of a run (the view highlights its operations). */
  choose(run: number, choice: AnomalyChoice): void;
  /** The user asked to look at an anomaly (its main operation's moment) or at one operation. */
  openAnomaly(run: number, anomaly: HistoryAnomalyView): void;
  openOperation(run: number, op: HistoryOperationView): void;
}

export class HistoryClaims {
  readonly root = el('div', 'history-side');

  constructor(private readonly actions: ClaimActions) {
    this.root.setAttribute('aria-label', 'History verdicts and anomalies');
    this.root.setAttribute('role', 'region');
  }

  /** Draws the claims of every run, the chosen anomaly of each open. */
  draw(layout: HistoryLayout | null, choices: ReadonlyMap<number, AnomalyChoice>, ops: readonly ReadonlyMap<number, HistoryOperationView>[]): void {
    this.root.replaceChildren();
    if (layout === null) return;
    for (const rows of layout.runs) {
      const box = el('div', 'history-run');
      if (rows.headerRow !== null) box.append(el('div', 'column-title', rows.label));
      const h = rows.history;
      box.append(
        el(
          'div',
          'history-count',
          `${fixed(h.operationsTotal, 0)} operation${h.operationsTotal === 1 ? '' : 's'} by ${processesOf(rows)} client process${processesOf(rows) === 1 ? '' : 'es'}`,
        ),
      );
      if (h.cut !== null) box.append(el('div', 'history-cut', h.cut));
      rows.claims.forEach((claim, c) => {
        const item = el('div', `history-claim ${claim.verdict}`);
        item.dataset.invariant = claim.invariant;
        const model = `${claim.model}${claim.consistency ? `, ${claim.consistency}` : ''}`;
        const head = el('div', 'history-claim-head');
        head.append(
          el('span', 'verdict-icon', claim.verdict === 'held' ? '✓' : '✗'),
          el('span', 'invariant-name', claim.invariant),
          el('span', 'invariant-kind', model),
        );
        item.append(head);
        if (claim.verdict === 'held') item.append(el('div', 'history-claim-text', 'No anomaly: the history satisfies the claim.'));
        const choice = choices.get(rows.run);
        if (claim.anomalies.length > 0) item.append(this.anomaly(rows, c, choice?.claim === c ? choice.anomaly : 0, ops[rows.run]!));
        box.append(item);
      });
      this.root.append(box);
    }
  }

  private anomaly(rows: HistoryRunRows, c: number, a: number, ops: ReadonlyMap<number, HistoryOperationView>): HTMLElement {
    const claim = rows.claims[c]!;
    const anomaly = claim.anomalies[a]!;
    const box = el('div', 'history-anomaly');
    const nav = el('div', 'history-anomaly-nav');
    const step = (d: number, label: string, text: string): HTMLButtonElement => {
      const b = el('button', 'small-button', text);
      b.type = 'button';
      b.setAttribute('aria-label', label);
      b.disabled = a + d < 0 || a + d >= claim.anomalies.length;
      b.onclick = () => this.actions.choose(rows.run, { claim: c, anomaly: a + d });
      return b;
    };
    const more = claim.anomaliesTotal > claim.anomalies.length ? ` (${fixed(claim.anomaliesTotal, 0)} found, ${claim.anomalies.length} sent)` : '';
    nav.append(
      el('span', 'history-anomaly-type', anomaly.type),
      el('span', 'history-anomaly-index', `${a + 1} of ${claim.anomalies.length}${more}`),
      step(-1, 'previous anomaly', '‹'),
      step(1, 'next anomaly', '›'),
    );
    const open = el('button', 'history-anomaly-text', anomaly.explanation);
    open.type = 'button';
    open.title = 'Pause at this anomaly and highlight its operations';
    open.onclick = () => this.actions.openAnomaly(rows.run, anomaly);
    const list = el('ul', 'history-witnesses');
    for (const id of anomaly.operations) {
      const op = ops.get(id);
      if (op === undefined) continue;
      const li = el('li');
      const b = el(
        'button',
        `history-witness${id === anomaly.main ? ' main' : ''}`,
        `${fmtTime(op.completeMs ?? op.invokeMs)} ${op.process}: ${describeOperation(op)}`,
      );
      b.type = 'button';
      b.dataset.op = String(id);
      b.onclick = () => this.actions.openOperation(rows.run, op);
      li.append(b);
      list.append(li);
    }
    box.append(nav, open, list);
    return box;
  }
}

function processesOf(rows: HistoryRunRows): number {
  return new Set(rows.history.operations.map((op) => op.process)).size;
}
