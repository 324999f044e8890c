/**
 * Simulated code never builds an object literal that spreads one object and then adds a
 * property the spread did not bring (`{ ...config, clientId }`, `{ ...a, ...b }`). In Node 20's
 * V8 such a literal leaves the fast path: it cost 1–2 µs each in a micro-benchmark, against
 * about 0.1 µs for the same fields named before the spread and 20 ns for a spread that only
 * overrides fields it brought (`{ ...message, state }`). One such literal on a database write
 * was 6% of cache-strategies' check; one per producer config, 16% of consumer-lag's.
 *
 * The test reads the types: a property after a spread is allowed only when the spread's type
 * already has it (an override). Name new fields before the spread (when the spread cannot
 * override them), or build the object field by field.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const SIMULATED = ['engine', 'scenarios', 'history'].map((dir) => `${path.join(root, dir)}${path.sep}`);

function slowSpreads(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (config === undefined) throw new Error('tsconfig.json does not parse');
  const files = config.fileNames.filter((f) => SIMULATED.some((dir) => path.resolve(f).startsWith(dir)));
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  const found: string[] = [];
  for (const source of program.getSourceFiles()) {
    if (!files.includes(source.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node)) {
        let spread: ts.Type | null = null;
        for (const property of node.properties) {
          if (ts.isSpreadAssignment(property)) {
            if (spread !== null) found.push(where(source, property, 'a second spread'));
            spread = checker.getTypeAtLocation(property.expression);
            continue;
          }
          if (spread === null) continue;
          const symbol = checker.getSymbolAtLocation(property.name);
          const name = symbol?.getName();
          if (name === undefined || checker.getPropertyOfType(checker.getApparentType(spread), name) === undefined) {
            found.push(where(source, property, `'${name ?? property.name.getText()}', which the spread does not bring`));
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function where(source: ts.SourceFile, node: ts.Node, what: string): string {
  const { line } = source.getLineAndCharacterOfPosition(node.getStart());
  return `${path.relative(root, source.fileName)}:${line + 1}: adds ${what}`;
}

describe('simulated code', () => {
  it('adds no property after a spread that the spread did not bring (V8 builds such a literal slowly)', () => {
    expect(slowSpreads()).toEqual([]);
  }, 120_000);
});
