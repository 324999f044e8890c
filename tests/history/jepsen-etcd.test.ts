/**
 * Histories Jepsen recorded against etcd, from Porcupine's test data (fixtures/jepsen): the
 * checker agrees with Porcupine's published verdicts on each, and decides each well under a
 * second.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkHistory, parseHistory } from '../../history/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Porcupine's expectations (porcupine_test.go, TestEtcdJepsen000...). */
const PORCUPINE: Record<string, boolean> = { 'etcd_000.log': false, 'etcd_001.log': false, 'etcd_002.log': true, 'etcd_005.log': true };

describe('Jepsen etcd histories', () => {
  for (const [file, linearizable] of Object.entries(PORCUPINE)) {
    it(`${file} is ${linearizable ? '' : 'not '}linearizable, as Porcupine says`, () => {
      const history = parseHistory(readFileSync(path.join(here, 'fixtures/jepsen', file), 'utf8'), { file });
      const result = checkHistory(history, { model: 'cas-register', clock: () => performance.now(), timeLimitMs: 10_000 });
      expect(result.ok).toBe(linearizable);
      expect(result.elapsedMs).toBeLessThan(1000);
      if (!linearizable) expect(result.anomalies[0]!.explanation).toMatch(/cannot take effect/);
    });
  }
});
