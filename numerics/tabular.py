"""Tabular data for the real-data protocol: data sets, CSV tables, and train/test splits.

A :class:`Dataset` is a binary classification problem (features and labels 0/1):
one of the two data sets scikit-learn ships (:func:`load_dataset`) or a CSV table
with a named target column (:func:`load_csv`). A :class:`Split` is one fixed
train/test split of it, standardised on the training part, with an intercept
column first. Two splits are offered:

- the toolkit's own (:func:`split_dataset`): ``SeedSequence(seed)`` shuffles the rows;
- the one Dey & Donoho (2024) used (:func:`paper_split`): scikit-learn's
  ``train_test_split(test_size=0.3, random_state=123456)``, reproduced exactly and
  without scikit-learn by :func:`train_test_indices` (a Mersenne-Twister permutation,
  ``numpy.random.RandomState``, the one generator scikit-learn seeds from an integer:
  the single place the toolkit uses that legacy generator, because the split must be
  the authors' row for row).

Standardising changes nothing an unpenalised fit predicts (the MLE is equivariant
under an affine change of the features when an intercept is fitted); it keeps
Newton's method well conditioned.
"""

from __future__ import annotations

import csv
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DATASETS", "Dataset", "Split", "load_dataset", "load_csv", "split_dataset", "paper_split",
           "train_test_indices", "PAPER_SPLIT", "MIN_TRAINING_ROWS_PER_COEFFICIENT"]

DATASETS = {
    "breast_cancer": "Wisconsin diagnostic breast cancer (569 rows, 30 features; 1 = benign)",
    "diabetes": "diabetes progression (442 rows, 10 features; 1 = progression score > 100)",
}

PAPER_SPLIT = {"test_size": 0.3, "random_state": 123456}
"""Dey & Donoho's split: ``sklearn.model_selection.train_test_split(X, y, **PAPER_SPLIT)``."""

MIN_TRAINING_ROWS_PER_COEFFICIENT = 2
"""A table must leave at least this many training rows per fitted coefficient."""


# --------------------------------------------------------------------- data sets
@dataclass(frozen=True)
class Dataset:
    """A binary classification data set: raw features ``X`` (N, q), labels ``y`` in {0, 1}."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: tuple

    def __post_init__(self):
        X, y = np.asarray(self.X, dtype=float), np.asarray(self.y, dtype=float)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ValueError(f"X must be (N, q) and y (N,), got shapes {X.shape} and {y.shape}")
        if not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"labels must be 0 or 1, got values {np.unique(y)[:5].tolist()}")
        if len(self.feature_names) != X.shape[1]:
            raise ValueError(f"{X.shape[1]} features but {len(self.feature_names)} feature names")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", tuple(str(f) for f in self.feature_names))

    def select(self, features):
        """The same data set restricted to ``features`` (names or column indices).

        Examples
        --------
        >>> ds = Dataset("toy", [[1, 2], [3, 4]], [0, 1], ("a", "b"))
        >>> ds.select(["b"]).X.ravel().tolist(), ds.select([0]).feature_names
        ([2.0, 4.0], ('a',))
        """
        columns = []
        for f in features:
            if isinstance(f, str):
                if f not in self.feature_names:
                    raise ValueError(f"unknown feature {f!r} of data set {self.name!r}")
                columns.append(self.feature_names.index(f))
            elif isinstance(f, int | np.integer) and not isinstance(f, bool) and 0 <= f < self.X.shape[1]:
                columns.append(int(f))
            else:
                raise ValueError(f"a feature is a name or a column index below {self.X.shape[1]}, got {f!r}")
        if not columns:
            raise ValueError("select at least one feature")
        return Dataset(self.name, self.X[:, columns], self.y, tuple(self.feature_names[c] for c in columns))


def load_dataset(name, features=None):
    """One of the data sets scikit-learn ships, as a binary classification problem.

    Parameters
    ----------
    name : {"breast_cancer", "diabetes"}
        ``breast_cancer`` (or ``breast-cancer``): scikit-learn's ``load_breast_cancer``
        (label 1 = benign). ``diabetes``: ``load_diabetes`` with the progression score
        binarised at ``> 100``.
    features : sequence of str or int, optional
        Keep only these features (names or column indices).

    Returns
    -------
    Dataset
        ``X`` (rows x features), ``y`` (0/1), ``feature_names``.

    Raises
    ------
    ImportError
        When scikit-learn, which ships the data, is not installed (the ``real-data``
        extra: ``pip install "pi2over6[real-data]"``).

    Examples
    --------
    >>> ds = load_dataset("diabetes")
    >>> ds.X.shape, round(float(ds.y.mean()), 3)
    ((442, 10), 0.665)
    """
    key = name.replace("-", "_") if isinstance(name, str) else name
    if key not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose from {', '.join(n.replace('_', '-') for n in DATASETS)} "
                         "or give a CSV file")
    try:
        from sklearn import datasets
    except ImportError as err:  # scikit-learn ships the data; it is an optional dependency
        raise ImportError(f"the data set {name!r} ships with scikit-learn, which is not installed: "
                          'pip install "pi2over6[real-data]"') from err
    if key == "breast_cancer":
        raw = datasets.load_breast_cancer()
        y = raw.target.astype(float)
    else:
        raw = datasets.load_diabetes()
        y = (raw.target > 100).astype(float)
    data = Dataset(key, raw.data, y, tuple(raw.feature_names))
    return data if features is None else data.select(features)


def load_csv(path, target, threshold=None):
    """A CSV table (a header row, then one row per observation) as a binary classification problem.

    Every column but ``target`` is a feature and must hold finite numbers. Without
    ``threshold`` the target must hold only 0 and 1; with it, the label is
    ``target > threshold``. The file is read as UTF-8 (a byte-order mark is allowed).

    Parameters
    ----------
    path : str or Path
        A regular file.
    target : str
        The name of the target column.
    threshold : float, optional
        Binarise the target as ``target > threshold``.

    Returns
    -------
    Dataset
        Named after the file; the features in the header's order.

    Raises
    ------
    ValueError
        Naming the bad value: a file that is missing, not a regular file, empty or not
        UTF-8; a target column that is not in the header; a header with a repeated or
        empty name, or no feature; a row of the wrong length; a value that is not a
        finite number; a target that is not 0/1 without ``threshold``; labels that are
        all equal; fewer rows than the protocol needs (:func:`minimum_rows`).

    Examples
    --------
    >>> import tempfile
    >>> rows = [(1, 60, 3.5), (2, 72, 8), (3, 55, 9.5), (4, 80, 2), (5, 66, 7), (6, 59, 1), (7, 70, 6.5),
    ...         (8, 62, 4), (9, 75, 9), (10, 68, 5)]
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("dose,weight,score\\n" + "".join(f"{a},{b},{c}\\n" for a, b, c in rows))
    >>> ds = load_csv(f.name, "score", threshold=5)
    >>> ds.feature_names, ds.y.tolist()[:4], ds.X.shape
    (('dose', 'weight'), [0.0, 1.0, 1.0, 0.0], (10, 2))
    >>> load_csv(f.name, "dose")
    Traceback (most recent call last):
    ...
    ValueError: target column 'dose' of ... holds values other than 0 and 1 (e.g. 2.0); give a threshold ...
    """
    path = Path(path)
    header, rows = _read_table(path)
    if target not in header:
        raise ValueError(f"target column {target!r} is not in {str(path)!r}; its columns are {', '.join(header)}")
    if len(header) < 2:
        raise ValueError(f"{str(path)!r} has no feature column besides the target {target!r}")
    values = np.empty((len(rows), len(header)))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            values[i, j] = _number(cell, header[j], i + 2, path)
    t = header.index(target)
    raw_target = values[:, t]
    if threshold is None:
        other = raw_target[~np.isin(raw_target, (0.0, 1.0))]
        if other.size:
            raise ValueError(f"target column {target!r} of {str(path)!r} holds values other than 0 and 1 (e.g. "
                             f"{float(other[0])!r}); give a threshold to label rows by {target} > threshold")
        y, rule = raw_target, f"{target}"
    else:
        threshold = float(threshold)
        if not math.isfinite(threshold):
            raise ValueError(f"the threshold must be a finite number, got {threshold!r}")
        y, rule = (raw_target > threshold).astype(float), f"{target} > {threshold:g}"
    if np.all(y == y[0]):
        raise ValueError(f"the labels of {str(path)!r} are all {int(y[0])} ({rule} for every row): a constant "
                         "target has nothing to fit")
    features = [h for j, h in enumerate(header) if j != t]
    X = np.delete(values, t, axis=1)
    need = minimum_rows(len(features))
    if len(rows) < need:
        raise ValueError(f"{str(path)!r} has {len(rows)} rows; {len(features)} features need at least {need} (a 30% "
                         f"test part and {MIN_TRAINING_ROWS_PER_COEFFICIENT} training rows per coefficient)")
    return Dataset(path.name, X, y, tuple(features))


def minimum_rows(features, test_size=PAPER_SPLIT["test_size"]):
    """The fewest rows a table with ``features`` features needs for the protocol's split and fit.

    The training part must hold :data:`MIN_TRAINING_ROWS_PER_COEFFICIENT` rows per
    coefficient (the features and the intercept) and the test part at least one row.

    Examples
    --------
    >>> minimum_rows(2)
    9
    """
    rows = 2
    while rows - math.ceil(test_size * rows) < MIN_TRAINING_ROWS_PER_COEFFICIENT * (features + 1):
        rows += 1
    return rows


def _read_table(path):
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        raise ValueError(f"cannot read the CSV file {str(path)!r}: {err.strerror}") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"the CSV file {str(path)!r} is not a regular file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            lines = list(csv.reader(f))
    except UnicodeDecodeError as err:
        raise ValueError(f"{str(path)!r} is not UTF-8 text (byte {err.start} cannot be decoded)") from None
    except csv.Error as err:
        raise ValueError(f"{str(path)!r} is not a CSV table: {err}") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise ValueError(f"the CSV file {str(path)!r} is empty")
    header = [name.strip() for name in lines[0]]
    for j, name in enumerate(header):
        if not name:
            raise ValueError(f"column {j + 1} of {str(path)!r} has no name in the header row")
        if header.index(name) != j:
            raise ValueError(f"the column name {name!r} appears twice in the header of {str(path)!r}")
    rows = lines[1:]
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"row {i + 2} of {str(path)!r} has {len(row)} values for {len(header)} columns")
    return header, rows


def _number(cell, column, row, path):
    text = cell.strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        what = "is empty" if not text else f"holds {text[:40]!r}, not a finite number"
        raise ValueError(f"column {column!r}, row {row} of {str(path)!r} {what}")
    return value


# --------------------------------------------------------------------- splits
@dataclass(frozen=True)
class Split:
    """A fixed train/test split, standardised on the training part, with an intercept column first.

    ``train_rows`` and ``test_rows`` are the rows of the data set in each part, in the
    order the arrays hold them; ``origin`` says how the split was made.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple
    center: np.ndarray
    scale: np.ndarray
    origin: str = ""
    train_rows: np.ndarray | None = None
    test_rows: np.ndarray | None = None

    def tiled(self, times):
        """This split with its training rows repeated ``times`` times.

        Generation 1's fit is unchanged (duplicating rows leaves the MLE where it
        is), while every synthetic relabelling then draws ``times`` as many labels:
        the same design at a larger m, to watch finite-m effects shrink.

        Examples
        --------
        >>> sp = split_dataset("diabetes")
        >>> sp.tiled(3).X_train.shape, sp.tiled(3).X_test.shape
        ((927, 11), (133, 11))
        """
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be a positive integer, got {times!r}")
        rows = None if self.train_rows is None else np.tile(self.train_rows, times)
        return Split(self.name, np.tile(self.X_train, (times, 1)), np.tile(self.y_train, times), self.X_test,
                     self.y_test, self.feature_names, self.center, self.scale,
                     f"{self.origin}, training rows repeated {times} times", rows, self.test_rows)


def train_test_indices(n, test_size=PAPER_SPLIT["test_size"], random_state=PAPER_SPLIT["random_state"]):
    """The rows scikit-learn's ``train_test_split(..., test_size, random_state)`` puts in each part.

    Exactly scikit-learn's rule (shuffled, not stratified): ``ceil(test_size * n)``
    test rows; a Mersenne-Twister permutation of the rows seeded with
    ``random_state``, its first rows the test part and the rest the training part.

    Examples
    --------
    >>> train, test = train_test_indices(10)
    >>> len(train), len(test), sorted([*train, *test]) == list(range(10))
    (7, 3, True)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"a split needs at least 2 rows, got {n!r}")
    test_size = float(test_size)
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie strictly between 0 and 1, got {test_size!r}")
    n_test = math.ceil(test_size * n)
    if n_test >= n:
        raise ValueError(f"test_size {test_size!r} leaves no training rows out of {n}")
    permutation = np.random.RandomState(random_state).permutation(n)
    return permutation[n_test:], permutation[:n_test]


def split_dataset(dataset, test_size=0.3, seed=0):
    """Split ``dataset`` at random (``SeedSequence(seed)``), standardise, add an intercept.

    The test part has ``ceil(test_size * N)`` rows. Features are centred and scaled
    by the training part's mean and standard deviation only.

    Parameters
    ----------
    dataset : Dataset or str
        A data set, or the name of one for :func:`load_dataset`.
    test_size : float
        The fraction of rows held out for testing, in (0, 1).
    seed : int
        The seed of the random split.

    Returns
    -------
    Split
        Training and test parts (``X_train``, ``y_train``, ``X_test``, ``y_test``),
        with the intercept first among ``feature_names``.

    Examples
    --------
    >>> sp = split_dataset(load_dataset("diabetes"), seed=0)
    >>> sp.X_train.shape, sp.X_test.shape, sp.feature_names[:2]
    ((309, 11), (133, 11), ('intercept', 'age'))
    >>> bool(np.allclose(sp.X_train[:, 1:].mean(axis=0), 0))
    True
    """
    if isinstance(dataset, str):
        dataset = load_dataset(dataset)
    test_size = float(test_size)
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie strictly between 0 and 1, got {test_size!r}")
    N = dataset.X.shape[0]
    n_test = int(np.ceil(test_size * N))
    if n_test >= N:
        raise ValueError(f"test_size {test_size!r} leaves no training rows out of {N}")
    order = np.random.default_rng(np.random.SeedSequence(seed)).permutation(N)
    return standardised_split(dataset, order[n_test:], order[:n_test], f"the toolkit's split, seed {seed}")


def paper_split(dataset):
    """Dey & Donoho's split of ``dataset``: scikit-learn's ``train_test_split(test_size=0.3, random_state=123456)``.

    The same rows in the same order as scikit-learn gives (:func:`train_test_indices`),
    then standardised on the training part with an intercept, as :func:`split_dataset`.

    Parameters
    ----------
    dataset : Dataset or str
        A data set, or the name of one for :func:`load_dataset`.

    Returns
    -------
    Split
        Its ``train_rows`` and ``test_rows`` are scikit-learn's, in scikit-learn's order.

    Examples
    --------
    >>> sp = paper_split(load_dataset("diabetes"))
    >>> sp.X_train.shape, sp.X_test.shape, sp.test_rows[:3].tolist()
    ((309, 11), (133, 11), [356, 13, 378])
    """
    if isinstance(dataset, str):
        dataset = load_dataset(dataset)
    train, test = train_test_indices(dataset.X.shape[0])
    return standardised_split(dataset, train, test, "the paper's split: scikit-learn's train_test_split("
                              "test_size=0.3, random_state=123456)")


def standardised_split(dataset, train, test, origin):
    """The split of ``dataset`` into the rows ``train`` and ``test``, standardised on ``train``, with an intercept."""
    center = dataset.X[train].mean(axis=0)
    scale = dataset.X[train].std(axis=0)
    if np.any(scale == 0):
        constant = [dataset.feature_names[j] for j in np.flatnonzero(scale == 0)]
        raise ValueError(f"feature(s) {constant} are constant on the training split")

    def design(rows):
        return np.column_stack([np.ones(len(rows)), (dataset.X[rows] - center) / scale])

    return Split(dataset.name, design(train), dataset.y[train], design(test), dataset.y[test],
                 ("intercept", *dataset.feature_names), center, scale, origin, np.asarray(train), np.asarray(test))
