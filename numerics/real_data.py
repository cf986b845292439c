"""Dey & Donoho's real-data protocol: logistic regression refitted on its own labels.

A tabular data set is split once into a training and a test part (30% test, a
fixed seed); features are standardised on the training part and an intercept is
added. Generation 1 fits an unpenalised logistic regression to the real training
labels. Every later generation fits labels resampled from earlier fits *on the
training design* (the rows stay, only the labels are redrawn), as a workflow says
(THEORY.md §2): ``discard`` fits the last synthetic labels alone, ``augment``
pools the real labels with every synthetic relabelling so far. Each fit is scored
on the untouched real test set (log-loss and accuracy). Dey & Donoho (2024) ran
this protocol on tabular data sets; here it runs on the two that scikit-learn
ships (no network).

Separation. When a fit's labels can be split perfectly by a hyperplane the
likelihood has no maximiser: it increases without bound along a separating
direction. The fitting kernel (:func:`numerics.models.regression.logistic_mle`,
the one the Monte Carlo engine uses, here on the shared training design) detects
this exactly: an iterate that classifies every training label strictly correctly
is a certificate, and the fit is reported as :attr:`FitStatus.SEPARATED`. Its
limit is a hard classifier, which is what the protocol then uses: it emits labels
``1{x'b > 0}`` (the limit of Bernoulli(sigmoid(t x'b)) draws as t grows) and
predicts the test set with probabilities 0 or 1, so its test log-loss is infinite
as soon as it misclassifies one test point. Under
``discard`` a separated generation re-emits exactly the labels it was fitted on,
so every later generation is separated too: the chain is locked into a
degenerate fit. Under ``augment`` the real labels stay in every fit, so a chain
can separate only if the real training labels already can.

The *drift* ``(b_k - b_1)' F_1 (b_k - b_1) / p``, with ``F_1`` the Fisher
information of the training design at generation 1's fit and ``p`` the number of
coefficients, links the experiment to the sequential Gaussian process: given the
real data, the process predicts its mean as the variance of H_k with the real
batch's noise removed (``k - 1`` for discard, ``sum_{j<=k} 1/j^2 - 1`` for
augment), whatever the data set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy.special import expit

from theory import linear_form, load_workflow
from theory.rationals import as_fraction

from .models.regression import FitStatus, LogisticFit, logistic_mle

__all__ = ["DATASETS", "Dataset", "Split", "RealDataResult", "load_dataset", "split_dataset", "run_real_data",
           "drift_prediction", "SUMMARY_COLUMNS"]

DATASETS = {
    "breast_cancer": "Wisconsin diagnostic breast cancer (569 rows, 30 features; 1 = benign)",
    "diabetes": "diabetes progression (442 rows, 10 features; 1 = progression score > 100)",
}

SUMMARY_COLUMNS = ["workflow", "generation", "metric", "mean", "stderr", "median", "q25", "q75", "finite",
                   "replicates"]


# --------------------------------------------------------------------- data
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
        ``breast_cancer``: scikit-learn's ``load_breast_cancer`` (label 1 = benign).
        ``diabetes``: ``load_diabetes`` with the progression score binarised at
        ``> 100``.
    features : sequence of str or int, optional
        Keep only these features (names or column indices).

    Returns
    -------
    Dataset
        ``X`` (rows x features), ``y`` (0/1), ``feature_names``.

    Examples
    --------
    >>> ds = load_dataset("diabetes")
    >>> ds.X.shape, round(float(ds.y.mean()), 3)
    ((442, 10), 0.665)
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    try:
        from sklearn import datasets
    except ImportError as err:  # scikit-learn ships the data; it is an optional dependency
        raise ImportError("the real-data sets need scikit-learn: pip install scikit-learn") from err
    if name == "breast_cancer":
        raw = datasets.load_breast_cancer()
        y = raw.target.astype(float)
    else:
        raw = datasets.load_diabetes()
        y = (raw.target > 100).astype(float)
    data = Dataset(name, raw.data, y, tuple(raw.feature_names))
    return data if features is None else data.select(features)


@dataclass(frozen=True)
class Split:
    """A fixed train/test split, standardised on the training part, with an intercept column first."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple
    center: np.ndarray
    scale: np.ndarray

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
        return Split(self.name, np.tile(self.X_train, (times, 1)), np.tile(self.y_train, times), self.X_test,
                     self.y_test, self.feature_names, self.center, self.scale)


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
    test, train = order[:n_test], order[n_test:]
    center = dataset.X[train].mean(axis=0)
    scale = dataset.X[train].std(axis=0)
    if np.any(scale == 0):
        constant = [dataset.feature_names[j] for j in np.flatnonzero(scale == 0)]
        raise ValueError(f"feature(s) {constant} are constant on the training split")

    def design(rows):
        return np.column_stack([np.ones(len(rows)), (dataset.X[rows] - center) / scale])

    return Split(dataset.name, design(train), dataset.y[train], design(test), dataset.y[test],
                 ("intercept", *dataset.feature_names), center, scale)


# --------------------------------------------------------------------- fitting
def _weighted_gram(X, weight):
    """X' diag(w_c) X for every chain c, (C, p, p), through BLAS."""
    return np.matmul(X.T[None, :, :] * weight[:, None, :], X)


# --------------------------------------------------------------------- the protocol
def _check_workflow(wf, spec):
    """Every batch of the real-data protocol is a whole number of relabellings of the training rows."""
    if wf.real != 1:
        raise ValueError(f"workflow {spec!r}: the real batch R0 is the training split, so real must be 1, "
                         f"got {wf.real}")
    for k, gen in enumerate(wf.generations, start=1):
        if gen.new_real is not None:
            raise ValueError(f"workflow {spec!r}, generation {k}: fresh real data (new_real) is not "
                             "available in the real-data protocol, which has one training split")
        if gen.emit is not None and gen.emit.denominator != 1:
            raise ValueError(f"workflow {spec!r}, generation {k}: emit must be a whole number of "
                             f"relabellings of the training rows, got {gen.emit}")


def drift_prediction(workflow, generations=None):
    """The process's prediction of the mean drift, given the real data.

    Var H_k with the real batch's own noise ``Z[R0]`` removed, in units of V/n:
    what ``(b_k - b_1)' F_1 (b_k - b_1) / p`` tends to when the training split has
    many rows (THEORY.md §3, conditioned on R0). Exact rationals.

    Examples
    --------
    >>> [str(x) for x in drift_prediction("augment", 3)]
    ['0', '1/4', '13/36']
    >>> [str(x) for x in drift_prediction("discard", 3)]
    ['0', '1', '2']
    """
    wf = load_workflow(workflow, generations)
    lf = linear_form(wf)
    lower, direct = lf.exact_matrices()
    loadings = lower.solve(direct)
    out = []
    for k in range(lf.G):
        total = Fraction(0)
        for j, name in enumerate(lf.primitives):
            if name != "Z[R0]":
                m = loadings[k, j]
                total += as_fraction(m) ** 2 * lf.variances[j]
        out.append(total)
    return out


@dataclass(frozen=True)
class RealDataResult:
    """Per workflow, per replicate and per generation, the fits' test metrics.

    ``metrics[workflow][name]`` is an array (replicates, generations) for names
    ``test_logloss``, ``test_accuracy``, ``drift`` (float; infinite for a separated
    fit), ``separated`` and ``converged`` (bool). ``coef[workflow]`` is (replicates,
    generations, p). ``theory[workflow]`` is the drift prediction (floats).

    Attributes
    ----------
    dataset : str
        The data set's name.
    workflows : tuple of str
        The workflows run.
    generations, replicates, seed : int
        The run's size and seed.
    n_train, n_test : int
        Rows of the training and test parts.
    feature_names : tuple of str
        The columns of the design, intercept first.
    metrics, coef, theory : dict
        Per workflow, as above.
    """

    dataset: str
    workflows: tuple
    generations: int
    replicates: int
    seed: int
    n_train: int
    n_test: int
    feature_names: tuple
    metrics: dict = field(repr=False)
    coef: dict = field(repr=False)
    theory: dict = field(repr=False)

    def summary(self):
        """A tidy table: one row per workflow x generation x metric.

        Columns ``workflow, generation, metric, mean, stderr, median, q25, q75,
        finite, replicates``. ``mean``/``stderr`` are over all replicates (infinite
        when any value is); the quantiles use the inverted CDF (no interpolation), so
        infinite values count as the largest. ``finite`` counts finite values.

        Examples
        --------
        >>> table = run_real_data("diabetes", generations=2, replicates=3).summary()
        >>> table.query("metric == 'separated' and generation == 2")[["workflow", "mean"]].values.tolist()
        [['discard', 0.0], ['augment', 0.0]]
        """
        import pandas as pd

        rows = []
        for wf in self.workflows:
            for name, values in self.metrics[wf].items():
                values = values.astype(float)
                R = values.shape[0]
                with np.errstate(invalid="ignore"):
                    mean = values.mean(axis=0)
                    stderr = (values.std(axis=0, ddof=1) / np.sqrt(R) if R > 1
                              else np.full(values.shape[1], np.nan))
                q25, q50, q75 = np.quantile(values, [0.25, 0.5, 0.75], axis=0, method="inverted_cdf")
                finite = np.isfinite(values).sum(axis=0)
                for g in range(self.generations):
                    rows.append((wf, g + 1, name, mean[g], stderr[g], q50[g], q25[g], q75[g],
                                 int(finite[g]), R))
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _test_metrics(X_test, y_test, coef, separated):
    eta = coef @ X_test.T
    wrong = (eta > 0) != (y_test > 0.5)
    accuracy = 1.0 - wrong.mean(axis=1)
    soft = (np.logaddexp(0.0, eta) - y_test * eta).mean(axis=1)
    # a separated fit is the hard classifier: loss 0 when right, infinite when wrong, log 2 on the boundary
    with np.errstate(divide="ignore"):
        hard = np.where(wrong & (eta != 0), np.inf, np.where(eta == 0, np.log(2.0), 0.0)).mean(axis=1)
    return np.where(separated, hard, soft), accuracy


def run_real_data(data="diabetes", workflows=("discard", "augment"), generations=50, replicates=10, seed=0, *,
                  test_size=0.3, split_seed=0, max_iter=100):
    """Run Dey & Donoho's real-data protocol for several workflows.

    Parameters
    ----------
    data : str, Dataset or Split
        A name from :data:`DATASETS`, a :class:`Dataset` (split with ``test_size``
        and ``split_seed``) or a ready :class:`Split`.
    workflows : sequence of str or Workflow
        Presets or workflow files (THEORY.md §2). Every batch must be a whole
        number of relabellings of the training rows and no fresh real data may be
        asked for; entries may subsample (rows drawn without replacement).
    generations : int
    replicates : int
        Independent chains of synthetic labels (the split is fixed).
    seed : int
        Replicate r draws from ``SeedSequence(seed).spawn(replicates)[r]``; every
        workflow reuses the replicate's stream (common random numbers), so
        replicate r is the same (up to floating-point rounding in the batched
        linear algebra) whatever the number of replicates or workflows.
    test_size, split_seed : float, int
        The split, when ``data`` is not a :class:`Split`.
    max_iter : int
        Newton iterations per fit.

    Returns
    -------
    RealDataResult

    Examples
    --------
    >>> res = run_real_data("diabetes", generations=3, replicates=4, seed=1)
    >>> res.metrics["augment"]["test_accuracy"].shape
    (4, 3)
    >>> bool(np.all(res.metrics["discard"]["drift"][:, 0] == 0))
    True
    """
    split = data if isinstance(data, Split) else split_dataset(data, test_size, split_seed)
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ValueError(f"replicates must be a positive integer, got {replicates!r}")
    if isinstance(generations, bool) or not isinstance(generations, int) or generations < 1:
        raise ValueError(f"generations must be a positive integer, got {generations!r}")
    if isinstance(workflows, str):
        workflows = (workflows,)
    X, y = split.X_train, split.y_train
    m, p = X.shape
    children = np.random.SeedSequence(seed).spawn(replicates)
    names, metrics, coefs, theory = [], {}, {}, {}
    for spec in workflows:
        wf = load_workflow(spec, generations)
        name = wf.name or str(spec)
        if name in metrics:
            raise ValueError(f"workflow {name!r} is given twice")
        _check_workflow(wf, name)
        names.append(name)
        metrics[name], coefs[name] = _run_chains(wf, X, y, split.X_test, split.y_test, children, max_iter)
        theory[name] = np.array([float(x) for x in drift_prediction(wf)])
    return RealDataResult(split.name, tuple(names), generations, replicates, seed, m, split.X_test.shape[0],
                          split.feature_names, metrics, coefs, theory)


def _fit_generation(X, positive, negative, previous, was_separated, finite_start, max_iter):
    """Fit one generation; a chain whose last fit separated first tries that direction as a certificate.

    ``positive`` and ``negative`` are the weights of labels 1 and 0 on each training row.
    """
    trials = positive + negative
    status = np.full(len(previous), FitStatus.NOT_CONVERGED, dtype=np.int8)
    coef, iterations = finite_start.copy(), np.zeros(len(previous), dtype=np.int64)
    if was_separated.any():
        check = logistic_mle(X, trials[was_separated], positive[was_separated], start=previous[was_separated],
                             max_iter=0, separation="certificate")
        coef[was_separated], status[was_separated] = check.coef, check.status
    todo = status != FitStatus.SEPARATED
    if todo.any():
        fits = logistic_mle(X, trials[todo], positive[todo], start=finite_start[todo], max_iter=max_iter,
                            separation="certificate")
        coef[todo], status[todo], iterations[todo] = fits
    return LogisticFit(coef, status, iterations)


def _run_chains(wf, X, y, X_test, y_test, children, max_iter):
    m, p = X.shape
    C, G = len(children), wf.G
    rngs = [np.random.default_rng(child) for child in children]
    labels = {"R0": np.broadcast_to(y.astype(bool), (C, 1, m))}  # batch -> (C, relabellings, m)
    out = {key: np.zeros((C, G)) for key in ("test_logloss", "test_accuracy", "drift")}
    separated_all, converged_all = np.zeros((C, G), dtype=bool), np.zeros((C, G), dtype=bool)
    coef_all = np.zeros((C, G, p))
    coef = finite_start = np.zeros((C, p))
    was_separated = np.zeros(C, dtype=bool)
    fisher1 = None
    for k, (gen, fit) in enumerate(zip(wf.generations, wf.shares(), strict=True)):
        positive, negative = np.zeros((C, m)), np.zeros((C, m))
        for s in fit:
            if not s.share:
                continue
            batch = labels[s.batch]
            copies = batch.shape[1]
            if s.count == s.size:
                ones = batch.sum(axis=1)
                positive += float(s.share) * ones / copies
                negative += float(s.share) * (copies - ones) / copies
            else:
                rows = max(1, round(s.count * m))
                picks = np.stack([rng.permutation(copies * m)[:rows] for rng in rngs])
                flat = np.broadcast_to(batch, (C, copies, m)).reshape(C, -1)
                chosen = np.take_along_axis(flat, picks, axis=1)
                w = float(s.share) * m / rows
                chain = np.repeat(np.arange(C), rows)
                np.add.at(positive, (chain, (picks % m).ravel()), w * chosen.ravel())
                np.add.at(negative, (chain, (picks % m).ravel()), w * ~chosen.ravel())
        fits = _fit_generation(X, positive, negative, coef, was_separated, finite_start, max_iter)
        separated = fits.status == FitStatus.SEPARATED
        coef_all[:, k] = fits.coef
        separated_all[:, k], converged_all[:, k] = separated, fits.status == FitStatus.CONVERGED
        loss, accuracy = _test_metrics(X_test, y_test, fits.coef, separated)
        out["test_logloss"][:, k], out["test_accuracy"][:, k] = loss, accuracy
        if k == 0:
            prob = expit(fits.coef @ X.T)
            fisher1 = _weighted_gram(X, prob * (1 - prob))
            first, first_ok = fits.coef, ~separated
        delta = fits.coef - first
        drift = np.einsum("cj,cjk,ck->c", delta, fisher1, delta) / p
        out["drift"][:, k] = np.where(~first_ok, np.nan, np.where(separated, np.inf, drift))
        coef, was_separated = fits.coef, separated
        # a separated iterate is a direction, not a point: Newton restarts from a finite fit
        finite_start = np.where((fits.status == FitStatus.CONVERGED)[:, None], fits.coef,
                                np.where(first_ok[:, None], first, 0.0))
        if gen.emit is not None:
            copies = int(gen.emit)
            eta = fits.coef @ X.T
            prob = np.where(separated[:, None], (eta > 0).astype(float), expit(eta))
            uniforms = np.stack([rng.random((copies, m)) for rng in rngs])
            labels[f"S{k + 1}"] = uniforms < prob[:, None, :]
    out["separated"], out["converged"] = separated_all, converged_all
    return out, coef_all
