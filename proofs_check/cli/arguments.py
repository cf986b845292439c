"""Argument types shared by the sub-commands: bounded integers and ``--set KEY=VALUE``."""

from __future__ import annotations

import argparse

__all__ = ["integer_in", "positive_int", "nonnegative_int", "parse_settings", "add_settings_option"]


def integer_in(low, high=None):
    """An argparse type accepting whole numbers from ``low`` to ``high`` (no upper bound if None).

    Examples
    --------
    >>> integer_in(1, 10)("3")
    3
    >>> integer_in(1, 10)("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be an integer from 1 to 10, got '0'
    """
    wanted = (f"an integer from {low} to {high}" if high is not None
              else "a positive integer" if low == 1 else "a non-negative integer" if low == 0
              else f"an integer of at least {low}")

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    parse.__name__ = wanted
    return parse


positive_int = integer_in(1)
nonnegative_int = integer_in(0)


def parse_settings(items):
    """``KEY=VALUE`` strings as a dict of strings; the model parses the values, nothing evaluates them.

    Examples
    --------
    >>> parse_settings(["sigma=2", "estimator=median"])
    {'sigma': '2', 'estimator': 'median'}
    >>> parse_settings(["sigma"])
    Traceback (most recent call last):
    ...
    ValueError: --set takes KEY=VALUE, got 'sigma'
    """
    params = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ValueError(f"--set takes KEY=VALUE, got {item!r}")
        if key in params:
            raise ValueError(f"--set gives {key!r} twice: {params[key]!r} and {value!r}")
        params[key] = value
    return params


def add_settings_option(parser):
    """The repeatable ``--set KEY=VALUE`` option, collected in ``args.settings``."""
    parser.add_argument("--set", action="append", dest="settings", default=[], metavar="KEY=VALUE",
                        help="a model parameter (repeatable): sigma=2, d=10, design=fixed, estimator=median")
