/**
 * Deterministic arithmetic: every transcendental function simulated code may call, computed
 * with `+ - * /`, `Math.sqrt`, `Math.trunc`/`floor`/`abs` and bit operations only (each exactly
 * specified by IEEE 754 and ECMAScript), so each result is the same double in every
 * JavaScript engine (Node, a worker, Chromium, Firefox) and every engine version.
 *
 * `Math.log`, `Math.exp`, `Math.pow`, `Math.sin`, `Math.cos`… may differ in the last bit
 * between engines, and one such bit changes a trace hash. These are ports of Sun's fdlibm (as
 * FreeBSD msun and V8 carry it), each within 1 ulp of the true result and exact in its special
 * cases — pow's are IEEE 754's, which differ from ECMAScript's `**` in giving 1 for 1^NaN and
 * (±1)^±Infinity. A golden table pins their bits (tests/engine/det-math.test.ts). Engine and
 * scenario code uses `DetMath` (or the named functions), never the `Math` transcendentals; a
 * contract greps for them.
 */
import { cos } from './cos.ts';
import { erf } from './erf.ts';
import { exp } from './exp.ts';
import { expm1 } from './expm1.ts';
import { log } from './log.ts';
import { log1p } from './log1p.ts';
import { log2 } from './log2.ts';
import { log10 } from './log10.ts';
import { pow } from './pow.ts';
import { sin } from './sin.ts';

export { cos, erf, exp, expm1, log, log1p, log2, log10, pow, sin };

/** The deterministic functions as one namespace, shaped like `Math`'s. */
export const DetMath = Object.freeze({ cos, erf, exp, expm1, log, log1p, log2, log10, pow, sin });
