"""Exact rational functions of the generation index k, over FLINT polynomials.

The one-step maps of workflow families have coefficients in the field QQ(k) of
rational functions of k (shares such as 1/k, subsample counts such as n/k). Deriving
a scalar recurrence from such a map is linear algebra over that field:
:class:`RationalFunction` is its element (numerator and monic denominator, coprime,
as :class:`flint.fmpq_poly`), and :func:`dependence` finds the first linear relation
in a sequence of vectors over QQ(k) by fraction-free elimination. SymPy sees these
objects only through :meth:`RationalFunction.to_sympy` and
:meth:`RationalFunction.from_sympy`.
"""

from __future__ import annotations

from fractions import Fraction

import flint

__all__ = ["RationalFunction", "dependence", "integer_roots"]

_ZERO, _ONE = flint.fmpq_poly([]), flint.fmpq_poly([1])
_SHIFT_CACHE: dict = {}


def _shift_poly(p, s):
    """p(k + s)."""
    if s == 0 or p.degree() < 1:
        return p
    x = _SHIFT_CACHE.get(s)
    if x is None:
        x = _SHIFT_CACHE[s] = flint.fmpq_poly([s, 1])
    return p(x)


class RationalFunction:
    """num(k) / den(k) with coprime polynomials over QQ and a monic denominator.

    Examples
    --------
    >>> from theory.recurrence import k
    >>> f = RationalFunction.from_sympy(1 / (k + 1))
    >>> g = f.shift(1) * RationalFunction.constant(2)
    >>> g.to_sympy(k), g(3), (f - f).is_zero
    (2/(k + 2), Fraction(2, 5), True)
    """

    __slots__ = ("num", "den")

    def __init__(self, num, den=_ONE, normalised=False):
        if not normalised:
            if den.is_zero():
                raise ZeroDivisionError("a rational function with denominator 0")
            if num.is_zero():
                num, den = _ZERO, _ONE
            else:
                g = num.gcd(den)
                if not g.is_one():
                    num, den = num / g, den / g   # exact: g divides both
                lead = den.leading_coefficient()
                if lead != 1:
                    num, den = num / lead, den / lead
        self.num, self.den = num, den

    # ------------------------------------------------------------- building
    @classmethod
    def constant(cls, value):
        """A constant (int, Fraction or fmpq)."""
        value = Fraction(value) if not isinstance(value, flint.fmpq) else value
        q = flint.fmpq(value.numerator, value.denominator) if isinstance(value, Fraction) else value
        return cls(flint.fmpq_poly([q]), _ONE, normalised=True)

    @classmethod
    def from_sympy(cls, expr, symbol=None):
        """A SymPy rational function of ``symbol`` (default :data:`theory.recurrence.k`)."""
        import sympy as sp

        from .rationals import as_sympy
        from .recurrence import k as default

        symbol = default if symbol is None else symbol
        num, den = sp.fraction(sp.cancel(sp.together(as_sympy(expr))))
        return cls(_to_flint(num, symbol), _to_flint(den, symbol))

    # ------------------------------------------------------------- reading
    @property
    def is_zero(self):
        return self.num.is_zero()

    @property
    def is_constant(self):
        return self.num.degree() < 1 and self.den.degree() < 1

    def constant_value(self):
        """The value of a constant function, as a Fraction."""
        if not self.is_constant:
            raise ValueError(f"{self} is not constant in k")
        return _fraction(self.num.coeffs()[0]) if not self.num.is_zero() else Fraction(0)

    def __call__(self, n):
        """The value at k = n as a Fraction (ZeroDivisionError at a pole)."""
        q = flint.fmpq(n) if isinstance(n, int) else flint.fmpq(n.numerator, n.denominator)
        den = self.den(q)
        if den == 0:
            raise ZeroDivisionError(f"{self} has a pole at k = {n}")
        return _fraction(self.num(q) / den)

    def to_sympy(self, symbol=None):
        import sympy as sp

        from .recurrence import k as default

        symbol = default if symbol is None else symbol
        return sp.cancel(_to_sympy(self.num, symbol) / _to_sympy(self.den, symbol))

    def __repr__(self):
        return f"RationalFunction({self.to_sympy()})"

    __str__ = __repr__

    # ------------------------------------------------------------- arithmetic
    def _coerce(self, other):
        if isinstance(other, RationalFunction):
            return other
        return RationalFunction.constant(other)

    def __add__(self, other):
        other = self._coerce(other)
        if other.is_zero:
            return self
        if self.is_zero:
            return other
        if self.den == other.den:
            return RationalFunction(self.num + other.num, self.den)
        return RationalFunction(self.num * other.den + other.num * self.den, self.den * other.den)

    __radd__ = __add__

    def __neg__(self):
        return RationalFunction(-self.num, self.den, normalised=True)

    def __sub__(self, other):
        return self + (-self._coerce(other))

    def __rsub__(self, other):
        return self._coerce(other) - self

    def __mul__(self, other):
        other = self._coerce(other)
        if self.is_zero or other.is_zero:
            return RationalFunction(_ZERO, _ONE, normalised=True)
        return RationalFunction(self.num * other.num, self.den * other.den)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = self._coerce(other)
        if other.is_zero:
            raise ZeroDivisionError("division by the zero rational function")
        return RationalFunction(self.num * other.den, self.den * other.num)

    def __eq__(self, other):
        other = self._coerce(other)
        return self.num == other.num and self.den == other.den

    def __hash__(self):
        return hash((str(self.num), str(self.den)))

    def shift(self, s):
        """The function k -> f(k + s)."""
        return RationalFunction(_shift_poly(self.num, s), _shift_poly(self.den, s), normalised=True)

    def poles(self, at_least):
        """The integer poles n >= ``at_least``."""
        return integer_roots(self.den, at_least)


def integer_roots(poly, at_least):
    """The integer roots n >= ``at_least`` of an fmpq_poly, sorted.

    Examples
    --------
    >>> integer_roots(flint.fmpq_poly([-6, 1, 1]), 0)     # k^2 + k - 6 = (k - 2)(k + 3)
    [2]
    """
    if poly.degree() < 1:
        return []
    return sorted(int(r.p) for r, _ in poly.roots() if r.q == 1 and int(r.p) >= at_least)


def _fraction(q):
    return Fraction(int(q.p), int(q.q))


def _to_flint(poly_expr, symbol):
    import sympy as sp

    coeffs = sp.Poly(poly_expr, symbol).all_coeffs()[::-1]
    out = []
    for c in coeffs:
        c = sp.Rational(c)
        out.append(flint.fmpq(int(c.p), int(c.q)))
    return flint.fmpq_poly(out)


def _to_sympy(poly, symbol):
    import sympy as sp

    return sum((sp.Rational(int(c.p), int(c.q)) * symbol**i for i, c in enumerate(poly.coeffs()) if c != 0),
               sp.Integer(0))


# ---------------------------------------------------------------------- linear dependence over QQ(k)
def _content_free(vec):
    """Divide a polynomial vector by the gcd of its entries (keeps degrees small)."""
    g = None
    for p in vec:
        if not p.is_zero():
            g = p if g is None else g.gcd(p)
            if g.is_one():
                return vec
    if g is None or g.degree() < 1:
        return vec
    return [p / g if not p.is_zero() else p for p in vec]


def _polynomial_row(vector):
    """(lcm, polynomials): a vector of RationalFunctions times the lcm of its denominators."""
    lcm = _ONE
    for f in vector:
        if not f.is_zero and not f.den.is_one():
            lcm = lcm * f.den / lcm.gcd(f.den)
    return lcm, [f.num * (lcm / f.den) if not f.is_zero else _ZERO for f in vector]


def dependence(vectors):
    """The first vector of ``vectors`` that lies in the QQ(k)-span of those before it, and the relation.

    Parameters
    ----------
    vectors : iterable of sequences of RationalFunction
        Consumed lazily: the search stops at the first dependent vector.

    Returns
    -------
    (d, coefficients) or None
        ``vectors[d] = sum_i coefficients[i] * vectors[i]`` over i < d, identically
        in k (coefficients are RationalFunctions); None when all are independent.

    Examples
    --------
    >>> from theory.recurrence import k
    >>> one, kk = RationalFunction.constant(1), RationalFunction.from_sympy(k)
    >>> d, coefficients = dependence([[one, kk], [kk, kk * kk], [one, one]])
    >>> d, [c.to_sympy() for c in coefficients]
    (1, [k])
    """
    # Fraction-free elimination: each stored row is (pivot, polynomial vector, combination), with
    # row = sum_j combination[j] * scaled[j] over QQ[k], scaled[j] = scales[j] * vectors[j].
    rows, scales = [], []
    for index, vector in enumerate(vectors):
        scale, vec = _polynomial_row(vector)
        scales.append(scale)
        combo = [_ZERO] * index + [_ONE]
        for pivot, row, row_combo in rows:
            a = vec[pivot]
            if a.is_zero():
                continue
            b = row[pivot]
            g = a.gcd(b)
            fa, fb = a / g, b / g
            vec = [fb * x - fa * y for x, y in zip(vec, row, strict=True)]
            combo = [fb * x - fa * (row_combo[i] if i < len(row_combo) else _ZERO) for i, x in enumerate(combo)]
            joined = _content_free(vec + combo)
            vec, combo = joined[:len(vec)], joined[len(vec):]
        if all(p.is_zero() for p in vec):
            # 0 = sum_j combo[j] * scales[j] * vectors[j]: solve for vectors[index].
            lead = RationalFunction(combo[index] * scales[index], _ONE)
            coefficients = [RationalFunction(-c * s, _ONE) / lead for c, s in zip(combo[:index], scales, strict=False)]
            return index, coefficients
        pivot = next(i for i, p in enumerate(vec) if not p.is_zero())
        rows.append((pivot, vec, combo))
    return None
