"""Exact rational numbers read from user data, without evaluating anything.

A workflow's sizes, counts and weights are exact rationals. They arrive as JSON or
TOML numbers, as Python numbers, or as strings such as ``"1/3"`` or ``"0.618"``;
:func:`to_rational` turns each into a :class:`fractions.Fraction` by parsing the
number, never by evaluating an expression.
"""

from __future__ import annotations

import math
import numbers
import re
from fractions import Fraction

__all__ = ["to_rational", "rational_to_data", "format_rational", "as_sympy"]

# An optional sign, digits with an optional decimal point and exponent, or p/q.
_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(\s*/\s*[+-]?\d+)?\s*$")


def to_rational(value, what="value"):
    """Parse ``value`` as an exact rational.

    Parameters
    ----------
    value : int, float, Fraction, other rational number, decimal string or ``"p/q"`` string
        The number (a SymPy ``Rational`` or a numpy integer counts as rational). A
        float is taken at its shortest decimal spelling (``0.1`` means 1/10, not the
        binary double nearest to it).
    what : str
        How to name the value in an error message.

    Returns
    -------
    Fraction

    Raises
    ------
    ValueError
        If ``value`` is not a finite rational number; the message repeats it.

    Examples
    --------
    >>> to_rational("1/3"), to_rational(0.618), to_rational("2")
    (Fraction(1, 3), Fraction(309, 500), Fraction(2, 1))
    >>> to_rational("1+1")
    Traceback (most recent call last):
    ...
    ValueError: value must be a rational number such as 2, 0.5 or "1/3", got '1+1'
    """
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a rational number, got {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, numbers.Rational):  # SymPy's Rational and Integer, numpy integers
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be a finite number, got {value!r}")
        return Fraction(repr(value))
    if isinstance(value, str) and _NUMBER.match(value):
        try:
            if "/" in value:
                num, den = value.split("/")
                return Fraction(num.strip()) / Fraction(den.strip())
            return Fraction(value.strip())
        except ZeroDivisionError:
            raise ValueError(f"{what} has a zero denominator: {value!r}") from None
    raise ValueError(f'{what} must be a rational number such as 2, 0.5 or "1/3", got {value!r}')


def rational_to_data(value):
    """Write a rational as plain data: an ``int`` when whole, else a ``"p/q"`` string.

    Examples
    --------
    >>> rational_to_data(Fraction(4, 2)), rational_to_data(Fraction(1, 3))
    (2, '1/3')
    """
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def format_rational(value):
    """Spell a rational compactly for names and messages.

    Examples
    --------
    >>> format_rational(Fraction(1, 2)), format_rational(Fraction(3))
    ('1/2', '3')
    """
    return str(rational_to_data(value))


def as_sympy(value):
    """A SymPy object for an expression or an exact number, never by parsing a string.

    Examples
    --------
    >>> as_sympy(Fraction(1, 3)), as_sympy(2)
    (1/3, 2)
    >>> as_sympy("x + 1")
    Traceback (most recent call last):
    ...
    TypeError: expected a SymPy expression or a number, got 'x + 1'
    """
    import sympy

    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, sympy.MatrixBase):
        return value
    if isinstance(value, bool) or not isinstance(value, int | Fraction | float):
        raise TypeError(f"expected a SymPy expression or a number, got {value!r}")
    if isinstance(value, float):
        return sympy.Float(value)
    value = Fraction(value)
    return sympy.Rational(value.numerator, value.denominator)
