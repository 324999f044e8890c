/**
 * The top bar: what is on screen (scenario, strategy, seed), the verdict, the trace hash
 * (equal to `faultline run ... --json`'s traceHash, and checked again in the page once the
 * whole trace has arrived), where the engine ran, and the link that reproduces the run.
 */
import type { RunSet } from '../model/run-set.ts';
import { el } from './view.ts';

export class Topbar {
  private readonly title: HTMLElement;
  private readonly verdict: HTMLElement;
  private readonly hash: HTMLElement;
  private readonly source: HTMLElement;
  private readonly copy: HTMLButtonElement;
  private link = '';

  constructor(root: HTMLElement) {
    root.replaceChildren();
    const brand = el('div', 'brand');
    brand.append(el('span', 'brand-mark', '⌇'), el('span', 'brand-name', 'faultline'));
    this.title = el('div', 'run-title');
    this.title.id = 'run-title';
    this.verdict = el('div', 'verdict-badge');
    this.verdict.id = 'verdict';
    this.hash = el('div', 'trace-hash');
    this.hash.id = 'trace-hash';
    this.source = el('div', 'run-source');
    this.copy = el('button', 'small-button', 'Copy link');
    this.copy.id = 'copy-link';
    this.copy.title = 'Copy the link that reproduces this run';
    this.copy.onclick = () => {
      void navigator.clipboard?.writeText(this.link).then(
        () => this.flash('Copied'),
        () => this.flash('Copy failed'),
      );
    };
    const spacer = el('div', 'spacer');
    root.append(brand, this.title, this.verdict, spacer, this.source, this.hash, this.copy);
  }

  show(runs: RunSet | null, link: string, source: string): void {
    this.link = link;
    this.source.textContent = source;
    this.source.title = source === 'server stream' ? 'The server ran this and streams its events' : "This page's Web Worker ran the engine";
    if (runs === null) {
      this.title.textContent = 'Pick a scenario and run it';
      this.verdict.textContent = '';
      this.hash.textContent = '';
      return;
    }
    const a = runs.stores[0]!.summary;
    this.title.replaceChildren(
      el('span', 'run-scenario', runs.scenario.title),
      el(
        'span',
        'run-meta',
        runs.compare
          ? `${runs.labels.join('  vs  ')} · seed ${a.seed}`
          : `${a.strategy} · seed ${a.seed} · ${a.faults.length} fault${a.faults.length === 1 ? '' : 's'}`,
      ),
    );
    const broken = runs.stores.map((s) => s.summary.invariants.filter((i) => !i.ok).map((i) => i.name));
    this.verdict.replaceChildren();
    runs.stores.forEach((s, r) => {
      const ok = broken[r]!.length === 0;
      const badge = el(
        'span',
        `badge ${ok ? 'ok' : 'violated'}`,
        `${runs.compare ? `${runs.labels[r]!.slice(0, 1)}: ` : ''}${ok ? '✓ all invariants hold' : `✗ ${broken[r]!.join(', ')} violated`}`,
      );
      badge.dataset.ok = String(ok);
      badge.title = s.summary.firstViolation?.message ?? '';
      this.verdict.append(badge);
    });
    this.hash.replaceChildren();
    runs.stores.forEach((s, r) => {
      const item = el('span', 'hash-item');
      item.dataset.run = String(r);
      item.dataset.hash = s.summary.traceHash;
      item.append(el('span', 'hash-label', runs.compare ? runs.labels[r]!.slice(0, 1) : 'trace hash'), el('code', 'hash-value', s.summary.traceHash));
      item.title = `${s.summary.traceEvents.toLocaleString('en-US')} trace events; the same hash as faultline run ... --json`;
      this.hash.append(item);
    });
  }

  /** Marks each run's hash as re-computed in the page from the events received. */
  verified(results: boolean[]): void {
    results.forEach((ok, r) => {
      const item = this.hash.querySelector<HTMLElement>(`.hash-item[data-run="${r}"]`);
      if (item === null) return;
      item.dataset.verified = String(ok);
      item.append(el('span', `hash-check ${ok ? 'ok' : 'bad'}`, ok ? '✓' : '✗ mismatch'));
      item.title += ok ? '\nRe-computed in this page from the events received: equal.' : '\nRe-computed in this page: DIFFERENT.';
    });
  }

  private flash(text: string): void {
    this.copy.textContent = text;
    setTimeout(() => {
      this.copy.textContent = 'Copy link';
    }, 1200);
  }
}
