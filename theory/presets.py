"""The workflows of the literature, built as data for any number of generations.

Each preset of THEORY.md §2 is a function of the number of generations G that returns
a :class:`~theory.workflow.Workflow`; :func:`preset` reads the command-line spelling
(``discard``, ``augment``, ``subsample``, ``window:3``, ``mix:0.5``,
``weighted:0.618``, ``weighted:0.5:2``) and :func:`load_workflow` also accepts the
path of a workflow file.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from .input_limits import MAX_FIT_ENTRIES, MAX_GENERATIONS
from .rationals import format_rational, to_rational
from .workflow import FitEntry, Generation, Workflow, WorkflowError, _short

__all__ = ["PRESETS", "WorkflowLike", "preset", "load_workflow", "is_preset_spec"]

ONE = Fraction(1)

#: What every public function that takes a workflow accepts: a built :class:`Workflow`,
#: a preset spelling such as ``"window:3"``, or the path of a ``.json``/``.toml`` file.
#: :func:`load_workflow` normalises it, once, at the edge of each public function.
WorkflowLike = Workflow | str | Path


def _build(name, G, fit_of, emit=ONE, new_real_of=lambda k: None):
    if isinstance(G, bool) or not isinstance(G, int) or G < 1:
        raise WorkflowError(f"the number of generations must be a positive integer, got {G!r}")
    _check_generations(G)
    generations, entries = [], 0
    for k in range(1, G + 1):
        fit = tuple(fit_of(k))
        entries += len(fit)
        if entries > MAX_FIT_ENTRIES:
            raise WorkflowError(f"{name} over {G} generations has more than {MAX_FIT_ENTRIES} fit entries "
                                f"({entries} by generation {k}); the limit is {MAX_FIT_ENTRIES}")
        generations.append(Generation(fit, new_real_of(k), emit))
    return Workflow(tuple(generations), ONE, None, name)


def _check_generations(G):
    if G > MAX_GENERATIONS:
        raise WorkflowError(f"generations = {G} is more than the limit of {MAX_GENERATIONS}")


def _earlier(k, last=None):
    """The batch list R0, S1, ..., S<k-1> available to generation k (its ``last`` entries only, if given)."""
    first = 0 if last is None else max(0, k - last)
    return ["R0" if j == 0 else f"S{j}" for j in range(first, k)]


def discard(G):
    """Generation 1 fits R0; generation k fits the whole of S<k-1>; every generation emits n.

    Examples
    --------
    >>> [[s.batch for s in fit] for fit in discard(3).shares()]
    [['R0'], ['S1'], ['S2']]
    """
    return _build("discard", G, lambda k: [FitEntry("R0" if k == 1 else f"S{k - 1}", ONE)])


def augment(G):
    """Generation k fits R0, S1, ..., S<k-1>, all whole (a pooled fit); every generation emits n.

    Examples
    --------
    >>> [s.share for s in augment(3).shares()[2]]
    [Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)]
    """
    return _build("augment", G, lambda k: [FitEntry(b, ONE) for b in _earlier(k)])


def subsample(G):
    """As augment, but generation k fits n/k points drawn from each of R0, S1, ..., S<k-1>.

    Examples
    --------
    >>> [s.count for s in subsample(2).shares()[1]]
    [Fraction(1, 2), Fraction(1, 2)]
    """
    def fit(k):
        count = Fraction(1, k)     # one object per generation: validation checks it once
        return [FitEntry(b, count) for b in _earlier(k)]

    return _build("subsample", G, fit)


def window(W, G):
    """Generation k fits the last min(W, k) batches of R0, S1, ..., S<k-1>, whole.

    Examples
    --------
    >>> [s.batch for s in window(2, 4).shares()[3]]
    ['S2', 'S3']
    """
    if isinstance(W, bool) or not isinstance(W, int) or W < 1:
        raise WorkflowError(f"window size W must be an integer of at least 1, got {W!r}")
    return _build(f"window:{W}", G, lambda k: [FitEntry(b, ONE) for b in _earlier(k, W)])


def mix(L, G):
    """Generation k >= 2 fits R0 and S<k-1> (L n points, emitted by every generation).

    Examples
    --------
    >>> [s.share for s in mix(Fraction(1, 2), 2).shares()[1]]
    [Fraction(2, 3), Fraction(1, 3)]
    """
    L = to_rational(L, "mix ratio L")
    if L <= 0:
        raise WorkflowError(f"mix ratio L must be positive, got {L}")
    return _build(f"mix:{format_rational(L)}", G,
                  lambda k: [FitEntry("R0", ONE)] + ([FitEntry(f"S{k - 1}", L)] if k > 1 else []), emit=L)


def weighted(W, G, M=ONE):
    """Generation k >= 2 fits fresh real R<k> with share W and S<k-1> (M n points) with share 1 - W.

    Examples
    --------
    >>> [(s.batch, s.share) for s in weighted(Fraction(1, 4), 2).shares()[1]]
    [('R2', Fraction(1, 4)), ('S1', Fraction(3, 4))]
    """
    W, M = to_rational(W, "real share W"), to_rational(M, "synthetic size M")
    if not 0 <= W <= 1:
        raise WorkflowError(f"real share W must lie in [0, 1], got {format_rational(W)}")
    if M <= 0:
        raise WorkflowError(f"synthetic size M must be positive, got {format_rational(M)}")

    rest = 1 - W

    def fit(k):
        if k == 1:
            return [FitEntry("R0", ONE)]
        return [FitEntry(f"R{k}", ONE, W), FitEntry(f"S{k - 1}", M, rest)]

    name = f"weighted:{format_rational(W)}" + ("" if M == 1 else f":{format_rational(M)}")
    return _build(name, G, fit, emit=M, new_real_of=lambda k: ONE if k > 1 else None)


PRESETS = {
    "discard": "discard",
    "augment": "augment",
    "subsample": "subsample",
    "window": "window:W (W >= 1)",
    "mix": "mix:L (L > 0)",
    "weighted": "weighted:W or weighted:W:M (0 <= W <= 1, M > 0)",
}


def is_preset_spec(spec):
    """Whether ``spec`` names a preset rather than a file."""
    return isinstance(spec, str) and spec.split(":")[0] in PRESETS and not spec.lower().endswith((".json", ".toml"))


def preset(spec, G):
    """The preset workflow spelled ``spec`` with ``G`` generations.

    Parameters
    ----------
    spec : str
        ``discard``, ``augment``, ``subsample``, ``window:W``, ``mix:L``,
        ``weighted:W`` or ``weighted:W:M`` (THEORY.md §2).
    G : int
        The number of generations.

    Returns
    -------
    Workflow

    Raises
    ------
    WorkflowError
        For an unknown preset or a bad parameter, named in the message.

    Examples
    --------
    >>> preset("window:3", 5).name, preset("weighted:0.618", 2).shares()[1][0].share
    ('window:3', Fraction(309, 500))
    >>> preset("window:x", 5)
    Traceback (most recent call last):
    ...
    theory.workflow.WorkflowError: window size W must be an integer of at least 1, got 'x'
    """
    head, *args = spec.split(":")
    arity = {"discard": (0, 0), "augment": (0, 0), "subsample": (0, 0), "window": (1, 1), "mix": (1, 1),
             "weighted": (1, 2)}
    if head not in arity:
        raise WorkflowError(f"unknown workflow {spec!r}; presets are {', '.join(PRESETS.values())}, "
                            "or give a .json/.toml workflow file")
    low, high = arity[head]
    if not low <= len(args) <= high:
        raise WorkflowError(f"workflow {spec!r} takes {low if low == high else f'{low} or {high}'} "
                            f"parameter(s) after {head!r}: {PRESETS[head]}")
    if isinstance(G, bool) or not isinstance(G, int) or G < 1:
        raise WorkflowError(f"the number of generations must be a positive integer, got {G!r}")
    if head == "window":
        try:
            W = int(args[0])
        except ValueError:
            W = args[0]
        return window(W, G)
    builders = {"discard": discard, "augment": augment, "subsample": subsample}
    if head in builders:
        return builders[head](G)
    if head == "mix":
        return mix(to_rational(args[0], f"mix ratio L in {spec!r}"), G)
    M = to_rational(args[1], f"synthetic size M in {spec!r}") if len(args) == 2 else ONE
    return weighted(to_rational(args[0], f"real share W in {spec!r}"), G, M)


def load_workflow(spec, G=None):
    """The one normalisation of a workflow argument (:data:`WorkflowLike`) into a :class:`Workflow`.

    Parameters
    ----------
    spec : Workflow, str or Path
        A workflow (returned as it is, or with ``G`` generations), a preset spelling
        such as ``"window:3"``, or the path of a ``.json``/``.toml`` workflow file.
    G : int, optional
        The number of generations: by default 10 for a preset, as listed for a file,
        the workflow's own for a Workflow. A file or workflow with a ``then`` rule can
        run any number; without one, at most as many as it lists.

    Returns
    -------
    Workflow

    Raises
    ------
    WorkflowError
        For an unknown preset, a missing or malformed file, or an invalid workflow.

    Examples
    --------
    >>> load_workflow("augment").G
    10
    >>> load_workflow(preset("augment", 10), 3) == preset("augment", 3)
    True
    """
    if isinstance(spec, Workflow):
        return spec if G is None else spec.expand(G)
    if not isinstance(spec, str | Path):
        raise WorkflowError(f"a workflow is a Workflow, a preset name or a .json/.toml path, got "
                            f"{type(spec).__name__} {_short(spec)}")
    if isinstance(spec, str) and is_preset_spec(spec):
        return preset(spec, 10 if G is None else G)
    path = Path(spec)
    if path.suffix.lower() not in (".json", ".toml"):
        raise WorkflowError(f"unknown workflow {str(spec)!r}; presets are {', '.join(PRESETS.values())}, "
                            "or give a .json/.toml workflow file")
    return Workflow.from_file(path, G)
