r"""Scalar recurrences of R_k derived from a family's state-space form, valid for every k >= k0.

From :mod:`theory.state_space`, for every k >= k0 the second moments of the state obey

    P_k = A(k) P_{k-1} A(k)^T + B(k) Q(k) B(k)^T,       v_k = Var H_k = c P_{k-1} c^T + d Q d^T.

Write z_{k-1} = (the entries p of P_{k-1} on and above the diagonal, 1): then
z_k = T(k) z_{k-1} and v_k = l(k) z_{k-1}, linear in z. Two derivations follow.

*Constant coefficients* (T and l do not depend on k). By Cayley-Hamilton
chi_T(T) = 0 for the characteristic polynomial chi_T = sum_i a_i x^i, so

    sum_i a_i v_{k+i} = l chi_T(T) z_{k-1} = 0          for every k >= k0.

The minimal recurrence mu of the sequence is then found by Berlekamp-Massey from
2 deg(chi_T) exact terms and *proved*: mu divides chi_T (polynomial division), so the
sequence u_k = sum_i mu_i v_{k+i} satisfies the recurrence chi_T / mu; u vanishes on
its first deg(chi_T) - deg(mu) terms (computed exactly), hence everywhere.

*Coefficients depending on k.* Every v_{k+i} is a linear functional of z_{k-1}:
v_{k+i} = f_i(k) z_{k-1} with f_0 = l and f_{i+1}(k) = f_i(k+1) T(k), computed as
matrices, S_{i+1}(k) = A(k)^T S_i(k+1) A(k), in the field QQ(k) of rational functions.
The first f_d in the span of (the constant functional, f_0, ..., f_{d-1}) gives

    v_{k+d} = sum_{i<d} a_i(k) v_{k+i} + b(k),

an identity of functionals (re-checked by SymPy), so it holds at every k >= k0
where the map has no pole. Clearing denominators gives polynomial coefficients.

Either way R_k = v_k / Var H_1 satisfies the same recurrence with b / Var H_1. The
derivation never looks at R_k beyond the initial values it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import flint
import sympy as sp

from .rational_functions import RationalFunction, dependence, integer_roots
from .recurrence import Recurrence, rational
from .recurrence_search import berlekamp_massey
from .state_space import StateSpace, state_space

__all__ = ["DerivedRecurrence", "derive_recurrence", "MAX_ORDER"]

MAX_ORDER = 400   # the largest moment dimension the constant-coefficient derivation takes on
_x = sp.Symbol("x")


@dataclass(frozen=True, eq=False)
class DerivedRecurrence:
    """A recurrence of R_k derived from the state-space form, with its argument.

    Attributes
    ----------
    state_space : StateSpace
    recurrence : Recurrence
        The recurrence of R_k presented (minimal where that is proved), for k >= its start.
    derived : Recurrence
        The recurrence as the derivation produced it (Cayley-Hamilton or elimination).
    method : str
    steps : tuple of str
        The argument, step by step, each a checked statement.
    moment_dimension : int
        The number of distinct second moments of the state, N (T is (N+1) x (N+1)).
    characteristic : sympy.Poly or None
        chi_T in the symbol x, for constant coefficients.
    minimal : sympy.Poly or None
        The minimal polynomial mu of the sequence (constant coefficients).

    Examples
    --------
    >>> dr = derive_recurrence("window:2")
    >>> dr.moment_dimension, dr.characteristic.degree(), dr.recurrence.start
    (3, 4, 3)
    """

    state_space: StateSpace
    recurrence: Recurrence
    derived: Recurrence
    method: str
    steps: tuple
    moment_dimension: int
    characteristic: sp.Poly | None = None
    minimal: sp.Poly | None = None

    def __repr__(self):
        return f"DerivedRecurrence({self.recurrence.equation()}, k >= {self.recurrence.start}; {self.method})"

    def _repr_latex_(self):
        return self.recurrence._repr_latex_()


_CACHE: dict = {}


def derive_recurrence(family):
    """The recurrence of R_k that a family's state-space form implies, for every k >= k0.

    Parameters
    ----------
    family : StateSpace, Family or WorkflowLike

    Returns
    -------
    DerivedRecurrence

    Examples
    --------
    >>> derive_recurrence("augment").recurrence.equation()
    Eq(R(k + 1), R(k) + (k + 1)**(-2))
    >>> dr = derive_recurrence("mix:0.5")
    >>> dr.recurrence.equation(), dr.characteristic.degree(), dr.minimal.as_expr()
    (Eq(R(k + 1), R(k)/9 + 10/9), 4, x**2 - 10*x/9 + 1/9)
    """
    ss = family if isinstance(family, StateSpace) else state_space(family)
    key = ss.family.key
    if key not in _CACHE:
        _CACHE[key] = _constant(ss) if ss.constant else _rational(ss)
    return _CACHE[key]


# ---------------------------------------------------------------------- moment coordinates
def _pairs(n):
    return [(a, b) for a in range(n) for b in range(a, n)]


def _fmpq_matrix(M):
    out = flint.fmpq_mat(M.rows, M.cols)
    for i in range(M.rows):
        for j in range(M.cols):
            v = sp.Rational(M[i, j])
            out[i, j] = flint.fmpq(int(v.p), int(v.q))
    return out


def _moment_map(ss):
    """(T, l) over QQ: z_k = T z_{k-1}, v_k = l z_{k-1}, z = (P entries a <= b, 1)."""
    n = ss.dimension
    pairs = _pairs(n)
    N = len(pairs)
    A, B, c, d = (_fmpq_matrix(M) for M in (ss.A, ss.B, ss.c, ss.d))
    Qm = _fmpq_matrix(ss.noise_covariance()) if ss.Q else flint.fmpq_mat(0, 0)
    noise = B * Qm * B.transpose() if ss.Q else flint.fmpq_mat(n, n)
    T = flint.fmpq_mat(N + 1, N + 1)
    for row, (i, j) in enumerate(pairs):
        for col, (a, b) in enumerate(pairs):
            value = A[i, a] * A[j, b]
            if a != b:
                value += A[i, b] * A[j, a]
            T[row, col] = value
        T[row, N] = noise[i, j]
    T[N, N] = 1
    l = flint.fmpq_mat(1, N + 1)
    for col, (a, b) in enumerate(pairs):
        l[0, col] = c[0, a] * c[0, b] * (1 if a == b else 2)
    l[0, N] = (d * Qm * d.transpose())[0, 0] if ss.Q else 0
    return T, l, pairs


def _variance_terms(ss, count):
    """v_{k0}, ..., v_{k0+count-1}, exactly, by iterating the moments of the state (constant map)."""
    A, B, c, d = (_fmpq_matrix(M) for M in (ss.A, ss.B, ss.c, ss.d))
    n = ss.dimension
    Qm = _fmpq_matrix(ss.noise_covariance()) if ss.Q else flint.fmpq_mat(0, 0)
    noise = B * Qm * B.transpose() if ss.Q else flint.fmpq_mat(n, n)
    own = (d * Qm * d.transpose())[0, 0] if ss.Q else flint.fmpq(0)
    P = _fmpq_matrix(ss.initial) if n else flint.fmpq_mat(0, 0)
    At, ct = A.transpose(), c.transpose()
    out = []
    for _ in range(count):
        out.append((c * P * ct)[0, 0] + own if n else own)
        if n:
            P = A * P * At + noise
    return out


# ---------------------------------------------------------------------- constant coefficients
def _poly_fractions(p):
    return [Fraction(int(c.p), int(c.q)) for c in p.coeffs()]


def _constant(ss):
    from .workflow import WorkflowError

    k0 = ss.start
    N = ss.dimension * (ss.dimension + 1) // 2
    if N + 1 > MAX_ORDER:
        raise WorkflowError(f"the state of {ss.family.name} has {N} second moments, more than the "
                            f"{MAX_ORDER - 1} this derivation takes on")
    T, l, _ = _moment_map(ss)
    chi = T.charpoly()
    deg = chi.degree()
    steps = [
        f"second moments: z_k = T z_(k-1) with z = (the {N} entries of P_k on and above the diagonal, 1), "
        f"T a constant {N + 1} x {N + 1} rational matrix; Var H_k = l z_(k-1), for every k >= {k0}",
        f"Cayley-Hamilton: chi_T(T) = 0 for chi_T(x) = {_poly_text(chi)} (degree {deg}), so "
        f"sum_i a_i Var H_(k+i) = l chi_T(T) z_(k-1) = 0 for every k >= {k0}",
    ]
    variance = _variance_terms(ss, 2 * deg + 2)
    L, conn = berlekamp_massey(variance)
    mu = flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in reversed(conn)])
    if L == 0:
        mu = flint.fmpq_poly([1])
    quotient, remainder = divmod(chi, mu) if L else (chi, flint.fmpq_poly([]))
    mu_c = _poly_fractions(mu)
    need = deg - mu.degree()
    mu_q = [flint.fmpq(c.numerator, c.denominator) for c in mu_c]
    residuals_vanish = all(
        sum((c * variance[n + i] for i, c in enumerate(mu_q)), flint.fmpq(0)) == 0 for n in range(need)) if L else False
    if L and remainder.is_zero() and residuals_vanish and _sympy_divides(mu, chi):
        if need == 0:
            steps.append("the sequence's minimal polynomial (Berlekamp-Massey on the exact Var H_k) is chi_T itself")
        else:
            steps.append(f"minimal recurrence: mu(x) = {_poly_text(mu)} (Berlekamp-Massey on the exact Var H_k, "
                         f"k = {k0}..{k0 + len(variance) - 1}) divides chi_T (remainder 0, checked by SymPy); "
                         f"u_k = sum_i mu_i Var H_(k+i) satisfies the recurrence of chi_T / mu, of order {need}, "
                         f"and vanishes for k = {k0}..{k0 + need - 1} (exact terms), so u_k = 0 for every k >= {k0}")
        chosen = mu
    else:
        chosen = chi
        steps.append("the derived recurrence chi_T is used as it is")
    coeffs = _poly_fractions(chosen)
    shift = next(i for i, a in enumerate(coeffs) if a != 0)
    if shift:
        steps.append(f"x^{shift} divides the polynomial: the relation reads from R_(k+{shift}), so it holds "
                     f"for k >= {k0 + shift}")
    coeffs = coeffs[shift:]
    start = k0 + shift
    v1 = Fraction(int(ss.variance_1.p), int(ss.variance_1.q))
    ratios = [Fraction(int(v.p), int(v.q)) / v1 for v in variance[shift:shift + len(coeffs)]]
    derived = Recurrence(tuple((a,) for a in _poly_fractions(chi)[_leading_zeros(chi):]), (Fraction(0),),
                         k0 + _leading_zeros(chi), "Cayley-Hamilton on the moment map")
    rec = Recurrence(tuple((a,) for a in coeffs), (Fraction(0),), start,
                     "derived from the state-space form (Cayley-Hamilton, minimal polynomial)")
    rec = _reduce_unit_root(rec, ratios, steps)
    char_poly = sp.Poly([rational(c) for c in reversed(_poly_fractions(chi))], _x)
    min_poly = sp.Poly([rational(c) for c in reversed(_poly_fractions(chosen))], _x)
    method = (f"state-space form ({ss.dimension} state components, {N} second moments), Cayley-Hamilton on the "
              f"constant moment map, minimal polynomial of degree {chosen.degree()} proved by divisibility")
    return DerivedRecurrence(ss, rec, derived, method, tuple(steps), N, char_poly, min_poly)


def _leading_zeros(p):
    coeffs = p.coeffs()
    return next((i for i, c in enumerate(coeffs) if c != 0), 0)


def _sympy_divides(mu, chi):
    """The divisibility mu | chi re-checked by SymPy (independently of FLINT)."""
    m = sp.Poly([rational(c) for c in reversed(_poly_fractions(mu))], _x)
    c = sp.Poly([rational(v) for v in reversed(_poly_fractions(chi))], _x)
    return c.rem(m).is_zero


def _reduce_unit_root(rec, ratios, steps):
    """Present sum_i q_i R(k+i) = 0 with q(1) = 0 as the order-lower recurrence with a constant right side."""
    char = [p[0] for p in rec.coefficients]
    if len(char) < 2 or sum(char) != 0:
        return rec
    reduced, carry = [], Fraction(0)
    for a in reversed(char[1:]):
        carry += a
        reduced.append(carry)
    reduced.reverse()
    const = sum(q * ratios[i] for i, q in enumerate(reduced))
    steps.append(f"x - 1 divides it: w_k = sum_i b_i R_(k+i) with b = mu / (x - 1) has w_(k+1) - w_k = "
                 f"sum_i mu_i R_(k+i) = 0, so w_k = w_{rec.start} = {const} for every k >= {rec.start}")
    return Recurrence(tuple((q,) for q in reduced), (const,), rec.start, rec.origin)


def _poly_text(p):
    text = str(sp.Poly([rational(c) for c in reversed(_poly_fractions(p))], _x).as_expr())
    return text if len(text) <= 300 else f"a polynomial of degree {p.degree()} ({len(text)} characters)"


# ---------------------------------------------------------------------- coefficients in QQ(k)
def _rf_matrix(M):
    return [[RationalFunction.from_sympy(M[i, j]) for j in range(M.cols)] for i in range(M.rows)]


def _matmul(X, Y):
    n, m, p = len(X), len(Y), len(Y[0]) if Y else 0
    zero = RationalFunction.constant(0)
    out = []
    for i in range(n):
        row = []
        for j in range(p):
            total = zero
            for t in range(m):
                if not X[i][t].is_zero and not Y[t][j].is_zero:
                    total = total + X[i][t] * Y[t][j]
            row.append(total)
        out.append(row)
    return out


def _transpose(X):
    return [list(col) for col in zip(*X, strict=True)] if X else []


def _rational(ss):
    from .workflow import WorkflowError

    k0, n = ss.start, ss.dimension
    A, B, c, d = (_rf_matrix(M) for M in (ss.A, ss.B, ss.c, ss.d))
    Q = [RationalFunction.from_sympy(q) for q in ss.Q]
    poles = sorted({p for M in (A, B, c, d, [Q]) for row in M for f in row for p in f.poles(k0)})
    if poles:
        raise WorkflowError(f"the one-step map of {ss.family.name} has a pole at k = {poles[0]} >= {k0}")
    m = len(Q)
    BQ = [[B[i][j] * Q[j] for j in range(m)] for i in range(n)]
    noise = _matmul(BQ, _transpose(B)) if n else []
    own = sum((d[0][j] * d[0][j] * Q[j] for j in range(m)), RationalFunction.constant(0))
    At = _transpose(A)
    pairs = _pairs(n)
    N = len(pairs)
    zero, one = RationalFunction.constant(0), RationalFunction.constant(1)

    def vector(S, e):
        return [S[a][b] * (1 if a == b else 2) for a, b in pairs] + [e]

    def functionals():
        S = _matmul(_transpose(c), c) if n else []
        e = own
        yield [zero] * N + [one]
        while True:
            yield vector(S, e)
            shifted = [[f.shift(1) for f in row] for row in S]
            trace = sum((shifted[a][b] * noise[b][a] for a in range(n) for b in range(n)
                         if not shifted[a][b].is_zero and not noise[b][a].is_zero), zero)
            e = e.shift(1) + trace
            S = _matmul(_matmul(At, shifted), A) if n else []

    seen = []

    def limited():
        for i, f in enumerate(functionals()):
            if i > N + 2:
                return
            seen.append(f)
            yield f

    found = dependence(limited())
    if found is None:  # pragma: no cover - N + 2 vectors of length N + 1 are always dependent
        raise ArithmeticError("no dependence among the moment functionals")
    index, coefficients = found
    order = found = index - 1
    b, a = coefficients[0], coefficients[1:]
    _check_identity_sympy(seen[:index + 1], coefficients)
    # v_{k+d} - sum_i a_i(k) v_{k+i} = b(k); clear denominators.
    lcm = flint.fmpq_poly([1])
    for f in a + [b]:
        if not f.is_zero:
            lcm = lcm * f.den / lcm.gcd(f.den)
    poly = [(-(f.num * (lcm / f.den)) if not f.is_zero else flint.fmpq_poly([])) for f in a] + [lcm]
    rhs = b.num * (lcm / b.den) if not b.is_zero else flint.fmpq_poly([])
    v1 = Fraction(int(ss.variance_1.p), int(ss.variance_1.q))
    start = k0
    while len(poly) > 1 and poly[0].is_zero():
        # no R(k) term: the relation is one of lower order between R(k+1), ..., read from k + 1 on
        poly = [p(flint.fmpq_poly([-1, 1])) for p in poly[1:]]
        rhs = rhs(flint.fmpq_poly([-1, 1])) if not rhs.is_zero() else rhs
        start += 1
        order -= 1
    content = _poly_fractions_list(poly)
    rhs_c = [x / v1 for x in _poly_fractions(rhs)] if not rhs.is_zero() else [Fraction(0)]
    rec = Recurrence(tuple(tuple(p) for p in content), tuple(rhs_c), start,
                     "derived from the state-space form (elimination over QQ(k))")
    steps = [
        f"second moments: P_k = A(k) P_(k-1) A(k)^T + B(k) Q(k) B(k)^T, Var H_k = c P_(k-1) c^T + d Q d^T for every "
        f"k >= {k0}; the map has no pole at an integer k >= {k0}",
        f"Var H_(k+i) = tr(S_i(k) P_(k-1)) + e_i(k) with S_0 = c^T c, S_(i+1)(k) = A(k)^T S_i(k+1) A(k): "
        f"{index} functionals on the {N} second moments, over the field QQ(k)",
        f"fraction-free elimination: the functional of Var H_(k+{found}) is a combination of the constant"
        + (f" and those of Var H_k..Var H_(k+{found - 1})" if found > 1 else " and that of Var H_k" if found else "")
        + " with coefficients in QQ(k); the identity re-checked by SymPy in its own field QQ(k)",
        f"hence {rec.equation()} for every k >= {start} (denominators cleared; R_k = Var H_k / Var H_1"
        + (", the relation read from its first term" if start > k0 else "") + ")",
    ]
    zeros = integer_roots(poly[-1], start)
    if zeros:
        steps.append(f"the leading coefficient vanishes at k = {zeros}: there the recurrence does not give the "
                     "next term, which is taken from the state instead")
    method = (f"state-space form ({n} state components, {N} second moments), elimination over QQ(k): "
              f"recurrence of order {order} with polynomial coefficients")
    return DerivedRecurrence(ss, rec, rec, method, tuple(steps), N)


def _poly_fractions_list(polys):
    return [_poly_fractions(p) if not p.is_zero() else [Fraction(0)] for p in polys]


def _check_identity_sympy(fs, coefficients):
    """SymPy re-checks f_d = b e + sum_i a_i f_i component by component, in its field QQ(k) (not FLINT's).

    Each side is brought over the common denominator of the row, so SymPy compares polynomials.
    """
    field, _ = sp.field("k", sp.QQ)
    ring, QQ = field.ring, sp.QQ

    def poly(p):
        return ring.from_list([QQ(int(c.p), int(c.q)) for c in reversed(p.coeffs())]) if not p.is_zero() else ring(0)

    def element(f):
        return field(poly(f.num)) / field(poly(f.den))

    a = [element(c) for c in coefficients]
    target = fs[-1]
    for j in range(len(target)):
        total = element(target[j])
        for i in range(len(a)):
            if not fs[i][j].is_zero and a[i] != 0:
                total -= a[i] * element(fs[i][j])
        if total != 0:  # pragma: no cover - the elimination is exact
            raise ArithmeticError(f"elimination identity fails in component {j}: {total}")
