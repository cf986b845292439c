"""Reading a JSON or TOML data file (a workflow, a sweep) safely, with every number exact.

:func:`read_data_file` is the one reader: it accepts only a regular file of bounded
size (:func:`theory.input_limits.read_regular_file`: never a FIFO or a device, which would
block or never end), decodes it as UTF-8 (a byte-order mark is allowed), refuses text
nested deeper than :data:`theory.input_limits.MAX_NESTING` before the recursive parsers see
it, and parses decimal numbers as exact :class:`~fractions.Fraction` s, checking
their size first (:func:`theory.input_limits.check_number_text`: ``1e999999999`` is refused,
not built digit by digit). Every failure is a :class:`DataFileError` (a
``ValueError``) of one line naming the file and what is wrong with it.
"""

from __future__ import annotations

import json
import tomllib
from fractions import Fraction
from pathlib import Path

from .input_limits import (
    MAX_NESTING,
    MAX_NUMBER_DIGITS,
    LimitError,
    check_nesting,
    check_number_text,
    check_text_nesting,
    read_regular_file,
)

__all__ = ["DataFileError", "read_data_file", "parse_data_text", "FORMATS"]

FORMATS = (".json", ".toml")


class DataFileError(ValueError):
    """A data file that cannot be read or parsed; the message names the file."""


def read_data_file(path, what="data file", formats=FORMATS, error=DataFileError, exact=True, as_format=None):
    """The parsed object of a ``.json`` or ``.toml`` file, every decimal number an exact Fraction.

    Parameters
    ----------
    path : str or Path
    what : str
        How to name the file in messages (``"workflow file"``).
    formats : tuple of str
        The suffixes accepted (lower case); the suffix chooses the parser.
    error : type
        The exception raised for a file that cannot be used (a subclass of ValueError).
    exact : bool
        Decimal numbers as exact Fractions (default), or as floats.
    as_format : str, optional
        Parse as this format (``".toml"`` or ``".json"``) whatever the suffix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.json"
    >>> _ = path.write_text('{"emit": 0.5, "count": "1/3"}')
    >>> read_data_file(path)
    {'emit': Fraction(1, 2), 'count': '1/3'}
    >>> _ = path.write_text('{"emit": 1e999999999}')
    >>> read_data_file(path, "workflow file")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    theory.datafile.DataFileError: workflow file '...w.json': number = '1e999999999' has exponent 999999999; \
the limit is 1000 in magnitude
    """
    path = Path(path)
    name = str(path)
    suffix = as_format or path.suffix.lower()
    if suffix not in formats:
        raise error(f"{what} must end in {' or '.join(formats)}, got {name!r}")
    try:
        raw = read_regular_file(path, what)
    except LimitError as err:
        raise error(str(err)) from None
    except OSError as err:
        raise error(err.strerror if err.strerror else str(err)) from None
    except ValueError as err:
        raise error(str(err)) from None
    return parse_data_text(raw, suffix, f"{what} {name!r}", error, exact)


def parse_data_text(raw, suffix, where, error=DataFileError, exact=True):
    """Parse the bytes (or text) of a JSON or TOML document as :func:`read_data_file` does.

    Examples
    --------
    >>> parse_data_text(b'x = 1.25', ".toml", "test")
    {'x': Fraction(5, 4)}
    >>> parse_data_text(b'{"a":' * 40 + b'1' + b'}' * 40, ".json", "test")
    Traceback (most recent call last):
    ...
    theory.datafile.DataFileError: test nests arrays/tables 40 deep; the limit is 32
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise error(f"{where} is not UTF-8 text: byte {raw[err.start]:#04x} at offset {err.start}") from None
    else:
        text = raw
    try:
        check_text_nesting(text, where)
        number = _exact_number if exact else _float_number
        if suffix == ".json":
            data = json.loads(text, parse_float=number, parse_int=_integer, parse_constant=_constant)
        else:
            data = tomllib.loads(text, parse_float=number)
        return check_nesting(data, where)
    except (LimitError, _BadNumber) as err:
        message = str(err)
        raise error(message if message.startswith(where) else f"{where}: {message}") from None
    except RecursionError:   # a backstop: the text scan above bounds the nesting the parsers see
        raise error(f"{where} nests arrays/tables too deep to parse; the limit is {MAX_NESTING}") from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        raise error(f"malformed {where}: {err}") from None
    except ValueError as err:   # tomllib's own int(): Python refuses integers of more than 4300 digits
        raise error(f"{where} holds a number that cannot be read ({_first_line(err)}); numbers may have "
                    f"at most {MAX_NUMBER_DIGITS} digits") from None


class _BadNumber(ValueError):
    pass


def _exact_number(text):
    if text.lstrip("+-") in ("inf", "nan"):
        raise _BadNumber(f"number {text!r} is not a finite number")
    return Fraction(check_number_text(text, "number"))


def _float_number(text):
    return float(check_number_text(text, "number"))


def _integer(text):
    return int(check_number_text(text, "number"))


def _constant(name):
    raise _BadNumber(f"number {name!r} is not a finite number")


def _first_line(err):
    return str(err).splitlines()[0] if str(err) else type(err).__name__
