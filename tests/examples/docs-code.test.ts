/**
 * Every TypeScript block in the docs runs in a test: a block that begins with
 * `// excerpt: <file>` must appear verbatim in that file (which its own tests run); any other
 * block is a program, written to a scratch file in the repository and run with Node, which
 * must exit 0. So the docs cannot show an API that does not exist or an outcome that does
 * not happen.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const scratch = path.join(root, 'scratch', 'doc-blocks');

/** The documents whose code is checked. */
const documents = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((n) => n.endsWith('.md'))
    .map((n) => `docs/${n}`),
];

interface Block {
  document: string;
  line: number;
  code: string;
}

function blocksOf(document: string): Block[] {
  const lines = readFileSync(path.join(root, document), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    blocks.push({ document, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

// Blocks that are vitest tests (the README's library example) are run as tests by their own
// file and held to it by tests/examples/readme-sync.test.ts.
const blocks = documents.flatMap(blocksOf).filter((b) => !/from 'vitest'/.test(b.code));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the TypeScript in the docs', () => {
  it('has blocks to check', () => {
    expect(blocks.length).toBeGreaterThan(3);
  });

  for (const block of blocks) {
    const excerpt = /^\/\/ excerpt: (\S+)\n/.exec(block.code);
    if (excerpt !== null) {
      it(`${block.document}:${block.line} is a verbatim excerpt of ${excerpt[1]}`, () => {
        const source = readFileSync(path.join(root, excerpt[1]!), 'utf8');
        expect(source).toContain(block.code.slice(excerpt[0].length));
      });
      continue;
    }
    if (!/^import /m.test(block.code)) continue;
    it(`${block.document}:${block.line} runs`, () => {
      mkdirSync(scratch, { recursive: true });
      const file = path.join(scratch, `${block.document.replace(/[/.]/g, '-')}-${block.line}.ts`);
      writeFileSync(file, block.code);
      execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], { cwd: root, stdio: 'pipe', timeout: 60_000 });
    });
  }
});
