/**
 * The linearizability models by name, as users give them on the command line (`--model`).
 * A registry map, as Maelstrom keeps its workloads: adding a model touches no checker code.
 */
import type { LinearizabilityModel } from '../model.ts';
import { counter } from './counter.ts';
import { keyValue } from './key-value.ts';
import { casRegister, register } from './register.ts';
import { set } from './set.ts';

// biome-ignore lint/suspicious/noExplicitAny: each model has its own state type; the checker treats states opaquely.
export const LINEARIZABILITY_MODELS: Readonly<Record<string, LinearizabilityModel<any>>> = {
  register,
  'cas-register': casRegister,
  kv: keyValue,
  set,
  counter,
};
