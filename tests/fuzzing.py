"""What the fuzz suite shares: running the command line in-process, the outcome rule, and input strategies.

Every input either succeeds (exit 0; ``verify`` may also say 1, claims not verified)
or is refused with exit status 2 and exactly one line on standard error, never a
traceback; and nothing runs longer than a time limit (a hang). :func:`run_cli` runs
``proofs_check.cli.main(argv)`` in this process with its output captured and an alarm
set, and returns an :class:`Outcome` whose :attr:`~Outcome.problem` names what went
wrong, if anything.

The strategies build odd inputs from valid ones: workflow data (tests/strategies.py)
mutated in its values, keys, sizes and nesting, written as JSON or TOML text by
serialisers that can also write number literals no library would (``1e999999999``),
encoded as UTF-8 or otherwise, and placed in files of every kind (a FIFO, a symbolic
link to an endless device, a folder); command lines for every sub-command; and
corrupted sweep stores.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from hypothesis import strategies as st

from tests.strategies import workflow_data

# ------------------------------------------------------------------------------------------ running


class Hang(Exception):
    """Raised by the alarm when a command runs past its time limit."""


@dataclass
class Outcome:
    """How one command line ended."""

    argv: list
    status: int | None
    stdout: str
    stderr: str
    seconds: float
    error: str | None = None      # an exception that escaped main(), or "hang"

    @property
    def problem(self):
        """None if the outcome obeys the rule, else the kind of failure (a short phrase)."""
        if self.error == "hang":
            return "hang"
        if self.error is not None:
            return f"traceback ({self.error.split(':')[0]})"
        if "Traceback (most recent call last)" in self.stderr:
            return "traceback (printed)"
        if self.status == 2:
            lines = self.stderr.splitlines()
            if len(lines) != 1 or not lines[0].startswith("pi2over6"):
                return f"exit 2 with {len(lines)} lines on stderr"
            return None
        allowed = (0, 1) if self.argv and self.argv[0] == "verify" else (0,)
        if self.status not in allowed:
            return f"exit status {self.status}"
        if "Warning" in self.stderr:
            return "a warning on stderr"
        return self._wrong_number()

    def _wrong_number(self):
        """A ``simulate --json`` risk far from its exact finite-n theory: a number that lies.

        The exact theory is the expectation the Monte Carlo mean estimates; 250 replicates
        and more of a squared error are close enough to normal for 6 standard errors to be
        a bound no honest run crosses (about 1e-9 of the time), plus 1e-9 relative for
        rounding. A standard error of 0 beside a different theory fails too.
        """
        if not (self.argv and self.argv[0] == "simulate" and "--json" in self.argv and self.status == 0):
            return None
        data = json.loads(self.stdout)
        if not data.get("exact") or data["replicates"] < 250 or not _light_tailed(data):
            return None
        risk, theory = data["metrics"]["risk"], data["theory"]["risk"]
        if theory is None:
            return None
        for mean, stderr, exact in zip(risk["mean"], risk["stderr"], theory, strict=True):
            if None in (mean, stderr, exact):
                continue
            if abs(mean - exact) > 6 * stderr + 1e-9 * abs(exact):
                return "a silent wrong number (Monte Carlo risk against the exact theory)"
        return None


# Models whose squared error has a finite variance at every sample size and setting the fuzz suite
# draws (the risk's standard error is then an honest yardstick).
LIGHT_TAILED = {"gaussian-mean", "gaussian", "mvn", "bernoulli", "poisson", "kde", "categorical"}


def _light_tailed(report):
    """Whether the squared error of a ``simulate --json`` report has a finite variance.

    Least squares of m points in d dimensions has one when m >= d + 4 (tr (X^T X)^-2 needs it),
    ridge always; the exponential rate 1/x-bar from m >= 5 points. Presets other than subsample fit
    at least n points in every generation; other workflows are not compared.
    """
    model, params, n = report["model"], report["params"], report["n"]
    if model in LIGHT_TAILED:
        return True
    whole = isinstance(report["workflow"], str) and report["workflow"] in GOOD_PRESETS \
        and report["workflow"] != "subsample"
    if model == "exponential":
        return whole and n >= 5
    if model == "linreg":
        return params.get("lam", 0) > 0 or (whole and n >= params["d"] + 4)
    return False


def _alarm(signum, frame):
    raise Hang()


def run_cli(argv, timeout=60):
    """Run ``pi2over6 ARGV`` in this process: its exit status, output and any escaping exception."""
    from proofs_check.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    start = time.perf_counter()
    error = status = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main([str(a) for a in argv])
    except Hang:
        error = "hang"
    except BaseException as exc:   # noqa: B036 - anything escaping main() is the failure being looked for
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    outcome = Outcome(list(map(str, argv)), status, out.getvalue(), err.getvalue(), time.perf_counter() - start,
                      error)
    log = os.environ.get("PI2OVER6_FUZZ_LOG")
    if log:   # a campaign's record, one JSON line per input (for counting what it found)
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as f:   # (not as another user)
            f.write(json.dumps({"argv": outcome.argv[:12], "status": status, "problem": outcome.problem,
                                "error": error, "seconds": round(outcome.seconds, 3),
                                "stderr": outcome.stderr.strip().splitlines()[:1]}) + "\n")
    return outcome


# ------------------------------------------------------------------------------------------ text


class Raw(str):
    """A number literal written as it is (``1e999999999``, ``-0``), not as a string."""


@dataclass(frozen=True)
class Nested:
    """``value`` wrapped ``depth`` times in arrays (``kind="list"``) or one-key tables, written without recursion."""

    value: object
    depth: int
    kind: str = "list"

    def wrap(self, text, key):
        if self.kind == "list":
            return "[" * self.depth + text + "]" * self.depth
        return f"{{{key} ".join([""] * (self.depth + 1)) + text + "}" * self.depth


def to_json(value):
    """JSON text of ``value``; :class:`Raw` literals verbatim, Fractions as ``"p/q"`` strings."""
    if isinstance(value, Nested):
        return value.wrap(to_json(value.value), '"generations":')
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Fraction):
        return json.dumps(str(value))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def to_toml(value):
    """TOML text of a table, every nested value inline (``None`` values are left out, as TOML has none)."""
    if not isinstance(value, dict):          # TOML's top level is a table: give it one key
        value = {"generations": value}
    return "\n".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items() if v is not None) + "\n"


def _toml_value(value):
    if isinstance(value, Nested):
        return value.wrap(_toml_value(value.value), '"generations" =')
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return json.dumps(str(value))
    if isinstance(value, int | float):
        return json.dumps(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()
                               if v is not None) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if value is None:
        return '""'
    return json.dumps(str(value))


# ------------------------------------------------------------------------------------------ values

ODD_NUMBERS = [
    0, -1, 1, 2, 10**6, 2**70, -(2**70), 0.0, -0.0, 1e308, 5e-324, 0.1,
    "1/3", "0.5", "-1/2", "1/0", "0/0", " 2 ", "1e400", "1e-400", "1e1000", "1e1001", "1e-1000",
    Raw("1e400"), Raw("1e-400"), Raw("1e999999999"), Raw("-1e999999999"), Raw("1E-999999999"), Raw("-0"),
    "1e999999999", "1e-999999999", "9" * 1000, "9" * 1001, "1/" + "7" * 999, "0." + "3" * 2000,
    "abc", "", "inf", "nan", "1_000", "\u0661", "0x10", "1+1", True, False, None, [], {}, [1], {"p": 1},
]
ODD_NAMES = ["R0", "R1", "S1", "S0", "S-1", "R00", "S99999999999999999999", "X1", "", "r0", "S[-1]", "R[0]",
             "S[:]", "S[-3:]", "S[0]", "R[1]", "S[-99999999999]", "S[-1", 7, None, "R0\x00", "\u00c9"]
ODD_TEXT = ["", "x", "a" * 10_000, "\u00e9\u4e2d\U0001f600", "\x00\x01", "\ud800", "line\nbreak", 3, None, [], {}]
ODD_KEYS = ["fit", "emit", "new_real", "count", "weight", "batch", "then", "real", "name", "generations", "curate",
            "extra", "", "\u00e9"]


@st.composite
def mutated(draw, value, depth=0):
    """``value`` (plain data) with some of its parts replaced by odd ones."""
    roll = draw(st.integers(0, 99))
    if roll < 6:
        return draw(st.sampled_from(ODD_NUMBERS))
    if roll < 8:
        return draw(st.sampled_from(ODD_TEXT))
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            if draw(st.integers(0, 19)) == 0:
                continue                                          # drop a key
            new_key = draw(st.sampled_from(ODD_KEYS)) if draw(st.integers(0, 29)) == 0 else key
            out[new_key] = draw(mutated(child, depth + 1))
        if draw(st.integers(0, 19)) == 0:
            out[draw(st.sampled_from(ODD_KEYS))] = draw(st.sampled_from(ODD_NUMBERS + ODD_NAMES))
        return out
    if isinstance(value, list):
        out = [draw(mutated(child, depth + 1)) for child in value]
        if out and draw(st.integers(0, 19)) == 0:
            out = out * draw(st.sampled_from([2, 50]))           # repeat
        return out
    if isinstance(value, str) and value[:1] in "RS" and draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(ODD_NAMES))
    return value


@st.composite
def workflow_documents(draw):
    """Workflow data as a Python object: valid, mutated, with a rule, huge, or deeply nested."""
    data = draw(workflow_data(max_generations=5))
    shape = draw(st.sampled_from(["valid", "mutated", "mutated", "rule", "nested", "long", "numbers"]))
    if shape == "rule":
        data["then"] = draw(mutated({"new_real": draw(st.sampled_from([None, 1])),
                                     "fit": [{"batch": draw(st.sampled_from(ODD_NAMES[:16])),
                                              "weight": draw(st.sampled_from([1, "1/2", Raw("1e-400")]))},
                                             {"batch": "S[-1]", "weight": 1}],
                                     "emit": 1}))
        if isinstance(data["then"], dict):
            data["then"] = {k: v for k, v in data["then"].items() if v is not None}
    elif shape == "mutated":
        data = draw(mutated(data))
    elif shape == "nested":
        depth = draw(st.sampled_from([2, 31, 33, 200, 999, 1000, 5000]))
        key = draw(st.sampled_from(["generations", "name", "real"]))
        if isinstance(data, dict):
            data[key] = Nested(data.get(key, 1), depth, draw(st.sampled_from(["list", "dict"])))
    elif shape == "long":
        count = draw(st.sampled_from([2, 10_001, 20_000]))
        data = {"generations": [{"fit": [{"batch": "R0"}], "emit": 1}] * count}
    elif shape == "numbers":
        gens = data["generations"]
        k = draw(st.integers(0, len(gens) - 1))
        key = draw(st.sampled_from(["emit", "new_real", "count", "weight", "real"]))
        odd = draw(st.sampled_from(ODD_NUMBERS))
        if key == "real":
            data["real"] = odd
        elif key in ("count", "weight"):
            for entry in gens[k]["fit"]:
                entry[key] = odd
        else:
            gens[k][key] = odd
    return data


ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "invalid", "truncated"]


@st.composite
def file_bytes(draw, data, suffix):
    """The bytes of a document: JSON or TOML text, in one encoding or corrupted."""
    text = to_json(data) if suffix == ".json" else to_toml(data)
    encoding = draw(st.sampled_from(ENCODINGS))
    if encoding == "invalid":
        raw = text.encode("utf-8", "surrogatepass")
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + b"\xff\xfe\xc3" + raw[at:]
    if encoding == "truncated":
        raw = text.encode("utf-8", "surrogatepass")
        return raw[:draw(st.integers(0, len(raw)))]
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


FILE_KINDS = ["regular"] * 12 + ["empty", "folder", "fifo", "zero-link", "dangling-link", "dir-link"]


@dataclass(frozen=True)
class FileSpec:
    """A file to create for a case: its name, kind and bytes."""

    name: str
    kind: str
    content: bytes = b""

    def create(self, folder):
        """Create it in ``folder`` and return its path."""
        path = Path(folder) / self.name
        if self.kind == "regular":
            path.write_bytes(self.content)
        elif self.kind == "empty":
            path.write_bytes(b"")
        elif self.kind == "folder":
            path.mkdir()
        elif self.kind == "fifo":
            os.mkfifo(path)
        elif self.kind == "zero-link":
            path.symlink_to("/dev/zero")
        elif self.kind == "dangling-link":
            path.symlink_to(Path(folder) / "nowhere")
        elif self.kind == "dir-link":
            path.symlink_to(folder)
        return path


@st.composite
def workflow_files(draw, stem="workflow"):
    """A :class:`FileSpec` of a workflow file of any kind, format and encoding."""
    suffix = draw(st.sampled_from([".json", ".json", ".toml", ".toml", ".JSON", ".txt", ""]))
    kind = draw(st.sampled_from(FILE_KINDS))
    content = b""
    if kind == "regular":
        document = draw(workflow_documents())
        content = draw(file_bytes(document, ".json" if suffix.lower() != ".toml" else ".toml"))
    return FileSpec(stem + suffix, kind, content)


# ------------------------------------------------------------------------------------------ arguments

GOOD_PRESETS = ["discard", "augment", "subsample", "window:3", "mix:0.5", "weighted:0.618", "weighted:0.5:2",
                "mix:1e-400", "mix:1e400", "weighted:1e-400", "window:99999999999999"]
ODD_PRESETS = ["window:0", "window:x", "mix:-1", "mix:1e999999999", "weighted:2", "weighted:0.5:0", "sideways",
               "augment:1", "", ":", "discard.json", "mix:" + "9" * 5000, "window:" + "9" * 5000]
PRESETS = GOOD_PRESETS + ODD_PRESETS
GOOD_GENERATIONS = ["1", "2", "3", "5", "12"]
ODD_GENERATIONS = ["0", "-1", "10001", "1000000", "x", "2.5", "1e3", str(2**70), "9" * 5000]
ODD_INTS = ["0", "-1", "x", "1.5", "1e9", str(10**12), "9" * 5000, "", " 5", "\u0665"]
GOOD_MODELS = ["gaussian-mean", "gaussian", "mvn", "linreg", "logistic", "bernoulli", "poisson", "exponential",
               "expfam", "kde", "categorical"]
MODELS = GOOD_MODELS + ["nope", "", "GAUSSIAN"]
# Settings each model takes (valid values, some at the edges of float64 and of the samplers; a few are
# refused by a limit), and odd ones for any model.
MODEL_SETTINGS = {
    "gaussian-mean": ["mu=1e16", "mu=-1e300", "sigma=1e-49", "sigma=1e49", "sigma=1/3", "estimator=median"],
    "gaussian": ["mu=1e16", "sigma=1e-49", "sigma=2", "estimator=unbiased"],
    "mvn": ["d=1", "d=2", "d=4", "estimator=unbiased"],
    "linreg": ["d=1", "d=3", "d=8", "sigma=1e-49", "sigma=1e49", "design=fresh", "lam=0.5", "shift=0.5"],
    "logistic": ["d=1", "d=3", "design=fresh"],
    "bernoulli": ["p=1e-40", "p=0.999999", "p=0.05", "p=0.5"],
    "poisson": ["lam=3", "lam=1e-40", "lam=0.05", "lam=1e12"],
    "exponential": ["rate=2", "rate=1e40", "rate=1e-40"],
    "expfam": ["eta=-30", "eta=20", "family=gamma", "family=bernoulli"],
    "kde": ["h=1e-40", "h=0.5", "h=1e40"],
    "categorical": ["K=3", "K=100000", "alpha=0.5", "truth=uniform", "beta=2"],
}
GOOD_SETTINGS = sorted({s for settings in MODEL_SETTINGS.values() for s in settings})
ODD_SETTINGS = ["mu=1e999999999", "mu=1e400", "sigma=1e200", "sigma=1e-200", "sigma=0", "h=1e300", "p=1e-300",
                "p=1", "lam=1e16", "rate=1e300", "d=0", "d=100000", "d=1e999999999", "eta=1e16", "colour=red",
                "sigma", "=1", "sigma=", "sigma=1/0", "estimator=mode", "sigma=nan", "sigma=" + "9" * 5000]
SETTINGS = GOOD_SETTINGS + ODD_SETTINGS


def _odd(draw, good, odd, chosen):
    """A value from ``odd`` when this field is the one chosen to be odd, else from ``good``."""
    return draw(st.sampled_from(odd if chosen else good))


def _settings(draw, odd, model=None):
    """Up to two ``--set`` options with distinct keys: the model's own, or odd ones when asked."""
    pool = SETTINGS if odd else MODEL_SETTINGS.get(model, GOOD_SETTINGS)
    items = draw(st.lists(st.sampled_from(pool), max_size=2, unique_by=lambda s: s.partition("=")[0]))
    return [x for item in items for x in ("--set", item)]


@st.composite
def risk_arguments(draw, workflow):
    """``risk`` with a workflow spelling or file; at most one option odd."""
    odd = draw(st.sampled_from([None, None, "generations", "dps", "output"]))
    argv = ["risk", workflow]
    if odd == "generations" or draw(st.booleans()):
        argv += ["--generations", _odd(draw, GOOD_GENERATIONS, ODD_GENERATIONS, odd == "generations")]
    if odd == "dps" or draw(st.integers(0, 3)) == 0:
        argv += ["--dps", _odd(draw, ["5", "30", "200"], ["0", "-3", "10001", "x", "1e3"], odd == "dps")]
    argv += draw(st.sampled_from([["--json", "--latex"], ["--dps"]] if odd == "output" else [[], [], ["--json"],
                                                                                                 ["--latex"]]))
    return argv


@st.composite
def latex_arguments(draw, workflow):
    odd = draw(st.sampled_from([None, None, "generations", "model", "settings"]))
    argv = ["latex", workflow]
    if odd == "generations" or draw(st.booleans()):
        argv += ["--generations", _odd(draw, GOOD_GENERATIONS, ODD_GENERATIONS, odd == "generations")]
    argv += draw(st.sampled_from([[], ["--table"]]))
    if odd in ("model", "settings") or draw(st.booleans()):
        model = _odd(draw, GOOD_MODELS, MODELS, odd == "model")
        argv += ["--model", model] + _settings(draw, odd == "settings", model)
    return argv


@st.composite
def simulate_arguments(draw, workflow):
    """``simulate`` with small budgets; at most one field odd."""
    odd = draw(st.sampled_from([None, None, None, "model", "n", "generations", "replicates", "seed", "settings",
                                "chunk", "shape"]))
    model = _odd(draw, GOOD_MODELS, MODELS, odd == "model")
    argv = ["simulate", "--model", model, "--workflow", workflow,
            "--n", _odd(draw, ["5", "10", "20"], ODD_INTS, odd == "n"),
            "--generations", _odd(draw, ["1", "2", "3"], ODD_GENERATIONS, odd == "generations"),
            "--replicates", _odd(draw, ["250", "300"], ODD_INTS, odd == "replicates"),
            "--seed", _odd(draw, ["0", "1", str(2**128 - 1)], ODD_INTS + [str(2**128)], odd == "seed")]
    argv += _settings(draw, odd == "settings", model)
    argv += draw(st.sampled_from([["--chunk", "100"], ["--chunk", "0"], ["--chunk", "x"]] if odd == "chunk"
                                 else [[], ["--json"], ["--json"], ["--chunk", "250"]]))
    if odd == "shape":             # drop a required option, or repeat one
        argv = argv[:-2] if draw(st.booleans()) else argv + ["--n", "x"]
    return argv


@st.composite
def plot_arguments(draw, workflows, out):
    odd = draw(st.sampled_from([None, None, "out", "generations", "model", "other"]))
    argv = ["plot", *workflows, "--out", _odd(draw, [out], [out + ".svg", "/nowhere/x.png", out + "/"], odd == "out")]
    if odd == "generations" or draw(st.booleans()):
        argv += ["--generations", _odd(draw, ["2", "3"], ["0", "10001", "x"], odd == "generations")]
    if odd == "model" or draw(st.integers(0, 3)) == 0:
        argv += ["--model", _odd(draw, ["gaussian-mean", "poisson"], MODELS, odd == "model"), "--n", "10",
                 "--replicates", "250"]
    argv += draw(st.sampled_from([["--set", "sigma=2"], ["--seed", "-1"], ["--replicates", str(10**12)]]
                                 if odd == "other" else [[], ["--log"]]))
    return argv


@st.composite
def verify_arguments(draw, out):
    """``verify`` arguments that never run a claim (those take seconds each): lists and refusals."""
    pool = [["--list"], ["--only", "nope"], ["--only"], ["--seed", "-1"], ["--seed", "x"], ["--seed", str(2**130)],
            ["--quick", "--full"], ["--out", "/dev/null", "--only", "nope"], ["--json", "--list"], ["--bogus"],
            ["--out", out, "--only", "no-such-claim", "--json"]]
    return ["verify", *draw(st.sampled_from(pool))]


SWEEP_KEYS = {"seed": ([1, 0, 2**128 - 1], [-1, 2**130, "x", 1.5, True]),
              "replicates": ([250, 300], [0, 10**12, "x", Raw("1e3")]),
              "chunk": ([250, 500, 10**12], [0, "x", -250]),
              "generations": ([2, [2, 3]], [0, [], [2, 2], 10**6, "x", [1, "x"]]),
              "n": ([5, [5, 6]], [0, 10**12, [], "x"]),
              "workflows": ([["discard"], ["augment", "mix:1"], ["mix:1e-400"]], [[], "discard", [1], ["sideways"]]),
              "models": ([[{"name": "gaussian-mean"}], [{"name": "poisson", "params": {"lam": 2}}],
                          [{"name": "gaussian", "params": {"mu": Raw("1e16")}}]],
                         [[], [{"name": "nope"}], [{"params": {}}], "gaussian",
                          [{"name": "gaussian-mean", "params": {"sigma": Raw("1e200")}}],
                          [{"name": "kde", "params": {"h": Raw("1e300")}}],
                          [{"name": "poisson", "params": {"lam": Raw("1e999999999")}}]])}


@st.composite
def sweep_documents(draw, workflow_file=None):
    """A sweep file's data: small and valid but for at most one odd key."""
    odd = draw(st.sampled_from([None, None, *SWEEP_KEYS, "missing", "extra"]))
    data = {key: draw(st.sampled_from(bad if key == odd else good)) for key, (good, bad) in SWEEP_KEYS.items()}
    if odd == "missing":
        del data[draw(st.sampled_from(sorted(data)))]
    if odd == "extra":
        data["extra"] = 1
    if workflow_file is not None and isinstance(data.get("workflows"), list):
        data["workflows"] = [*data["workflows"], workflow_file]
    return data


# ------------------------------------------------------------------------------------------ stores

STORE_MUTATIONS = [
    ("cell range beyond the configuration", "UPDATE cells SET first_block = 5, stop_block = 9 WHERE first_block = 1"),
    ("cell before block 0", "UPDATE cells SET first_block = -3 WHERE first_block = 1"),
    ("overlapping cells", "UPDATE cells SET stop_block = stop_block + 1 WHERE first_block = 0"),
    ("invalid UTF-8 sums", "UPDATE cells SET sums = CAST(X'7b22ff22' AS TEXT) WHERE first_block = 1"),
    ("invalid UTF-8 model", "UPDATE configurations SET model = CAST(X'c3' AS TEXT)"),
    ("invalid UTF-8 description", "UPDATE meta SET value = CAST(X'ff' AS TEXT) WHERE key = 'sweep'"),
    ("invalid UTF-8 format", "UPDATE meta SET value = CAST(X'ff' AS TEXT) WHERE key = 'format'"),
    ("replicates changed", "UPDATE configurations SET replicates = 10"),
    ("generations changed", "UPDATE configurations SET generations = 7"),
    ("n as text", "UPDATE configurations SET n = 'ten'"),
    ("blocks negative", "UPDATE configurations SET blocks = -2"),
    ("sums not JSON", "UPDATE cells SET sums = '{' WHERE first_block = 0"),
    ("sums empty list", "UPDATE cells SET sums = '[]' WHERE first_block = 0"),
    ("sums of another block", "UPDATE cells SET sums = replace(sums, '\"block\":1', '\"block\":4')"),
    ("count changed", "UPDATE cells SET sums = replace(sums, '\"count\":250', '\"count\":9999')"),
    ("hex garbled", "UPDATE cells SET sums = replace(sums, '0x1', 'zz')"),
    ("orphan cell", "UPDATE cells SET config_id = 42 WHERE first_block = 1 AND config_id = 0"),
    ("description not an object", "UPDATE meta SET value = '[1]' WHERE key = 'sweep'"),
    ("description deeply nested", "UPDATE meta SET value = '" + "[" * 5000 + "]" * 5000 + "' WHERE key = 'sweep'"),
    ("block size zero", "UPDATE meta SET value = replace(value, '\"block\":250', '\"block\":0') WHERE key = 'sweep'"),
    ("no meta table", "DROP TABLE meta"),
    ("no cells table", "DROP TABLE cells"),
    ("format changed", "UPDATE meta SET value = 'other' WHERE key = 'format'"),
    ("sums a number", "UPDATE cells SET sums = '7'"),
    ("sums NULL", "UPDATE cells SET worker = CAST(X'ff' AS TEXT)"),
]


def corrupt_store(source, target, mutation=None, flips=(), truncate=None):
    """Copy the store ``source`` to ``target`` with one SQL mutation, byte flips and/or truncation applied."""
    data = Path(source).read_bytes()
    Path(target).write_bytes(data)
    if mutation is not None:
        db = sqlite3.connect(target)
        try:
            db.execute(mutation)
            db.commit()
        finally:
            db.close()
    if flips or truncate is not None:
        raw = bytearray(Path(target).read_bytes())
        for at, byte in flips:
            raw[at % len(raw)] = byte
        if truncate is not None:
            raw = raw[:truncate % (len(raw) + 1)]
        Path(target).write_bytes(bytes(raw))
    return Path(target)
