/**
 * Two or more panels that share one place on the stage, one shown at a time, switched by a
 * row of tabs in each panel's header (so the switch is where the eye is, whichever panel is
 * up). A panel can be made unavailable (the history view of a run that recorded no history):
 * its tab goes, and when it was shown the first panel comes back. With a single panel
 * available the tabs are hidden altogether: the stage looks exactly as it did before.
 */
import { el } from './view.ts';

export class PanelTabs {
  private shown = 0;
  private readonly available: boolean[];
  private readonly buttons: HTMLButtonElement[][] = [];

  constructor(
    private readonly sections: readonly HTMLElement[],
    labels: readonly string[],
    private readonly changed: (index: number) => void,
  ) {
    this.available = sections.map((_, i) => i === 0);
    for (const section of sections) {
      const header = section.querySelector('.panel-header')!;
      const strip = el('div', 'panel-switch');
      strip.setAttribute('role', 'tablist');
      strip.setAttribute('aria-label', 'Views of this part of the stage');
      const row = labels.map((label, i) => {
        const b = el('button', 'tab', label);
        b.type = 'button';
        b.setAttribute('role', 'tab');
        b.dataset.panelTab = String(i);
        b.onclick = () => this.show(i, true);
        strip.append(b);
        return b;
      });
      this.buttons.push(row);
      header.querySelector('.panel-title')!.after(strip);
    }
    this.update();
  }

  /** Which panel is shown. */
  get index(): number {
    return this.shown;
  }

  /** Makes panel `index` available or not (the first is always available). */
  setAvailable(index: number, available: boolean): void {
    if (index === 0) return;
    this.available[index] = available;
    if (!available && this.shown === index) this.shown = 0;
    this.update();
  }

  /** Shows panel `index` if it is available; `fromUser` moves the keyboard focus to its tab. */
  show(index: number, fromUser = false): void {
    if (!this.available[index] || index === this.shown) return;
    this.shown = index;
    this.update();
    if (fromUser) this.buttons[index]![index]!.focus();
    this.changed(index);
  }

  private update(): void {
    const many = this.available.filter(Boolean).length > 1;
    this.sections.forEach((section, s) => {
      section.hidden = s !== this.shown;
      const strip = this.buttons[s]![0]!.parentElement!;
      strip.hidden = !many;
      this.buttons[s]!.forEach((b, i) => {
        b.hidden = !this.available[i];
        b.classList.toggle('active', i === this.shown);
        b.setAttribute('aria-selected', String(i === this.shown));
      });
    });
  }
}
