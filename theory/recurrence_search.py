"""Recurrences found from finitely many exact terms: conjectures, never proofs by themselves.

:func:`find_recurrence` looks for a linear recurrence of a sequence given by its
first terms, by exact linear algebra over QQ: constant coefficients first
(Berlekamp-Massey), then polynomial coefficients of small order and degree with a
polynomial right-hand side, starting at some k0 >= 1. The recurrence is found from
all but the last terms and must hold on every term.

Agreement with any number of terms proves nothing about the terms beyond (THEORY.md
§7): a workflow can follow one law for a long prefix and then change. A recurrence
from here is a *conjecture* unless an argument covering every k backs it, as in
:mod:`theory.derivation` (which uses :func:`berlekamp_massey` to find a candidate and
then proves it by divisibility).
"""

from __future__ import annotations

import math
from fractions import Fraction

import flint

from .recurrence import Recurrence

__all__ = ["find_recurrence", "berlekamp_massey", "HELD_OUT"]

HELD_OUT = 8        # the last terms are used only to check a recurrence, never to find it
MAX_START = 6       # latest k0 tried for polynomial-coefficient recurrences
_POLY_SHAPES = sorted(((d, D) for d in (1, 2) for D in range(1, 5)), key=lambda s: ((s[0] + 2) * (s[1] + 1), s[0]))


def berlekamp_massey(seq):
    """The shortest linear recurrence of ``seq`` over QQ: (L, c) with sum_i c_i s_{n-i} = 0, c_0 = 1.

    Runs over FLINT rationals; returns Fractions.

    Examples
    --------
    >>> berlekamp_massey([Fraction(2) ** n for n in range(6)])
    (1, [Fraction(1, 1), Fraction(-2, 1)])
    """
    seq = [v if isinstance(v, flint.fmpq) else flint.fmpq(Fraction(v).numerator, Fraction(v).denominator)
           for v in seq]
    one, zero = flint.fmpq(1), flint.fmpq(0)
    C, B, L, m, b = [one], [one], 0, 1, one
    for n, s in enumerate(seq):
        d = s
        for i in range(1, min(L, len(C) - 1) + 1):
            if C[i] != 0:
                d += C[i] * seq[n - i]
        if d == 0:
            m += 1
            continue
        coef, previous = d / b, list(C)
        C = C + [zero] * max(0, len(B) + m - len(C))
        for i, bi in enumerate(B):
            if bi != 0:
                C[i + m] -= coef * bi
        if 2 * L <= n:
            L, B, b, m = n + 1 - L, previous, d, 1
        else:
            m += 1
    C = (C + [zero] * (L + 1))[:L + 1]
    return L, [Fraction(int(c.p), int(c.q)) for c in C]


def _found(fit, checked):
    return f"found from R_1..R_{fit} and checked on R_1..R_{checked} (a conjecture beyond R_{checked})"


def _constant_recurrence(terms, fit):
    """A constant-coefficient recurrence found from terms[:fit] and checked on all, or None."""
    L, c = berlekamp_massey(terms[:fit])
    if L == 0:
        # every term is 0 (Berlekamp-Massey's empty recurrence): the order-0 relation R(k) = 0
        rec = Recurrence(((Fraction(1),),), (Fraction(0),), 1, _found(fit, len(terms)))
        return rec if rec.holds(terms) else None
    if 2 * L + 4 > fit:
        return None
    char = [c[L - i] for i in range(L + 1)]        # characteristic polynomial, constant term first
    shift = next(i for i, a in enumerate(char) if a != 0)
    char = char[shift:]
    origin = _found(fit, len(terms))
    rec = Recurrence(tuple((a,) for a in char), (Fraction(0),), 1 + shift, origin)
    if not rec.holds(terms):
        return None
    if sum(char) == 0:  # 1 is a root: present the order-lower recurrence with a constant right-hand side
        reduced, carry = [], Fraction(0)
        for a in reversed(char[1:]):
            carry += a
            reduced.append(carry)
        reduced.reverse()
        first = rec.start
        const = sum(q * terms[first - 1 + i] for i, q in enumerate(reduced))
        lower = Recurrence(tuple((q,) for q in reduced), (const,), first, origin)
        if lower.holds(terms):
            return lower
    return rec


def _polynomial_recurrence(terms, fit, d, D, start):
    """sum_{i<=d} p_i(k) R(k+i) = q(k), deg p_i, q <= D, from k = start; found from terms[:fit]."""
    rows = []
    for n in range(start, fit - d + 1):
        row = [Fraction(n) ** t * terms[n + i - 1] for i in range(d + 1) for t in range(D + 1)]
        row += [-Fraction(n) ** t for t in range(D + 1)]
        rows.append(row)
    unknowns = (d + 2) * (D + 1)
    if len(rows) < unknowns + 4:
        return None
    scaled = []
    for row in rows:
        den = math.lcm(*(x.denominator for x in row))
        scaled.append([int(x * den) for x in row])
    basis, rank = flint.fmpz_mat(scaled).nullspace()
    for col in range(unknowns - rank):
        ints = [int(basis[r, col]) for r in range(unknowns)]
        g = math.gcd(*ints) or 1
        lead = [x for x in ints[d * (D + 1):(d + 1) * (D + 1)] if x]
        sign = -1 if lead and lead[-1] < 0 else 1  # leading coefficient positive
        v = [Fraction(sign * x // g) for x in ints]
        coefficients = tuple(tuple(v[i * (D + 1):(i + 1) * (D + 1)]) for i in range(d + 1))
        rhs = tuple(v[(d + 1) * (D + 1):])
        rec = Recurrence(coefficients, rhs, start, _found(fit, len(terms)))
        if not any(coefficients[-1]) or not any(coefficients[0]) or rec.leading_zeros():
            continue
        if rec.holds(terms):
            return rec
    return None


def find_recurrence(terms, held_out=HELD_OUT):
    """A linear recurrence of the sequence ``terms`` = (R_1, R_2, ...), checked on every term: a conjecture.

    The recurrence is found from all but the last ``held_out`` terms and must then
    hold on every term. Constant coefficients are tried first (Berlekamp-Massey),
    then polynomial coefficients of order 1-2 and degree 1-4 with a polynomial
    right-hand side, starting at k0 = 1..6.

    Parameters
    ----------
    terms : sequence of rationals
        R_1, R_2, ...
    held_out : int
        How many of the last terms only check the recurrence.

    Returns
    -------
    Recurrence or None
        Its ``origin`` says it is a conjecture beyond the terms given.

    Examples
    --------
    >>> rec = find_recurrence([Fraction(2) ** n + 1 for n in range(1, 20)])
    >>> rec.equation(), rec.origin
    (Eq(R(k + 1), 2*R(k) - 1), 'found from R_1..R_11 and checked on R_1..R_19 (a conjecture beyond R_19)')
    >>> rec = find_recurrence([sum(Fraction(1, i * i) for i in range(1, n + 1)) for n in range(1, 30)])
    >>> rec.equation()
    Eq(R(k + 1), R(k) + (k + 1)**(-2))
    >>> find_recurrence([Fraction(1, 2 ** (n * n)) for n in range(1, 30)]) is None
    True
    >>> find_recurrence([Fraction(0)] * 20).equation()
    Eq(R(k), 0)
    """
    terms = [Fraction(t) for t in terms]
    fit = len(terms) - held_out
    if fit < 8:
        return None
    rec = _constant_recurrence(terms, fit)
    if rec is not None:
        return rec
    for d, D in _POLY_SHAPES:
        for start in range(1, MAX_START + 1):
            rec = _polynomial_recurrence(terms, fit, d, D, start)
            if rec is not None:
                return rec
    return None
