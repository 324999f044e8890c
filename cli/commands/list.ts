/**
 * `faultline list [scenario]`: the scenarios of the registry, with their strategies (and the
 * flaws each declares), invariants, parameters (as JSON Schema) and fault presets. With a
 * scenario id, the same for that one scenario, and a detailed table. With the path of a
 * module (or a folder of modules), the user's own scenarios it exports.
 */
import type { Command } from 'commander';
import { isModulePath, loadScenarioModule, moduleFiles, moduleRef } from '../../catalog/scenario-modules.ts';
import { describeScenario, findScenario, type ScenarioInfo, scenarios } from '../../scenarios/index.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { printJson, printResult } from '../output.ts';
import { formatTable } from '../table.ts';

interface ListOptions {
  json?: boolean;
}

export function registerList(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('list')
    .description('list the scenarios with their strategies, invariants, parameters and fault presets')
    .argument('[scenario]', 'show one scenario in detail, or the scenarios a module (or a folder of modules) exports')
    .option('--json', 'print one JSON object on stdout')
    .action((id: string | undefined, opts: ListOptions) => run(async () => list(id, opts)));
}

async function list(id: string | undefined, opts: ListOptions): Promise<ExitCode> {
  const chosen = id === undefined ? scenarios : isModulePath(id) ? await ownScenarios(id) : [findScenario(id)];
  const infos = chosen.map(describeScenario);
  if (opts.json) printJson({ scenarios: infos });
  else printResult(id === undefined ? overview(infos) : infos.map(detail).join('\n\n'));
  return EXIT.held;
}

/** The scenarios of a module, or of every module in a folder. */
async function ownScenarios(target: string) {
  const loaded = [];
  for (const file of moduleFiles(target.split('#')[0]!)) loaded.push(...(await loadScenarioModule(moduleRef(file))));
  const id = target.split('#')[1];
  return id === undefined ? loaded : loaded.filter((s) => s.id === id);
}

function overview(infos: readonly ScenarioInfo[]): string {
  const rows = infos.map((s) => ({
    scenario: s.id,
    family: s.family,
    strategies: s.strategies.map((t) => (t.expectedViolations.length > 0 ? `${t.id}*` : t.id)).join(', '),
    title: s.title,
  }));
  return `${formatTable(rows)}\n\n* a strategy with a declared flaw (check finds it). 'faultline list <scenario>' shows one in detail.`;
}

function detail(s: ScenarioInfo): string {
  const params = s.params as { properties?: Record<string, { description?: string; minimum?: number; maximum?: number; enum?: unknown[] }> };
  const lines = [
    `${s.id} — ${s.title}  (${s.family})`,
    '',
    s.question,
    '',
    s.summary,
    '',
    'strategies:',
    formatTable(
      s.strategies.map((t) => ({
        strategy: t.id + (t.id === s.defaultStrategy ? ' (default)' : ''),
        title: t.title,
        'declared flaws': t.expectedViolations.join(', ') || '-',
      })),
      { indent: 2 },
    ),
    '',
    'invariants:',
    formatTable(
      s.invariants.map((i) => ({ invariant: i.name, kind: i.kind, 'checked for': i.appliesTo?.join(', ') ?? 'all', description: i.description })),
      { indent: 2 },
    ),
    '',
    'parameters (--param key=value):',
    formatTable(
      Object.entries(params.properties ?? {}).map(([key, p]) => ({
        parameter: key,
        default: JSON.stringify(s.defaults[key]),
        allowed: p.enum !== undefined ? p.enum.map((v) => JSON.stringify(v)).join(' | ') : `${p.minimum ?? ''}..${p.maximum ?? ''}`,
        description: p.description ?? '',
      })),
      { indent: 2, right: [] },
    ),
    '',
    'fault presets (--preset id):',
    formatTable(
      s.presets.map((p) => ({ preset: p.id + (p.id === s.defaultPreset ? ' (default)' : ''), title: p.title })),
      { indent: 2 },
    ),
  ];
  return lines.join('\n');
}
