"""The inputs of issue 10's campaign, one test each: refused in one line, or handled, never a traceback or a hang.

Each test runs the command line in-process (tests/fuzzing.py) and checks both the
rule (exit 0, or exit 2 with one line naming the value and the limit) and what the
answer says. The Hypothesis search over the same kinds of input is tests/test_fuzz.py.
"""

import json
import os
import sqlite3
from fractions import Fraction

import pytest

from tests.fuzzing import Raw, run_cli, to_json
from theory.input_limits import (
    MAX_CATEGORIES,
    MAX_DECIMAL_EXPONENT,
    MAX_DIMENSION,
    MAX_GENERATIONS,
    MAX_LATEX_PARAMETERS,
    MAX_LISTED_GENERATIONS,
    MAX_NESTING,
    MAX_REPLICATES,
    MAX_SCALE,
    MAX_SEED,
    MIN_RARE_OUTCOMES,
)

SIM = ["simulate", "--workflow", "discard", "--n", "10", "--generations", "2", "--replicates", "250", "--seed", "1"]


def refused(outcome, *fragments):
    """Exit 2, one line on stderr holding every fragment, nothing on stdout."""
    assert outcome.problem is None, (outcome.problem, outcome.error, outcome.stderr)
    assert outcome.status == 2, (outcome.status, outcome.stdout[:300])
    line = outcome.stderr.strip()
    for fragment in fragments:
        assert fragment in line, line
    assert outcome.stdout == ""
    return line


def succeeded(outcome):
    assert outcome.problem is None and outcome.status == 0, (outcome.problem, outcome.error, outcome.stderr)
    return outcome.stdout


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------------------------------ workflow files

@pytest.mark.parametrize("text, suffix", [
    ('{"generations": ' + "[" * 1000 + "]" * 1000 + "}", ".json"),
    ('{"name": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}", ".json"),
    ("name = " + "[" * 1000 + "]" * 1000 + "\n", ".toml"),
])
def test_a_file_nested_1000_deep_is_refused_by_its_depth(tmp_path, text, suffix):
    line = refused(run_cli(["risk", write(tmp_path, "deep" + suffix, text)]), "deep", f"the limit is {MAX_NESTING}")
    assert "1000" in line or "1001" in line


def test_a_symlink_to_an_endless_device_and_a_fifo_are_refused_without_reading(tmp_path):
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.toml")
    refused(run_cli(["risk", str(tmp_path / "zero.json")], timeout=20), "not a regular file", "character device")
    refused(run_cli(["risk", str(tmp_path / "fifo.toml")], timeout=20), "not a regular file", "FIFO")
    refused(run_cli(SIM[:1] + ["--model", "gaussian-mean", "--workflow", str(tmp_path / "fifo.toml")] + SIM[3:],
                    timeout=20), "FIFO")


def test_a_huge_exponent_is_refused_before_it_is_built(tmp_path):
    data = {"generations": [{"fit": [{"batch": "R0", "count": "1e999999999"}], "emit": 1}]}
    outcome = run_cli(["risk", write(tmp_path, "count.json", json.dumps(data))], timeout=20)
    refused(outcome, "count", "1e999999999", f"the limit is {MAX_DECIMAL_EXPONENT}")
    assert outcome.seconds < 5
    # the same as a bare JSON number and as a TOML float
    raw = to_json({"generations": [{"fit": [{"batch": "R0"}], "emit": Raw("1e999999999")}]})
    refused(run_cli(["risk", write(tmp_path, "emit.json", raw)], timeout=20), "1e999999999")
    toml = '[[generations]]\nfit = [{batch = "R0"}]\nemit = 1e-999999999\n'
    refused(run_cli(["risk", write(tmp_path, "emit.toml", toml)], timeout=20), "1e-999999999")


def test_a_ratio_outside_float_range_is_printed_exactly_with_a_null_float(tmp_path):
    data = {"generations": [{"fit": [{"batch": "R0"}], "emit": "1e-400"}, {"fit": [{"batch": "S1"}], "emit": 1}]}
    path = write(tmp_path, "tiny.json", json.dumps(data))
    report = json.loads(succeeded(run_cli(["risk", path, "--json"])))
    # generation 2 fits the 1e-400 n points emitted by generation 1: Var H_2 = 1 + 10**400
    assert Fraction(report["ratio"][1]) == 1 + 10**400
    assert report["ratio_float"] == [1.0, None]
    table = succeeded(run_cli(["risk", path]))
    assert "1e+400" in table and "1e-400" in table           # R_2 and ARE_2 in exact scientific notation


@pytest.mark.parametrize("emit, shown", [("1e-400", "1e+400"),   # R_2 = 1 + 10**400: beyond float64
                                          ("1e-300", None)])       # R_2 = 1 + 10**300: a float64 shows it
def test_a_figure_refuses_a_ratio_float64_cannot_show(tmp_path, emit, shown):
    data = {"generations": [{"fit": [{"batch": "R0"}], "emit": emit}, {"fit": [{"batch": "S1"}], "emit": 1}]}
    path = write(tmp_path, "w.json", json.dumps(data))
    outcome = run_cli(["plot", path, "--out", str(tmp_path / "f.png")])
    if shown is None:
        succeeded(outcome)
        assert (tmp_path / "f.png").stat().st_size > 0
    else:
        refused(outcome, "R_2", shown, "outside float64's range")
        assert not (tmp_path / "f.png").exists()


def test_a_ratio_that_underflows_float64_is_refused_by_a_figure_and_printed_by_risk(tmp_path):
    # generation 1 fits 10**-400 n points (Var H_1 = 10**400), generation 2 fits n fresh ones: R_2 = 10**-400
    data = {"generations": [{"fit": [{"batch": "R0", "count": "1e-400"}], "emit": 1},
                            {"fit": [{"batch": "R0"}], "emit": 1}]}
    path = write(tmp_path, "u.json", json.dumps(data))
    report = json.loads(succeeded(run_cli(["risk", path, "--json"])))
    assert Fraction(report["ratio"][1]) == Fraction(1, 10**400) and report["ratio_float"] == [1.0, None]
    refused(run_cli(["plot", path, "--out", str(tmp_path / "f.png")]), "R_2", "1e-400", "outside float64's range")


def test_shares_1e400_and_a_quarter_are_normalised_exactly(tmp_path):
    data = {"generations": [{"fit": [{"batch": "R0"}], "emit": 1},
                            {"fit": [{"batch": "R0", "weight": "1e400"}, {"batch": "S1", "weight": "1/4"}]}]}
    report = json.loads(succeeded(run_cli(["risk", write(tmp_path, "w.json", json.dumps(data)), "--json"])))
    w = Fraction(10**400)
    share = w / (w + Fraction(1, 4))                 # of R0; S1 = H_1 + noise gets the rest
    # H_2 = share (Z_R0) + (1 - share)(H_1 + Z_S1) with H_1 = Z_R0: Var = 1 + (1 - share)^2
    assert Fraction(report["ratio"][1]) == 1 + (1 - share) ** 2
    assert report["ratio_float"] == [1.0, 1.0]
    wide = {"generations": data["generations"][:1] + [{"fit": [{"batch": "R0", "weight": "1e5000"},
                                                               {"batch": "S1", "weight": "1/4"}]}]}
    refused(run_cli(["risk", write(tmp_path, "wide.json", json.dumps(wide))]), "1e5000", "the limit is")


def test_listed_generations_cannot_slip_past_the_cap(tmp_path):
    data = {"generations": [{"fit": [{"batch": "R0"}], "emit": 1}] * 20_000}
    path = write(tmp_path, "many.json", json.dumps(data))
    for argv in (["risk", path], ["risk", path, "--generations", "3"], ["latex", path], ["plot", path, "--out",
                 str(tmp_path / "x.png")]):
        refused(run_cli(argv), "20000", f"limit of {MAX_LISTED_GENERATIONS}")


@pytest.mark.parametrize("model, setting, parameters", [("mvn", "d=4", 14), ("linreg", "d=1000", 1000),
                                                         ("logistic", "d=13", 13)])
def test_latex_refuses_a_symbolic_v_too_large_to_derive(model, setting, parameters):
    """mvn at d = 4 took minutes and linreg at d = 1000 would take days; they are refused at once."""
    outcome = run_cli(["latex", "discard", "--model", model, "--set", setting], timeout=20)
    refused(outcome, f"{parameters} parameters", f"the limit is {MAX_LATEX_PARAMETERS}")
    assert outcome.seconds < 5


def test_risk_with_4290_digits_works():
    report = json.loads(succeeded(run_cli(["risk", "augment", "--generations", "2", "--dps", "4290", "--json"])))
    digits = report["limit_decimal"].replace(".", "")
    assert len(digits) == 4290 and report["limit_decimal"].startswith("1.6449340668482264364724151666460251892")


# ------------------------------------------------------------------------------------------ simulate

@pytest.mark.parametrize("model, setting", [("gaussian-mean", "sigma=1e200"), ("gaussian", "sigma=1e-200"),
                                            ("kde", "h=1e300"), ("exponential", "rate=1e300"),
                                            ("bernoulli", "p=1e-300"), ("linreg", "sigma=1e300")])
def test_scales_float64_cannot_average_are_refused(model, setting):
    key, value = setting.split("=")
    refused(run_cli(SIM[:1] + ["--model", model, "--set", setting] + SIM[1:]), key, value, f"{1 / MAX_SCALE:g}")


@pytest.mark.parametrize("setting", ["lam=1e16", "lam=2e12"])
def test_poisson_means_beyond_the_sampler_are_refused(setting):
    refused(run_cli(SIM[:1] + ["--model", "poisson", "--set", setting] + SIM[1:]), "lam", "numpy's Poisson sampler")


@pytest.mark.parametrize("model", ["gaussian-mean", "gaussian"])
def test_a_large_mean_gives_the_same_risk_as_mean_zero(model):
    """Simulations are centred on the truth: with mu = 1e16 the draws and fits are those of mu = 0, exactly.

    (Before, theta-hat and theta_0 were simulated separately and their difference cancelled to 0.)
    """
    runs = [json.loads(succeeded(run_cli(SIM[:1] + ["--model", model, "--set", f"mu={mu}", "--json"] + SIM[1:])))
            for mu in ("0", "1e16", "-3e300")]
    assert runs[0]["metrics"] == runs[1]["metrics"] == runs[2]["metrics"]
    risk, theory = runs[1]["metrics"]["risk"], runs[1]["theory"]["risk"]
    # the exact finite-n risk sigma^2 k / n; 250 replicates of a chi-square(1) variable: 5 standard errors
    for mean, stderr, exact in zip(risk["mean"], risk["stderr"], theory, strict=True):
        assert mean > 0 and abs(mean - exact) < 5 * stderr


@pytest.mark.parametrize("model, setting, outcome", [("bernoulli", "p=1e-40", "a success"),
                                                     ("bernoulli", "p=0.999999", "a failure"),
                                                     ("poisson", "lam=1e-40", "a non-zero count")])
def test_outcomes_too_rare_for_the_replicates_are_refused(model, setting, outcome):
    """With p = 1e-40 every replicate fits p-hat = 0: the run printed p^2 +- 0 beside the exact p(1 - p)/n."""
    line = refused(run_cli(SIM[:1] + ["--model", model, "--set", setting] + SIM[1:]), setting.split("=")[1],
                   outcome, f"the limit of {MIN_RARE_OUTCOMES}")
    assert "250 replicates" in line


def test_rare_outcomes_are_simulated_once_the_replicates_expect_enough():
    """p = 0.01 on 10 points: 1 - 0.99^10 = 9.56% of replicates see a success: 250 expect 23.9, 314 expect 30."""
    argv = SIM[:1] + ["--model", "bernoulli", "--set", "p=0.01", "--json"] + SIM[1:]
    refused(run_cli(argv), "expect 23.9", "give at least 314 replicates")
    argv[argv.index("--replicates") + 1] = "2000"
    report = json.loads(succeeded(run_cli(argv)))
    # exact finite-n risk p(1 - p)(1 - (1 - 1/n)^k); 2000 replicates expect 191 informative ones: 5 standard errors
    for mean, stderr, exact in zip(report["metrics"]["risk"]["mean"], report["metrics"]["risk"]["stderr"],
                                   report["theory"]["risk"], strict=True):
        assert report["exact"] and abs(mean - exact) < 5 * stderr


def test_the_categorical_model_takes_a_million_categories_and_refuses_more(tmp_path):
    argv = SIM[:1] + ["--model", "categorical", "--set"] + SIM[1:]
    refused(run_cli(argv[:4] + [f"K={MAX_CATEGORIES + 1}"] + argv[4:]), f"K = '{MAX_CATEGORIES + 1}'",
            f"the limit of {MAX_CATEGORIES}")
    # a dimension's own limit is lower: d is built into d x d symbolic matrices
    refused(run_cli(SIM[:1] + ["--model", "mvn", "--set", f"d={MAX_DIMENSION + 1}"] + SIM[1:]),
            f"limit of {MAX_DIMENSION}")
    truth = write(tmp_path, "truth.txt", "1 " * (MAX_CATEGORIES + 1))
    refused(run_cli(argv[:4] + [f"truth={truth}"] + argv[4:]), f"{MAX_CATEGORIES + 1} probabilities",
            f"the limit of {MAX_CATEGORIES} categories")
    report = json.loads(succeeded(run_cli(argv[:4] + ["K=100000", "--json"] + argv[4:])))
    assert report["params"]["K"] == 100000 and report["metrics"]["support"]["mean"][0] <= 10


def test_rare_outcomes_are_counted_in_the_smallest_fit(tmp_path):
    """Generation 2 fits 1 point of S1: 250 replicates expect 250 p successes there, not 250 (1 - (1 - p)^10)."""
    data = {"generations": [{"fit": [{"batch": "R0"}], "emit": 1}, {"fit": [{"batch": "S1", "count": "1/10"}]}]}
    path = write(tmp_path, "one.json", json.dumps(data))
    argv = SIM[:1] + ["--model", "bernoulli", "--set", "p=0.05"] + SIM[1:]
    argv[argv.index("--workflow") + 1] = path
    refused(run_cli(argv), "fits of 1 point:", "expect 12.5 with a success")
    argv[argv.index("p=0.05")] = "p=0.3"                      # 75 expected
    succeeded(run_cli(argv))


def test_a_metric_undefined_in_generation_1_has_no_covariance_and_no_traceback(tmp_path):
    """Found by the fuzz suite: generation 1 fits 2 of 5 points over K = 3 categories, so its KL is infinite
    in every replicate (not counted), while generation 2 refits the 5 points; the covariance with generation 1
    divided by the 0 replicates counted there."""
    data = {"generations": [{"fit": [{"batch": "R0", "count": "1/2"}], "emit": 1}, {"fit": [{"batch": "R0"}]}]}
    path = write(tmp_path, "w.json", json.dumps(data))
    argv = ["simulate", "--model", "categorical", "--set", "K=3", "--workflow", path, "--n", "5", "--generations", "2",
            "--replicates", "250", "--seed", "0", "--json"]
    kl = json.loads(succeeded(run_cli(argv)))["metrics"]["kl"]
    assert kl["mean"][0] is None and kl["mean"][1] > 0 and kl["stderr"][1] > 0


def test_a_small_sigma_in_least_squares_is_not_drowned_by_rounding():
    """linreg is simulated as w-hat - w0: with sigma = 1e-20 the risk is 1e-40 times the sigma = 1 one."""
    runs = [json.loads(succeeded(run_cli(SIM[:1] + ["--model", "linreg", "--set", f"sigma={s}", "--json"] + SIM[1:])))
            for s in ("1", "1e-20")]
    for big, small in zip(runs[0]["metrics"]["risk"]["mean"], runs[1]["metrics"]["risk"]["mean"], strict=True):
        assert small == pytest.approx(big * 1e-40, rel=1e-9)


def test_centred_least_squares_keeps_the_bias_of_minimum_norm_and_shifted_fits():
    """A centred fit that is not equivariant adds its bias w-hat(X w0) - w0; with sigma = 1e-20 only the bias is left.

    d = 8 > n = 5: the minimum-norm fit projects w0 onto the row space of 5 Gaussian rows, so the risk
    of every generation of discard is E |(I - P) w0|^2 = (1 - 5/8) |w0|^2 = 3/8 (|w0| = 1), and a
    shift of e_1 / 2 per generation adds exactly (k - 1)^2 / 4 when n = 20 > d = 5 leaves no bias.
    """
    argv = SIM[:1] + ["--model", "linreg", "--set", "d=8", "--set", "sigma=1e-20", "--json"] + SIM[1:]
    argv[argv.index("--n") + 1], argv[argv.index("--replicates") + 1] = "5", "2000"
    report = json.loads(succeeded(run_cli(argv)))
    risk = report["metrics"]["risk"]
    # 3/8 exactly; the mean over 2000 replicates of a bounded variable: 5 standard errors
    for mean, stderr in zip(risk["mean"], risk["stderr"], strict=True):
        assert abs(mean - 3 / 8) < 5 * stderr
    argv[argv.index("d=8")], argv[argv.index("--n") + 1] = "shift=0.5", "20"
    shifted = json.loads(succeeded(run_cli(argv)))["metrics"]["risk"]["mean"]
    assert shifted == pytest.approx([0.0, 0.25], abs=1e-36)   # not rounding of size 1e-32 |w0|^2


@pytest.mark.parametrize("option, value, limit", [("--replicates", "1000000000000", MAX_REPLICATES),
                                                  ("--generations", "1000000", MAX_GENERATIONS)])
def test_sizes_beyond_the_limits_are_refused_at_once(option, value, limit):
    argv = SIM[:1] + ["--model", "gaussian-mean"] + SIM[1:]
    argv[argv.index(option) + 1] = value
    outcome = run_cli(argv, timeout=20)
    refused(outcome, value, f"limit of {limit}")
    assert outcome.seconds < 5


def test_memory_is_estimated_before_anything_is_allocated():
    """A block of 250 replicates of 10^9 points each cannot fit; the mean's fast path draws no points and can."""
    argv = SIM[:1] + ["--model", "gaussian-mean", "--set", "estimator=median"] + SIM[1:]
    argv[argv.index("--n") + 1] = "1000000000"
    refused(run_cli(argv, timeout=20), "needs about", "TiB of memory")
    argv[argv.index("--set") + 1] = "estimator=mean"
    succeeded(run_cli(argv, timeout=60))


@pytest.mark.parametrize("argv", [["verify", "--only", "mix-stable"], SIM[:1] + ["--model", "poisson"] + SIM[1:]])
def test_a_seed_beyond_128_bits_is_refused(argv):
    argv = [*argv, "--seed", str(MAX_SEED + 1)] if argv[0] == "verify" else \
        [a if a != SIM[-1] else str(MAX_SEED + 1) for a in argv]
    refused(run_cli(argv), str(MAX_SEED + 1), "limit of 2**128 - 1")


# ------------------------------------------------------------------------------------------ sweeps and stores

SWEEP = """seed = 1
replicates = 500
chunk = 250
generations = 2
n = 5
workflows = ["discard"]
[[models]]
name = "gaussian-mean"
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("store")
    (folder / "sweep.toml").write_text(SWEEP)
    succeeded(run_cli(["sweep", folder / "sweep.toml", "--store", folder / "s.sqlite", "--workers", "1"]))
    return folder / "s.sqlite"


def test_a_sweep_of_10_12_replicates_is_refused_before_any_store_exists(tmp_path):
    config = write(tmp_path, "big.toml", SWEEP.replace("replicates = 500", "replicates = 1000000000000"))
    outcome = run_cli(["sweep", config, "--store", tmp_path / "s.sqlite", "--workers", "1"], timeout=20)
    refused(outcome, "1000000000000", f"limit of {MAX_REPLICATES}")
    assert outcome.seconds < 5 and not (tmp_path / "s.sqlite").exists()


@pytest.mark.parametrize("memory, workers, started", [(None, 64, "2 local processes"),   # 2 cells
                                                       ("one cell", 4, "1 local process")])
def test_a_sweep_starts_no_more_workers_than_cells_or_memory_allow(tmp_path, monkeypatch, memory, workers, started):
    import numerics.sweep
    from numerics.sweep import load_sweep, run_sweep

    sweep = load_sweep(write(tmp_path, "sweep.toml", SWEEP))
    if memory == "one cell":   # room for one worker's cell and a half, as the engine estimates it
        cell = sweep.configurations[0].config.chunk_bytes(250)
        monkeypatch.setattr(numerics.sweep, "available_memory", lambda: int(1.5 * cell / 0.8))
    assert run_sweep(sweep, tmp_path / "s.sqlite", workers=workers).computed == 2
    db = sqlite3.connect(tmp_path / "s.sqlite")
    assert db.execute("SELECT executor FROM runs").fetchall() == [(started,)]
    db.close()


@pytest.mark.parametrize("kind", ["FIFO", "character device", "folder"])
def test_a_sweep_store_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    config, store = write(tmp_path, "sweep.toml", SWEEP), tmp_path / "s.sqlite"
    if kind == "FIFO":
        os.mkfifo(store)
    elif kind == "folder":
        store.mkdir()
    else:
        store.symlink_to("/dev/zero")
    for argv in (["sweep", config, "--store", store, "--workers", "1"], ["results", store]):
        refused(run_cli(argv, timeout=20), str(store), "not a regular file", kind)


def mutated_copy(store, tmp_path, sql):
    target = tmp_path / "bad.sqlite"
    target.write_bytes(store.read_bytes())
    db = sqlite3.connect(target)
    db.execute(sql)
    db.commit()
    db.close()
    return target


def test_invalid_utf8_in_a_store_names_the_cell(store, tmp_path):
    bad = mutated_copy(store, tmp_path, "UPDATE cells SET sums = CAST(X'7b22ff22' AS TEXT) WHERE first_block = 1")
    refused(run_cli(["results", bad]), "cell (0, 1)", "not UTF-8")


def test_a_cell_outside_its_configuration_is_refused_not_counted(store, tmp_path):
    bad = mutated_copy(store, tmp_path, "UPDATE cells SET first_block = 5, stop_block = 9 WHERE first_block = 1")
    refused(run_cli(["results", bad]), "cell (0, 5)", "outside the configuration's blocks 0 to 2")
    good = succeeded(run_cli(["results", store, "--csv", "-"]))
    assert {int(row.split(",")[-1]) for row in good.splitlines()[1:]} == {500}


def test_a_finished_store_in_a_read_only_folder_can_be_read(store, tmp_path_factory):
    """WAL mode wants a shared-memory file beside the store; a read-only folder has none and cannot get one.

    Tests run as root here, and root ignores permission bits: so the read runs with the effective
    user id of 'nobody', which the kernel holds to the folder's permissions (a read-only mount is
    not available in the test environment). As an ordinary user the chmod alone suffices.
    """
    import tempfile

    folder = tempfile.mkdtemp(prefix="pi2over6-ro-")      # under /tmp: reachable by 'nobody'
    copy = os.path.join(folder, "s.sqlite")
    with open(copy, "wb") as f:
        f.write(store.read_bytes())
    os.chmod(copy, 0o444)
    os.chmod(folder, 0o555)
    switched = os.geteuid() == 0
    try:
        if switched:
            os.seteuid(65534)
        with pytest.raises(OSError):
            open(os.path.join(folder, "probe"), "w")     # the folder is read-only for this process
        outcome = run_cli(["results", copy, "--csv", "-"])
    finally:
        if switched:
            os.seteuid(0)
        os.chmod(folder, 0o755)
    rows = succeeded(outcome).splitlines()
    assert rows[0].startswith("model,params") and len(rows) == 1 + 2 * 2   # 2 generations x (risk, failed)
    assert os.listdir(folder) == ["s.sqlite"]
