"""The real-data protocol: the fitting kernel on one shared design against statsmodels and linear programming,
the protocol's bookkeeping, and its drift against the sequential Gaussian process."""

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.optimize import linprog

from numerics.models.regression import FitStatus, logistic_mle
from numerics.real_data import (
    Dataset,
    drift_prediction,
    first_generation,
    load_csv,
    load_dataset,
    paper_split,
    run_real_data,
    split_dataset,
)
from numerics.tabular import minimum_rows, train_test_indices
from theory import covariance, preset, risk_ratios

from ..statistics import assert_within, sample_stderr


@pytest.fixture(scope="module")
def diabetes():
    return split_dataset(load_dataset("diabetes"), seed=0)


@pytest.fixture(scope="module")
def cancer():
    return split_dataset(load_dataset("breast_cancer"), seed=0)


def separating_mass(X, y):
    """max sum_i s_i x_i'b over s_i x_i'b >= 0, |b| <= 1: positive iff the labels can be separated
    (completely or quasi-completely), zero iff the logistic MLE exists (Albert & Anderson 1984)."""
    A = (2 * y - 1)[:, None] * X
    res = linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * X.shape[1],
                  method="highs")
    return -res.fun


# ----------------------------------------------------------------------------- data
def test_split_is_fixed_standardised_and_thirty_percent(diabetes):
    again = split_dataset("diabetes", seed=0)
    assert np.array_equal(again.X_train, diabetes.X_train) and np.array_equal(again.y_test, diabetes.y_test)
    assert diabetes.X_test.shape[0] == int(np.ceil(0.3 * 442))
    features = diabetes.X_train[:, 1:]
    assert np.allclose(features.mean(axis=0), 0) and np.allclose(features.std(axis=0), 1)
    assert np.all(diabetes.X_train[:, 0] == 1) and diabetes.feature_names[0] == "intercept"
    assert not np.array_equal(split_dataset("diabetes", seed=1).y_test, diabetes.y_test)


def test_diabetes_target_is_binarised_above_100():
    from sklearn.datasets import load_diabetes

    raw = load_diabetes()
    assert np.array_equal(load_dataset("diabetes").y, (raw.target > 100).astype(float))


@pytest.mark.parametrize("call, match", [
    (lambda: load_dataset("iris"), "unknown data set 'iris'"),
    (lambda: load_dataset("diabetes", ["bmi", "height"]), "unknown feature 'height'"),
    (lambda: split_dataset("diabetes", test_size=1.5), "strictly between 0 and 1, got 1.5"),
    (lambda: Dataset("x", [[1.0], [2.0]], [0, 2], ("a",)), "labels must be 0 or 1"),
    (lambda: split_dataset(Dataset("x", [[1.0], [1.0], [1.0]], [0, 1, 0], ("a",)), test_size=0.3),
     r"\['a'\] are constant"),
])
def test_bad_data_is_rejected_by_name(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------------- the paper's split
@pytest.mark.parametrize("n", [2, 3, 10, 97, 442, 569, 1000])
def test_the_paper_split_is_scikit_learns_row_for_row(n):
    from sklearn.model_selection import train_test_split

    train, test = train_test_indices(n)
    sk_train, sk_test = train_test_split(np.arange(n), test_size=0.3, random_state=123456)
    assert train.tolist() == sk_train.tolist() and test.tolist() == sk_test.tolist()


@pytest.mark.parametrize("name", ["diabetes", "breast_cancer"])
def test_paper_split_holds_the_arrays_scikit_learn_gives(name):
    from sklearn.model_selection import train_test_split

    data = load_dataset(name)
    X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.3, random_state=123456)
    split = paper_split(data)
    assert np.array_equal(split.y_train, y_train) and np.array_equal(split.y_test, y_test)
    # the same rows, standardised on the training part
    assert np.allclose(split.X_train[:, 1:] * split.scale + split.center, X_train, rtol=0, atol=1e-12)
    assert np.allclose(split.X_test[:, 1:] * split.scale + split.center, X_test, rtol=0, atol=1e-12)
    assert "random_state=123456" in split.origin


def test_standardising_the_features_does_not_change_what_the_mle_predicts():
    # The unpenalised MLE with an intercept is equivariant under x -> (x - c)/s: the fit on the raw
    # features (the authors' setting) and on the standardised ones predict the same probabilities.
    data = load_dataset("diabetes")
    split = paper_split(data)
    raw_train = np.column_stack([np.ones(len(split.train_rows)), data.X[split.train_rows]])
    raw_test = np.column_stack([np.ones(len(split.test_rows)), data.X[split.test_rows]])
    raw = logistic_mle(raw_train, 1.0, split.y_train[None], separation="certificate", max_iter=200)
    std = logistic_mle(split.X_train, 1.0, split.y_train[None], separation="certificate")
    assert raw.status.tolist() == std.status.tolist() == [FitStatus.CONVERGED]
    p_raw, p_std = 1 / (1 + np.exp(-raw_test @ raw.coef[0])), 1 / (1 + np.exp(-split.X_test @ std.coef[0]))
    assert np.max(np.abs(p_raw - p_std)) < 1e-9
    # and the coefficients map as the change of variables says: b_raw = b_std / s, intercept shifted
    assert np.allclose(raw.coef[0, 1:], std.coef[0, 1:] / split.scale, rtol=1e-8)
    assert raw.coef[0, 0] == pytest.approx(std.coef[0, 0] - std.coef[0, 1:] @ (split.center / split.scale), rel=1e-8)


def test_generation_one_on_the_paper_split_is_the_mle_an_independent_fit_finds():
    split = paper_split("diabetes")
    fit = first_generation(split)
    glm = sm.GLM(split.y_train, split.X_train, family=sm.families.Binomial()).fit(tol=1e-12)
    prob = glm.predict(split.X_test)
    y = split.y_test
    assert fit.status == FitStatus.CONVERGED and np.allclose(fit.coef, glm.params, rtol=0, atol=1e-8)
    assert fit.test_logloss == pytest.approx(-np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob)), rel=1e-10)
    assert fit.test_accuracy == np.mean((prob > 0.5) == (y > 0.5))
    assert fit.misclassified == np.sum((prob > 0.5) != (y > 0.5)) and "the MLE exists" in fit.note


def test_breast_cancer_on_the_paper_split_has_no_mle_and_an_iteration_limited_optimiser_hides_it():
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    split = paper_split("breast_cancer")
    assert separating_mass(split.X_train, split.y_train) > 1   # an independent LP: separable
    fit = first_generation(split)
    assert fit.status == FitStatus.SEPARATED and np.isinf(fit.test_logloss) and fit.misclassified > 0
    assert "MLE does not exist" in fit.note and "iteration limit" in fit.note
    # what an unpenalised optimiser with an iteration cap reports instead, in the authors' setting (raw
    # features): it stops at the cap with a finite log-loss, and how finite depends only on the cap
    data = load_dataset("breast_cancer")
    X_train, X_test, y = data.X[split.train_rows], data.X[split.test_rows], split.y_test.astype(int)
    losses = []
    for cap in (100, 400):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(C=np.inf, max_iter=cap).fit(X_train, split.y_train)   # C = inf: unpenalised
        assert model.n_iter_[0] == cap
        losses.append(-np.mean(np.log(model.predict_proba(X_test)[np.arange(len(y)), y])))
    assert np.all(np.isfinite(losses)) and losses[1] < losses[0]


def test_run_real_data_takes_the_paper_split_by_name():
    res = run_real_data("diabetes", ("augment",), generations=2, replicates=2, split_seed="paper")
    split = paper_split("diabetes")
    assert res.split == split.origin and res.n_train == 309
    assert res.first.test_logloss == first_generation(split).test_logloss
    assert np.allclose(res.coef["augment"][:, 0], res.first.coef, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- CSV tables
def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def diabetes_csv(path):
    from sklearn.datasets import load_diabetes

    raw = load_diabetes()
    header = ",".join([*raw.feature_names, "progression"])
    rows = [",".join(repr(float(v)) for v in (*x, t)) for x, t in zip(raw.data, raw.target, strict=True)]
    return write_csv(path, "\n".join([header, *rows]) + "\n")


def test_a_csv_table_round_trips_to_the_named_data_set(tmp_path):
    table = load_csv(diabetes_csv(tmp_path / "diabetes.csv"), "progression", threshold=100)
    named = load_dataset("diabetes")
    assert np.array_equal(table.X, named.X) and np.array_equal(table.y, named.y)
    assert table.feature_names == named.feature_names and table.name == "diabetes.csv"
    a = run_real_data(paper_split(table), generations=3, replicates=2)
    b = run_real_data(paper_split(named), generations=3, replicates=2)
    for w in a.workflows:
        for name in a.metrics[w]:
            assert np.array_equal(a.metrics[w][name], b.metrics[w][name], equal_nan=True), (w, name)


GOOD = "a,b,y\n" + "".join(f"{i},{(7 * i) % 11},{i % 2}\n" for i in range(12))


@pytest.mark.parametrize("text, target, threshold, match", [
    (GOOD, "label", None, "target column 'label' is not in .* its columns are a, b, y"),
    (GOOD.replace("3,10,1", "3,ten,1"), "y", None, "column 'b', row 5 of .* holds 'ten', not a finite number"),
    (GOOD.replace("3,10,1", "3,,1"), "y", None, "column 'b', row 5 of .* is empty"),
    (GOOD.replace("3,10,1", "3,inf,1"), "y", None, "column 'b', row 5 of .* holds 'inf'"),
    (GOOD.replace("3,10,1", "3,10,2"), "y", None, r"holds values other than 0 and 1 \(e.g. 2.0\); give a threshold"),
    (GOOD, "y", 5, r"the labels of .* are all 0 \(y > 5 for every row\)"),
    ("a,b,y\n" + "".join(f"{i},{i * i},{i % 2}\n" for i in range(6)), "y", None,
     "has 6 rows; 2 features need at least 9"),
    (GOOD.replace("3,10,1", "3,10"), "y", None, "row 5 of .* has 2 values for 3 columns"),
    ("a,a,y\n1,2,0\n", "y", None, "the column name 'a' appears twice"),
    ("y\n" + "0\n1\n" * 6, "y", None, "has no feature column besides the target 'y'"),
    ("", "y", None, "is empty"),
])
def test_bad_csv_tables_are_refused_by_name(tmp_path, text, target, threshold, match):
    with pytest.raises(ValueError, match=match):
        load_csv(write_csv(tmp_path / "t.csv", text), target, threshold)


def test_csv_files_that_are_not_regular_text_are_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot read the CSV file .*missing.csv"):
        load_csv(tmp_path / "missing.csv", "y")
    with pytest.raises(ValueError, match="is not a regular file"):
        load_csv(tmp_path, "y")
    (tmp_path / "latin.csv").write_bytes("a,y\n\xe9,1\n".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        load_csv(tmp_path / "latin.csv", "y")


def test_minimum_rows_leaves_two_training_rows_per_coefficient():
    for q in range(1, 12):
        n = minimum_rows(q)
        assert n - np.ceil(0.3 * n) >= 2 * (q + 1) > (n - 1) - np.ceil(0.3 * (n - 1))


# ----------------------------------------------------------------------------- the fitting kernel
CONVERGED, SEPARATED = FitStatus.CONVERGED, FitStatus.SEPARATED


def fit_logistic(X, positive, negative):
    """The protocol's fit: label weights on one shared design, separation certified exactly."""
    return logistic_mle(X, positive + negative, positive, separation="certificate")


def test_fit_matches_statsmodels_on_real_labels(diabetes):
    glm = sm.GLM(diabetes.y_train, diabetes.X_train, family=sm.families.Binomial()).fit(tol=1e-12)
    fits = fit_logistic(diabetes.X_train, diabetes.y_train[None], 1 - diabetes.y_train[None])
    assert fits.status.tolist() == [CONVERGED]
    assert np.allclose(fits.coef[0], glm.params, rtol=0, atol=1e-8)


def test_pooled_weights_equal_a_fit_on_the_stacked_relabellings(diabetes):
    # augment's pooled fit of k relabellings of one design is a fit with fractional labels
    rng = np.random.default_rng(np.random.SeedSequence(11))
    X = diabetes.X_train
    labels = (rng.random((3, X.shape[0])) < 0.6).astype(float)
    stacked = sm.GLM(labels.ravel(), np.tile(X, (3, 1)), family=sm.families.Binomial()).fit(tol=1e-12)
    ones = labels.mean(axis=0)[None]
    fits = fit_logistic(X, ones, 1 - ones)
    assert np.allclose(fits.coef[0], stacked.params, rtol=0, atol=1e-8)
    # and weighted entries: share 1/4 on one relabelling, 3/4 on another
    glm = sm.GLM(np.r_[labels[0], labels[1]], np.tile(X, (2, 1)), family=sm.families.Binomial(),
                 var_weights=np.r_[np.full(X.shape[0], 0.25), np.full(X.shape[0], 0.75)]).fit(tol=1e-12)
    pos = 0.25 * labels[0] + 0.75 * labels[1]
    neg = 0.25 * (1 - labels[0]) + 0.75 * (1 - labels[1])
    assert np.allclose(fit_logistic(X, pos[None], neg[None]).coef[0], glm.params, rtol=0, atol=1e-8)


def test_separation_status_agrees_with_linear_programming():
    # small random problems, many of them separable; an independent LP decides
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    seen = set()
    for _ in range(120):
        m, p = rng.integers(4, 20), rng.integers(1, 4)
        X = np.column_stack([np.ones(m), rng.normal(size=(m, p))])
        y = (rng.random(m) < 0.5).astype(float)
        fits = fit_logistic(X, y[None], 1 - y[None])
        mass = separating_mass(X, y)
        status = int(fits.status[0])
        seen.add(status)
        if status == SEPARATED:
            assert mass > 1e-9
            assert np.all((X @ fits.coef[0] > 0) == (y > 0.5))
        else:
            # continuous features: quasi-complete separation has probability 0, so the MLE exists
            assert status == CONVERGED and mass < 1e-7
            grad = (y - 1 / (1 + np.exp(-X @ fits.coef[0]))) @ X
            assert np.abs(grad).max() < 1e-6
    assert seen == {CONVERGED, SEPARATED}


def test_breast_cancer_training_labels_are_separable(cancer):
    # all 30 features: the unpenalised MLE does not exist at generation 1
    assert separating_mass(cancer.X_train, cancer.y_train) > 1
    fits = fit_logistic(cancer.X_train, cancer.y_train[None], 1 - cancer.y_train[None])
    assert fits.status.tolist() == [SEPARATED]
    assert np.all((cancer.X_train @ fits.coef[0] > 0) == (cancer.y_train > 0.5))


def test_fit_rejects_bad_weights(diabetes):
    with pytest.raises(ValueError, match=r"must broadcast to \(R, N\) = \(1, 309\) .* got shapes \(1, 3\)"):
        fit_logistic(diabetes.X_train, np.ones((1, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="0 <= b <= a, got a = 0.0 and b = -1.0 at replicate 0, row 0"):
        fit_logistic(diabetes.X_train, -np.ones((1, 309)), np.ones((1, 309)))
    with pytest.raises(ValueError, match="separation must be one of divergence, certificate, got 'lp'"):
        logistic_mle(diabetes.X_train, 1.0, diabetes.y_train[None], separation="lp")


def test_a_shared_design_fits_as_the_same_design_stacked_per_replicate(diabetes):
    # the two shapes of design are one algorithm: the same Newton path, up to BLAS summation order
    rng = np.random.default_rng(np.random.SeedSequence(3))
    X = diabetes.X_train
    y = (rng.random((4, X.shape[0])) < 0.6).astype(float)
    shared = logistic_mle(X, 1.0, y, separation="certificate")
    stacked = logistic_mle(np.broadcast_to(X, (4, *X.shape)), 1.0, y, separation="certificate")
    assert shared.status.tolist() == stacked.status.tolist() == [CONVERGED] * 4
    assert shared.iterations.tolist() == stacked.iterations.tolist()
    assert np.allclose(shared.coef, stacked.coef, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- the protocol
def test_generation_one_is_the_real_fit_and_replicates_do_not_depend_on_their_number(diabetes):
    small = run_real_data(diabetes, generations=4, replicates=3, seed=7)
    large = run_real_data(diabetes, workflows=("augment",), generations=4, replicates=5, seed=7)
    glm = sm.GLM(diabetes.y_train, diabetes.X_train, family=sm.families.Binomial()).fit(tol=1e-12)
    assert np.allclose(small.coef["discard"][:, 0], glm.params, atol=1e-8)
    # equal up to rounding: batched BLAS may sum in a different order for a different batch size
    assert np.allclose(small.coef["augment"], large.coef["augment"][:3], rtol=0, atol=1e-11)
    # common random numbers: generation 2 of discard and augment see the same synthetic labels
    assert not np.array_equal(small.coef["discard"][:, 1], small.coef["augment"][:, 1])
    assert np.all(small.metrics["augment"]["drift"][:, 0] == 0)


def test_test_metrics_recomputed_from_the_coefficients(diabetes):
    res = run_real_data(diabetes, generations=3, replicates=2, seed=3)
    coef = res.coef["augment"][1, 2]
    eta = diabetes.X_test @ coef
    prob = 1 / (1 + np.exp(-eta))
    y = diabetes.y_test
    assert res.metrics["augment"]["test_logloss"][1, 2] == pytest.approx(
        -np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob)), rel=1e-12)
    assert res.metrics["augment"]["test_accuracy"][1, 2] == pytest.approx(np.mean((prob > 0.5) == (y > 0.5)))


def test_discard_locks_in_once_separated_and_augment_never_separates(diabetes):
    # the real labels cannot be separated, so no pooled fit that contains them can be
    assert separating_mass(diabetes.X_train, diabetes.y_train) < 1e-7
    res = run_real_data(diabetes, generations=40, replicates=6, seed=0)
    sep = res.metrics["discard"]["separated"]
    assert sep.any(), "within 40 generations some discard chain separates (the walk of b diverges)"
    first = np.argmax(sep, axis=1)
    for r in np.flatnonzero(sep.any(axis=1)):
        assert sep[r, first[r]:].all()
        # locked: the same labels every generation, so the same hard classifier's accuracy
        acc = res.metrics["discard"]["test_accuracy"][r, first[r]:]
        assert np.all(acc == acc[0])
        assert np.all(np.isinf(res.metrics["discard"]["drift"][r, first[r]:]))
    assert not res.metrics["augment"]["separated"].any()
    assert res.metrics["augment"]["converged"].all()


def test_breast_cancer_is_degenerate_from_generation_one(cancer):
    res = run_real_data(cancer, generations=5, replicates=3, seed=0)
    for wf in res.workflows:
        m = res.metrics[wf]
        assert m["separated"].all()
        assert np.isnan(m["drift"]).all()  # no Fisher information at a divergent fit
        # the hard classifier misclassifies some test point, so its log-loss is infinite
        assert np.isinf(m["test_logloss"]).all() and np.all(m["test_accuracy"] < 1)
        assert np.all(m["test_accuracy"] == m["test_accuracy"][0, 0])


def test_summary_is_tidy_and_quantiles_handle_infinity(diabetes):
    res = run_real_data(diabetes, generations=2, replicates=3, seed=1)
    table = res.summary()
    assert list(table.columns) == ["workflow", "generation", "metric", "mean", "stderr", "median", "q25",
                                   "q75", "finite", "replicates"]
    assert len(table) == 2 * 2 * 5
    acc = res.metrics["discard"]["test_accuracy"][:, 1]
    row = table[(table.workflow == "discard") & (table.generation == 2) & (table.metric == "test_accuracy")]
    assert row["mean"].item() == pytest.approx(acc.mean())
    assert row["stderr"].item() == pytest.approx(acc.std(ddof=1) / np.sqrt(3))
    assert row["median"].item() == np.sort(acc)[1]
    cancer = run_real_data(split_dataset("breast_cancer"), ("discard",), generations=1, replicates=2)
    ll = cancer.summary().query("metric == 'test_logloss'")
    assert np.isinf(ll["median"].item()) and ll["finite"].item() == 0


@pytest.mark.parametrize("workflow, match", [
    ("weighted:0.5", "fresh real data"),
    ("mix:0.5", "emit must be a whole number of relabellings"),
    ("augmented", "unknown workflow 'augmented'"),
])
def test_workflows_the_protocol_cannot_run_are_rejected(diabetes, workflow, match):
    with pytest.raises(ValueError, match=match):
        run_real_data(diabetes, workflows=(workflow,), generations=3, replicates=1)


def test_drift_prediction_is_the_process_given_the_real_batch():
    # independent route: for discard and augment, H_k - H_1 is independent of H_1 = Z[R0], so the
    # conditional variance is Var H_k - Var H_1 = R_k - 1 in units of Var H_1
    for name in ("discard", "augment"):
        wf = preset(name, 6)
        assert drift_prediction(wf) == [r - 1 for r in risk_ratios(wf)]
    # window:2 keeps R0 in generation 2: Var(H_2 | H_1) = Var H_2 - Cov(H_1, H_2)^2 / Var H_1
    cov = covariance(preset("window:2", 2))
    assert drift_prediction("window:2", 2)[1] == cov[1][1] - cov[0][1] ** 2 / cov[0][0]


def test_drift_follows_the_gaussian_process(diabetes):
    R = 200
    res = run_real_data(diabetes.tiled(4), workflows=("discard", "augment", "subsample"), generations=4,
                        replicates=R, seed=5)
    cases = (("augment", [1, 2, 3], 0.05), ("subsample", [1], 0.08), ("discard", [1], 0.08))
    for wf, gens, allowance in cases:
        drift = res.metrics[wf]["drift"]
        # 4 standard errors plus a finite-m allowance: the logistic MLE's variance exceeds its
        # asymptotic value by O(p/m) (about 5% at m = 1236, p = 11; 17% at the real m = 309)
        assert_within(drift.mean(axis=0)[gens], sample_stderr(drift)[gens], res.theory[wf][gens], k=4,
                      relative=allowance, what=wf)
