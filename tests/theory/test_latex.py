"""LaTeX pieces: what SymPy prints for independently built expressions, and a table that compiles."""

import json
import subprocess
from fractions import Fraction

import sympy as sp

from tests.tools import system_tool
from theory import load_workflow, preset
from theory.latex import latex_pieces, latex_snippet, ratio_table

k = sp.Symbol("k", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
Rb = sp.IndexedBase("R")


def basel(n):
    return sum(Fraction(1, i * i) for i in range(1, n + 1))


def test_augment_pieces_are_sympys_printing_of_the_basel_sum():
    pieces = latex_pieces("augment", generations=4)
    basel_sum = sp.Sum(1 / j**2, (j, 1, k))
    assert pieces["recurrence"].startswith(sp.latex(sp.Eq(Rb[k + 1], Rb[k] + 1 / (k + 1) ** 2)))
    assert pieces["closed_form"].startswith(sp.latex(sp.Eq(Rb[k], basel_sum)))
    assert pieces["limit"] == sp.latex(sp.Eq(sp.Limit(Rb[k], k, sp.oo), sp.pi**2 / 6))
    assert pieces["bound"].startswith(sp.latex(Rb[k]) + " = " + sp.latex(sp.Lt(basel_sum, sp.pi**2 / 6)))
    assert pieces["bound"].endswith(sp.latex(sp.Ge(k, 1, evaluate=False)))


def test_discard_and_mix_pieces():
    pieces = latex_pieces("discard", generations=3)
    assert pieces["closed_form"].startswith(sp.latex(sp.Eq(Rb[k], k)))
    assert pieces["limit"].endswith(sp.latex(sp.oo)) and pieces["bound"] is None
    # mix:1 — generation k >= 2 pools R0 with S<k-1> of equal size: H_k = (Z + H_{k-1} + e_k) / 2,
    # whose stationary equations (c = Cov(H, Z)) are solved here by SymPy, apart from the package.
    V, c = sp.symbols("V c")
    stationary = sp.solve([sp.Eq(V, (1 + V + 1 + 2 * c) / 4), sp.Eq(c, (1 + c) / 2)], [V, c], dict=True)[0][V]
    pieces = latex_pieces("mix:1", generations=3)
    assert pieces["limit"] == sp.latex(sp.Eq(sp.Limit(Rb[k], k, sp.oo), stationary))
    assert pieces["bound"].split(" < ")[-1].startswith(sp.latex(stationary))


def test_table_lists_exact_ratios_from_an_independent_sum():
    table = ratio_table(preset("augment", 6), digits=4)
    lines = table.splitlines()
    assert lines[0] == r"\begin{tabular}{rlll}" and lines[1] == r"\toprule" and lines[-2] == r"\bottomrule"
    rows = [line for line in lines if line[:1].isdigit()]
    assert len(rows) == 6
    for n, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row.rstrip("\\ ").split("&")]
        exact = sp.Rational(basel(n).numerator, basel(n).denominator)
        assert cells == [str(n), f"${sp.latex(exact)}$", f"{float(basel(n)):.4f}", f"{float(1 / basel(n)):.4f}"]


def test_a_plain_workflow_file_has_only_a_table(tmp_path):
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"generations": [{"fit": [{"batch": "R0"}], "emit": 1},
                                                {"fit": [{"batch": "R0"}, {"batch": "S1"}]}]}))
    pieces = latex_pieces(str(path))
    assert pieces["recurrence"] is pieces["closed_form"] is pieces["limit"] is pieces["bound"] is None
    assert pieces["table"] == ratio_table(load_workflow(str(path)))


def test_snippet_holds_every_piece():
    text = latex_snippet("augment", generations=3)
    pieces = latex_pieces("augment", generations=3)
    for key in ("recurrence", "closed_form", "limit", "bound", "table"):
        assert pieces[key] in text
    assert text.count(r"\begin{gather*}") == 1 and text.count(r"\end{table}") == 1


def test_snippet_compiles(tmp_path):
    pdflatex = system_tool("pdflatex")
    (tmp_path / "snippet.tex").write_text(latex_snippet("window:2", generations=4))
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\\usepackage{amsmath,booktabs}\n"
                                        "\\begin{document}\\input{snippet}\\end{document}\n")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
