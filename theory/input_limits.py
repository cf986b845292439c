"""The largest inputs the toolkit accepts, in one place, and the checks that refuse the rest up front.

Every limit below is data: a module constant with the reason it has the value it
has. The checks run where input enters (the file readers, the number parser, the
command line, the Monte Carlo engine's planner) and before any work starts, so an
input is either accepted and finishes, or refused at once with one line naming the
value and the limit (:class:`LimitError`, a ``ValueError``). This module imports
nothing heavy (no SymPy, numpy, SciPy), so the command line can check its arguments
before loading the mathematics.

=============================  ===========  ===================================================
limit                          value        what it bounds
=============================  ===========  ===================================================
``MAX_GENERATIONS``            10 000       generations of any command or workflow
``MAX_LISTED_GENERATIONS``     10 000       generations a workflow file lists
``MAX_FIT_ENTRIES``            2 500 000    fit entries of a workflow, over all generations
``MAX_EXACT_WORK``             4e9          bits the exact process writes (bounded up front)
``MAX_FILE_BYTES``             8 MiB        size of a workflow or sweep file
``MAX_NESTING``                32           depth of arrays/tables in a workflow or sweep file
``MAX_NUMBER_DIGITS``          1 000        digits of a number written as text
``MAX_DECIMAL_EXPONENT``       1 000        the exponent of a number such as ``1e400``
``MAX_EXACT_DIGITS``           100 000      digits of an exact rational the toolkit prints
``MAX_DPS``                    10 000       significant digits of a limit (``--dps``)
``MAX_SAMPLE_SIZE``            10**9        the base sample size n
``MAX_BATCH_POINTS``           2**53        points of one batch at a sample size n
``MAX_REPLICATES``             10**9        Monte Carlo replicates of one configuration
``MAX_DIMENSION``              1 000        a model's dimension d
``MAX_CATEGORIES``             10**6        categories K of the categorical model
``MAX_LATEX_PARAMETERS``       12           parameters of a model whose V ``latex --model`` derives
``MAX_SEED``                   2**128 - 1   a master seed
``MAX_SCALE``                  1e50         magnitude of a model's scale parameter
``MAX_POISSON_MEAN``           1e13         mean of one Poisson draw (numpy's sampler)
``MIN_RARE_OUTCOMES``          30           replicates expected to see a discrete model's rarer outcome
``MAX_SWEEP_CONFIGURATIONS``   10 000       configurations of a sweep's grid
``MAX_WORKERS``                1 024        local worker processes of a sweep
=============================  ===========  ===================================================

Memory is not a fixed limit: the Monte Carlo engine estimates the bytes a block of
replicates needs before allocating (:func:`check_memory`) and refuses only what
does not fit in the memory available.

Examples
--------
>>> check_count(12, MAX_GENERATIONS, "generations")
12
>>> check_count(20_000, MAX_GENERATIONS, "generations")
Traceback (most recent call last):
...
theory.input_limits.LimitError: generations = 20000 is more than the limit of 10000
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys

__all__ = ["LimitError", "MAX_GENERATIONS", "MAX_LISTED_GENERATIONS", "MAX_FIT_ENTRIES", "MAX_EXACT_WORK",
           "MAX_FILE_BYTES", "MAX_NESTING", "MAX_NUMBER_DIGITS", "MAX_DECIMAL_EXPONENT", "MAX_EXACT_DIGITS",
           "MAX_DPS", "MAX_SAMPLE_SIZE", "MAX_BATCH_POINTS", "MAX_REPLICATES", "MAX_DIMENSION", "MAX_CATEGORIES",
           "MAX_LATEX_PARAMETERS", "MAX_SEED", "MAX_SCALE", "MAX_POISSON_MEAN", "MIN_RARE_OUTCOMES",
           "MAX_SWEEP_CONFIGURATIONS", "MAX_WORKERS", "LIMITS", "check_count", "check_number_text",
           "check_rational_size", "check_memory", "available_memory", "read_regular_file", "check_regular_file",
           "nesting_depth", "check_nesting", "bracket_depth", "check_text_nesting", "int_digits", "decimal_digits",
           "format_bytes"]


class LimitError(ValueError):
    """An input larger than a limit of this module; the message names the value and the limit."""


#: Generations any command runs or any workflow has (risk, latex, plot, simulate, sweep).
MAX_GENERATIONS = 10_000
#: Generations a workflow file may list (checked before they are parsed, whatever ``--generations`` says).
MAX_LISTED_GENERATIONS = MAX_GENERATIONS
#: Fit entries of one workflow, over all its generations (augment of G generations has G(G + 1)/2, so
#: augment is built up to G = 2235). Building and validating them takes about 10 microseconds and 300
#: bytes each: 2.5 million take under a minute and under 1 GiB.
MAX_FIT_ENTRIES = 2_500_000
#: Work of the exact process (:func:`theory.process.exact_size`: non-zero loadings x their bits, bounded
#: before it starts). At the slowest rate measured (augment, 1e7 a second) 4e9 takes about 7 minutes; it
#: allows discard to 10 000 generations, mix:1 to about 2 400, augment to about 1 050.
MAX_EXACT_WORK = 4e9
#: Bytes of a workflow or sweep file (a workflow of 10 000 listed generations takes well under 1 MiB).
MAX_FILE_BYTES = 8 * 2**20
#: Levels of arrays and tables in a workflow or sweep file (the formats need 5; the parsers recurse).
MAX_NESTING = 32
#: Digits of a number written as text (mantissa, or numerator and denominator of p/q).
MAX_NUMBER_DIGITS = 1_000
#: |e| of a number written with an exponent (``1e400``): 10**e is built exactly, digit by digit.
MAX_DECIMAL_EXPONENT = 1_000
#: Digits of an exact rational the toolkit converts to text (the conversion is quadratic in Python 3.11:
#: 100 000 digits take 0.3 s).
MAX_EXACT_DIGITS = 100_000
#: Significant digits of a limit's decimal expansion (``risk --dps``).
MAX_DPS = 10_000
#: The base sample size n (a batch of n points is one allocation per replicate).
MAX_SAMPLE_SIZE = 10**9
#: Points of one batch or one fit entry at a sample size: counts of points must be exact in float64.
MAX_BATCH_POINTS = 2**53
#: Monte Carlo replicates of one configuration (4 million blocks of 250).
MAX_REPLICATES = 10**9
#: A model's dimension d (the symbolic faces build d x d matrices entry by entry).
MAX_DIMENSION = 1_000
#: Categories of the categorical model (row-compressed, so memory follows the support): 250 replicates of
#: 10^6 Zipf(1.5) categories take about 16 s and 0.4 GB, 10^7 take 2.5 minutes and 2.4 GB (measured). A
#: truth file of MAX_FILE_BYTES holds at most a few million probabilities.
MAX_CATEGORIES = 10**6
#: Parameters of a model whose asymptotic covariance V ``latex --model`` derives symbolically and prints
#: as a matrix. The derivation grows fast with their number (measured: mvn at d = 3, 9 parameters, 30 s;
#: logistic at d = 12, 22 s; linreg at d = 100, a minute; mvn at d = 4, 14 parameters, more than 3
#: minutes), and a 12 x 12 matrix is about what a page shows. Simulations take any dimension.
MAX_LATEX_PARAMETERS = 12
#: A master seed (numpy's SeedSequence takes any size; 128 bits are plenty and keep seeds printable).
MAX_SEED = 2**128 - 1
#: Magnitude of a scale parameter (sigma, a rate, a bandwidth, a Poisson mean) and of its inverse: the
#: standard error of a squared error needs the fourth power, which must stay a normal float64.
MAX_SCALE = 1e50
#: The mean of one Poisson draw (a batch's total is drawn at once): numpy's sampler is exact to about
#: 1e14; at 1e15 its variance is 4% too large, at 1e16 40% (measured).
MAX_POISSON_MEAN = 1e13
#: Replicates of a Monte Carlo run expected to see the rarer outcome of a Bernoulli or Poisson model in
#: the data of the workflow's smallest fit (a success and a failure; a non-zero count). The risk rests on those
#: replicates: with p = 1e-40 every fit is p-hat = 0, and a run would print p^2 with a standard error of
#: 0 beside the exact risk p(1 - p)/n. With 30 expected, a run sees none with probability e^-30 = 1e-13,
#: and lands more than 6 standard errors off for lack of them (10 seen or fewer) with probability 2e-5.
MIN_RARE_OUTCOMES = 30
#: Configurations of one sweep's grid (each is validated before the sweep starts, a few ms apiece).
MAX_SWEEP_CONFIGURATIONS = 10_000
#: Local worker processes of a sweep.
MAX_WORKERS = 1_024

#: Every limit by name, for a table in a notebook or a report.
LIMITS = {name: globals()[name] for name in __all__ if name.startswith(("MAX_", "MIN_"))}


def check_count(value, limit, what):
    """``value`` if it is at most ``limit``, else a :class:`LimitError` naming both.

    Examples
    --------
    >>> check_count(3, 10, "replicates")
    3
    """
    if value > limit:
        raise LimitError(f"{what} = {value} is more than the limit of {limit}")
    return value


def check_number_text(text, what="value"):
    """Refuse a number written as text whose exact value would be too large to build.

    ``text`` is a decimal (``"0.5"``, ``"1e-400"``) or a ratio ``"p/q"`` already
    matched by the caller's grammar. Building ``1e999999999`` exactly would write a
    billion digits: this checks the number of digits and the exponent first.

    Examples
    --------
    >>> check_number_text("1e400")
    '1e400'
    >>> check_number_text("1e999999999", "count")
    Traceback (most recent call last):
    ...
    theory.input_limits.LimitError: count = '1e999999999' has exponent 999999999; the limit is 1000 in magnitude
    """
    for part in text.split("/"):
        mantissa, _, exponent = part.strip().lower().partition("e")
        digits = sum(c.isdigit() for c in mantissa)
        if digits > MAX_NUMBER_DIGITS:
            raise LimitError(f"{what} = {_clip(text)} has {digits} digits; the limit is {MAX_NUMBER_DIGITS}")
        if exponent:
            body = exponent.lstrip("+-").lstrip("0")
            if len(body) > len(str(MAX_DECIMAL_EXPONENT)) or (body and int(body) > MAX_DECIMAL_EXPONENT):
                raise LimitError(f"{what} = {_clip(text)} has exponent {exponent.lstrip('+')[:30]}; "
                                 f"the limit is {MAX_DECIMAL_EXPONENT} in magnitude")
    return text


def check_rational_size(value, what="value"):
    """Refuse an exact rational whose numerator or denominator has more than :data:`MAX_NUMBER_DIGITS`
    + :data:`MAX_DECIMAL_EXPONENT` digits (what the largest number text can give).

    Examples
    --------
    >>> from fractions import Fraction
    >>> check_rational_size(Fraction(1, 10**400)) == Fraction("1e-400")
    True
    >>> check_rational_size(Fraction(10**2500), "count")
    Traceback (most recent call last):
    ...
    theory.input_limits.LimitError: count has 2501 digits; the limit is 2000
    """
    limit = MAX_NUMBER_DIGITS + MAX_DECIMAL_EXPONENT
    for part in (value.numerator, value.denominator):
        if part.bit_length() > _SAFE_BITS:        # cheap test first: this runs on every parsed number
            digits = int_digits(part)
            if digits > limit:
                raise LimitError(f"{what} has {digits} digits; the limit is {limit}")
    return value


# integers of at most this many bits have at most MAX_NUMBER_DIGITS + MAX_DECIMAL_EXPONENT digits
_SAFE_BITS = int((MAX_NUMBER_DIGITS + MAX_DECIMAL_EXPONENT - 1) * 3.3219280948873622)


def int_digits(value):
    """The number of decimal digits of an integer, without converting it to text (exact).

    Examples
    --------
    >>> int_digits(0), int_digits(-999), int_digits(10**5000)
    (1, 3, 5001)
    """
    value = abs(int(value))
    if value < 10:
        return 1
    digits = int((value.bit_length() - 1) * 0.30102999566398120) + 1   # log10(2), rounded down: a lower bound
    while value >= 10**digits:
        digits += 1
    return digits


@contextlib.contextmanager
def decimal_digits(digits):
    """Let integers of up to ``digits`` decimal digits convert to and from text inside the block.

    Python refuses such conversions above 4300 digits (a guard against quadratic
    time); the toolkit bounds its own numbers (:data:`MAX_EXACT_DIGITS`,
    :data:`MAX_DPS`), so it lifts the guard only as far as those bounds, and only
    inside the block. The setting is process-wide while the block runs.

    Examples
    --------
    >>> with decimal_digits(5000):
    ...     len(str(10**4999))
    5000
    """
    get = getattr(sys, "get_int_max_str_digits", None)
    if get is None:                       # before Python 3.11: no guard to lift
        yield
        return
    before = get()
    wanted = max(int(digits), 640)        # 640: the smallest value Python allows
    if before == 0 or before >= wanted:
        yield
        return
    sys.set_int_max_str_digits(wanted)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(before)


def read_regular_file(path, what="file", limit=MAX_FILE_BYTES):
    """The bytes of a regular file of at most ``limit`` bytes, or an error naming the path.

    FIFOs, devices and sockets (or symbolic links to them) are refused before they are
    opened, so reading never blocks or runs on forever; the size is checked on the
    open file, and at most ``limit + 1`` bytes are ever read.

    Raises
    ------
    LimitError
        If the file is larger than ``limit``.
    ValueError
        If the path names no regular file.
    OSError
        If it cannot be read.

    Examples
    --------
    >>> read_regular_file("/dev/zero", "workflow file")
    Traceback (most recent call last):
    ...
    ValueError: workflow file '/dev/zero' is not a regular file (a character device)
    """
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode          # follows symbolic links: their target is what would be read
    except OSError as err:
        raise OSError(err.errno, f"cannot read {what} {path!r}: {err.strerror}") from None
    _check_mode(mode, what, path)
    # O_NONBLOCK: should the path be swapped for a FIFO after the check, opening it does not wait.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise OSError(err.errno, f"cannot read {what} {path!r}: {err.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        opened = os.fstat(f.fileno())
        _check_mode(opened.st_mode, what, path)
        if opened.st_size > limit:
            raise LimitError(f"{what} {path!r} has {format_bytes(opened.st_size)}; the limit is "
                             f"{format_bytes(limit)}")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise LimitError(f"{what} {path!r} has more than {format_bytes(limit)}; the limit is {format_bytes(limit)}")
    return data


def check_regular_file(path, what="file"):
    """Refuse a path that exists but is not a regular file (a folder, FIFO, device or socket, or a link to one).

    For files the toolkit writes in place (a sweep store): a missing path is fine.

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        What the file is, for the message.

    Returns
    -------
    str
        The path.

    Raises
    ------
    ValueError
        Naming the path and what it is instead.

    Examples
    --------
    >>> check_regular_file("/dev/null", "sweep store")
    Traceback (most recent call last):
    ...
    ValueError: sweep store '/dev/null' is not a regular file (a character device)
    """
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return path           # missing (or a dangling link): created, or refused, by whoever writes it
    _check_mode(mode, what, path)
    return path


def _check_mode(mode, what, path):
    if not stat.S_ISREG(mode):
        raise ValueError(f"{what} {path!r} is not a regular file ({_kind(mode)})")


def _kind(mode):
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def nesting_depth(data):
    """How deep arrays and tables nest in parsed data (a scalar has depth 0), without recursion.

    Examples
    --------
    >>> nesting_depth({"generations": [{"fit": [{"batch": "R0"}]}]})
    5
    """
    depth, level = 0, [(data, 1)]
    while level:
        value, d = level.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        depth = max(depth, d)
        level.extend((child, d + 1) for child in children)
    return depth


def check_nesting(data, what):
    """``data`` if it nests at most :data:`MAX_NESTING` deep, else a :class:`LimitError`."""
    depth = nesting_depth(data)
    if depth > MAX_NESTING:
        raise LimitError(f"{what} nests arrays/tables {depth} deep; the limit is {MAX_NESTING}")
    return data


def bracket_depth(text):
    """The deepest nesting of ``[``/``{`` in JSON or TOML text, outside strings and comments.

    A cheap scan before parsing: the parsers recurse once per level, so a file nested
    thousands deep would exhaust the interpreter's stack. Table headers such as
    ``[[generations]]`` count as two levels, which only overestimates.

    Examples
    --------
    >>> bracket_depth('{"a": [1, "[[[", {"b": []}]}')
    4
    """
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


# strings (TOML's four kinds, JSON's one), comments, then the brackets themselves
_TOKENS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]')


def check_text_nesting(text, what):
    """``text`` if its brackets nest at most :data:`MAX_NESTING` deep, else a :class:`LimitError`."""
    depth = bracket_depth(text)
    if depth > MAX_NESTING:
        raise LimitError(f"{what} nests arrays/tables {depth} deep; the limit is {MAX_NESTING}")
    return text


def available_memory():
    """Bytes of memory this process may still use: the smaller of what the system reports available
    and any address-space limit; None where neither is known."""
    candidates = []
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    candidates.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not candidates:
        try:
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            pass
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            candidates.append(soft)
    except (ImportError, OSError, ValueError):
        pass
    return min(candidates) if candidates else None


def check_memory(needed, what, available=None):
    """Refuse work whose smallest unit needs more memory than is available.

    Parameters
    ----------
    needed : int
        Estimated bytes of the smallest unit of work that cannot be split further.
    what : str
        What needs it, for the message.
    available : int, optional
        Bytes available (default :func:`available_memory`, of which 80% may be used).

    Examples
    --------
    >>> check_memory(2**20, "one block", available=2**30)
    1048576
    >>> check_memory(2**40, "one block of 250 replicates", available=2**30)
    Traceback (most recent call last):
    ...
    theory.input_limits.LimitError: one block of 250 replicates needs about 1.0 TiB of memory; 1.0 GiB are available
    """
    if available is None:
        total = available_memory()
        available = None if total is None else int(0.8 * total)
    if available is not None and needed > available:
        raise LimitError(f"{what} needs about {format_bytes(needed)} of memory; {format_bytes(available)} are "
                         "available")
    return needed


def format_bytes(count):
    """A byte count in the largest binary unit that keeps it at least 1.

    Examples
    --------
    >>> format_bytes(512), format_bytes(3 * 2**30)
    ('512 bytes', '3.0 GiB')
    """
    count = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024 or unit == "PiB":
            return f"{int(count)} bytes" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def _clip(text, limit=40):
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")

