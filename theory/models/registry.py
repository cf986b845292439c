"""The one model registry: every model declared once, its symbolic and numeric faces attached to it.

A model is declared once, as a :class:`ModelSpec` passed to :func:`declare`
(:mod:`theory.models.catalogue` declares the models of THEORY.md §4). The
declaration says everything a caller needs before any mathematics: the CLI
name, the parameters with their defaults and domains (:class:`Parameter`), the
estimators, the metrics a simulation reports, the natural parameter and its true
value as floats, and the concept module that holds the model's two faces. It is
light: this module and the catalogue import neither SymPy, SciPy nor numpy, so
validating ``--set`` values, listing the models or building the command line
costs nothing.

Each face is a class that attaches itself with a decorator:

- the **symbolic face** (SymPy: log-density, Fisher information, V), a
  :class:`~theory.models.base.SymbolicModel` in ``theory.models.<module>``,
  decorated ``@symbolic_face("name")``;
- the **numeric face** (numpy: samplers and estimators vectorised over
  replicates), a :class:`~numerics.models.base.NumericModel` in
  ``numerics.models.<module>``, decorated ``@numeric_face("name")`` from
  :mod:`numerics.models.registry`.

The two packages mirror each other module by module, so the declaration's
``module`` names the home of both faces. Faces load on demand: the first request
for a face imports ``<package>.<module>`` of its layer, whose decorator attaches
the class. Each layer tells the registry where its faces live
(:meth:`ModelRegistry.add_layer`): ``theory`` registers ``"symbolic"`` here, and
``numerics.models`` registers ``"numeric"`` when it is imported, so ``theory``
never imports ``numerics`` (the layers of DESIGN.md) while one registry pairs
both faces. A model defined outside the package declares its spec with
:func:`declare` and attaches its faces by importing the modules that define them.

Examples
--------
>>> spec = MODELS["gaussian"]
>>> spec.validate({"sigma": "2"}), spec.reported_metrics
({'mu': 0.0, 'sigma': 2.0, 'estimator': 'mle'}, ('risk', 'sigma2', 'sigma', 'w2sq', 'failed'))
>>> MODELS["gauss"]
Traceback (most recent call last):
...
ValueError: unknown model 'gauss'; models are gaussian-mean, gaussian, mvn, linreg, logistic, \
bernoulli, poisson, exponential, expfam, kde, categorical
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from ..input_limits import MAX_DIMENSION, MAX_SCALE, LimitError
from ..rationals import to_rational

__all__ = ["Parameter", "ModelSpec", "ModelRegistry", "MODELS", "declare", "model_spec", "symbolic_face",
           "get_model", "validate_parameters"]

_KINDS = ("real", "positive", "nonnegative", "negative", "probability", "dimension", "choice")
_TABLE_WIDTH = 120      # characters per row of the registry's table


# --------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Parameter:
    """One ``--set`` parameter of a model: its name, kind, default and allowed values.

    ``kind`` is ``"real"`` (finite), ``"positive"``, ``"nonnegative"``, ``"negative"``,
    ``"probability"`` (in (0, 1)), ``"dimension"`` (integer >= 1, at most ``limit``: by default
    :data:`theory.input_limits.MAX_DIMENSION`) or ``"choice"`` (one of ``choices``).

    Examples
    --------
    >>> Parameter("sigma", "positive", 1.0).parse("2", "gaussian")
    2.0
    >>> Parameter("d", "dimension", 2).parse("2.5", "mvn")
    Traceback (most recent call last):
    ...
    ValueError: mvn: parameter d must be an integer of at least 1, got '2.5'
    """

    name: str
    kind: str
    default: object
    choices: tuple[str, ...] = ()
    help: str = ""
    limit: int = MAX_DIMENSION

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"parameter {self.name}: kind must be one of {', '.join(_KINDS)}, got {self.kind!r}")

    def __str__(self):
        return self.describe()

    def describe(self, max_choices=None):
        """``name [default]``, or ``name=a|b [default]`` for a choice (at most ``max_choices`` listed).

        Examples
        --------
        >>> Parameter("design", "choice", "fixed", ("fixed", "fresh")).describe()
        'design=fixed|fresh [fixed]'
        >>> Parameter("f", "choice", "b", ("a", "b", "c")).describe(max_choices=1)
        'f=a|... [b]'
        """
        if self.kind != "choice":
            return f"{self.name} [{self.default}]"
        shown = self.choices if max_choices is None or len(self.choices) <= max_choices else (
            *self.choices[:max_choices], "...")
        return f"{self.name}={'|'.join(shown)} [{self.default}]"

    def parse(self, value, model):
        """The typed value of ``value`` (a number or a ``--set`` string), checked against the domain.

        Parameters
        ----------
        value : int, float, Fraction or str
            A number, or a string such as ``"2"``, ``"0.5"``, ``"1/3"``, ``"fixed"``
            (parsed, never evaluated).
        model : str
            The model's name, for the error message.

        Returns
        -------
        float, int or str
            An ``int`` for a dimension, the string for a choice, a float otherwise.

        Raises
        ------
        ValueError
            If the value is not of the parameter's kind; the message names both.
        """
        where = f"{model}: parameter {self.name}"
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(f"{where} must be one of {', '.join(self.choices)}, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float | Fraction | str):
            raise ValueError(f"{where} must be a number, got {value!r}")
        try:
            number = to_rational(value, where)
        except LimitError:
            raise
        except ValueError:
            raise ValueError(f"{where} must be a number such as 2, 0.5 or 1/3, got {value!r}") from None
        if self.kind == "dimension":
            if number.denominator != 1 or number < 1:
                raise ValueError(f"{where} must be an integer of at least 1, got {value!r}")
            if number > self.limit:
                raise LimitError(f"{where} = {value!r} is more than the limit of {self.limit}")
            return int(number)
        try:
            real = float(number)
        except OverflowError:
            real = math.inf
        if not math.isfinite(real):
            raise ValueError(f"{where} must be a finite number, got {value!r}")
        if self.kind == "positive" and not real > 0:
            raise ValueError(f"{where} must be positive, got {value!r}")
        if self.kind == "nonnegative" and not real >= 0:
            raise ValueError(f"{where} must be non-negative, got {value!r}")
        if self.kind == "negative" and not real < 0:
            raise ValueError(f"{where} must be negative, got {value!r}")
        if self.kind == "probability" and not 0 < real < 1:
            raise ValueError(f"{where} must lie strictly between 0 and 1, got {value!r}")
        # A scale (sigma, a rate, a bandwidth, a mean count) and a probability enter the risk squared,
        # and its standard error to the fourth power: outside these bounds float64 would overflow to
        # inf or underflow to 0 and the Monte Carlo would print a wrong number (theory.input_limits).
        if self.kind in ("positive", "negative") and not 1 / MAX_SCALE <= abs(real) <= MAX_SCALE:
            raise LimitError(f"{where} = {value!r} is outside the limits {1 / MAX_SCALE:g} to {MAX_SCALE:g} "
                             "in magnitude")
        if self.kind == "probability" and not real >= 1 / MAX_SCALE:
            raise LimitError(f"{where} = {value!r} is below the limit {1 / MAX_SCALE:g}")
        return real


def validate_parameters(model, specs, raw):
    """Typed, checked parameters: every key of ``specs``, from ``raw`` or its default.

    Parameters
    ----------
    model : str
        The model's name, for error messages.
    specs : dict
        Parameter name -> :class:`Parameter`, in the order of the result.
    raw : mapping or None
        Values as Python numbers or ``--set`` strings.

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        On a key not in ``specs`` or a value outside its domain (one line naming both).

    Examples
    --------
    >>> validate_parameters("m", {"p": Parameter("p", "probability", 0.5)}, {"p": "1/4"})
    {'p': 0.25}
    >>> validate_parameters("m", {"p": Parameter("p", "probability", 0.5)}, {"q": 1})
    Traceback (most recent call last):
    ...
    ValueError: m: unknown parameter 'q' (value 1); parameters are p
    """
    raw = {} if raw is None else raw
    if not hasattr(raw, "items"):
        raise ValueError(f"{model}: parameters must be a mapping of names to values, got {raw!r}")
    for key, value in raw.items():
        if key not in specs:
            raise ValueError(f"{model}: unknown parameter {key!r} (value {value!r}); "
                             f"parameters are {', '.join(specs)}")
    return {key: spec.parse(raw[key], model) if key in raw else spec.default for key, spec in specs.items()}


_PARAMETER_COLUMN = 60


def _wrap(text, width):
    """``text`` (items joined by ", ") cut into lines of at most ``width`` characters at the separators."""
    lines, line = [], ""
    for item in text.split(", "):
        candidate = f"{line}, {item}" if line else item
        if line and len(candidate) > width:
            lines.append(line + ",")
            line = item
        else:
            line = candidate
    return [*lines, line]


# --------------------------------------------------------------------- one model's declaration
@dataclass(frozen=True, eq=False)
class ModelSpec:
    """A model declared once: everything about it that needs no mathematics.

    Parameters
    ----------
    name : str
        The CLI name (``--model``).
    module : str
        The concept module holding both faces: ``theory.models.<module>`` and
        ``numerics.models.<module>``.
    description : str
        One line for listings.
    parameters : tuple of Parameter
        The ``--set`` parameters, in the order of validated dicts.
    natural : str
        The name of the natural parameter on which the risk is measured.
    theta0 : callable
        Validated parameters -> the true natural parameter, a tuple of floats.
    estimators : tuple of str
        The estimators; the first is the default.
    metrics : tuple of str
        What a simulation measures on every fit, ``"risk"`` first (DESIGN.md);
        ``"failed"``, counted by the engine, follows them in :attr:`reported_metrics`.

    Examples
    --------
    >>> spec = ModelSpec("coin", "counts", "a fair coin", (Parameter("p", "probability", 0.5),), "p",
    ...                  lambda params: (params["p"],))
    >>> spec
    ModelSpec('coin': p [0.5]; estimators mle; metrics risk, failed)
    >>> spec.natural_parameter({"p": "0.25"})
    (0.25,)
    """

    name: str
    module: str
    description: str
    parameters: tuple[Parameter, ...]
    natural: str
    theta0: Callable[[dict], tuple[float, ...]]
    estimators: tuple[str, ...] = ("mle",)
    metrics: tuple[str, ...] = ("risk",)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a model needs a non-empty name, got {self.name!r}")
        if not self.metrics or self.metrics[0] != "risk" or "failed" in self.metrics:
            raise ValueError(f"{self.name}: metrics must start with 'risk' and leave 'failed' to the engine, "
                             f"got {self.metrics!r}")
        if not self.estimators:
            raise ValueError(f"{self.name}: a model needs at least one estimator")

    def __repr__(self):
        return (f"ModelSpec({self.name!r}: {self.describe_parameters() or 'no parameters'}; "
                f"estimators {', '.join(self.estimators)}; metrics {', '.join(self.reported_metrics)})")

    def describe_parameters(self, max_choices=None):
        """The parameters with their defaults, on one line (choices cut after ``max_choices``)."""
        return ", ".join(p.describe(max_choices) for p in self.parameters)

    @property
    def reported_metrics(self):
        """The metrics of a simulation's output: :attr:`metrics` then ``"failed"``."""
        return (*self.metrics, "failed")

    @property
    def defaults(self):
        """The parameter defaults (DESIGN.md), as a new dict."""
        return {p.name: p.default for p in self.parameters}

    def parameter_specs(self, raw=None):
        """Parameter name -> :class:`Parameter` for the values ``raw`` (a family may add parameters)."""
        return {p.name: p for p in self.parameters}

    def validate(self, raw=None):
        """Typed, checked parameters: defaults filled in, ``--set`` strings parsed as numbers.

        Parameters
        ----------
        raw : mapping or None
            Values as Python numbers or strings (``"2"``, ``"0.3"``, ``"1/3"``,
            ``"fixed"``); strings are parsed, never evaluated.

        Returns
        -------
        dict
            Every parameter of the model, as float, int or str.

        Raises
        ------
        ValueError
            On an unknown key or a value outside the parameter's domain; the one-line
            message names the key and repeats the bad value.
        """
        return validate_parameters(self.name, self.parameter_specs(raw), raw)

    def estimator(self, params=None):
        """The estimator named in ``params`` (or the model's only/default one)."""
        return self.validate(params).get("estimator", self.estimators[0])

    def natural_parameter(self, params=None):
        """theta_0, the true natural parameter, as a tuple of floats."""
        return tuple(float(v) for v in self.theta0(self.validate(params)))


# --------------------------------------------------------------------- the registry
class ModelRegistry:
    """The declared models, in declaration order, with the faces attached to each.

    ``registry[name]`` is the :class:`ModelSpec` (a ValueError naming the known
    models otherwise); :meth:`face` returns a face class, importing its module the
    first time.

    Examples
    --------
    >>> registry = ModelRegistry()
    >>> registry.declare(ModelSpec("coin", "counts", "a fair coin", (), "p", lambda params: (0.5,)))
    ModelSpec('coin': no parameters; estimators mle; metrics risk, failed)
    >>> registry
    1 model
    model  parameters [defaults]  estimators  metrics (and failed)
    coin   -                      mle         risk
    """

    def __init__(self):
        self._specs: dict[str, ModelSpec] = {}
        self._layers: dict[str, str] = {}
        self._faces: dict[str, dict[str, type]] = {}

    # ----------------------------------------------------------- declarations
    def declare(self, spec):
        """Register ``spec`` (replacing a model of the same name) and return it."""
        if not isinstance(spec, ModelSpec):
            raise TypeError(f"expected a ModelSpec, got {spec!r}")
        self._specs[spec.name] = spec
        for faces in self._faces.values():
            faces.pop(spec.name, None)
        return spec

    def remove(self, name):
        """Remove model ``name`` and its faces (a ValueError if it is not declared)."""
        self[name]
        del self._specs[name]
        for faces in self._faces.values():
            faces.pop(name, None)

    def __getitem__(self, name):
        if isinstance(name, str) and name in self._specs:
            return self._specs[name]
        raise ValueError(f"unknown model {name!r}; models are {', '.join(self._specs)}")

    def __contains__(self, name):
        return name in self._specs

    def __iter__(self):
        return iter(self._specs)

    def __len__(self):
        return len(self._specs)

    def names(self):
        """The model names, in declaration order."""
        return tuple(self._specs)

    def __repr__(self):
        # a long parameter list continues on indented lines, so the table stays within 120 columns
        rows = [(s.name, _wrap(s.describe_parameters(max_choices=3) or "-", _PARAMETER_COLUMN),
                 ", ".join(s.estimators), ", ".join(s.metrics)) for s in self._specs.values()]
        header = ("model", ["parameters [defaults]"], "estimators", "metrics (and failed)")
        widths = [max(len(r[0]) for r in [header, *rows]), max(len(p) for r in [header, *rows] for p in r[1]),
                  max(len(r[2]) for r in [header, *rows])]
        lines = [f"{len(rows)} model{'s' if len(rows) != 1 else ''}"]
        for name, params, estimators, metrics in [header, *rows]:
            line = "  ".join(c.ljust(w) for c, w in zip((name, params[0], estimators), widths, strict=True))
            line += "  " + metrics
            if len(line) > _TABLE_WIDTH:        # a long list of metrics ends in "..." (the spec lists them all)
                line = line[:_TABLE_WIDTH - 5].rsplit(", ", 1)[0] + ", ..."
            lines.append(line)
            lines.extend((" " * (widths[0] + 2) + more).rstrip() for more in params[1:])
        return "\n".join(lines)

    # ----------------------------------------------------------- faces
    def add_layer(self, kind, package):
        """Say that faces of ``kind`` live in ``<package>.<module>`` (each layer registers its own)."""
        self._layers[kind] = package
        self._faces.setdefault(kind, {})

    def attach(self, kind, name):
        """A class decorator attaching the decorated class as the ``kind`` face of model ``name``.

        The class gets the declaration as its ``spec`` attribute.
        """
        spec = self[name]
        if kind not in self._layers:
            raise ValueError(f"unknown kind of face {kind!r}; kinds are {', '.join(self._layers)}")

        def decorate(cls):
            cls.spec = spec
            self._faces[kind][name] = cls
            return cls

        return decorate

    def face(self, name, kind):
        """The ``kind`` face class of model ``name``, importing the module that declares it if needed."""
        spec = self[name]
        faces = self._faces.get(kind)
        if faces is None:
            raise ValueError(f"unknown kind of face {kind!r}; kinds are {', '.join(self._layers)}")
        if name not in faces:
            importlib.import_module(f"{self._layers[kind]}.{spec.module}")
        if name not in faces:
            raise LookupError(f"model {name!r} has no {kind} face: {self._layers[kind]}.{spec.module} "
                              f"attaches none")
        return faces[name]

    def loaded(self, kind):
        """The names of the models whose ``kind`` face is loaded."""
        return tuple(self._faces.get(kind, ()))


MODELS = ModelRegistry()
"""The registry of the toolkit's models (declared in :mod:`theory.models.catalogue`)."""
MODELS.add_layer("symbolic", "theory.models")


def declare(spec):
    """Add a model to :data:`MODELS`; returns ``spec``."""
    return MODELS.declare(spec)


def model_spec(name):
    """The declaration of model ``name`` (a ValueError naming the known models otherwise).

    Parameters
    ----------
    name : str
        A model name, such as ``"gaussian-mean"`` (:data:`MODELS` lists them).

    Returns
    -------
    ModelSpec

    Examples
    --------
    >>> model_spec("poisson").defaults
    {'lam': 1.0}
    """
    return MODELS[name]


def symbolic_face(name):
    """Class decorator: the decorated :class:`~theory.models.base.SymbolicModel` is model ``name``'s symbolic face."""
    return MODELS.attach("symbolic", name)


_INSTANCES: dict = {}


def get_model(name):
    """The symbolic face of the model with CLI name ``name`` (one shared instance per model).

    A :class:`~theory.models.base.SymbolicModel` passed in is returned as it is (an
    ``expfam`` model with extra families, for example).

    Parameters
    ----------
    name : str or SymbolicModel
        A model name (:data:`MODELS` lists them), or a symbolic face.

    Returns
    -------
    SymbolicModel
        The model's symbolic face (SymPy is imported with it).

    Examples
    --------
    >>> get_model("poisson").estimators
    ('mle',)
    >>> get_model("gauss")
    Traceback (most recent call last):
    ...
    ValueError: unknown model 'gauss'; models are gaussian-mean, gaussian, mvn, linreg, logistic, \
bernoulli, poisson, exponential, expfam, kde, categorical
    """
    if not isinstance(name, str) and getattr(type(name), "spec", None) is not None:
        return name
    cls = MODELS.face(name, "symbolic")
    if _INSTANCES.get(name).__class__ is not cls:
        _INSTANCES[name] = cls()
    return _INSTANCES[name]
