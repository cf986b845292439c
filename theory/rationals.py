"""Exact rational numbers: parsed from user data, converted between libraries, spelled back.

A workflow's sizes, counts and weights are exact rationals. They arrive as JSON or
TOML numbers, as Python numbers, or as strings such as ``"1/3"`` or ``"0.618"``;
:func:`to_rational` turns each into a :class:`fractions.Fraction` by parsing the
number, never by evaluating an expression (:func:`to_sympy_rational` does the same
and returns a SymPy ``Rational``).

Inside the toolkit the same numbers travel between three libraries: Python's
``Fraction`` (workflows), FLINT's ``fmpq`` (the exact linear algebra of
:mod:`theory.process`) and SymPy's ``Rational`` (closed forms). The ``as_*``
functions convert an exact number of any of them without loss: :func:`as_fraction`,
:func:`as_fmpq`, :func:`as_sympy`. :func:`rational_to_data` and
:func:`format_rational` write a rational back as data and as text.

The names say which is which: ``to_*`` parses what a user wrote; ``as_*`` converts
a number the toolkit already holds.
"""

from __future__ import annotations

import math
import numbers
import re
import sys
from fractions import Fraction

from .input_limits import (
    MAX_EXACT_DIGITS,
    LimitError,
    check_number_text,
    check_rational_size,
    decimal_digits,
    int_digits,
)

__all__ = ["to_rational", "to_sympy_rational", "as_fraction", "as_fmpq", "as_sympy", "rational_to_data",
           "format_rational", "float_or_none", "format_decimal", "exact_text"]

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
    theory.input_limits.LimitError
        If the number is too large to build exactly: more than
        :data:`~theory.input_limits.MAX_NUMBER_DIGITS` digits, or an exponent beyond
        :data:`~theory.input_limits.MAX_DECIMAL_EXPONENT` (``"1e999999999"``).

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
        return check_rational_size(value, what)
    if isinstance(value, int):
        return check_rational_size(Fraction(value), what)
    if isinstance(value, numbers.Rational):  # SymPy's Rational and Integer, numpy integers
        return check_rational_size(Fraction(int(value.numerator), int(value.denominator)), what)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be a finite number, got {value!r}")
        return Fraction(repr(value))
    if isinstance(value, str) and _NUMBER.match(value):
        check_number_text(value, what)
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
    """Spell a rational compactly for names and messages: whole, else a short exact decimal, else p/q.

    This is how preset names spell their parameters (``mix:0.5``, ``weighted:0.618``).

    Examples
    --------
    >>> format_rational(Fraction(3)), format_rational(Fraction(1, 2)), format_rational(Fraction(1, 3))
    ('3', '0.5', '1/3')
    """
    value = as_fraction(value)
    if value.denominator == 1:
        return exact_text(value)
    decimal = float_or_none(value)
    if decimal is not None and Fraction(repr(decimal)) == value:
        return repr(decimal)
    return exact_text(value)


def as_fraction(value):
    """An exact rational of any library as a :class:`~fractions.Fraction`.

    Parameters
    ----------
    value : int, Fraction, numpy integer, SymPy Rational or FLINT fmpz/fmpq
        Anything with an integer ``numerator`` and ``denominator``.

    Returns
    -------
    Fraction

    Raises
    ------
    TypeError
        For a float, a bool, a string (parse those with :func:`to_rational`) or a
        number that is not rational, such as SymPy's ``pi``.

    Examples
    --------
    >>> import flint, sympy
    >>> as_fraction(sympy.Rational(3, 4)), as_fraction(flint.fmpq(-1, 3)), as_fraction(2)
    (Fraction(3, 4), Fraction(-1, 3), Fraction(2, 1))
    >>> as_fraction(sympy.pi)
    Traceback (most recent call last):
    ...
    TypeError: expected an exact rational (int, Fraction, SymPy Rational, FLINT fmpq), got pi
    """
    if isinstance(value, Fraction):
        return value
    num, den = getattr(value, "numerator", None), getattr(value, "denominator", None)
    if isinstance(value, bool) or num is None or den is None or callable(num):
        raise TypeError(f"expected an exact rational (int, Fraction, SymPy Rational, FLINT fmpq), got {value!r}")
    return Fraction(int(num), int(den))


def as_fmpq(value):
    """An exact rational as a FLINT ``fmpq`` (the exact linear algebra of :mod:`theory.process`).

    Examples
    --------
    >>> as_fmpq(Fraction(2, 6))
    1/3
    """
    from flint import fmpq  # FLINT loads with the exact linear algebra, not with the parameter parser

    value = as_fraction(value)
    return fmpq(value.numerator, value.denominator)


def to_sympy_rational(value, what="value"):
    """Parse ``value`` as :func:`to_rational` does and return a SymPy ``Rational``.

    A SymPy ``Rational`` passes through; a float is taken at its shortest decimal
    spelling, so a parameter ``sigma = 0.1`` enters a formula as exactly 1/10.

    Examples
    --------
    >>> to_sympy_rational(0.1), to_sympy_rational("2/6")
    (1/10, 1/3)
    """
    import sympy

    if isinstance(value, sympy.Rational):
        return value
    return as_sympy(to_rational(value, what))


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

    if isinstance(value, sympy.Basic | sympy.MatrixBase):
        return value
    if isinstance(value, float):
        return sympy.Float(value)
    try:
        value = as_fraction(value)
    except TypeError:
        raise TypeError(f"expected a SymPy expression or a number, got {value!r}") from None
    return sympy.Rational(value.numerator, value.denominator)


# The float64 range in which a conversion keeps full relative precision (normal numbers).
_FLOAT_MAX = Fraction(sys.float_info.max)
_FLOAT_MIN = Fraction(sys.float_info.min)


def float_or_none(value):
    """The float64 nearest to an exact rational, or None where float64 cannot represent it faithfully.

    The rule (the JSON output's ``ratio_float`` follows it): a value of magnitude
    between 2.2e-308 and 1.8e308 (float64's normal range) or exactly 0 becomes the
    nearest float; any other value, too large (it would overflow to infinity) or too
    small (it would lose precision or become 0), gives None, and its exact spelling
    is what counts.

    Examples
    --------
    >>> float_or_none(Fraction(5, 4)), float_or_none(Fraction(10**400)), float_or_none(Fraction(1, 10**400))
    (1.25, None, None)
    """
    value = as_fraction(value)
    magnitude = abs(value)
    if value == 0 or _FLOAT_MIN <= magnitude <= _FLOAT_MAX:
        return float(value)
    return None


def format_decimal(value, digits=10):
    """An exact rational in ``%g`` style with ``digits`` significant digits, whatever its magnitude.

    Inside float64's normal range this is ``f"{float(value):.{digits}g}"``; outside it,
    the digits are computed exactly (no overflow to ``inf``, no underflow to 0).

    Examples
    --------
    >>> format_decimal(Fraction(5, 4)), format_decimal(Fraction(10**400, 3))
    ('1.25', '3.333333333e+399')
    >>> format_decimal(Fraction(-1, 7 * 10**500), 4)
    '-1.429e-501'
    """
    value = as_fraction(value)
    as_float = float_or_none(value)
    if as_float is not None:
        return f"{as_float:.{digits}g}"
    sign = "-" if value < 0 else ""
    num, den = abs(value.numerator), value.denominator
    exponent = int_digits(num) - int_digits(den)          # 10**exponent is within a factor 10 of |value|
    for _ in range(3):
        shift = digits - 1 - exponent
        scaled = Fraction(num * 10**shift, den) if shift >= 0 else Fraction(num, den * 10**-shift)
        mantissa = round(scaled)
        if mantissa >= 10**digits:
            exponent += 1
        elif mantissa < 10**(digits - 1):
            exponent -= 1
        else:
            break
    text = str(mantissa)
    body = (text[0] + "." + text[1:]).rstrip("0").rstrip(".")
    return f"{sign}{body}e{exponent:+03d}"


def exact_text(value, what="exact value"):
    """``str`` of an exact rational (``"p/q"`` or ``"p"``), for numbers of up to
    :data:`theory.input_limits.MAX_EXACT_DIGITS` digits (Python's own guard stops at 4300).

    Raises
    ------
    theory.input_limits.LimitError
        For a numerator or denominator of more digits than that.

    Examples
    --------
    >>> len(exact_text(Fraction(10**5000, 3)))
    5003
    """
    value = as_fraction(value)
    longest = max(int_digits(value.numerator), int_digits(value.denominator))
    if longest > MAX_EXACT_DIGITS:
        raise LimitError(f"{what} has {longest} digits; the limit is {MAX_EXACT_DIGITS}")
    with decimal_digits(longest):
        return str(value)
