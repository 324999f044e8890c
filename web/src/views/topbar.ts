/**
 * The top bar: what is on screen (scenario, strategy, seed), the verdict, the trace hash and
 * what it was compared with, where the engine ran, and the link that reproduces the run.
 *
 * The ✓ beside a hash means one thing: it equals the hash the link carried (the CLI's, from
 * `faultline run` or a counterexample, or the one a shared link recorded). A different hash
 * is a clear ✗ showing both; a link without a hash says "not compared". Once every event has
 * arrived the page also re-hashes what it received, and a difference there is a ✗ too.
 */
import type { RunSet } from '../model/run-set.ts';
import { el } from './view.ts';

export class Topbar {
  private readonly title: HTMLElement;
  private readonly verdict: HTMLElement;
  private readonly hash: HTMLElement;
  private readonly source: HTMLElement;
  private readonly copy: HTMLButtonElement;

  constructor(
    root: HTMLElement,
    private readonly link: () => string,
    toggleSetup: () => void,
  ) {
    root.replaceChildren();
    const setupToggle = el('button', 'icon-button setup-toggle', '☰');
    setupToggle.id = 'setup-toggle';
    setupToggle.setAttribute('aria-label', 'Show or hide the setup panel');
    setupToggle.title = 'Show or hide the setup panel';
    setupToggle.onclick = () => {
      toggleSetup();
      setupToggle.setAttribute('aria-expanded', String(!document.getElementById('app')!.classList.contains('setup-collapsed')));
    };
    setupToggle.setAttribute('aria-expanded', 'true');
    setupToggle.setAttribute('aria-controls', 'setup');
    const brand = el('h1', 'brand');
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
    this.copy.title = 'Copy the link that reproduces this run, with its trace hash and the cursor';
    this.copy.onclick = () => {
      const text = this.link();
      this.copy.dataset.link = text;
      void navigator.clipboard?.writeText(text).then(
        () => this.flash('Copied'),
        () => this.flash('Copy failed'),
      );
    };
    const spacer = el('div', 'spacer');
    root.append(setupToggle, brand, this.title, this.verdict, spacer, this.source, this.hash, this.copy);
  }

  /** Shows the runs on screen; `expected` holds the hash each run's link carried (null: none). */
  show(runs: RunSet | null, source: string, expected: readonly (string | null)[]): void {
    this.source.textContent = source;
    this.source.title = source === 'server stream' ? 'The server ran this and streams its events' : "This page's Web Worker ran the engine";
    if (runs === null) {
      this.title.textContent = 'Pick a scenario and run it';
      this.verdict.replaceChildren();
      this.hash.replaceChildren();
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
      const computed = s.summary.traceHash;
      const want = expected[r] ?? null;
      const item = el('span', 'hash-item');
      item.dataset.run = String(r);
      item.dataset.hash = computed;
      item.append(el('span', 'hash-label', runs.compare ? runs.labels[r]!.slice(0, 1) : 'trace hash'), el('code', 'hash-value', computed));
      const status = el('span', 'hash-status');
      if (want === null) {
        item.dataset.compared = 'none';
        status.classList.add('none');
        status.textContent = 'not compared';
        status.title = 'The link carries no expected hash (hash=…), so this hash was not compared with the CLI’s';
      } else if (want === computed) {
        item.dataset.compared = 'equal';
        status.classList.add('ok');
        status.textContent = '✓';
        status.title = `Equal to the hash the link carries (${want}): the CLI computes the same trace`;
        status.setAttribute('aria-label', `equal to the expected hash ${want}`);
      } else {
        item.dataset.compared = 'different';
        status.classList.add('bad');
        status.textContent = `✗ link expects ${want}`;
        status.title = `This run's trace hash is ${computed}, the link expects ${want}: the page and the CLI computed different traces`;
      }
      item.append(status);
      item.title = `${s.summary.traceEvents.toLocaleString('en-US')} trace events`;
      this.hash.append(item);
    });
  }

  /** Runs still computing: their title and source; the verdict and the hash wait for the run to be complete. */
  computing(runs: RunSet, source: string): void {
    this.show(runs, source, []);
    const badge = el('span', 'badge computing', 'computing…');
    badge.title = 'The run is still being computed: the verdict and the trace hash come when it is complete';
    this.verdict.replaceChildren(badge);
    this.hash.replaceChildren();
  }

  /** Marks each run's hash as re-computed in the page from the events received (a difference is a ✗). */
  verified(results: boolean[]): void {
    results.forEach((ok, r) => {
      const item = this.hash.querySelector<HTMLElement>(`.hash-item[data-run="${r}"]`);
      if (item === null) return;
      item.dataset.verified = String(ok);
      if (ok) {
        item.title += '\nRe-hashed in this page from the events received: the same.';
        return;
      }
      item.append(el('span', 'hash-status bad', '✗ events received hash differently'));
      item.title += '\nRe-hashed in this page from the events received: DIFFERENT.';
    });
  }

  private flash(text: string): void {
    this.copy.textContent = text;
    setTimeout(() => {
      this.copy.textContent = 'Copy link';
    }, 1200);
  }
}
