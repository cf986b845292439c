"""``pi2over6 simulate``: the DESIGN.md JSON schema, the readable table, exit codes and one-line errors."""

import json
import subprocess
import sys

import pytest

from proofs_check.cli import main

BASE = ["simulate", "--model", "gaussian-mean", "--workflow", "discard", "--n", "10", "--generations", "3",
        "--replicates", "600", "--seed", "1"]


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_json_follows_the_design_schema(capsys):
    status, out, err = run(BASE + ["--set", "sigma=2", "--json"], capsys)
    assert status == 0 and err == ""           # no progress bar when not a terminal or with --json
    data = json.loads(out)
    assert set(data) == {"model", "workflow", "n", "generations", "replicates", "seed", "params", "metrics",
                         "theory", "exact"}
    header = [data[key] for key in ("model", "workflow", "n", "generations", "replicates", "seed")]
    assert header == ["gaussian-mean", "discard", 10, 3, 600, 1]
    assert data["params"] == {"mu": 0.0, "sigma": 2.0, "estimator": "mean"}
    assert set(data["metrics"]) == {"risk", "failed"} and set(data["theory"]) == set(data["metrics"])
    for stats in data["metrics"].values():
        assert set(stats) == {"mean", "stderr"} and len(stats["mean"]) == len(stats["stderr"]) == 3
        assert all(isinstance(v, float) for v in stats["mean"] + stats["stderr"])
    assert data["exact"] is True and len(data["theory"]["risk"]) == 3
    # the exact risk of the sample mean under discard is k sigma^2 / n; 4 standard errors
    for k, (m, s) in enumerate(zip(data["metrics"]["risk"]["mean"], data["metrics"]["risk"]["stderr"],
                                   strict=True), start=1):
        assert abs(data["theory"]["risk"][k - 1] - 4 * k / 10) < 1e-12
        assert abs(m - 4 * k / 10) <= 4 * s


def test_json_metrics_per_model(capsys):
    status, out, _ = run(["simulate", "--model", "mvn", "--workflow", "augment", "--n", "20", "--generations",
                          "2", "--replicates", "300", "--seed", "3", "--set", "d=3", "--json"], capsys)
    data = json.loads(out)
    assert status == 0 and set(data["metrics"]) == {"risk", "trace_ratio", "det_ratio", "failed"}


def test_chunk_does_not_change_the_result(capsys):
    _, a, _ = run(BASE + ["--json", "--chunk", "250"], capsys)
    _, b, _ = run(BASE + ["--json", "--chunk", "500"], capsys)
    assert json.loads(a) == json.loads(b)


def test_table_lists_every_metric_with_theory(capsys):
    status, out, err = run(BASE + ["--model", "gaussian", "--set", "estimator=unbiased"], capsys)
    assert status == 0 and err == ""
    for name in ("risk", "sigma2", "sigma", "w2sq", "failed"):
        assert f"\n{name} (theory exact at this n)\n" in out     # all exact under discard
    assert "generation" in out and "theory" in out and "gaussian under discard" in out


@pytest.mark.parametrize("extra, fragment", [
    (["--set", "sigma=0"], "sigma must be positive, got '0'"),
    (["--set", "sigma=-1"], "'-1'"),
    (["--model", "bernoulli", "--set", "p=1.2"], "'1.2'"),
    (["--model", "bernoulli", "--set", "p=0"], "'0'"),
    (["--model", "mvn", "--set", "d=0"], "'0'"),
    (["--model", "linreg", "--set", "lam=-0.5"], "lam must be non-negative, got '-0.5'"),
    (["--model", "nope"], "unknown model 'nope'"),
    (["--workflow", "sideways"], "sideways"),
    (["--workflow", "missing.json"], "missing.json"),
    (["--set", "sigma"], "KEY=VALUE, got 'sigma'"),
    (["--set", "sigma=1", "--set", "sigma=2"], "twice"),
    (["--set", "colour=red"], "unknown parameter 'colour'"),
    (["--replicates", "0"], "replicates must be a positive integer, got 0"),
    (["--n", "0"], "got 0"),
    (["--n", "ten"], "--n: invalid integer value: 'ten'"),
    (["--seed", "-3"], "-3"),
    (["--chunk", "100"], "multiple of 250"),
])
def test_bad_input_exits_2_with_one_line(extra, fragment, capsys):
    status, out, err = run(BASE + extra, capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("pi2over6: error:") and fragment in err, err


def test_missing_required_option_exits_2(capsys):
    status, _, err = run(["simulate", "--model", "gaussian"], capsys)
    assert status == 2 and err.count("\n") == 1 and "required" in err


def test_console_entry_point_exit_status():
    """The real process: exit status 2 and exactly one line on stderr, no traceback."""
    proc = subprocess.run([sys.executable, "-m", "proofs_check", *BASE, "--set", "sigma=0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# --------------------------------------------------------------------- the categorical model
CATEGORICAL = ["simulate", "--model", "categorical", "--set", "truth=zipf", "--set", "beta=1.5", "--set", "K=2000",
               "--workflow", "discard", "--n", "3000", "--generations", "3", "--replicates", "250", "--seed", "2"]


def test_categorical_prints_every_metric_with_its_theory(capsys):
    status, out, err = run(CATEGORICAL, capsys)
    assert status == 0 and err == ""
    for name in ("risk", "lost_mass", "support", "memorizer_error", "kl_infinite", "failed"):
        assert f"\n{name} (theory exact at this n)\n" in out, name
    for name in ("tv", "kl"):
        assert f"\n{name} (theory asymptotic)\n" in out, name
    status, out, _ = run(CATEGORICAL + ["--json"], capsys)
    data = json.loads(out)
    assert set(data["metrics"]) == {"risk", "tv", "kl", "kl_infinite", "lost_mass", "support", "memorizer_error",
                                    "failed"}
    assert all(data["theory"][name] is not None for name in data["metrics"])
    assert data["metrics"]["kl"]["mean"] == [None] * 3          # every replicate has lost a category


def test_a_curated_workflow_file_runs(tmp_path, capsys):
    path = tmp_path / "curated.toml"
    path.write_text('[[generations]]\nfit = [{batch = "R0"}]\nemit = 1\n'
                    'curate = {candidates = 4, reward = {top = 3, value = 1}}\n'
                    '[then]\nfit = [{batch = "S[-1]"}]\nemit = 1\n'
                    'curate = {candidates = 4, reward = {top = 3, value = 1}}\n')
    argv = ["simulate", "--model", "categorical", "--set", "K=20", "--workflow", str(path), "--n", "500",
            "--generations", "4", "--replicates", "250", "--seed", "3", "--json"]
    status, out, _ = run(argv, capsys)
    data = json.loads(out)
    assert status == 0 and {"reward", "entropy"} <= set(data["metrics"])
    assert data["metrics"]["reward"]["mean"][-1] > data["metrics"]["reward"]["mean"][0]
    status, _, err = run(["risk", str(path)], capsys)
    assert status == 2 and "curation is outside the linear Gaussian theory" in err and "\n" not in err.strip()


@pytest.mark.parametrize("extra,message", [
    (["--set", "truth=missing.txt"], "'missing.txt': cannot read it"),
    (["--set", "alpha=-1"], "alpha must be at least 0, got '-1'"),
    (["--set", "K=0"], "K must be an integer of at least 1, got '0'"),
])
def test_categorical_bad_input_is_one_line(capsys, extra, message):
    argv = ["simulate", "--model", "categorical", "--workflow", "discard", "--n", "10", "--generations", "2",
            "--replicates", "10", "--seed", "1"]
    status, out, err = run(argv + extra, capsys)
    assert status == 2 and out == "" and message in err and err.count("\n") == 1


@pytest.mark.parametrize("workflow, kind", [("discard", "exact"), ("augment", "exact"), ("window:2", "exact"),
                                            ("mix:1", "exact"), ("weighted:0.618", "exact"), ("subsample", "none")])
def test_interpolation_past_d_equals_n_runs_under_every_workflow(workflow, kind, capsys):
    # d = 40 > n = 20: minimum-norm fits on the fixed design; the theory is exact where it is derived
    status, out, err = run(["simulate", "--model", "linreg", "--set", "d=40", "--set", "lam=0", "--n", "20",
                            "--workflow", workflow, "--generations", "3", "--replicates", "500", "--seed", "2",
                            "--json"], capsys)
    data = json.loads(out)
    assert status == 0 and err == "" and data["params"]["lam"] == 0.0
    theory, stats = data["theory"]["risk"], data["metrics"]["risk"]
    if kind == "none":
        assert theory is None
        return
    # exact finite-(n, d) target: 4 standard errors
    assert all(abs(m - t) <= 4 * s for m, s, t in zip(stats["mean"], stats["stderr"], theory, strict=True))
