/**
 * The option parsers behind every command, in-process: each rejection is an InputError (or
 * commander's InvalidArgumentError) that names the value and what is allowed.
 */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { integerOption, parseList, parseParamFlags, readFaultPlan, resolveFaultFlags } from '../../cli/options.ts';
import { InputError } from '../../engine/index.ts';
import { findScenario, parseShard } from '../../scenarios/index.ts';

const tpc = findScenario('two-phase-commit');

describe('cli options', () => {
  it('types --param values by the schema and fills defaults', () => {
    const params = parseParamFlags(tpc, ['participants=4', 'logForceMs=0.5']);

    expect(params.participants).toBe(4);
    expect(params.logForceMs).toBe(0.5);
    expect(params.accounts).toBe(6);
  });

  it.each([
    [['participants=lots'], /'participants'.*integer/],
    [['participants=1'], /'participants'.*from 2 to 8/],
    [['=3'], /'=3'.*key=value/],
    [['participants=3', 'participants=4'], /'participants' is given twice/],
  ])('rejects --param %j', (flags, message) => {
    expect(() => parseParamFlags(tpc, flags)).toThrow(InputError);
    expect(() => parseParamFlags(tpc, flags)).toThrow(message);
  });

  it('reads a fault plan from JSON text, from a file, and from an object carrying `faults`', () => {
    expect(readFaultPlan('[{"at":5,"kind":"heal"}]')).toEqual([{ at: 5, kind: 'heal' }]);
    expect(readFaultPlan('{"faults":[{"at":5,"kind":"heal"}],"seed":3}')).toEqual([{ at: 5, kind: 'heal' }]);
    expect(readFaultPlan('tests/cli/fixtures/plan.json')).toEqual([
      { at: 300, kind: 'crash', node: 'coordinator' },
      { at: 900, kind: 'restart', node: 'coordinator' },
    ]);
  });

  it.each([
    ['[{"at":-1,"kind":"crash","node":"p1"}]', /faults\[0\]\.at/],
    ['{"seed":1}', /"faults" array/],
    ['no-such-plan.json', /'no-such-plan.json' is neither a file nor a JSON fault plan/],
    ['package.json', /--faults file package.json: a JSON object must carry a "faults" array/],
  ])('rejects the fault plan %s', (text, message) => {
    expect(() => readFaultPlan(text)).toThrow(message);
  });

  it('refuses --preset and --faults together', () => {
    expect(() => resolveFaultFlags(tpc, { preset: 'partition', faults: '[]' }, {})).toThrow(/alternatives/);
  });

  it.each([
    ['-1', /'-1'/],
    ['1e3', /'1e3'/],
    ['99999999999999999999', /'99999999999999999999'/],
  ])('rejects the integer option %s', (text, message) => {
    expect(() => integerOption('--seed', 0, Number.MAX_SAFE_INTEGER)(text)).toThrow(InvalidArgumentError);
    expect(() => integerOption('--seed', 0, Number.MAX_SAFE_INTEGER)(text)).toThrow(message);
  });

  it('splits comma lists and rejects empty or repeated names', () => {
    expect(parseList('--strategies', 'a, b')).toEqual(['a', 'b']);
    expect(() => parseList('--strategies', 'a,,b')).toThrow(/'a,,b'/);
    expect(() => parseList('--strategies', 'a,a')).toThrow(/'a' appears twice/);
  });

  it.each(['first', '0/2', '2/1', '1/0'])('rejects the shard spec %s', (text) => {
    expect(() => parseShard(text)).toThrow(`'${text}'`);
  });
});
