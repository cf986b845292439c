"""Dey & Donoho's real-data protocol: logistic regression refitted on its own labels.

A tabular data set is split once into a training and a test part (30% test):
by the toolkit's own seeded split or by the one Dey & Donoho (2024) used,
scikit-learn's ``train_test_split(test_size=0.3, random_state=123456)``
(:mod:`numerics.tabular`); features are standardised on the training part and an
intercept is added. Generation 1 fits an unpenalised logistic regression to the
real training labels (:func:`first_generation`). Every later generation fits labels
resampled from earlier fits *on the training design* (the rows stay, only the
labels are redrawn), as a workflow says (THEORY.md §2): ``discard`` fits the last
synthetic labels alone, ``augment`` pools the real labels with every synthetic
relabelling so far. Each fit is scored on the untouched real test set (log-loss and
accuracy). The data: the two sets scikit-learn ships (no network) or any CSV table
with a binary (or thresholded) target column.

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
from .tabular import DATASETS, Dataset, Split, load_csv, load_dataset, paper_split, split_dataset

__all__ = ["DATASETS", "Dataset", "Split", "RealDataResult", "FirstFit", "load_dataset", "load_csv",
           "split_dataset", "paper_split", "first_generation", "run_real_data", "drift_prediction",
           "SUMMARY_COLUMNS"]

SUMMARY_COLUMNS = ["workflow", "generation", "metric", "mean", "stderr", "median", "q25", "q75", "finite",
                   "replicates"]


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
class FirstFit:
    """Generation 1: the unpenalised MLE on the real training labels, and how it did on the test set.

    ``status`` is a :class:`FitStatus`: ``CONVERGED`` (the MLE exists and Newton found
    it), ``SEPARATED`` (the labels are completely separated, certified exactly: no
    MLE; ``coef`` is a separating direction and the test metrics are those of its
    limit, the hard classifier ``x'coef > 0``) or ``NOT_CONVERGED``. ``misclassified``
    counts the test rows on the wrong side of the boundary.
    """

    status: FitStatus
    iterations: int
    coef: np.ndarray = field(repr=False)
    test_logloss: float
    test_accuracy: float
    misclassified: int
    n_test: int

    @property
    def note(self):
        """One sentence on what generation 1's numbers are."""
        if self.status == FitStatus.CONVERGED:
            return (f"the MLE exists (the real training labels are not separable) and Newton's method converged in "
                    f"{self.iterations} steps: test log-loss {self.test_logloss:.4f}, test accuracy "
                    f"{self.test_accuracy:.4f}")
        if self.status == FitStatus.SEPARATED:
            wrong = (f"infinite (probability 0 for the true label of {self.misclassified} of the {self.n_test} test "
                     "rows)" if self.misclassified else "0 (every test row classified correctly)")
            return ("the real training labels are completely separated (certified exactly: the fit b found classifies "
                    "every training row strictly correctly), so the unpenalised MLE does not exist: the likelihood "
                    "increases without bound along b. The protocol continues with the hard classifier 1{x'b > 0}, one "
                    f"of many that separate the training rows: test accuracy {self.test_accuracy:.4f}, test log-loss "
                    f"{wrong}. An iterative optimiser stopped at its iteration limit on these labels reports a finite "
                    "log-loss that measures where it stopped, not an MLE")
        return (f"Newton's method did not converge in {self.iterations} steps and found no separating direction: "
                "the labels may be quasi-completely separated (then no MLE exists); the last iterate scores test "
                f"log-loss {self.test_logloss:.4f}, test accuracy {self.test_accuracy:.4f}")

    def to_json_dict(self):
        return {"status": FitStatus(self.status).name.lower(), "iterations": int(self.iterations),
                "test_logloss": _json_number(self.test_logloss), "test_accuracy": _json_number(self.test_accuracy),
                "misclassified": int(self.misclassified), "n_test": int(self.n_test), "note": self.note}


def _json_number(x):
    x = float(x)
    return x if np.isfinite(x) else None


def first_generation(split, max_iter=100):
    """Generation 1 of the protocol on ``split``: the MLE on the real training labels, separation certified.

    Parameters
    ----------
    split : Split
        The training and test parts (:func:`split_dataset`, :func:`paper_split`).
    max_iter : int
        Newton iterations at most.

    Returns
    -------
    FirstFit
        Converged (the MLE exists), separated (certified exactly: no MLE) or not
        converged, with the test log-loss and accuracy and a note saying which.

    Examples
    --------
    >>> fit = first_generation(paper_split("diabetes"))
    >>> fit.status.name, fit.iterations, round(fit.test_logloss, 4), round(fit.test_accuracy, 4)
    ('CONVERGED', 8, 0.4305, 0.812)
    >>> first_generation(paper_split("breast_cancer")).status.name
    'SEPARATED'
    """
    y = split.y_train
    fit = logistic_mle(split.X_train, 1.0, y[None], max_iter=max_iter, separation="certificate")
    status = FitStatus(int(fit.status[0]))
    separated = status == FitStatus.SEPARATED
    loss, accuracy = _test_metrics(split.X_test, split.y_test, fit.coef, np.array([separated]))
    eta = split.X_test @ fit.coef[0]
    wrong = int(np.sum((eta > 0) != (split.y_test > 0.5)))
    return FirstFit(status, int(fit.iterations[0]), fit.coef[0], float(loss[0]), float(accuracy[0]), wrong,
                    len(split.y_test))


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
    split : str
        How the data were split (the toolkit's seeded split or the paper's).
    first : FirstFit
        Generation 1: the MLE on the real training labels, or certified separation.
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
    split: str = ""
    first: FirstFit | None = None

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
                  test_size=0.3, split_seed=0, max_iter=100, progress=False):
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
    test_size, split_seed : float, int or "paper"
        The split, when ``data`` is not a :class:`Split`: the toolkit's, seeded with
        ``split_seed``, or with ``split_seed="paper"`` Dey & Donoho's
        (:func:`paper_split`, which has its own test size, 0.3).
    max_iter : int
        Newton iterations per fit.
    progress : bool or None
        Show a progress bar on stderr (None: when stderr is a terminal).

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
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ValueError(f"replicates must be a positive integer, got {replicates!r}")
    if isinstance(generations, bool) or not isinstance(generations, int) or generations < 1:
        raise ValueError(f"generations must be a positive integer, got {generations!r}")
    if isinstance(data, Split):
        split = data
    elif split_seed == "paper":
        split = paper_split(data)
    else:
        split = split_dataset(data, test_size, split_seed)
    if isinstance(workflows, str):
        workflows = (workflows,)
    chosen = {}
    for spec in workflows:   # every workflow is checked before any work starts
        wf = load_workflow(spec, generations)
        name = wf.name or str(spec)
        if name in chosen:
            raise ValueError(f"workflow {name!r} is given twice")
        _check_workflow(wf, name)
        chosen[name] = wf
    X, y = split.X_train, split.y_train
    m, p = X.shape
    children = np.random.SeedSequence(seed).spawn(replicates)
    metrics, coefs, theory = {}, {}, {}
    bar = _progress_bar(len(chosen) * generations, progress)
    try:
        for name, wf in chosen.items():
            metrics[name], coefs[name] = _run_chains(wf, X, y, split.X_test, split.y_test, children, max_iter,
                                                     bar.update if bar is not None else None)
            theory[name] = np.array([float(x) for x in drift_prediction(wf)])
    finally:
        if bar is not None:
            bar.close()
    return RealDataResult(split.name, tuple(chosen), generations, replicates, seed, m, split.X_test.shape[0],
                          split.feature_names, metrics, coefs, theory, split.origin, first_generation(split, max_iter))


def _progress_bar(total, progress):
    import sys

    if not (sys.stderr.isatty() if progress is None else progress):
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="real data", unit="generation", file=sys.stderr, leave=False)


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


def _run_chains(wf, X, y, X_test, y_test, children, max_iter, tick=None):
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
        if tick is not None:
            tick(1)
    out["separated"], out["converged"] = separated_all, converged_all
    return out, coef_all
