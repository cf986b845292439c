"""``pi2over6 plot`` and ``pi2over6 latex``: files written, snippets that compile, errors as exit 2."""

import subprocess
import sys

import pytest

from proofs_check.cli import main
from tests.tools import system_tool


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# ----------------------------------------------------------------------------- plot
@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF-")])
def test_plot_exact_curves_by_suffix(tmp_path, capsys, suffix, magic):
    out = tmp_path / f"ratios{suffix}"
    status, stdout, err = run(["plot", "discard", "augment", "window:3", "--generations", "8", "--out", str(out)],
                              capsys)
    assert status == 0, err
    assert out.read_bytes()[:len(magic)] == magic
    assert str(out) in stdout


def test_plot_with_models_and_log_axis(tmp_path, capsys):
    out = tmp_path / "mc.png"
    status, _, err = run(["plot", "augment", "discard", "--model", "gaussian-mean", "--model", "poisson",
                          "--set", "estimator=mean", "--n", "12", "--replicates", "300", "--generations", "4",
                          "--seed", "3", "--log", "--out", str(out)], capsys)
    # estimator=mean is not a Poisson parameter: the whole command is refused before any simulation
    assert status == 2 and "poisson: unknown parameter 'estimator'" in err and not out.exists()
    status, _, err = run(["plot", "augment", "discard", "--model", "gaussian-mean", "--model", "poisson",
                          "--n", "12", "--replicates", "300", "--generations", "4", "--log", "--out", str(out)],
                         capsys)
    assert status == 0, err
    assert out.stat().st_size > 10_000


def test_plot_from_a_sweep_store(tmp_path, capsys):
    from numerics.sweep import Sweep, run_sweep

    store = tmp_path / "s.sqlite"
    run_sweep(Sweep.from_data({"seed": 1, "replicates": 250, "chunk": 250, "generations": 3, "n": 10,
                               "workflows": ["augment"], "models": [{"name": "bernoulli"}]}), store, workers=1)
    out = tmp_path / "store.pdf"
    status, _, err = run(["plot", "augment", "--store", str(store), "--out", str(out)], capsys)
    assert status == 0, err
    assert out.exists()
    status, _, err = run(["plot", "discard", "--store", str(store), "--out", str(out)], capsys)
    assert status == 2 and "no risk results matching" in err


@pytest.mark.parametrize("argv, message", [
    (["plot", "augment", "--out", "figure.svg"], "--out must end in .png or .pdf, got 'figure.svg'"),
    (["plot", "augmented", "--out", "f.png"], "unknown workflow 'augmented'"),
    (["plot", "augment", "--model", "gauss", "--out", "f.png"], "unknown model 'gauss'"),
    (["plot", "augment", "--set", "sigma=2", "--out", "f.png"], "--set needs --model"),
    (["plot", "augment", "--model", "gaussian-mean", "--set", "sigma", "--out", "f.png"],
     "--set takes KEY=VALUE, got 'sigma'"),
    (["plot", "augment", "--model", "gaussian-mean", "--set", "sigma=-1", "--out", "f.png"], "sigma"),
    (["plot", "augment", "--store", "missing.sqlite", "--out", "f.png"], "no sweep store at 'missing.sqlite'"),
    (["plot", "augment", "--n", "0", "--out", "f.png"], "--n: must be an integer from 1 to 1000000000, got '0'"),
    (["plot", "augment", "--out", "no/such/dir/f.png"], "directory 'no/such/dir' does not exist"),
    (["plot", "augment"], "the following arguments are required: --out"),
])
def test_plot_bad_input_is_one_line_and_status_2(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    status, _, err = run(argv, capsys)
    assert status == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.glob("f.*"))


def test_plot_runs_as_a_program(tmp_path):
    out = tmp_path / "f.svg"
    result = subprocess.run([sys.executable, "-m", "proofs_check", "plot", "augment", "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.startswith("pi2over6: error: --out must end in .png or .pdf")


# ----------------------------------------------------------------------------- latex
DOCUMENT = r"""\documentclass{article}
\usepackage{amsmath,booktabs}
\begin{document}
\input{snippet.tex}
\end{document}
"""

RULE_FILE = """
[[generations]]
fit = [{batch = "R0"}]
emit = 1
[then]
new_real = 1
fit = [{batch = "R[0]", weight = "1/2"}, {batch = "S[-2:]", weight = "1/4"}]
emit = 1
"""

PLAIN_FILE = """
name = "three fixed generations"
[[generations]]
fit = [{batch = "R0", count = 1}]
emit = 1
[[generations]]
fit = [{batch = "R0", count = "1/2"}, {batch = "S1", count = 1}]
emit = 2
[[generations]]
fit = [{batch = "S2", count = 2, weight = 1}, {batch = "R0", count = 1, weight = 3}]
"""


def compile_snippet(folder, text):
    """pdflatex the snippet inside a minimal document; return (ok, log tail)."""
    pdflatex = system_tool("pdflatex")
    (folder / "snippet.tex").write_text(text)
    (folder / "main.tex").write_text(DOCUMENT)
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "main.tex"], cwd=folder,
                            capture_output=True, text=True, timeout=120)
    return result.returncode == 0 and (folder / "main.pdf").exists(), result.stdout[-2000:]


@pytest.mark.parametrize("argv", [
    ["augment", "--table", "--model", "gaussian-mean", "--set", "estimator=median", "--generations", "6"],
    ["discard", "--model", "gaussian"],
    ["mix:0.5", "--model", "mvn", "--set", "d=2"],
    ["window:3", "--model", "logistic", "--set", "d=2"],
    ["weighted:0.618", "--table", "--model", "linreg", "--set", "d=3"],
    ["subsample", "--model", "poisson"],
    ["rule.toml", "--generations", "5", "--table"],
    ["plain.toml"],
], ids=["augment-median", "discard-gaussian", "mix-mvn", "window-logistic", "weighted-linreg",
        "subsample-poisson", "rule-file", "plain-file"])
def test_latex_snippet_compiles(tmp_path, capsys, monkeypatch, argv):
    (tmp_path / "rule.toml").write_text(RULE_FILE)
    (tmp_path / "plain.toml").write_text(PLAIN_FILE)
    monkeypatch.chdir(tmp_path)
    status, text, err = run(["latex", *argv], capsys)
    assert status == 0, err
    ok, log = compile_snippet(tmp_path, text)
    assert ok, f"the snippet does not compile:\n{text}\n--- pdflatex log ---\n{log}"


@pytest.mark.parametrize("argv, call", [
    (["augment"], (("augment", None), {"table": False})),
    (["plain.toml", "--generations", "2"], (("plain.toml", 2), {"table": False})),
    (["mix:0.5", "--table", "--model", "gaussian-mean", "--set", "estimator=median"],
     (("mix:0.5", None), {"table": True, "model": "gaussian-mean", "params": {"estimator": "median"}})),
])
def test_latex_prints_the_library_snippet_byte_for_byte(tmp_path, capsys, monkeypatch, argv, call):
    from theory.latex import latex_snippet

    (tmp_path / "plain.toml").write_text(PLAIN_FILE)
    monkeypatch.chdir(tmp_path)
    status, text, _ = run(["latex", *argv], capsys)
    args, kwargs = call
    assert status == 0 and text == latex_snippet(*args, **kwargs)


def test_latex_carries_the_proved_formulas_and_the_exact_ratios(capsys):
    import sympy as sp

    from theory import preset, risk_ratios
    from theory.latex import latex_pieces

    status, text, _ = run(["latex", "augment", "--table", "--generations", "5"], capsys)
    assert status == 0
    pieces = latex_pieces("augment", 5)
    for key in ("recurrence", "closed_form", "limit", "bound"):
        assert pieces[key] in text
    assert r"\frac{\pi^{2}}{6}" in text
    for r in risk_ratios(preset("augment", 5)):
        assert f"${sp.latex(sp.Rational(r.numerator, r.denominator))}$ & {float(r):.6f}" in text
    status, text, _ = run(["latex", "augment"], capsys)
    assert r"\toprule" not in text  # the table only on request


def test_latex_model_risk_is_the_models_own_risk(capsys):
    import sympy as sp

    from theory.models import get_model

    # V of the median is pi sigma^2 / 2; at sigma = 2 the generation-1 risk is 2 pi / n, which the
    # model's own risk1 gives independently (tr V / m, evaluated numerically)
    status, text, _ = run(["latex", "augment", "--model", "gaussian-mean", "--set", "estimator=median",
                           "--set", "sigma=2"], capsys)
    assert status == 0
    assert r"\frac{\pi \sigma^{2}}{2}" in text
    model = get_model("gaussian-mean")
    risk1 = model.risk1(model.validate_params({"estimator": "median", "sigma": "2"}), 1)
    assert abs(risk1 - 2 * float(sp.pi)) < 1e-12 and r"R_k\,\frac{2 \pi}{n}" in text
    # logistic: V is shown at the truth, and the risk's constant is tr V = risk1 * m
    status, text, _ = run(["latex", "augment", "--model", "logistic", "--set", "d=2"], capsys)
    model = get_model("logistic")
    trace = model.risk1(model.validate_params({"d": "2"}), 1)
    assert status == 0 and f"R_k\\,\\frac{{{trace:.6g}}}{{n}}" in text


@pytest.mark.parametrize("argv, message", [
    (["latex", "augmented"], "unknown workflow 'augmented'"),
    (["latex", "augment", "--model", "gauss"], "unknown model 'gauss'"),
    (["latex", "augment", "--set", "d=2"], "--set needs --model"),
    (["latex", "augment", "--model", "mvn", "--set", "d=0"], "d"),
    (["latex", "augment", "--generations", "0"], "must be an integer from 1 to 10000, got '0'"),
    (["latex", "missing.toml"], "cannot read workflow file 'missing.toml'"),
])
def test_latex_bad_input_is_one_line_and_status_2(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_gallery_snippet_matches_the_command_line(capsys):
    # docs/gallery/README-snippet.md shows a command's output; it must still be what the command prints
    from pathlib import Path

    gallery = Path(__file__).resolve().parents[2] / "docs" / "gallery"
    text = (gallery / "README-snippet.md").read_text()
    status, out, _ = run(["latex", "augment", "--model", "gaussian-mean", "--set", "estimator=median"], capsys)
    assert status == 0 and "```latex\n" + out + "```" in text
    assert "pi2over6 latex augment --model gaussian-mean --set estimator=median" in text
    png = gallery / "risk_ratios.png"
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size < 200_000
