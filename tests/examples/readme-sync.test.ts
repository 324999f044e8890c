import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('the README', () => {
  it('shows the library example exactly as tests/examples/readme-example.test.ts runs it', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = readme.split('```ts\n')[1]!.split('```')[0]!;
    const test = readFileSync(path.join(root, 'tests/examples/readme-example.test.ts'), 'utf8');
    const body = test.slice(test.indexOf('\n') + 1);

    expect(block.trim()).toBe(body.trim());
  });

  it('starts with the two commands that work on a fresh clone', () => {
    const head = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').slice(0, 8).join('\n');

    expect(head).toContain('npm ci && npm start');
    expect(head).toContain('npm ci && npm test');
  });
});
