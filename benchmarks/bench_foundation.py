"""Foundation benchmarks: exact ratios, the float64 path, and lim R_k of augment to 100 digits.

Run ``python benchmarks/bench_foundation.py``. Every measurement is compared with an
obvious baseline run in the same process:

* exact ratios for G = 200 (``theory.risk_ratios``) against a naive pure-Fraction
  forward substitution of the same linear system (and, for augment, against the naive
  Fraction loop of sum 1/j^2, which knows the answer's form in advance);
* the float64 path for G = 2000 (``theory.risk_ratios_float``) against a numpy loop
  that forms the same loadings row by row;
* building a preset workflow for G = 500 (validated in its constructor) against
  :meth:`Workflow.from_data` of the same data, which parses every number first;
* lim R_k of augment to 100 digits with its bound (``numerics.precision.limit_estimate``),
  cold (closed form derived and proved in this process) and warm, against naive mpmath summation
  of 1/j^2 (timed on 10^5 terms and extrapolated to the ~10^100 terms its 1/n tail
  needs) and against ``mpmath.nsum`` (fast, but with no error bound).

Targets: exact G = 200 under 2 s per preset; float64 G = 2000 under 2 s; the limit
under 0.5 s.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mpmath  # noqa: E402
import numpy as np  # noqa: E402
from mpmath import mp  # noqa: E402

RULE_FILE = {"name": "fresh real data plus the last two synthetic batches",
             "generations": [{"fit": [{"batch": "R0", "count": 1}], "emit": 1}],
             "then": {"new_real": 1, "fit": [{"batch": "R[0]", "weight": "1/2"},
                                             {"batch": "S[-2:]", "weight": "1/4"}], "emit": 1}}
PRESETS = ["discard", "augment", "subsample", "window:3", "mix:0.5", "weighted:0.618", "weighted:0.5:2"]
ROWS = []


def clock(fn, repeat=1):
    """(best wall time over ``repeat`` runs, last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def record(task, seconds, baseline, baseline_seconds, target=None, note=""):
    ratio = baseline_seconds / seconds if seconds > 0 else float("inf")
    ok = "" if target is None else ("yes" if seconds < target else "NO")
    ROWS.append((task, seconds, baseline, baseline_seconds, ratio, target, ok, note))


def fmt_seconds(s):
    if s >= 3.15e7:
        return f"{s / 3.15e7:.1e} yr"
    return f"{s:.3g} s" if s >= 1e-3 else f"{s * 1e3:.3g} ms"


# ---------------------------------------------------------------------- baselines
def naive_exact_ratios(workflow):
    """Var H_k / Var H_1 by forward substitution with Python Fractions, one sparse row per generation."""
    from theory import linear_form

    lf = linear_form(workflow)
    rows = [defaultdict(Fraction) for _ in range(lf.G)]
    feedback = defaultdict(list)
    for k, j, w in lf.feedback:
        feedback[k].append((j, w))
    for k, p, w in lf.direct:
        rows[k][p] += w
    for k in range(lf.G):
        for j, w in feedback[k]:
            for p, m in rows[j].items():
                rows[k][p] += w * m
    var = [sum(m * m * lf.variances[p] for p, m in row.items()) for row in rows]
    return [v / var[0] for v in var]


def naive_basel(n):
    total, out = Fraction(0), []
    for j in range(1, n + 1):
        total += Fraction(1, j * j)
        out.append(total)
    return out


def numpy_loop_ratios(workflow):
    """The float64 loadings formed row by row with numpy (no triangular solve)."""
    from theory import linear_form

    lf = linear_form(workflow)
    omega, direct, variances = lf.float_matrices()
    loadings = np.zeros_like(direct)
    for k in range(lf.G):
        row = direct[k].copy()
        for j in np.flatnonzero(omega[k, :k]):
            row += omega[k, j] * loadings[j]
        loadings[k] = row
    var = (loadings**2) @ variances
    return var / var[0]


# ---------------------------------------------------------------------- sections
def bench_limit():
    """lim R_k of augment to 100 digits: cold (closed form derived here), warm, and the tail route."""
    from numerics.precision import limit_estimate
    from theory.proofs import clear_cache

    clear_cache()
    cold, estimate = clock(lambda: limit_estimate("augment", 100))
    warm, _ = clock(lambda: limit_estimate("augment", 100), repeat=5)
    tail, tail_estimate = clock(lambda: limit_estimate("augment", 100, route="tail"), repeat=5)
    with mp.workdps(150):
        truth = mpmath.pi**2 / 6
        assert abs(estimate.value - truth) <= estimate.error_bound < mpmath.mpf(10) ** -100
        assert abs(tail_estimate.value - truth) <= tail_estimate.error_bound < mpmath.mpf(10) ** -100
    # Naive summation: 10^5 terms at 100 digits, error ~ 1/n, so 100 digits need ~10^100 terms.
    n = 100_000

    def naive():
        with mp.workdps(110):
            total = mpmath.mpf(0)
            for j in range(1, n + 1):
                total += mpmath.mpf(1) / (j * j)
            return total

    naive_time, naive_sum = clock(naive)
    with mp.workdps(110):
        naive_error = mpmath.pi**2 / 6 - naive_sum
    naive_extrapolated = naive_time / n * 1e100

    def nsum():
        with mp.workdps(100):
            return mpmath.nsum(lambda j: 1 / j**2, [1, mpmath.inf])

    nsum_time, nsum_value = clock(nsum)
    with mp.workdps(150):
        nsum_error = abs(nsum_value - mpmath.pi**2 / 6)
    bound = mpmath.nstr(estimate.error_bound, 2)
    record("lim R_k augment, 100 digits, cold (derive + prove + evaluate)", cold,
           f"naive sum 1/j^2 ({mpmath.nstr(naive_error, 2)} error after 1e5 terms; x1e95 more terms)",
           naive_extrapolated, 0.5, f"bound {bound}, rigorous")
    record("lim R_k augment, 100 digits, warm (closed form cached)", warm, "mpmath.nsum, 100 digits",
           nsum_time, 0.5, f"nsum error {mpmath.nstr(nsum_error, 2)}, no bound")
    record("lim R_k augment, 100 digits, Euler-Maclaurin tail route", tail, "mpmath.nsum, 100 digits", nsum_time,
           0.5, f"bound {mpmath.nstr(tail_estimate.error_bound, 2)}, rigorous")


def bench_exact():
    from theory import preset, risk_ratios

    for spec in PRESETS:
        seconds, exact = clock(lambda spec=spec: risk_ratios(preset(spec, 200)))
        naive_seconds, naive = clock(lambda spec=spec: naive_exact_ratios(preset(spec, 200)))
        assert naive == exact, spec
        record(f"exact R_1..R_200, {spec}", seconds, "naive Fraction forward substitution", naive_seconds, 2.0)
        if spec == "augment":
            basel_seconds, basel = clock(lambda: naive_basel(200), repeat=3)
            assert basel == exact
            record("exact R_1..R_200, augment", seconds, "naive Fraction loop of sum 1/j^2 (form known)",
                   basel_seconds, 2.0)


def bench_float(tmp):
    import json

    from theory import load_workflow, preset, risk_ratios_float

    rule = tmp / "fresh_plus_two.json"
    rule.write_text(json.dumps(RULE_FILE))
    cases = [("mix:0.5", lambda: preset("mix:0.5", 2000)), ("weighted:0.618", lambda: preset("weighted:0.618", 2000)),
             ("window:5", lambda: preset("window:5", 2000)), ("rule file", lambda: load_workflow(rule, 2000)),
             ("augment", lambda: preset("augment", 2000))]
    for name, build in cases:
        build_seconds, workflow = clock(build)
        seconds, ratios = clock(lambda workflow=workflow: risk_ratios_float(workflow))
        loop_seconds, loop = clock(lambda workflow=workflow: numpy_loop_ratios(workflow))
        assert np.allclose(ratios, loop, rtol=1e-10), name
        record(f"float64 R_1..R_2000, {name}", seconds, "numpy row-by-row loop", loop_seconds, 2.0,
               f"+ {fmt_seconds(build_seconds)} to build the workflow")


def bench_construction():
    from theory import Workflow, preset

    for spec in PRESETS:
        seconds, workflow = clock(lambda spec=spec: preset(spec, 500), repeat=3)
        data = workflow.to_data()
        parse_seconds, parsed = clock(lambda data=data: Workflow.from_data(data), repeat=3)
        assert parsed.shares() == workflow.shares(), spec
        record(f"build and validate {spec}, G = 500", seconds, "Workflow.from_data of its data", parse_seconds,
               note=f"{sum(len(fit) for fit in workflow.shares())} fit entries")


def main():
    import tempfile

    bench_limit()    # first, so that the cold measurement is cold
    bench_construction()
    bench_exact()
    with tempfile.TemporaryDirectory() as tmp:
        bench_float(Path(tmp))
    header = ("task", "time", "baseline", "baseline time", "speed-up", "target", "met", "note")
    table = [header] + [(task, fmt_seconds(s), base, fmt_seconds(bs), f"{ratio:.3g}x",
                         "" if target is None else f"< {target:g} s", ok, note)
                        for task, s, base, bs, ratio, target, ok, note in ROWS]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
