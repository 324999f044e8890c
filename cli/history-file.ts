/**
 * `run --history FILE`: the run's client history, written as faultline JSON (what `faultline
 * history check` reads back) or as Jepsen EDN (one operation map per line, for Elle or
 * Knossos). The format is `--history-format`, else the file's extension (`.edn`), else JSON.
 *
 * Nothing half-written: the file is an AtomicFile, opened before the run (a folder that does not
 * exist is refused at once, not after the run) and put in place only once the whole history is
 * written. A run whose clients recorded no operation writes nothing and is refused (exit 2),
 * naming the scenarios that do record one: an empty file would read back as no history at all,
 * and a user who asked for one wants to know, not to find a blank file later.
 */
import { InputError } from '../engine/index.ts';
import { formatHistoryEdn, formatHistoryJson, type History } from '../history/index.ts';
import { type AnyScenario, invariantsFor, scenarios } from '../scenarios/index.ts';
import { AtomicFile } from './atomic-file.ts';

export const HISTORY_FILE_FORMATS = ['json', 'edn'] as const;
export type HistoryFileFormat = (typeof HISTORY_FILE_FORMATS)[number];

/** What the report says about the written history. */
export interface HistoryFileReport {
  file: string;
  format: HistoryFileFormat;
  /** Client operations (invocations), whatever their outcome. */
  operations: number;
  /** Lines of the history: invocations and completions. */
  entries: number;
  /** The models this strategy's invariants claim on the history, once each (empty: none claimed). */
  models: string[];
  /** The claims themselves, once each: a model and, where the invariant names one, the consistency level it promises. */
  claims: HistoryClaim[];
}

/** What one invariant promises of the history: `faultline history check --model M [--consistency C]` judges it again. */
export interface HistoryClaim {
  model: string;
  consistency?: string;
}

export class HistoryFile {
  private readonly file: AtomicFile;

  private constructor(
    readonly path: string,
    readonly format: HistoryFileFormat,
  ) {
    this.file = AtomicFile.open(path, 'the history');
  }

  /** Opens the target (atomic; see AtomicFile) in the given format, or the one its extension names. */
  static open(path: string, format: HistoryFileFormat | undefined): HistoryFile {
    return new HistoryFile(path, format ?? (/\.edn$/i.test(path) ? 'edn' : 'json'));
  }

  /**
   * Writes the history and puts the file in place.
   * @throws InputError (nothing written) when the run recorded no operation
   */
  commit(history: History, scenario: AnyScenario, strategy: string): HistoryFileReport {
    const operations = history.operations.filter((op) => op.type === 'invoke').length;
    if (operations === 0) {
      this.file.abort();
      throw new InputError(noHistory(scenario, strategy, this.path));
    }
    this.file.write(this.format === 'edn' ? formatHistoryEdn(history) : formatHistoryJson(history));
    this.file.commit();
    const claims = historyClaims(scenario, strategy);
    return { file: this.path, format: this.format, operations, entries: history.operations.length, models: [...new Set(claims.map((c) => c.model))], claims };
  }

  /** Removes the temporary file; the target is left as it was. */
  abort(): void {
    this.file.abort();
  }
}

/** The claims a strategy's invariants make on its history, once each (a model with its consistency level, where one is named). */
export function historyClaims(scenario: AnyScenario, strategy: string): HistoryClaim[] {
  const claims = new Map<string, HistoryClaim>();
  for (const { history } of invariantsFor(scenario, strategy)) {
    if (history === undefined) continue;
    const claim: HistoryClaim = history.consistency === undefined ? { model: history.model } : { model: history.model, consistency: history.consistency };
    claims.set(`${claim.model} ${claim.consistency ?? ''}`, claim);
  }
  return [...claims.values()];
}

function noHistory(scenario: AnyScenario, strategy: string, path: string): string {
  const recording = scenarios.filter((s) => s.invariants.some((i) => i.history !== undefined)).map((s) => s.id);
  return [
    `${scenario.id} / ${strategy} recorded no client history, so nothing was written to '${path}':`,
    "its clients record no operation through world.history (see docs/history.md, 'Recording a scenario's history').",
    recording.length === 0 ? '' : `Built-in scenarios that record one and judge a claim on it: ${recording.join(', ')} (see docs/history.md for the others).`,
  ]
    .filter((part) => part !== '')
    .join(' ');
}
