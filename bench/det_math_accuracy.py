"""Accuracy of engine/math against the true values: every row of the golden table
(tests/engine/fixtures/det-math-golden.json, the exact bits DetMath returns) compared with the
function evaluated in 300-bit arithmetic by mpmath, as an error in units in the last place of
the true result (subnormal results in units of 2^-1074). Prints the largest error per function.

Usage: python3 bench/det_math_accuracy.py [table.json]     (needs: pip install mpmath)
"""
import json
import math
import struct
import sys

import mpmath

mpmath.mp.prec = 300
TABLE = sys.argv[1] if len(sys.argv) > 1 else "tests/engine/fixtures/det-math-golden.json"
MAX_DOUBLE = mpmath.mpf(sys.float_info.max)


def double(bits):
    return struct.unpack(">d", bytes.fromhex(bits))[0]


def ulp_error(got, true):
    """|got - true| in ulps of true; 0 when both overflow or both are exactly zero."""
    if abs(true) > MAX_DOUBLE:
        return 0.0 if math.isinf(got) else math.inf
    if true == 0:
        return 0.0 if got == 0 else math.inf
    if math.isinf(got) or math.isnan(got):
        return math.inf
    exponent = max(int(mpmath.floor(mpmath.log(abs(true), 2))), -1022)
    return float(abs(mpmath.mpf(got) - true) / mpmath.mpf(2) ** (exponent - 52))


UNARY = {
    "log": mpmath.log,
    "log1p": mpmath.log1p,
    "log2": lambda x: mpmath.log(x, 2),
    "log10": mpmath.log10,
    "exp": mpmath.exp,
    "expm1": mpmath.expm1,
    "sin": mpmath.sin,
    "cos": mpmath.cos,
    "erf": mpmath.erf,
}


def defined(name, x):
    """Whether name(x) is a finite real worth comparing (special values are tested elsewhere)."""
    if math.isnan(x) or math.isinf(x):
        return False
    if name in ("log", "log2", "log10"):
        return x > 0
    if name == "log1p":
        return x > -1
    return True


def main():
    with open(TABLE) as f:
        table = json.load(f)
    print(f"{'function':10} {'rows':>6} {'max ulp error':>14}  worst input")
    for name, rows in table["unary"].items():
        worst, worst_input, count = 0.0, None, 0
        for input_bits, output_bits in rows:
            x = double(input_bits)
            if not defined(name, x):
                continue
            # huge arguments of sin and cos need more bits of pi
            mpmath.mp.prec = 1400 if name in ("sin", "cos") and abs(x) > 1e15 else 300
            error = ulp_error(double(output_bits), UNARY[name](mpmath.mpf(x)))
            mpmath.mp.prec = 300
            count += 1
            if error > worst:
                worst, worst_input = error, input_bits
        print(f"{name:10} {count:6} {worst:14.3f}  {worst_input}")
    for name, rows in table["binary"].items():
        worst, worst_input, count = 0.0, None, 0
        for x_bits, y_bits, output_bits in rows:
            x, y = double(x_bits), double(y_bits)
            if not all(math.isfinite(v) for v in (x, y)) or (x < 0 and y != int(y)) or (x == 0 and y <= 0):
                continue
            error = ulp_error(double(output_bits), mpmath.power(mpmath.mpf(x), mpmath.mpf(y)))
            count += 1
            if error > worst:
                worst, worst_input = error, f"{x_bits},{y_bits}"
        print(f"{name:10} {count:6} {worst:14.3f}  {worst_input}")


main()
