"""Claims as first-class objects: a statement, its source, and the evidence that decides it.

A :class:`Claim` carries an id, a statement in words and in LaTeX, the paper and
section it comes from (:class:`Source`), and up to three kinds of evidence:

``symbolic``
    a proof obligation discharged by SymPy or exact rational arithmetic;
``numeric``
    the same statement recomputed independently with mpmath at 50 digits or more,
    with its error bound;
``monte_carlo``
    sample-level fits of real models (or the Gaussian-process simulator) compared
    with the theory under a stated tolerance: k standard errors plus an explicit
    finite-n allowance (THEORY.md §6).

An evidence function takes a :class:`Budget` and returns (or yields) :class:`Check`
objects (built by :mod:`proofs_check.checks`), one per discharged obligation, and optionally :class:`Figure` data for
the report. The evidence passes when every check holds; it fails when one does
not, when none was made, or when the function raises (the error is the reason
given). A claim is *verified* when every kind of evidence it has passes.

Adding a claim takes a few lines:

>>> import sympy
>>> from proofs_check.claims import Claim, Registry, Source, check, close
>>> def symbolic(budget):
...     k = sympy.Symbol("k", positive=True, integer=True)
...     limit = sympy.limit(sympy.Sum(1 / sympy.Symbol("j")**2, (sympy.Symbol("j"), 1, k)).doit(), k, sympy.oo)
...     yield check("lim sum 1/j^2 = zeta(2) is below 5/3", bool(limit < sympy.Rational(5, 3)),
...                 limit=str(limit))
>>> def numeric(budget):
...     import mpmath
...     with mpmath.workdps(50):
...         yield close("zeta(2) agrees with pi^2/6 to 50 digits", mpmath.zeta(2), mpmath.pi**2 / 6, 1e-45)
>>> mine = Claim("my-basel-bound", statement="The Basel sum stays below 5/3.",
...              latex=r"\\sum_{j \\ge 1} j^{-2} < 5/3", source=Source("Euler", 1734, "On sums of series"),
...              symbolic=symbolic, numeric=numeric)
>>> registry = Registry()
>>> _ = registry.register(mine)
>>> result = mine.verify()
>>> result.status, result.evidence["symbolic"].status, result.evidence["monte_carlo"].status
('verified', 'pass', 'n/a')

To add it to the ledger that ``pi2over6 verify`` runs, register it there and verify
it from Python (or write it to a report with :func:`proofs_check.report.write_report`):

>>> from proofs_check.ledger import LEDGER, register, verify_ledger
>>> _ = register(mine)
>>> verify_ledger(only=["my-basel-bound"]).verified
True
>>> LEDGER.unregister("my-basel-bound")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .budgets import (  # noqa: F401  (the budgets are part of the claims API)
    BLOCK_REPLICATES,
    FULL,
    PILOT_BLOCKS,
    QUICK,
    REPLICATES,
    RESOLUTION,
    Budget,
    Tolerance,
    budget_named,
)
from .checks import FAIL, PASS, Check, agrees, at_most, check, close  # what evidence yields (checks.py)

if TYPE_CHECKING:  # numerics' own function, and the runner, imported on first use (module __getattr__ below)
    from numerics.uncertainty import ratio_stderr

    from .runner import LedgerError, LedgerRun, verify

__all__ = ["KINDS", "PASS", "FAIL", "NA", "VERIFIED", "FAILED", "Source", "Check", "Figure", "Evidence",
           "Budget", "Tolerance", "QUICK", "FULL", "Claim", "ClaimResult", "LedgerRun", "Registry", "check", "close",
           "agrees", "at_most", "ratio_stderr", "verify", "budget_named", "LedgerError"]

KINDS = ("symbolic", "numeric", "monte_carlo")
NA = "n/a"
VERIFIED, FAILED = "verified", "failed"
KIND_TITLES = {"symbolic": "symbolic", "numeric": "numeric", "monte_carlo": "Monte Carlo"}


# --------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class Source:
    """Where a claim comes from: authors, year, title, and the section when known.

    Parameters
    ----------
    authors : str
        As cited (``"Dey & Donoho"``).
    year : int
        The year of publication.
    title : str
        The paper's title.
    section : str, optional
        Where in the paper (``"Sec. 3"``, ``"Thm. 1"``).
    reference : str, optional
        An identifier such as an arXiv number or a DOI.

    Examples
    --------
    >>> Source("Dey & Donoho", 2024, "Universality of the pi^2/6 pathway", "Sec. 3", "arXiv:2410.22812").cite()
    'Dey & Donoho 2024, Sec. 3'
    """

    authors: str
    year: int
    title: str
    section: str | None = None
    reference: str | None = None

    def __post_init__(self):
        if not isinstance(self.authors, str) or not self.authors.strip():
            raise ValueError(f"a source needs its authors, got {self.authors!r}")
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise TypeError(f"a source's year must be an integer, got {self.year!r}")
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"a source needs a title, got {self.title!r}")

    def cite(self):
        """Short citation: authors, year and section."""
        return f"{self.authors} {self.year}" + (f", {self.section}" if self.section else "")

    def full(self):
        """Long citation with the title and the reference."""
        text = f"{self.authors} ({self.year}), {self.title}"
        if self.reference:
            text += f", {self.reference}"
        return text + (f", {self.section}" if self.section else "")

    def __str__(self):
        return self.cite()


def __getattr__(name):
    # ``ratio_stderr`` is numerics' own (one standard error of a ratio everywhere), imported on first
    # use so that the command line starts without importing numerics; the runner imports this module
    if name == "ratio_stderr":
        from numerics.uncertainty import ratio_stderr

        return ratio_stderr
    if name in ("verify", "LedgerRun", "LedgerError"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- figures
@dataclass(frozen=True)
class Figure:
    """Data for one figure of the report: theory curves and Monte Carlo points with error bars.

    Parameters
    ----------
    name : str
        The file stem of the figure.
    title, xlabel, ylabel : str
        The figure's texts.
    curves : tuple
        ``(label, x, y)`` per theory curve.
    points : tuple
        ``(label, x, y, yerr)`` per set of Monte Carlo points.
    logy : bool
        A logarithmic y axis.
    hlines : tuple
        ``(label, y)`` per horizontal line (an asymptote, a bound).
    """

    name: str
    title: str
    xlabel: str
    ylabel: str
    curves: tuple = ()
    points: tuple = ()
    logy: bool = False
    hlines: tuple = ()  # (label, y)


# --------------------------------------------------------------------------- evidence
@dataclass(frozen=True)
class Evidence:
    """The outcome of one kind of evidence for one claim.

    Attributes
    ----------
    kind : {"symbolic", "numeric", "monte_carlo"}
        The kind of evidence.
    status : {"pass", "fail", "n/a"}
        Its outcome.
    checks : tuple of Check
        The obligations discharged.
    figures : tuple of Figure
        Data for the report's figures.
    seconds : float
        The time it took.
    error : str or None
        The error the evidence function raised, if any.
    replayed : dict or None
        None for evidence derived in this run; for symbolic or numeric evidence
        replayed from :mod:`proofs_check.evidence_cache`, ``{"derived": when,
        "seconds": how long the derivation took}``.
    """

    kind: str
    status: str
    checks: tuple = ()
    figures: tuple = ()
    seconds: float = 0.0
    error: str | None = None
    replayed: dict | None = None

    @property
    def summary(self):
        """One line: how many checks held, and the first that failed."""
        if self.status == NA:
            return "no evidence of this kind"
        if self.error:
            return f"error: {self.error}"
        held = sum(c.passed for c in self.checks)
        line = f"{held}/{len(self.checks)} checks hold"
        failed = [c for c in self.checks if not c.passed]
        if not self.checks:
            line = "no check was made"
        elif failed:
            line += f"; failed: {failed[0].what}" + _failure_numbers(failed[0])
        return line

    def to_json_dict(self):
        return {"status": self.status, "summary": self.summary,
                "details": [c.to_json_dict() for c in self.checks],
                "seconds": round(self.seconds, 3), **({"error": self.error} if self.error else {}),
                **({"replayed": self.replayed} if self.replayed else {})}


def _failure_numbers(c):
    d = c.details
    if "worst" in d:
        w = d["worst"]
        return (f" (at {w['at']}: mean {w['mean']:.6g} vs target {w['target']:.6g}, deviation "
                f"{w['deviation']:.3g} > tolerance {w['tolerance']:.3g})")
    if "bound" in d:
        return f" (value {d['value']} exceeds bound {d['bound']})"
    if "error" in d and "tolerance" in d:
        return f" (value {d['value']} vs target {d['target']}: error {d['error']} > tolerance {d['tolerance']})"
    keys = [k for k in d if k not in ("policy",)][:3]
    return (" (" + ", ".join(f"{k}={d[k]}" for k in keys) + ")") if keys else ""


def run_evidence(kind, function, budget):
    """Run one evidence function and collect its checks and figures; an exception fails it.

    Examples
    --------
    >>> run_evidence("numeric", lambda b: [check("1 < 2", 1 < 2)], QUICK).status
    'pass'
    >>> run_evidence("numeric", lambda b: [1 / 0], QUICK).summary
    'error: ZeroDivisionError: division by zero'
    """
    if function is None:
        return Evidence(kind, NA)
    start = time.perf_counter()
    checks, figures, error = [], [], None
    try:
        produced = function(budget)
        for item in produced if produced is not None else ():
            if isinstance(item, Check):
                checks.append(item)
            elif isinstance(item, Figure):
                figures.append(item)
            else:
                raise TypeError(f"evidence must yield Check or Figure objects, got {item!r}")
    except Exception as err:  # the evidence failed; say why instead of stopping the ledger
        error = f"{type(err).__name__}: {err}".splitlines()[0]
    seconds = time.perf_counter() - start
    ok = error is None and bool(checks) and all(c.passed for c in checks)
    return Evidence(kind, PASS if ok else FAIL, tuple(checks), tuple(figures), seconds, error)


# --------------------------------------------------------------------------- claims
EvidenceFunction = Callable[[Budget], Iterable]


@dataclass(frozen=True)
class Claim:
    """A statement of the theory with up to three kinds of evidence.

    Parameters
    ----------
    id : str
        Short, unique, lower-case with dashes (``augment-pi2over6-bound``).
    statement : str
        The claim in words.
    latex : str
        The claim as LaTeX math (no surrounding dollars).
    source : Source
        Paper and section.
    symbolic, numeric, monte_carlo : callable(Budget) -> iterable of Check/Figure, optional
        The evidence functions.
    tags : tuple of str
        Free labels (a model's name, ``"gaussian-process"``) for selecting claims.
    """

    id: str
    statement: str
    latex: str
    source: Source
    symbolic: EvidenceFunction | None = None
    numeric: EvidenceFunction | None = None
    monte_carlo: EvidenceFunction | None = None
    tags: tuple = ()

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id or any(c.isspace() for c in self.id):
            raise ValueError(f"a claim id is a non-empty word without spaces, got {self.id!r}")
        for name in ("statement", "latex"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"claim {self.id!r} needs a non-empty {name}, got {value!r}")
        if not isinstance(self.source, Source):
            raise TypeError(f"claim {self.id!r}: source must be a Source, got {self.source!r}")
        for kind in KINDS:
            fn = getattr(self, kind)
            if fn is not None and not callable(fn):
                raise TypeError(f"claim {self.id!r}: {kind} evidence must be callable, got {fn!r}")

    @property
    def kinds(self):
        """The kinds of evidence this claim has."""
        return tuple(kind for kind in KINDS if getattr(self, kind) is not None)

    def verify(self, budget=QUICK, cache=None):
        """Run every kind of evidence and decide the claim.

        ``cache``, a :class:`proofs_check.evidence_cache.EvidenceCache`, replays the
        symbolic and numeric evidence it kept (derived by the same code, libraries and
        budget) and keeps what passes here.

        Returns
        -------
        ClaimResult
        """
        start, cpu = time.perf_counter(), time.process_time()
        bound = budget.for_claim(self.id)
        evidence = {}
        for kind in KINDS:
            kept = cache.get(self, kind, bound) if cache is not None else None
            evidence[kind] = kept if kept is not None else run_evidence(kind, getattr(self, kind), bound)
            if cache is not None and kept is None:
                cache.put(self, kind, bound, evidence[kind])
        ran = [e for e in evidence.values() if e.status != NA]
        status = VERIFIED if ran and all(e.status == PASS for e in ran) else FAILED
        return ClaimResult(self, evidence, status, time.perf_counter() - start, time.process_time() - cpu)


@dataclass(frozen=True)
class ClaimResult:
    """A claim with the outcome of each kind of evidence.

    Attributes
    ----------
    claim : Claim
        The claim.
    evidence : dict
        Kind -> :class:`Evidence`, for every kind (``n/a`` where the claim has none).
    status : {"verified", "failed"}
        Verified when every kind of evidence it has passes.
    seconds : float
        The wall time of the claim's evidence.
    cpu_seconds : float
        The processor time of the process that ran it.
    rendered : dict
        Files made from the result where it was computed (e.g. its figures, drawn by
        :func:`proofs_check.report.render_claim_figures` in the worker), keyed as the maker chooses.
    """

    claim: Claim
    evidence: dict
    status: str
    seconds: float
    cpu_seconds: float = 0.0
    rendered: dict = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self):
        kinds = ", ".join(f"{KIND_TITLES[k]} {self.evidence[k].status}" for k in KINDS)
        return f"<ClaimResult {self.claim.id}: {self.status} ({kinds}; {self.seconds:.1f} s)>"

    @property
    def verified(self):
        return self.status == VERIFIED

    @property
    def figures(self):
        return [f for e in self.evidence.values() for f in e.figures]

    def to_json_dict(self):
        c = self.claim
        return {"id": c.id, "statement": c.statement, "latex": c.latex, "source": c.source.cite(),
                "reference": c.source.full(),
                "evidence": {kind: self.evidence[kind].to_json_dict() for kind in KINDS},
                "status": self.status, "seconds": round(self.seconds, 3), "cpu_seconds": round(self.cpu_seconds, 3)}


# --------------------------------------------------------------------------- registry
class Registry:
    """An ordered collection of claims with unique ids.

    Every registered claim must have a statement, a LaTeX form, a source and at
    least ``min_kinds`` kinds of evidence (two by default).

    Parameters
    ----------
    claims : iterable of Claim
        Registered in order.
    min_kinds : int
        The kinds of evidence a registered claim needs at least.

    Examples
    --------
    >>> reg = Registry()
    >>> len(reg), "x" in reg
    (0, False)
    >>> reg.register(Claim("x", "s", "x", Source("A", 2024, "T"), symbolic=lambda b: []))
    Traceback (most recent call last):
    ...
    ValueError: claim 'x' has 1 kind(s) of evidence (symbolic); a registered claim needs at least 2
    """

    def __init__(self, claims=(), min_kinds=2):
        self._claims = {}
        self.min_kinds = min_kinds
        for c in claims:
            self.register(c)

    def register(self, claim, replace=False):
        """Add ``claim``; an id already present is an error unless ``replace``."""
        if not isinstance(claim, Claim):
            raise TypeError(f"only Claim objects can be registered, got {claim!r}")
        if claim.id in self._claims and not replace:
            raise ValueError(f"a claim with id {claim.id!r} is already registered")
        if len(claim.kinds) < self.min_kinds:
            raise ValueError(f"claim {claim.id!r} has {len(claim.kinds)} kind(s) of evidence "
                             f"({', '.join(claim.kinds) or 'none'}); a registered claim needs at least "
                             f"{self.min_kinds}")
        self._claims[claim.id] = claim
        return claim

    def unregister(self, claim_id):
        """Remove the claim with id ``claim_id``."""
        if claim_id not in self._claims:
            raise KeyError(claim_id)
        del self._claims[claim_id]

    def __iter__(self):
        return iter(list(self._claims.values()))

    def __len__(self):
        return len(self._claims)

    def __contains__(self, claim_id):
        return claim_id in self._claims

    def __getitem__(self, claim_id):
        return self._claims[claim_id]

    @property
    def ids(self):
        return list(self._claims)

    def select(self, ids=None):
        """The claims with the given ids, in ledger order (all when ``ids`` is None)."""
        if ids is None:
            return list(self)
        unknown = [i for i in ids if i not in self._claims]
        if unknown:
            raise ValueError(f"unknown claim id(s) {', '.join(map(repr, unknown))}; known ids: "
                             f"{', '.join(self._claims)}")
        wanted = set(ids)
        return [c for c in self if c.id in wanted]
