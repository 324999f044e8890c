/**
 * A mutant: one realistic one-line bug planted in a sound strategy or a part it uses — acking
 * before the log force, an in-memory dedup index, a breaker that lets every call through. The
 * suite keeps them as data (the file, the exact text to find, what to put instead) and applies
 * each in a scratch copy, never in the tree; a checker that passes a mutant has a blind spot,
 * which is a bug in the scenario (a missing fault, invariant or workload), not in the mutant.
 */

export interface Mutant {
  /** Unique, kebab-case: `<scenario>-<what-breaks>`. */
  id: string;
  family: string;
  scenario: string;
  /** The sound strategy the bug is planted in (or whose part it breaks). */
  strategy: string;
  /** The file, relative to the project root. */
  file: string;
  /** Text that occurs exactly once in the file. */
  find: string;
  replace: string;
  /** The bug in words, as a reviewer would describe it. */
  description: string;
  /** Set only when the change cannot be observed by any run: why. */
  equivalent?: string;
}

/** Applies a mutant to a file's text; throws when the text to find is absent or ambiguous (a stale mutant). */
export function applyMutant(mutant: Mutant, source: string): string {
  const first = source.indexOf(mutant.find);
  if (first < 0) throw new Error(`mutant ${mutant.id}: its text is not in ${mutant.file} (stale: update the mutant)`);
  if (source.indexOf(mutant.find, first + 1) >= 0) throw new Error(`mutant ${mutant.id}: its text occurs more than once in ${mutant.file}`);
  if (mutant.find === mutant.replace) throw new Error(`mutant ${mutant.id}: replaces its text with itself`);
  return source.slice(0, first) + mutant.replace + source.slice(first + mutant.find.length);
}
