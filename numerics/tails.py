"""The memoriser's error on Zipf data at high precision (mpmath), for an infinite vocabulary.

With p_i = i^-beta / zeta(beta) (beta > 1) and T training draws,

    E(T) = sum_{i >= 1} p_i (1 - p_i)^T.

:func:`clean_error` sums the first N - 1 terms directly and the rest by the
Euler-Maclaurin formula (``mpmath.sumem``), whose integral the substitution u = p(x)
turns into an incomplete Beta function,
int_N^infinity p(x) (1 - p(x))^T dx = zeta^(-1/beta) B(p_N; 1 - 1/beta, T + 1) / beta. N is
where the summand has become smooth on the scale of one step (the factor
(1 - p)^T changes by a fraction beta T p(x)/x per step, below 1/40 from
N = (40 beta T / zeta)^(1/(beta + 1)) on), so the derivative corrections at N converge fast.
:func:`memorizer_constant` evaluates the derived constant
C = Gamma(1 - 1/beta) / (beta zeta(beta)^(1/beta)), :func:`tail_floor` the floor
zeta(beta, k + 1)/zeta(beta) of a tail cut at k, :func:`tail_cut_error` the memoriser
trained on the cut law. Every function works inside ``mp.workdps`` and returns mpf.

Examples
--------
>>> import mpmath
>>> c = memorizer_constant(2, dps=30)
>>> mpmath.nstr(c, 15), mpmath.nstr(mpmath.sqrt(mpmath.pi) / (2 * mpmath.sqrt(mpmath.pi**2 / 6)), 15)
('0.690988298942671', '0.690988298942671')
"""

from __future__ import annotations

import mpmath

__all__ = ["memorizer_constant", "clean_error", "tail_floor", "tail_cut_error"]

_SMOOTH = 40      # Euler-Maclaurin from where the summand changes by less than 1/40 per step


def _beta(beta):
    return mpmath.mpf(beta)


def memorizer_constant(beta, dps=50):
    """C(beta) = Gamma(1 - 1/beta) / (beta zeta(beta)^(1/beta)), from :func:`theory.tails.derive_memorizer_constant`.

    Parameters
    ----------
    beta : number or str
        The Zipf exponent, beta > 1 (a string is read exactly).
    dps : int
        Decimal digits.

    Returns
    -------
    mpmath.mpf

    Examples
    --------
    >>> import mpmath
    >>> mpmath.nstr(memorizer_constant("1.5", dps=20), 12)
    '0.941559505827'
    """
    from theory.tails import derive_memorizer_constant

    d = derive_memorizer_constant()
    expr = d["constant"]
    with mpmath.workdps(dps + 10):
        b = _beta(beta)
        value = mpmath.mpf(1) / (b * mpmath.zeta(b) ** (1 / b)) * mpmath.gamma(1 - 1 / b)
        # the same constant through the derived SymPy expression (an independent evaluation path)
        via_sympy = mpmath.mpf(str(expr.subs(d["beta"], _sympy_number(beta)).evalf(dps + 10)))
        if abs(value - via_sympy) > abs(value) * mpmath.mpf(10) ** (-dps):
            raise ArithmeticError(f"the derived constant disagrees with its evaluation at beta = {beta}")
        return +value


def _sympy_number(x):
    import sympy as sp

    return sp.Rational(str(x)) if not isinstance(x, int) else sp.Integer(x)


def clean_error(beta, T, dps=50):
    """sum_{i >= 1} p_i (1 - p_i)^T for Zipf(beta), K = infinity, at ``dps`` digits.

    Parameters
    ----------
    beta : number or str
        The Zipf exponent, beta > 1.
    T : int
        The training draws.
    dps : int
        Decimal digits.

    Returns
    -------
    mpmath.mpf
        The memoriser's expected test error.

    Examples
    --------
    >>> import mpmath
    >>> e = clean_error(2, 10**4, dps=25)
    >>> mpmath.nstr(e * 100 / memorizer_constant(2, dps=25), 10)     # E(T) T^(1/2) / C(2) = 1 - 0.375/T + ...
    '0.999962502'
    """
    T = int(T)
    if T < 1:
        raise ValueError(f"the number of training draws T must be at least 1, got {T!r}")
    with mpmath.workdps(dps + 15):
        b = _beta(beta)
        if b <= 1:
            raise ValueError(f"the Zipf exponent must exceed 1 for an infinite vocabulary, got {beta!r}")
        z = mpmath.zeta(b)
        N = max(2, int(mpmath.ceil((_SMOOTH * b * T / z) ** (1 / (b + 1)))))

        def term(x):
            p = x**-b / z
            return p * (1 - p) ** T

        head = mpmath.fsum(term(mpmath.mpf(i)) for i in range(1, N))
        integral = z ** (-1 / b) / b * mpmath.betainc(1 - 1 / b, T + 1, 0, mpmath.mpf(N) ** -b / z)
        return +(head + mpmath.sumem(term, [N, mpmath.inf], integral=integral))


def tail_floor(beta, k, dps=50):
    """zeta(beta, k + 1)/zeta(beta): the mass of the categories beyond k.

    Parameters
    ----------
    beta : number or str
        The Zipf exponent, beta > 1.
    k : int
        The categories kept.
    dps : int
        Decimal digits.

    Returns
    -------
    mpmath.mpf

    Examples
    --------
    >>> import mpmath
    >>> with mpmath.workdps(30):
    ...     bool(abs(tail_floor(2, 1, dps=30) - (1 - 6 / mpmath.pi**2)) < mpmath.mpf(10)**-28)
    True
    """
    with mpmath.workdps(dps + 10):
        b = _beta(beta)
        return +(mpmath.zeta(b, int(k) + 1) / mpmath.zeta(b))


def tail_cut_error(beta, k, T, dps=50):
    """The memoriser trained on T draws from Zipf(beta) cut to its first k categories, tested on Zipf(beta).

    sum_{i <= k} p_i (1 - p_i / (1 - F))^T + F with F = :func:`tail_floor`.

    Parameters
    ----------
    beta : number or str
        The Zipf exponent, beta > 1.
    k : int
        The categories kept.
    T : int
        The training draws.
    dps : int
        Decimal digits.

    Returns
    -------
    mpmath.mpf
        The expected test error.

    Examples
    --------
    >>> import mpmath
    >>> mpmath.nstr(tail_cut_error(2, 10, 10**9, dps=20) - tail_floor(2, 10, dps=20), 5)
    '0.0'
    """
    with mpmath.workdps(dps + 10):
        b = _beta(beta)
        z = mpmath.zeta(b)
        floor = tail_floor(beta, k, dps)
        keep = 1 - floor
        head = mpmath.fsum((mpmath.mpf(i) ** -b / z) * (1 - mpmath.mpf(i) ** -b / z / keep) ** int(T)
                           for i in range(1, int(k) + 1))
        return +(head + floor)
