"""The categorical model's declaration and its truths, in plain Python (light: no SymPy, SciPy or numpy).

A truth is ``zipf`` (p_i proportional to i^-beta), ``uniform`` or the path of a file
of probabilities. A file holds numbers separated by commas, spaces or new lines
(``#`` starts a comment), or a JSON list when its name ends in ``.json``; values are
read as exact rationals (never evaluated), must be non-negative and must sum to 1
within 1e-6 (they are then renormalised exactly). A file path is stored absolute in
the validated parameters, and a file is read again when it changes.

Examples
--------
>>> spec = MODELS["categorical"]
>>> spec.validate({"K": "3", "beta": "2"})["K"], truth_floats(spec.validate({"K": "2", "truth": "uniform"}))
(3, (0.5, 0.5))
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from ..datafile import parse_data_text
from ..input_limits import MAX_CATEGORIES, MAX_SAMPLE_SIZE, LimitError, read_regular_file
from ..rationals import to_rational
from .registry import MODELS, ModelSpec, Parameter

__all__ = ["CategoricalSpec", "CATEGORICAL_METRICS", "CURATION_METRICS", "read_probabilities", "truth_floats",
           "truth_file_stamp"]

CATEGORICAL_METRICS = ("risk", "tv", "kl", "kl_infinite", "lost_mass", "support", "memorizer_error")
"""What a simulation measures on every categorical fit (``failed`` is the engine's)."""
CURATION_METRICS = ("reward", "entropy")
"""What a simulation of a curating workflow measures in addition."""

_SUM_TOLERANCE = Fraction(1, 10**6)
_SEPARATORS = re.compile(r"[,\s;]+")
_BUILT_IN = ("zipf", "uniform")


def truth_file_stamp(path):
    """(mtime, size) of a truth file: what identifies its content for the caches.

    Raises
    ------
    ValueError
        If the file cannot be read (the reason, without the path).
    """
    try:
        st = os.stat(path)
    except OSError as err:
        raise ValueError(f"cannot read it ({err.strerror})") from None
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=16)
def read_probabilities(path, mtime=None, size=None):
    """The probabilities in the file ``path`` as exact rationals summing to 1 (cached per content).

    Raises
    ------
    ValueError
        With the reason (an entry that is not a number or is negative, a sum other than 1).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
    ...     _ = fh.write("0.5, 1/4 # a comment\\n0.25")
    >>> read_probabilities(fh.name)
    (Fraction(1, 2), Fraction(1, 4), Fraction(1, 4))
    """
    try:   # a regular file of bounded size: never a FIFO or a device (theory.input_limits)
        raw = read_regular_file(path, "truth file")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read it ({err})") from None
    if path.lower().endswith(".json"):
        # numbers checked for size before they are built, nesting bounded (theory.datafile)
        tokens = parse_data_text(raw, ".json", "the JSON", ValueError)
        if not isinstance(tokens, list):
            raise ValueError(f"a JSON truth file holds a list of probabilities, got {type(tokens).__name__}")
    else:
        tokens = [t for t in _SEPARATORS.split(" ".join(line.split("#", 1)[0] for line in text.splitlines())) if t]
    if len(tokens) > MAX_CATEGORIES:
        raise LimitError(f"it holds {len(tokens)} probabilities, more than the limit of {MAX_CATEGORIES} categories")
    values = []
    for i, token in enumerate(tokens, start=1):
        try:
            v = to_rational(token, f"probability {i}")
        except ValueError:
            raise ValueError(f"entry {i} is not a number: {token!r}") from None
        if v < 0:
            raise ValueError(f"entry {i} is negative: {token!r}")
        values.append(v)
    if not values:
        raise ValueError("it holds no probabilities")
    total = sum(values, Fraction(0))
    if abs(total - 1) > _SUM_TOLERANCE:
        raise ValueError(f"the probabilities sum to {float(total):.10g}, not 1")
    return tuple(v / total for v in values)


@lru_cache(maxsize=32)
def _zipf_floats(K, beta):
    weights = [float(i) ** -beta for i in range(1, K + 1)]
    total = math.fsum(weights)
    return tuple(w / total for w in weights)


def truth_floats(params):
    """The truth of validated parameters as a tuple of floats (the declaration's theta_0).

    Every float computation of the model uses these values (:func:`theory.models.categorical.categorical_truth`
    adds the exact rationals where they exist).
    """
    truth, K = params["truth"], int(params["K"])
    if truth == "zipf":
        return _zipf_floats(K, float(to_rational(params["beta"])))
    if truth == "uniform":
        return (1.0 / K,) * K
    return tuple(float(x) for x in read_probabilities(truth, *truth_file_stamp(truth)))


@dataclass(frozen=True, eq=False, repr=False)
class CategoricalSpec(ModelSpec):
    """The categorical declaration: ``truth`` may be a file path, ``alpha`` must be at least 0."""

    def describe_parameters(self, max_choices=None):
        if max_choices is None:
            return super().describe_parameters()
        return "truth [zipf], beta [1.5], K [1000], alpha [0.0], T [|R0|]"

    def validate(self, raw=None):
        """Typed parameters; a truth file sets K (a different ``K`` given with it is an error).

        Examples
        --------
        >>> MODELS["categorical"].validate({"alpha": "-1"})
        Traceback (most recent call last):
        ...
        ValueError: categorical: parameter alpha must be at least 0, got '-1'
        """
        raw = {} if raw is None else dict(raw)
        truth = raw.pop("truth", "zipf")
        if raw.get("T", 0) is None:           # the default: validated parameters validate again
            del raw["T"]
        params = super().validate(raw)
        params.pop("truth")
        if params["alpha"] < 0:
            raise ValueError(f"categorical: parameter alpha must be at least 0, got {raw['alpha']!r}")
        if not isinstance(truth, str) or not truth.strip():
            raise ValueError(f"categorical: parameter truth must be zipf, uniform or a file path, got {truth!r}")
        if truth not in _BUILT_IN:
            path = os.path.abspath(os.path.expanduser(truth))
            try:
                K = len(read_probabilities(path, *truth_file_stamp(path)))
            except ValueError as err:
                raise ValueError(f"categorical: parameter truth must be zipf, uniform or a probability file; "
                                 f"{truth!r}: {err}") from None
            if "K" in raw and params["K"] != K:
                raise ValueError(f"categorical: K = {raw['K']!r} disagrees with the {K} probabilities in {truth!r}")
            params["K"], truth = K, path
        return {"truth": truth, **params}


MODELS.declare(CategoricalSpec(
    "categorical", "categorical",
    "categorical over K categories (Zipf, uniform or a file); empirical frequencies, optionally add-alpha smoothed",
    (Parameter("truth", "choice", "zipf", _BUILT_IN, help="zipf, uniform or the path of a probability file"),
     Parameter("beta", "positive", 1.5, help="the Zipf exponent"),
     Parameter("K", "dimension", 1000, help="the number of categories (a truth file sets it)",
               limit=MAX_CATEGORIES),
     Parameter("alpha", "real", 0.0, help="add-alpha smoothing, at least 0"),
     Parameter("T", "dimension", None, help="the memoriser's training draws [the size of R0]",
               limit=MAX_SAMPLE_SIZE)),
    "p", truth_floats, metrics=CATEGORICAL_METRICS))
