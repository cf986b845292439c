"""The augment fit's telescoping, derived by SymPy from the definition of the pooled fit.

Dey & Donoho's π²/6 pathway rests on one identity: the pooled fit of R0, S1, ..., S<k-1>
satisfies k H_k - (k - 1) H_{k-1} = H_{k-1} + eps_{k-1}, so H_k = H_{k-1} + eps_{k-1}/k
and Var H_k / Var H_1 = sum_{j<=k} 1/j^2. :func:`pooled_fit_identity` derives it from
the definition with SymPy's sum simplification, independently of the state-space route
(:mod:`theory.state_space`), which reaches the same recurrence from the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .recurrence import k

__all__ = ["PooledFitIdentity", "pooled_fit_identity"]

_j = sp.Symbol("j", integer=True, positive=True)


@dataclass(frozen=True, eq=False)
class PooledFitIdentity:
    """The augment fit's telescoping, derived from its definition.

    Attributes
    ----------
    definition : sympy.Eq
        H_k = (eps_0 + sum_{j=1}^{k-1} (H_j + eps_j)) / k, the pooled fit of R0, S1..S<k-1>.
    identity : sympy.Eq
        k H_k - (k - 1) H_{k-1} = H_{k-1} + eps_{k-1}.
    residual : sympy.Expr
        The identity's two sides subtracted, after SymPy's simplification (0 when proved).
    update : sympy.Eq
        H_k = H_{k-1} + eps_{k-1} / k, solved from the identity.
    variance : sympy.Expr
        Var H_k / Var H_1 from the update (eps_{k-1} independent of H_{k-1}, unit variance).
    proved : bool

    Examples
    --------
    >>> pooled_fit_identity().identity
    Eq(k*H(k) - (k - 1)*H(k - 1), H(k - 1) + epsilon(k - 1))
    """

    definition: sp.Eq
    identity: sp.Eq
    residual: sp.Expr
    update: sp.Eq
    variance: sp.Expr
    proved: bool


def pooled_fit_identity():
    """Derive H_k = H_{k-1} + eps_{k-1}/k from the definition of the augment fit.

    The proof is SymPy's: the two definitions for k and k - 1 are subtracted, the
    last summand is written as a one-term sum, and SymPy's sum simplification
    merges and cancels the sums.

    Parameters
    ----------
    None

    Returns
    -------
    PooledFitIdentity

    Examples
    --------
    >>> result = pooled_fit_identity()
    >>> result.proved, result.update
    (True, Eq(H(k), H(k - 1) + epsilon(k - 1)/k))
    >>> result.variance
    harmonic(k, 2)
    """
    H, eps = sp.Function("H"), sp.Function("epsilon")
    summand = H(_j) + eps(_j)

    def fit(n):
        return (eps(0) + sp.Sum(summand, (_j, 1, n - 1))) / n

    definition = sp.Eq(H(k), fit(k))
    last = sp.Sum(summand, (_j, k - 1, k - 1))
    identity = sp.Eq(k * H(k) - (k - 1) * H(k - 1), H(k - 1) + eps(k - 1))
    residual = sp.simplify(sp.expand(k * fit(k) - (k - 1) * fit(k - 1)) - last)
    solved = sp.solve(identity, H(k))
    update = sp.Eq(H(k), sp.expand(solved[0]))
    # Var H_k = Var H_{k-1} + Var(eps_{k-1}) / k^2: eps_{k-1} is independent of H_{k-1}, Var eps = 1.
    scale = sp.expand(update.rhs - H(k - 1)).coeff(eps(k - 1))
    variance = sp.simplify(1 + sp.summation((scale**2).subs(k, _j), (_j, 2, k)))
    last_summand_ok = last.doit() == H(k - 1) + eps(k - 1)
    proved = last_summand_ok and residual == 0 and sp.simplify(update.rhs - H(k - 1) - eps(k - 1) / k) == 0
    return PooledFitIdentity(definition, identity, residual, update, variance, proved)
