"""Derived recurrences: re-derived by SymPy on its own, and run forward against plain Fraction loops."""

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.strategies import rule_family_data, valid_rule_workflow
from theory import Workflow
from theory.derivation import derive_recurrence
from theory.rational_functions import RationalFunction, dependence
from theory.recurrence import Recurrence, k
from theory.state_space import state_space

x = sp.Symbol("x")


def moment_map_sympy(ss):
    """T with z_k = T z_(k-1), z = (P entries a <= b, 1), built by applying the map to basis matrices."""
    n = ss.dimension
    pairs = [(a, b) for a in range(n) for b in range(a, n)]
    Q = sp.diag(*ss.Q) if ss.Q else sp.zeros(0, 0)
    noise = ss.B * Q * ss.B.T
    columns = []
    for a, b in pairs:
        E = sp.zeros(n, n)
        E[a, b] = E[b, a] = 1
        image = ss.A * E * ss.A.T
        columns.append([image[i, j] for i, j in pairs] + [0])
    columns.append([noise[i, j] for i, j in pairs] + [1])
    return sp.Matrix(columns).T


@pytest.mark.parametrize("spec", ["discard", "mix:0.5", "weighted:0.618", "window:3", "window:4"])
def test_cayley_hamilton_by_sympy(spec):
    dr = derive_recurrence(spec)
    T = moment_map_sympy(dr.state_space)
    chi = T.charpoly(x)
    assert sp.Poly(chi.as_expr(), x) == dr.characteristic
    # chi(T) = 0, and the minimal polynomial divides chi
    value = sp.zeros(*T.shape)
    for c in sp.Poly(chi.as_expr(), x).all_coeffs():
        value = value * T + c * sp.eye(T.rows)
    assert value == sp.zeros(*T.shape)
    assert sp.rem(dr.characteristic, dr.minimal).is_zero


FIELD, _K = sp.field(k, sp.QQ)   # SymPy's own field QQ(k): an implementation apart from the FLINT one


def in_field(M, shift):
    """A SymPy matrix in k as nested lists of QQ(k) elements, at k + shift."""
    return [[FIELD.from_expr(sp.sympify(M[i, j]).subs(k, k + shift)) for j in range(M.cols)] for i in range(M.rows)]


def mul(X, Y):
    return [[sum((X[i][t] * Y[t][j] for t in range(len(Y))), FIELD(0)) for j in range(len(Y[0]))]
            for i in range(len(X))] if X and Y and Y[0] else [[FIELD(0)] * (len(Y[0]) if Y else 0) for _ in X]


def transpose(X):
    return [list(col) for col in zip(*X, strict=True)]


def add(X, Y):
    return [[a + b for a, b in zip(x, y, strict=True)] for x, y in zip(X, Y, strict=True)]


def recurrence_residual_by_sympy(ss, rec, moments):
    """sum_i p_i(k) Var H_(k+i) - q(k) Var H_1 for P_(k-1) = ``moments``, in SymPy's field QQ(k)."""
    total = -FIELD.from_expr(rec.rhs_expr() * ss.variance_1)
    P = [[FIELD(moments[i, j]) for j in range(moments.cols)] for i in range(moments.rows)]
    for i in range(rec.order + 1):
        A, B, c, d = (in_field(M, i) for M in (ss.A, ss.B, ss.c, ss.d))
        Q = in_field(sp.diag(*ss.Q), i) if ss.Q else []
        own = mul(mul(d, Q), transpose(d))[0][0] if ss.Q else FIELD(0)
        variance = (mul(mul(c, P), transpose(c))[0][0] if P else FIELD(0)) + own
        total += FIELD.from_expr(rec.poly(i)) * variance
        if P:
            P = add(mul(mul(A, P), transpose(A)), mul(mul(B, Q), transpose(B)))
    return total


def holds_for_any_second_moments(ss, rec):
    """The residual is affine in P_(k-1): zero at P = 0 and at every symmetric basis matrix means zero for all P."""
    n = ss.dimension
    if recurrence_residual_by_sympy(ss, rec, sp.zeros(n, n)) != 0:
        return False
    for a in range(n):
        for b in range(a, n):
            E = sp.zeros(n, n)
            E[a, b] = E[b, a] = 1
            if recurrence_residual_by_sympy(ss, rec, E) != 0:
                return False
    return True


@pytest.mark.parametrize("spec", ["augment", "subsample"])
def test_the_rational_derivation_holds_for_any_second_moments(spec):
    dr = derive_recurrence(spec)
    assert holds_for_any_second_moments(dr.state_space, dr.recurrence)


RATIONAL_RULES = [
    {"generations": [{"fit": [{"batch": "R0"}], "emit": 2}],
     "then": {"fit": [{"batch": "R0"}, {"batch": "S[:]", "count": "1/3"}], "emit": 1}},
    {"then": {"new_real": 1, "fit": [{"batch": "R[:]"}, {"batch": "S[-1:]", "count": "1/2"}], "emit": 2}},
    {"then": {"fit": [{"batch": "R0", "weight": 1}, {"batch": "S[:]", "weight": 2}], "emit": "1/2"}},
]


def assert_identity_in_k(ss):
    dr = derive_recurrence(ss)
    # The derivation may read the relation from a later term (start > k0): shift back to k0.
    rec = dr.recurrence
    shift = rec.start - ss.start
    shifted = Recurrence(((Fraction(0),),) * shift + tuple(_shift(p, shift) for p in rec.coefficients),
                         _shift(rec.rhs, shift), ss.start)
    assert holds_for_any_second_moments(ss, shifted)


@pytest.mark.parametrize("data", RATIONAL_RULES)
def test_a_rule_familys_derived_recurrence_is_an_identity_in_k(data):
    ss = state_space(Workflow.from_data(data, name="rule"))
    assert not ss.constant
    assert_identity_in_k(ss)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rule_family_data())
def test_a_random_familys_derived_recurrence_is_an_identity_in_k(data):
    wf = valid_rule_workflow(data, "random family")
    ss = state_space(wf)
    assume(not ss.constant and ss.dimension <= 2)
    assert_identity_in_k(ss)


def _shift(coefficients, s):
    """Polynomial coefficients of p(k + s)."""
    expr = sum(sp.Rational(c.numerator, c.denominator) * (k + s) ** i for i, c in enumerate(coefficients))
    poly = sp.Poly(sp.expand(expr), k).all_coeffs()[::-1] if expr != 0 else [0]
    return tuple(Fraction(str(c)) for c in poly)


rationals = st.fractions(min_value=-4, max_value=4, max_denominator=5)
polys = st.lists(rationals, min_size=1, max_size=3)


def rf(coeffs, den=(1,)):
    num = sum(sp.Rational(c.numerator, c.denominator) * k**i for i, c in enumerate(coeffs))
    return RationalFunction.from_sympy(num / sum(sp.Integer(c) * k**i for i, c in enumerate(den)))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(polys, min_size=3, max_size=3), min_size=1, max_size=3), st.lists(polys, min_size=3,
                                                                                            max_size=3))
def test_dependence_finds_a_planted_relation(basis, weights):
    vectors = [[rf(p, (1, 1)) for p in row] for row in basis]
    assume(dependence(vectors) is None)
    coefficients = [rf(w, (2, 1)) for w in weights[:len(vectors)]]
    planted = [sum((c * v[j] for c, v in zip(coefficients, vectors, strict=True)), RationalFunction.constant(0))
               for j in range(3)]
    d, found = dependence(vectors + [planted])
    assert d == len(vectors)
    for j in range(3):
        assert sum((c * v[j] for c, v in zip(found, vectors, strict=True)), RationalFunction.constant(0)) == planted[j]


@given(st.lists(rationals, min_size=1, max_size=6), rationals, st.lists(rationals, min_size=6, max_size=6),
       rationals.filter(lambda x: x != 0))
def test_extend_constant_equals_a_fraction_loop(coefficients, constant, initial, lead):
    # orders up to 6 with any leading coefficient: the integer path scales by the least growth factor
    rec = Recurrence(tuple((c,) for c in coefficients) + ((lead,),), (constant,), 3)
    d = rec.order
    values = list(initial[:d])
    for n in range(3, 40):
        values.append((constant - sum(c * values[n - 3 + i] for i, c in enumerate(coefficients))) / lead)
    assert rec.extend(initial[:d], 3 + len(values) - 1) == values


@given(st.integers(1, 3), st.lists(rationals, min_size=2, max_size=2))
def test_extend_polynomial_equals_a_fraction_loop(b, initial):
    # (k + b) R(k+2) = k R(k+1) + R(k) + k^2, k >= 1
    rec = Recurrence(((Fraction(-1),), (Fraction(0), Fraction(-1)), (Fraction(b), Fraction(1))),
                     (Fraction(0), Fraction(0), Fraction(1)), 1)
    values = list(initial)
    for n in range(1, 30):
        values.append((n * values[n] + values[n - 1] + n * n) / Fraction(n + b))
    assert rec.extend(initial, len(values)) == values
