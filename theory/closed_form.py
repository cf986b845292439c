"""Closed forms of risk-ratio sequences, each with the status of its proof.

For a *family* (a preset spelling, a workflow file with a ``then`` rule, or a
:class:`~theory.workflow.Workflow` with one), :func:`closed_form` returns the closed
form that :func:`theory.proofs.prove` derives: the family's state-space form gives a
recurrence of R_k valid for every k >= k0, and the closed form satisfies it
identically in k and its initial values, so it holds for every k >= k0 (``status``
``"proved"``). For a sequence known only by its terms, :func:`closed_form_from_terms`
finds a recurrence in them and solves it: that agrees with every term given and
proves nothing beyond (``status`` ``"conjectured"``).

A :class:`ClosedForm` prints as its formula in a notebook (``_repr_latex_``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import sympy as sp

from .limits import Bound, inside_unit_disk
from .recurrence import R, Recurrence, k
from .recurrence_search import find_recurrence
from .solve import partial_fractions, solve

__all__ = ["k", "R", "Recurrence", "ClosedForm", "Bound", "closed_form", "find_recurrence",
           "closed_form_from_terms", "partial_fractions", "risk_limit", "risk_bound", "family_terms",
           "inside_unit_disk"]


@dataclass(frozen=True, eq=False)
class ClosedForm:
    """A closed form of R_k, with the recurrence it solves and the status of its proof.

    Attributes
    ----------
    family : str
        The family's (or sequence's) name.
    expr : sympy.Expr
        R_k in the symbol :data:`k`.
    recurrence : sympy.Eq
        The recurrence in R(k) that ``expr`` solves.
    recurrence_start : int
        The first k the recurrence holds for.
    start : int
        The first k from which ``expr`` equals R_k.
    initial : dict
        {k: R_k} for the initial values of the recurrence.
    method : str
        How the recurrence was obtained and solved.
    checks : tuple of str
        The obligations discharged in solving, each in words.
    limit : sympy.Expr or None
        lim_{k -> oo} R_k (``sympy.oo`` when R_k grows without bound), None when unknown.
    bound : Bound or None
        The bound of R_k by its limit where R_k is monotone with a finite limit (only
        when proved).
    increment : sympy.Expr or None
        r(k) = R_{k+1} - R_k for k >= ``recurrence_start`` when it is a rational function.
    characteristic : sympy.Poly or None
        For constant coefficients: the characteristic polynomial (in x) of the
        homogeneous recurrence that ``expr`` solves.
    terms : tuple of Fraction
        Exact R_1..R_N the closed form was checked on.
    solved : Recurrence
        The recurrence as an object.
    status : {"proved", "conjectured"}
    proof : Proof or None
        The whole argument (:class:`theory.proofs.Proof`).

    Examples
    --------
    >>> cf = closed_form("augment")
    >>> cf
    ClosedForm('augment': R_k = harmonic(k, 2) for k >= 1, proved; limit pi**2/6)
    >>> cf._repr_latex_()
    '$\\\\displaystyle {R}_{k} = \\\\sum_{j=1}^{k} \\\\frac{1}{j^{2}},\\\\quad k \\\\geq 1\\\\quad\\\\text{(proved)}$'
    """

    family: str
    expr: sp.Expr
    recurrence: sp.Eq
    recurrence_start: int
    start: int
    initial: dict
    method: str
    checks: tuple
    limit: sp.Expr | None
    bound: Bound | None
    increment: sp.Expr | None
    characteristic: sp.Poly | None
    terms: tuple
    solved: Recurrence | None = None
    status: str = "conjectured"
    proof: object = None
    _exact: object = None

    @classmethod
    def from_solution(cls, label, solution, rec, terms, status, proof):
        """A ClosedForm from a :class:`theory.solve.Solution` of ``rec``."""
        bound = solution.bound if status == "proved" else None
        return cls(label, solution.expr, rec.equation(), rec.start, solution.start, solution.initial,
                   solution.method, solution.checks, solution.limit, bound, solution.increment,
                   solution.characteristic, tuple(terms), rec, status, proof, solution.value)

    def with_proof(self, proof):
        return replace(self, proof=proof)

    @property
    def proved(self):
        return self.status == "proved"

    def __call__(self, n):
        """R_n from the closed form, exactly (n >= ``start``).

        Examples
        --------
        >>> from theory.presets import preset
        >>> from theory.process import risk_ratios
        >>> closed_form("window:2")(50) == risk_ratios(preset("window:2", 50))[-1]
        True
        """
        if self._exact is not None:
            value = self._exact(n)
            if value is not None:
                return sp.Rational(value.numerator, value.denominator)
        return self.expr.subs(k, n)

    def __repr__(self):
        limit = f"; limit {self.limit}" if self.limit is not None else ""
        return f"ClosedForm({self.family!r}: R_k = {self.expr} for k >= {self.start}, {self.status}{limit})"

    def _repr_latex_(self):
        from .latex import display_form

        Rk = sp.IndexedBase("R")[k]
        body = sp.latex(sp.Eq(Rk, display_form(self.expr), evaluate=False))
        return (f"$\\displaystyle {body},\\quad k \\geq {self.start}\\quad\\text{{({self.status})}}$")


def closed_form(family):
    """The closed form of R_k for a family of workflows, with its proof, or None.

    Parameters
    ----------
    family : WorkflowLike
        A preset spelling, a workflow file with a ``then`` rule, or a Workflow with
        one (or a preset workflow itself).

    Returns
    -------
    ClosedForm or None
        None when the recurrence has no closed form that SymPy prints (the proved
        recurrence and limit are still in :func:`theory.proofs.prove`).

    Raises
    ------
    WorkflowError
        For an unknown preset, a bad file, or a workflow with no rule for later generations.

    Examples
    --------
    >>> cf = closed_form("augment")
    >>> cf.expr, cf.recurrence, cf.limit, cf.status
    (harmonic(k, 2), Eq(R(k + 1), R(k) + (k + 1)**(-2)), pi**2/6, 'proved')
    >>> cf.bound.relation
    R(k) < pi**2/6
    >>> closed_form("discard").expr, closed_form("discard").limit
    (k, oo)
    >>> closed_form("mix:0.5").expr
    5/4 - 9/(4*9**k)
    """
    from .proofs import prove

    return prove(family).closed_form


def family_terms(family, N):
    """The exact risk ratios R_1..R_N of a family (from its proved recurrence where there is one).

    Parameters
    ----------
    family : WorkflowLike
        A family, as for :func:`closed_form`.
    N : int
        How many generations.

    Returns
    -------
    list of Fraction

    Examples
    --------
    >>> [str(r) for r in family_terms("subsample", 3)]
    ['1', '7/4', '25/12']
    """
    from .proofs import prove

    return prove(family).ratios(N)


def risk_limit(family):
    """lim_{k -> oo} R_k of a family (None when unknown); see :func:`theory.proofs.prove` for its status.

    Parameters
    ----------
    family : WorkflowLike
        A family, as for :func:`closed_form`.

    Returns
    -------
    sympy.Expr or None
        ``oo`` when R_k grows without bound.

    Examples
    --------
    >>> risk_limit("augment"), risk_limit("subsample"), risk_limit("window:2")
    (pi**2/6, -2 + pi**2/2, oo)
    """
    from .proofs import prove

    return prove(family).limit


def risk_bound(family):
    """The proved bound of R_k by its limit (None when R_k is not provably monotone with a finite limit).

    Parameters
    ----------
    family : WorkflowLike
        A family, as for :func:`closed_form`.

    Returns
    -------
    Bound or None
        None also when the family's results are only conjectured.

    Examples
    --------
    >>> b = risk_bound("weighted:0.5")
    >>> b.relation, b.monotone, b.supremum
    (R(k) > 2/3, 'decreasing', 1)
    """
    from .proofs import prove

    result = prove(family)
    return result.bound if result.proved else None


def closed_form_from_terms(terms, name="sequence"):
    """A closed form of a sequence given by its exact terms R_1, R_2, ...: a conjecture, or None.

    The recurrence is found from the terms (:func:`theory.recurrence_search.find_recurrence`),
    so the result agrees with every term given and proves nothing beyond them: its
    ``status`` is ``"conjectured"`` and it carries no bound. Give at least 40 terms.

    Parameters
    ----------
    terms : sequence of rationals
        R_1, R_2, ..., exactly (at least 16).
    name : str
        What to call the sequence.

    Returns
    -------
    ClosedForm or None

    Examples
    --------
    >>> cf = closed_form_from_terms([Fraction(n * n + 1, 2) for n in range(1, 41)])
    >>> cf.expr, cf.status, cf.bound
    (k**2/2 + 1/2, 'conjectured', None)
    >>> closed_form_from_terms([Fraction(1, 2 ** (n * n)) for n in range(1, 41)]) is None
    True
    """
    from .proofs import CONJECTURED, Proof

    terms = [Fraction(t) for t in terms]
    if len(terms) < 16:
        raise ValueError(f"a closed form needs at least 16 exact terms, got {len(terms)}")
    rec = find_recurrence(terms)
    if rec is None:
        return None
    solution = solve(rec, terms)
    if solution is None or solution.expr is None:
        return None
    proof = Proof(CONJECTURED, f"recurrence {rec.origin}", rec.start,
                  (f"recurrence {rec.equation()} {rec.origin}", *solution.checks))
    return ClosedForm.from_solution(name, solution, rec, terms, CONJECTURED, proof)
