"""Proofs for every k: a family's recurrence, closed form, limit and bound, with an honest status.

:func:`prove` carries out THEORY.md §7 for a workflow family:

1. the state-space form, read off the rule (:mod:`theory.state_space`);
2. the second-moment recursion and the scalar recurrence of R_k derived from it
   (:mod:`theory.derivation`), valid for every k >= k0;
3. the closed form that satisfies that recurrence identically in k and its initial
   values (:mod:`theory.solve`): by induction it equals R_k for every k >= k0, and the
   exact values of the prefix say from where it already holds;
4. the limit and, where R_k is monotone, the bound (:mod:`theory.limits`).

The result, a :class:`FamilyProof`, has the status ``"proved"`` when every step
went through. When the state-space derivation is out of reach (a moment map larger
than :data:`theory.derivation.MAX_ORDER`) the recurrence is found from exact terms
instead and everything built on it is ``"conjectured"``: printed as a conjecture,
never as a bound or a rigorous limit.

Exact ratios then come from the proved recurrence: R_1..R_G in time linear in G (times
the size of the numbers), without building the G-generation workflow
(:meth:`FamilyProof.ratios`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import flint
import sympy as sp

from .families import Family, family_of
from .recurrence import Recurrence, fraction

__all__ = ["Proof", "FamilyProof", "prove", "clear_cache", "PROVED", "CONJECTURED", "TERMS"]

PROVED, CONJECTURED = "proved", "conjectured"
TERMS = 40          # exact terms a family's checks (and a conjecture's search) run over


@dataclass(frozen=True)
class Proof:
    """The status of a result and the argument behind it.

    Attributes
    ----------
    status : {"proved", "conjectured"} or None
        ``proved``: for every k >= ``valid_from``, by the steps; ``conjectured``: agrees
        with every exact term computed, not proved; None: nothing is claimed.
    method : str or None
    valid_from : int or None
    steps : tuple of str

    Examples
    --------
    >>> Proof(None).to_data()
    {'status': None, 'method': None, 'valid_from': None, 'steps': []}
    """

    status: str | None
    method: str | None = None
    valid_from: int | None = None
    steps: tuple = ()

    def to_data(self):
        """The proof as plain data (the ``proof`` key of ``pi2over6 risk --json``)."""
        return {"status": self.status, "method": self.method, "valid_from": self.valid_from,
                "steps": list(self.steps)}

    def __repr__(self):
        if self.status is None:
            return "Proof(None)"
        return f"Proof({self.status}, k >= {self.valid_from}: {self.method}; {len(self.steps)} steps)"

    def _repr_latex_(self):
        if self.status is None:
            return r"$\text{nothing proved or conjectured}$"
        return rf"$\text{{{self.status} for every }} k \geq {self.valid_from}$"


@dataclass(frozen=True, eq=False)
class FamilyProof:
    """What a workflow family's structure proves about R_k = Var H_k / Var H_1.

    Attributes
    ----------
    family : Family
    proof : Proof
        Status, method, first k and the argument step by step.
    recurrence : Recurrence or None
        The recurrence of R_k, for every k >= ``recurrence.start`` (proved or conjectured
        with the proof; None when none is known).
    prefix : tuple of Fraction
        Exact R_1..R_M from the process: the values before the recurrence starts and
        its initial values.
    closed_form : ClosedForm or None
        None when none was found or it is too large to print.
    limit : sympy.Expr or None
        lim R_k (``oo`` when R_k grows without bound).
    bound : Bound or None
        Only when proved.
    derivation : DerivedRecurrence or None
        The state-space derivation (None for a conjecture).
    solution : Solution or None
        The closed form's solution of the recurrence, with its checks.
    limit_checks : tuple of str
        The steps of the argument that give the limit.

    Examples
    --------
    >>> fp = prove("augment")
    >>> fp.status, fp.recurrence.equation(), fp.limit
    ('proved', Eq(R(k + 1), R(k) + (k + 1)**(-2)), pi**2/6)
    >>> [str(r) for r in fp.ratios(4)]
    ['1', '5/4', '49/36', '205/144']
    """

    family: Family
    proof: Proof
    recurrence: Recurrence
    prefix: tuple
    closed_form: object = None
    limit: sp.Expr | None = None
    bound: object = None
    derivation: object = None
    solution: object = None
    limit_checks: tuple = ()
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def status(self):
        return self.proof.status

    @property
    def proved(self):
        return self.proof.status == PROVED

    @property
    def state_space(self):
        return None if self.derivation is None else self.derivation.state_space

    @property
    def closed_form_start(self):
        """The first k from which the closed form equals R_k (None without one)."""
        return None if self.closed_form is None else self.closed_form.start

    # ----------------------------------------------------------------- exact ratios
    def ratios(self, G):
        """R_1..R_G exactly (Fractions): the prefix from the process, then the recurrence.

        Examples
        --------
        >>> [str(r) for r in prove("window:2").ratios(6)]
        ['1', '5/4', '29/16', '141/64', '685/256', '3181/1024']
        """
        return [fraction(v) for v in self.ratios_fmpq(G)]

    def ratios_fmpq(self, G):
        """R_1..R_G as FLINT rationals (the fast path: no conversion to Fraction).

        Only a proved recurrence computes terms; otherwise they come from the process.
        """
        if isinstance(G, bool) or not isinstance(G, int) or G < 1:
            raise ValueError(f"the number of generations must be a positive integer, got {G!r}")
        if not self.proved:
            return [flint.fmpq(r.numerator, r.denominator) for r in _exact_prefix(self.family, G)]
        head = [flint.fmpq(r.numerator, r.denominator) for r in self.prefix[:G]]
        if G <= len(self.prefix):
            return head
        rec = self.recurrence
        first = len(self.prefix) - rec.order + 1
        return head[:first - 1] + rec.extend_fmpq(head[first - 1:], G, first)

    def ratios_float(self, G):
        """R_1..R_G in float64 from the exact values."""
        return [float(v) for v in self.ratios_fmpq(G)]

    # ----------------------------------------------------------------- display
    def to_data(self):
        """The proof as plain data: ``pi2over6 prove --json`` (see :mod:`theory.proof_report`)."""
        from .proof_report import proof_data

        return proof_data(self)

    def text(self):
        """The argument as plain text: ``pi2over6 prove``."""
        from .proof_report import proof_text

        return proof_text(self)

    def latex(self):
        """The argument as a LaTeX section: ``pi2over6 prove --latex``."""
        from .proof_report import proof_latex

        return proof_latex(self)

    def __repr__(self):
        if self.status is None:
            return f"FamilyProof({self.family.name!r}, nothing proved or conjectured)"
        shown = f"R_k = {self.closed_form.expr}" if self.closed_form is not None else str(self.recurrence.equation())
        limit = f", limit {self.limit}" if self.limit is not None else ""
        return f"FamilyProof({self.family.name!r}, {self.status} for k >= {self.proof.valid_from}: {shown}{limit})"

    def _repr_latex_(self):
        from .proof_report import summary_latex

        return summary_latex(self)


# ---------------------------------------------------------------------- proving
_CACHE: dict = {}


def prove(family):
    """Prove what a family's structure implies about R_k, for every k (or say it is a conjecture).

    Parameters
    ----------
    family : Family or WorkflowLike
        A preset spelling, a workflow file with a ``then`` rule, or a Workflow with one.

    Returns
    -------
    FamilyProof

    Raises
    ------
    WorkflowError
        When ``family`` is not a family of workflows (no rule for later generations).

    Examples
    --------
    >>> fp = prove("mix:0.5")
    >>> fp.closed_form.expr, fp.bound.relation, fp.proof.valid_from
    (5/4 - 9/(4*9**k), R(k) < 5/4, 2)
    >>> fp.closed_form_start
    1
    """
    fam = family if isinstance(family, Family) else family_of(family)
    if fam.key not in _CACHE:
        _CACHE[fam.key] = _prove(fam)
    return _CACHE[fam.key]


def clear_cache():
    """Forget every derivation made in this process (state-space forms, recurrences, proofs): for benchmarks."""
    import importlib

    _CACHE.clear()
    for name in ("derivation", "state_space"):  # the modules (theory.state_space is also a function's name)
        importlib.import_module(f"{__package__}.{name}")._CACHE.clear()


def _exact_prefix(fam, count):
    from .process import risk_ratios

    return tuple(risk_ratios(fam.workflow(count)))


def _prove(fam):
    from .derivation import derive_recurrence
    from .workflow import WorkflowError

    try:
        derived = derive_recurrence(fam)
    except WorkflowError as err:
        if "second moments" not in str(err):
            raise
        return _conjecture(fam, str(err))
    rec = derived.recurrence
    last_initial = rec.start + rec.order - 1
    # Where the leading coefficient vanishes the recurrence cannot give the next term: take the
    # process's exact values through those points, and run the recurrence from beyond them.
    zeros = rec.leading_zeros()
    through = max([last_initial] + [z + rec.order for z in zeros])
    prefix = _exact_prefix(fam, max(through, 1))
    if zeros:
        rec = Recurrence(rec.coefficients, rec.rhs, max(zeros) + 1, rec.origin)
    provisional = FamilyProof(fam, Proof(PROVED), rec, prefix)
    terms = provisional.ratios(max(TERMS, len(prefix) + rec.order + 2))
    from .solve import solve

    solution = solve(rec, terms)
    ss = derived.state_space
    steps = [_state_step(ss), *ss.checks, *derived.steps]
    closed = None
    limit = bound = None
    limit_checks = ()
    if solution is not None:
        steps += list(solution.checks)
        limit, bound = solution.limit, solution.bound
        limit_checks = tuple(c for c in solution.checks if "limit" in c)
        if bound is not None:
            steps += list(bound.checks)
        if solution.expr is not None:
            from .closed_form import ClosedForm

            closed = ClosedForm.from_solution(fam.name, solution, rec, terms, PROVED, None)
    if len(prefix) >= 1 and rec.start > 1:
        steps.append(f"R_1..R_{rec.start - 1 + (rec.order if rec.order else 0)} are exact values of the process "
                     "(the listed prefix and the rule's warm-up, and the initial values)")
    method = derived.method + ("; " + solution.method if solution is not None else "")
    proof = Proof(PROVED, method, rec.start, tuple(steps))
    if closed is not None:
        closed = closed.with_proof(proof)
    return FamilyProof(fam, proof, rec, prefix, closed, limit, bound, derived, solution, limit_checks)


def _state_step(ss):
    fit, _ = ss.equations(latex=False)
    return (f"state-space form read off the rule: state ({', '.join(ss.components)}) after generation k-1, fresh "
            f"noise ({', '.join(ss.noises)}); H_k = {fit.rhs} and x_k = A(k) x_(k-1) + B(k) w_k for every "
            f"k >= {ss.start}")


def _conjecture(fam, why):
    """A recurrence found from exact terms: everything built on it is a conjecture."""
    from .recurrence_search import find_recurrence
    from .solve import solve

    terms = _exact_prefix(fam, TERMS)
    rec = find_recurrence(terms)
    steps = [f"no derivation: {why}"]
    if rec is None:
        return FamilyProof(fam, Proof(None, None, None, tuple(steps)), None, terms)
    steps.append(f"recurrence {rec.equation()} {rec.origin}")
    solution = solve(rec, list(terms))
    closed = None
    limit = None
    if solution is not None:
        limit = solution.limit
        steps += list(solution.checks)
        if solution.expr is not None:
            from .closed_form import ClosedForm

            closed = ClosedForm.from_solution(fam.name, solution, rec, terms, CONJECTURED, None)
    proof = Proof(CONJECTURED, "recurrence found from exact terms (not proved for every k)", rec.start,
                  tuple(steps))
    if closed is not None:
        closed = closed.with_proof(proof)
    return FamilyProof(fam, proof, rec, terms, closed, limit, None, None, solution)

