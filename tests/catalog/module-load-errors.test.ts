// A scenario module that fails to load is explained in its author's terms.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleLoadError, resolveScenario } from '../../catalog/scenario-modules.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'faultline-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(name: string, source: string): Promise<ModuleLoadError> {
  const file = path.join(dir, name);
  writeFileSync(file, source);
  const error = await resolveScenario(file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModuleLoadError);
  return error as ModuleLoadError;
}

describe('a scenario module that cannot load', () => {
  it('says how to install faultline when the module imports it from where it is not installed', async () => {
    const error = await loadError('needs-faultline.mts', "import { defineScenario } from 'faultline/scenarios';\nexport default defineScenario;\n");
    expect(error.message).toContain("it imports 'faultline/scenarios', which is not installed where the module lives");
    expect(error.message).toContain('npm install --save-dev faultline');
  });

  it("points at the author's line when the module throws while loading, without the loader's frames", async () => {
    const error = await loadError('throws.mts', "throw new Error('no config for region eu-1');\n");
    expect(error.message).toContain('no config for region eu-1');
    expect(error.message).toContain('throws.mts:1');
    expect(error.message).not.toMatch(/node:internal|node_modules|scenario-modules\.ts/);
  });
});
