"""``pi2over6 risk``: the DESIGN.md JSON contract, the table, LaTeX, and one-line errors with exit 2."""

import json
import string
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import mpmath
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofs_check.cli import main
from theory.presets import PRESETS

CONTRACT = {"workflow", "generations", "ratio", "ratio_float", "closed_form", "closed_form_latex", "limit",
            "limit_decimal"}
k = sp.Symbol("k", integer=True, positive=True)
LOCAL = {"k": k, "harmonic": sp.harmonic, "pi": sp.pi, "oo": sp.oo}
ROOT = Path(__file__).resolve().parents[2]


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def basel(n):
    return sum(Fraction(1, j * j) for j in range(1, n + 1))


def test_json_contract_for_augment(capsys):
    status, out, err = run(["risk", "augment", "--json"], capsys)
    assert status == 0 and err == ""
    data = json.loads(out)
    assert CONTRACT <= set(data)
    assert data["workflow"] == "augment" and data["generations"] == 10
    assert data["ratio"] == [str(basel(n)) for n in range(1, 11)]
    assert data["ratio_float"] == [float(basel(n)) for n in range(1, 11)]
    # The printed SymPy strings read back (our own output, not user input) as the expected objects.
    assert sp.simplify(sp.sympify(data["closed_form"], locals=LOCAL) - sp.harmonic(k, 2)) == 0
    assert sp.sympify(data["limit"], locals=LOCAL) == sp.pi**2 / 6
    digits = data["limit_decimal"].replace(".", "")
    assert len(digits) == 30
    with mpmath.workdps(50):
        assert abs(mpmath.mpf(data["limit_decimal"]) - mpmath.pi**2 / 6) < mpmath.mpf(10) ** -29
    assert data["limit_rigorous"] is True and float(data["limit_error_bound"]) < 1e-30
    j = sp.Symbol("j", integer=True, positive=True)
    assert data["closed_form_latex"] == sp.latex(sp.Sum(1 / j**2, (j, 1, k)))


def test_json_generations_dps_and_divergence(capsys):
    status, out, _ = run(["risk", "discard", "--generations", "4", "--dps", "50", "--json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["generations"] == 4 and data["ratio"] == ["1", "2", "3", "4"]
    assert data["closed_form"] == "k" and data["limit"] == "oo" and data["limit_decimal"] is None
    _, out, _ = run(["risk", "weighted:0.5:2", "-G", "3", "--dps", "50", "--json"], capsys)
    data = json.loads(out)
    # weighted:0.5:2: Var H_k = 1/4 + 1/4 (Var H_{k-1} + 1/2), whose fixed point V = 1/4 + V/4 + 1/8 is 1/2
    assert data["limit"] == "1/2" and data["limit_decimal"] == "0.5" + "0" * 49


def test_default_generations_for_files(tmp_path, capsys):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"generations": [{"fit": [{"batch": "R0"}], "emit": 1},
                                                 {"fit": [{"batch": "S1"}], "emit": 1},
                                                 {"fit": [{"batch": "R0"}, {"batch": "S2"}]}]}))
    status, out, _ = run(["risk", str(plain), "--json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["generations"] == 3 and data["closed_form"] is None and data["limit"] is None
    rule = tmp_path / "rule.toml"
    rule.write_text('[[generations]]\nfit = [{batch = "R0"}]\nemit = 1\n'
                    '[then]\nfit = [{batch = "R0"}, {batch = "S[:]"}]\nemit = 1\n')
    status, out, _ = run(["risk", str(rule), "--json"], capsys)
    data = json.loads(out)
    # this rule is augment written as data: same ratios, same closed form
    assert data["generations"] == 10 and data["ratio"] == [str(basel(n)) for n in range(1, 11)]
    assert sp.sympify(data["limit"], locals=LOCAL) == sp.pi**2 / 6


def test_table_output(capsys):
    status, out, err = run(["risk", "mix:1", "-G", "3"], capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("mix:1: risk ratio") and lines[1].split()[:2] == ["k", "R_k"]
    # mix:1: H_k = (Z + H_{k-1} + e_k)/2 -> R_2 = (1 + 1 + 1 + 2)/4 = 5/4
    assert lines[3].split()[:2] == ["2", "5/4"] and lines[3].split()[-1] == "0.8"
    assert any(line.startswith("closed form: R_k =") for line in lines)
    assert any(line.startswith("limit:") and "rigorous bound" in line for line in lines)
    assert any(line.startswith("bound:") for line in lines)


def test_latex_output(capsys):
    status, out, err = run(["risk", "augment", "--latex", "-G", "3"], capsys)
    assert status == 0 and err == ""
    j = sp.Symbol("j", integer=True, positive=True)
    assert sp.latex(sp.Sum(1 / j**2, (j, 1, k))) in out
    assert r"\begin{tabular}{rlll}" in out and "% closed form" in out and out.count(r"\\") >= 4


def one_line_error(argv, capsys, needle):
    status, out, err = run(argv, capsys)
    assert status == 2, argv
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert needle in err, (needle, err)


SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
NAME = st.text(string.ascii_letters + string.digits + "_.", min_size=1, max_size=12)


@SETTINGS
@given(NAME.filter(lambda s: s not in PRESETS and not s.lower().endswith((".json", ".toml"))))
def test_unknown_presets(capsys, name):
    one_line_error(["risk", name], capsys, repr(name))


@SETTINGS
@given(st.one_of(
    st.integers(-50, 0).map(lambda w: (f"window:{w}", str(w))),
    NAME.filter(lambda s: not s.isdigit()).map(lambda s: (f"window:{s}", repr(s))),
    st.fractions(max_value=0, max_denominator=9).map(lambda x: (f"mix:{x}", str(x))),
    st.integers(2, 99).map(lambda w: (f"weighted:{w}", str(w))),
    st.integers(-99, -1).map(lambda w: (f"weighted:{w}", str(w))),
    st.integers(-9, 0).map(lambda m: (f"weighted:0.5:{m}", str(m))),
    st.sampled_from([("window:1:2", "window:1:2"), ("mix", "mix"), ("discard:3", "discard:3")])))
def test_malformed_parameters(capsys, case):
    spec, needle = case
    one_line_error(["risk", spec], capsys, needle)


@SETTINGS
@given(st.one_of(st.integers(max_value=0).map(str), st.integers(10_001, 10**12).map(str),
                 st.sampled_from(["2.5", "x", "1e3", "", "ten"])))
def test_bad_generations(capsys, text):
    one_line_error(["risk", "augment", "--generations", text], capsys, repr(text))


@SETTINGS
@given(st.one_of(st.integers(max_value=0), st.integers(10_001, 10**12)).map(str))
def test_bad_dps(capsys, text):
    one_line_error(["risk", "augment", "--dps", text], capsys, repr(text))


def test_json_and_latex_exclude_each_other(capsys):
    one_line_error(["risk", "augment", "--json", "--latex"], capsys, "not allowed with")


@SETTINGS
@given(NAME, st.sampled_from([".json", ".toml"]))
def test_missing_files(capsys, stem, suffix):
    path = Path(tempfile.gettempdir()) / "pi2over6-missing" / f"{stem}{suffix}"
    one_line_error(["risk", str(path)], capsys, str(path))


MALFORMED = ["{", '{"generations": [', "[[generations]\nfit = ", "generations = 3 4", "\x00", "{'a': 1}"]


@SETTINGS
@given(st.sampled_from(MALFORMED), st.sampled_from([".json", ".toml"]))
def test_malformed_files(capsys, text, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"bad{suffix}"
        path.write_text(text)
        one_line_error(["risk", str(path)], capsys, str(path))


INVALID = [
    ({"generations": [{"fit": [{"batch": "S1"}]}]}, "'S1'"),
    ({"generations": [{"fit": [{"batch": "R0", "count": 3}]}]}, "count 3"),
    ({"generations": [{"fit": [{"batch": "R0", "weight": -1}]}]}, "-1"),
    ({"generations": [{"fit": []}]}, "[]"),
    ({"generations": [{"fit": [{"batch": "R0"}], "emit": 0}]}, "0"),
    ({"generations": [{"fit": [{"batch": "Q7"}]}]}, "'Q7'"),
    ({"real": "1+1", "generations": [{"fit": [{"batch": "R0"}]}]}, "'1+1'"),
    ({"generations": [{"fit": [{"batch": "R0"}], "emit": 1}], "then": {"fit": [{"batch": "S[1]"}]}}, "S[1]"),
    ({"generations": [{"fit": [{"batch": "R0"}]}], "extra": 1}, "extra"),
]


@SETTINGS
@given(st.sampled_from(INVALID), st.integers(1, 5))
def test_invalid_workflows(capsys, case, G):
    data, needle = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wf.json"
        path.write_text(json.dumps(data))
        one_line_error(["risk", str(path), "--generations", str(G)], capsys, needle)


def test_a_plain_file_cannot_run_more_generations_than_it_lists(tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"generations": [{"fit": [{"batch": "R0"}], "emit": 1}]}))
    one_line_error(["risk", str(path), "-G", "4"], capsys, "cannot run 4 generations")


def test_runs_as_a_program():
    ok = subprocess.run([sys.executable, "-m", "proofs_check", "risk", "augment", "-G", "3", "--json"],
                        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert ok.returncode == 0 and json.loads(ok.stdout)["ratio"] == ["1", "5/4", "49/36"]
    bad = subprocess.run([sys.executable, "-m", "proofs_check", "risk", "window:0"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "pi2over6: error: window size W must be an integer of at least 1, got 0"]
