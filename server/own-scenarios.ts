/**
 * The user's own scenarios a server serves (`serve --scenarios PATH`, files or folders of
 * modules): loaded into the registry at start, listed next to the built-ins, run on the pool's
 * threads (each run carries its module, which the thread loads once per version). With
 * `watch`, an edited, added or removed module is loaded again (an error keeps the last good
 * version and is reported), and listeners — the page, through /api/events — are told.
 */
import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { loadScenarioModule, type ModuleRef, moduleFiles, moduleRef } from '../catalog/scenario-modules.ts';
import { unregisterScenario } from '../scenarios/index.ts';

/** What changed in a reload: the scenario ids now served from the modules, or the error that kept the last version. */
export interface ScenariosChange {
  ids: string[];
  error: string | null;
  /** Bumped on every reload, so a client can tell a change it has seen. */
  version: number;
}

export class OwnScenarios {
  /** Scenario id -> the module it came from (as the thread that runs it must load it). */
  private readonly modules = new Map<string, ModuleRef>();
  private readonly listeners = new Set<(change: ScenariosChange) => void>();
  private readonly watchers: FSWatcher[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  version = 0;
  lastError: string | null = null;

  constructor(private readonly targets: readonly string[]) {}

  /** Loads every module the targets name; throws (an InputError naming the file) when one cannot be loaded. */
  async load(): Promise<void> {
    const seen = new Set<string>();
    for (const target of this.targets) {
      for (const file of moduleFiles(target)) {
        const ref = moduleRef(file);
        for (const scenario of await loadScenarioModule(ref)) {
          seen.add(scenario.id);
          this.modules.set(scenario.id, ref);
        }
      }
    }
    for (const id of [...this.modules.keys()]) {
      if (seen.has(id)) continue;
      this.modules.delete(id);
      unregisterScenario(id);
    }
    this.version++;
  }

  /** The module of a served scenario; null for a built-in. */
  moduleOf(id: string): ModuleRef | null {
    return this.modules.get(id) ?? null;
  }

  get ids(): string[] {
    return [...this.modules.keys()];
  }

  onChange(listener: (change: ScenariosChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reloads on every change to the targets (debounced: an editor's save is several events). */
  watch(): void {
    for (const target of this.targets) {
      const watcher = watch(path.resolve(target), { persistent: false }, () => this.schedule());
      watcher.on('error', () => {});
      this.watchers.push(watcher);
    }
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reload();
    }, 150);
  }

  private async reload(): Promise<void> {
    try {
      await this.load();
      this.lastError = null;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.version++;
    }
    const change: ScenariosChange = { ids: this.ids, error: this.lastError, version: this.version };
    for (const listener of this.listeners) listener(change);
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.listeners.clear();
  }
}
