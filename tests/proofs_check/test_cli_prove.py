"""``pi2over6 prove`` and the proof keys of ``pi2over6 risk --json``: text, JSON, LaTeX, honest status."""

import json
import subprocess
from fractions import Fraction

import mpmath
import pytest

from proofs_check.cli import main
from tests.tools import system_tool
from theory import preset, prove, risk_ratios

RULE = {"name": "large first batch, then pooled",
        "generations": [{"fit": [{"batch": "R0"}], "emit": 2}],
        "then": {"fit": [{"batch": "R0"}, {"batch": "S[:]"}], "emit": 1}}


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_prove_prints_the_argument(capsys):
    status, out, err = run(["prove", "mix:0.5", "--dps", "12"], capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "mix:0.5: R_k = Var H_k / Var H_1 -- proved for every k >= 2"
    for piece in ("1. State after generation k-1", "x = (X[R0], X[S(k-1)])", "2. Second moments",
                  "Cayley-Hamilton", "by induction", "4. Recurrence:", "5. Closed form:", "7. Bound:"):
        assert piece in out, piece
    # mix:0.5's limit is the fixed point 5/4, here to 12 digits with a rigorous bound
    assert "6. Limit: 5/4 = 1.25000000000 (rigorous error bound" in out


def test_prove_json(tmp_path, capsys):
    path = tmp_path / "rule.json"
    path.write_text(json.dumps(RULE))
    status, out, _ = run(["prove", str(path), "--json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["status"] == "proved" and data["valid_from"] == 2
    assert data["family"] == {"listed_generations": 1, "rule": "fit R0; S[:]; emit 1"}
    assert data["state"]["components"] == ["X[R0]", "U_S(k-1)"] and data["state"]["variance_1"] == "1"
    # the exact prefix the argument starts from is the process's own
    exact = risk_ratios(preset("augment", 1))
    assert data["prefix"][0] == str(exact[0])
    value = data["limit_value"]
    assert value["rigorous"] is True and data["bound"].startswith("R(k) < ")
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(value["decimal"]) - (mpmath.pi**2 / 6 - mpmath.mpf(5) / 36)) < mpmath.mpf(10) ** -28


def test_prove_latex_compiles(tmp_path, capsys):
    pdflatex = system_tool("pdflatex")
    status, out, _ = run(["prove", "window:2", "--latex"], capsys)
    assert status == 0 and out.startswith(r"\section{Risk ratios of the workflow family \texttt{window:2}")
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
                                      + out + "\\end{document}\n")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.parametrize("argv, needle", [
    (["prove", "augmented"], "unknown workflow 'augmented'"),
    (["prove", "window:0"], "window size W must be an integer of at least 1, got 0"),
    (["prove", "augment", "--dps", "0"], "'0'"),
])
def test_prove_bad_input_is_one_line(capsys, argv, needle):
    status, out, err = run(argv, capsys)
    assert status == 2 and out == "" and needle in err and len(err.strip().splitlines()) == 1


def test_prove_refuses_a_plain_workflow(tmp_path, capsys):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps({"generations": RULE["generations"]}))
    status, out, err = run(["prove", str(path)], capsys)
    assert status == 2 and out == "" and "has no 'then' rule" in err


def test_risk_json_carries_the_proof(capsys):
    status, out, _ = run(["risk", "window:2", "-G", "5", "--json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["proof"]["status"] == "proved" and data["proof"]["valid_from"] == 3
    assert data["proof"]["steps"] and data["closed_form_start"] == 1
    assert data["ratio"] == [str(r) for r in risk_ratios(preset("window:2", 5))]
    assert data["bound"] is None and data["limit"] == "oo"
    status, out, _ = run(["risk", "augment", "-G", "2000", "--json"], capsys)
    total, sums = Fraction(0), []
    for j in range(1, 2001):
        total += Fraction(1, j * j)
        sums.append(str(total))
    assert json.loads(out)["ratio"] == sums


def test_risk_states_no_bound_for_a_conjecture(capsys, monkeypatch):
    import theory.derivation as derivation
    import theory.proofs as proofs

    monkeypatch.setattr(derivation, "MAX_ORDER", 2)
    monkeypatch.setattr(proofs, "_CACHE", {})
    monkeypatch.setattr(derivation, "_CACHE", {})
    monkeypatch.setenv("PI2OVER6_CACHE_DIR", "")      # no output kept from an earlier (proved) run
    monkeypatch.setattr("theory.derivation_cache._memory", {})
    status, out, _ = run(["risk", "mix:2", "-G", "4", "--json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["proof"]["status"] == "conjectured"
    assert data["bound"] is None and data["limit_rigorous"] is False
    assert data["ratio"] == [str(r) for r in risk_ratios(preset("mix:2", 4))]
    status, out, _ = run(["risk", "mix:2", "-G", "4"], capsys)
    assert "CONJECTURED, not proved" in out and "bound:" not in out


def test_risk_prints_exact_values_longer_than_pythons_int_string_limit(capsys):
    # weighted:0.618's R_900 has a denominator of 4853 digits, past the 4300 Python converts by default
    G = 900
    last = prove("weighted:0.618").ratios_fmpq(G)[-1]
    assert len(str(last.q)) > 4300
    status, out, err = run(["risk", "weighted:0.618", "-G", str(G)], capsys)
    assert status == 0 and err == ""
    row = out.splitlines()[G + 1]   # a title line, the header, then generations 1..G
    assert row.split()[:2] == [str(G), str(last)] and float(row.split()[2]) == pytest.approx(float(last))
    status, out, err = run(["risk", "weighted:0.618", "-G", str(G), "--latex"], capsys)
    assert status == 0 and err == ""
    assert rf"{G} & $\frac{{{last.p}}}{{{last.q}}}$" in out
