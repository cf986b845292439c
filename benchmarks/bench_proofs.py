"""Exact ratios from proved recurrences, against the full process and a plain Fraction loop.

Run ``python benchmarks/bench_proofs.py``. For augment, subsample, window:5 and
weighted:0.618 it measures, in one process:

* the proof (``theory.prove``: state-space form, derived recurrence, closed form),
  cold, and R_1..R_10000 exactly from the proved recurrence;
* a plain loop of Python Fractions running the same recurrence, R_1..R_10000 (the
  obvious way to use a recurrence; the results must be equal);
* the full exact process (``theory.risk_ratios`` of the G-generation workflow) at the
  largest G it reaches in reasonable time, against the proved recurrence at that G.
  The process holds a loading per generation and batch, O(G^2) rationals, so G = 10000
  is out of its reach (augment at G = 2000 ran out of time and memory).

and, for a workflow *without* a rule — augment listed generation by generation in a
JSON file, G = 2000 (two million fit entries, 60 MB) — the float64 ratios:

* ``theory.risk_ratios_float(path)``: the file read straight into the compact
  per-generation form (``theory.compact``) and solved;
* the same through a validated ``Workflow`` (a Fraction, a FitEntry and a Share per
  entry) and the ``LinearForm`` float path;
* JSON parsing alone, the floor of any reader.

Target: each family's R_1..R_10000 exact, proof included, in a few seconds; the
2000-generation explicit list in float64 in a few seconds.
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FAMILIES = {"augment": 300, "subsample": 300, "window:5": 300, "weighted:0.618": 300}  # G the process runs
G = 10_000
FLOAT_G = 2000
ROWS = []


def clock(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def fraction_loop(rec, initial, first, upto):
    """The recurrence sum_i p_i(k) R(k+i) = q(k) run forward with Python Fractions, term by term."""
    def value(poly, n):
        return sum((c * n**i for i, c in enumerate(poly)), Fraction(0))

    d = rec.order
    out = list(initial)
    for n in range(first, upto - d + 1):
        total = value(rec.rhs, n) - sum(value(rec.coefficients[i], n) * out[n - first + i] for i in range(d))
        out.append(total / value(rec.coefficients[d], n))
    return out


def bench(spec, process_G):
    from theory import preset, risk_ratios
    from theory.proofs import prove

    proof_seconds, proof = clock(lambda: prove(spec))
    ours_seconds, ours = clock(lambda: proof.ratios(G))
    rec = proof.recurrence
    first = len(proof.prefix) - rec.order + 1
    loop_seconds, tail = clock(lambda: fraction_loop(rec, list(proof.prefix[first - 1:]), first, G))
    assert list(proof.prefix[:first - 1]) + tail == ours, spec
    process_seconds, process = clock(lambda: risk_ratios(preset(spec, process_G)))
    small_seconds, small = clock(lambda: proof.ratios(process_G))
    assert small == process, spec
    ROWS.append((spec, proof.status, proof_seconds, ours_seconds, loop_seconds, process_G, process_seconds,
                 small_seconds))


def bench_float(tmp):
    import json

    import numpy as np

    from theory import load_workflow, preset, risk_ratios_float
    from theory.process import linear_form

    data = preset("augment", FLOAT_G).to_data()
    data.pop("name")
    path = tmp / "augment_listed.json"
    path.write_text(json.dumps(data))
    compact_seconds, compact = clock(lambda: risk_ratios_float(path))

    def through_workflow():
        lf = linear_form(load_workflow(path))
        loadings = lf.loadings_float()
        var = (loadings**2) @ np.array(lf.variances, dtype=float)
        return var / var[0]

    workflow_seconds, old = clock(through_workflow)
    assert np.allclose(compact, old, rtol=1e-12)
    assert np.allclose(compact, np.cumsum(1 / np.arange(1, FLOAT_G + 1) ** 2), rtol=1e-12)
    json_seconds, _ = clock(lambda: json.loads(path.read_text()))
    return path.stat().st_size, compact_seconds, workflow_seconds, json_seconds


def main():
    import tempfile

    from theory.proofs import clear_cache

    clear_cache()
    for spec, process_G in FAMILIES.items():
        bench(spec, process_G)
    header = ("family", "status", "prove (cold)", f"R_1..R_{G} exact", f"Fraction loop, G = {G}", "speed-up",
              "process G", "full process", "proved recurrence", "speed-up")
    table = [header]
    for spec, status, proof_s, ours_s, loop_s, pG, process_s, small_s in ROWS:
        table.append((spec, status, f"{proof_s:.3g} s", f"{ours_s:.3g} s", f"{loop_s:.3g} s",
                      f"{loop_s / ours_s:.3g}x", str(pG), f"{process_s:.3g} s", f"{small_s:.3g} s",
                      f"{process_s / small_s:.3g}x"))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    with tempfile.TemporaryDirectory() as tmp:
        size, compact, workflow, parse = bench_float(Path(tmp))
    print(f"\nfloat64 R_1..R_{FLOAT_G}, augment listed in a {size / 1e6:.0f} MB JSON file: compact form "
          f"{compact:.3g} s; through a validated Workflow and LinearForm {workflow:.3g} s "
          f"({workflow / compact:.3g}x); JSON parsing alone {parse:.3g} s")


if __name__ == "__main__":
    main()
