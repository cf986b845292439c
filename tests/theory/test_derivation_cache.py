"""The on-disk cache of derived values: read back exactly, per version of the code, never trusted blindly."""

import json
from fractions import Fraction

import pytest

import theory.derivation_cache as cache
from theory.predictions import predict


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A fresh cache folder and a process that has seen nothing yet."""
    monkeypatch.setenv("PI2OVER6_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "_memory", {})
    return tmp_path


def forget():
    """What a new process knows: nothing in memory (the fingerprint is recomputed from the same sources)."""
    cache._memory.clear()


def never():
    raise AssertionError("derived again although the cache holds the value")


def test_a_value_is_read_back_exactly_by_a_later_process(folder):
    value = {"risk": [Fraction(1, 3), 0.1 + 0.2, float("inf")], "note": "exact", "flags": [True, None]}
    assert cache.cached_derivation("test", ["m", {"sigma": 0.1}], lambda: value) == value
    forget()
    assert cache.cached_derivation("test", ["m", {"sigma": 0.1}], never) == value
    assert len(list(folder.glob("derived-*/*.json"))) == 1


def test_keys_and_kinds_are_distinct(folder):
    assert cache.cached_derivation("a", [1], lambda: 1) == 1
    assert cache.cached_derivation("a", [2], lambda: 2) == 2
    assert cache.cached_derivation("b", [1], lambda: 3) == 3
    forget()
    assert [cache.cached_derivation(kind, [k], never) for kind, k in (("a", 1), ("a", 2), ("b", 1))] == [1, 2, 3]


def test_an_empty_folder_setting_turns_the_disk_off(tmp_path, monkeypatch):
    monkeypatch.setenv("PI2OVER6_CACHE_DIR", "")
    monkeypatch.setattr(cache, "_memory", {})
    calls = []
    cache.cached_derivation("test", [1], lambda: calls.append(1) or 5)
    forget()
    assert cache.cached_derivation("test", [1], lambda: calls.append(1) or 5) == 5
    assert len(calls) == 2 and cache.cache_folder() is None


def test_a_damaged_or_foreign_entry_is_derived_again(folder):
    cache.cached_derivation("test", [1], lambda: 5)
    (entry,) = folder.glob("derived-*/*.json")
    for damaged in ("{not json", json.dumps({"kind": "test", "key": "[2]", "value": 7})):
        entry.write_text(damaged)
        forget()
        assert cache.cached_derivation("test", [1], lambda: 5) == 5
    assert json.loads(entry.read_text())["value"] == 5


def test_a_new_version_of_the_code_starts_a_new_folder_and_old_ones_are_pruned(folder, monkeypatch):
    for version in range(cache.KEEP + 3):
        monkeypatch.setitem(cache._state, "fingerprint", f"v{version:02d}")
        forget()
        assert cache.cached_derivation("test", [1], lambda v=version: v) == version
    assert len(list(folder.glob("derived-*"))) == cache.KEEP


def test_values_that_are_not_data_are_refused(folder):
    with pytest.raises(TypeError, match="got object"):
        cache.cached_derivation("test", [1], object)


@pytest.mark.parametrize("model, params, workflow", [
    ("gaussian-mean", {"estimator": "median", "sigma": 2}, "augment"),   # asymptotic V, derived by SymPy
    ("gaussian", {}, "discard"),          # chi-square moments
    ("gaussian", {"estimator": "unbiased"}, "augment"),                  # delta-method V of sigma
    ("mvn", {"d": 2}, "discard"),
    ("linreg", {"d": 2}, "augment"),      # E tr (X^T X)^-1
    ("exponential", {"rate": 2}, "discard"),
    ("expfam", {"family": "geometric"}, "augment"),
    ("kde", {"h": 0.25}, "discard"),      # rsolve's closed form
])
def test_a_cached_prediction_equals_a_fresh_derivation(folder, monkeypatch, model, params, workflow):
    first = predict(model, params, workflow, 12, generations=4)
    forget()
    from_disk = predict(model, params, workflow, 12, generations=4)
    monkeypatch.setenv("PI2OVER6_CACHE_DIR", "")
    forget()
    fresh = predict(model, params, workflow, 12, generations=4)
    assert first == from_disk == fresh
    assert list(folder.glob("derived-*/*.json"))


def test_a_model_object_passed_in_is_not_cached(folder):
    from theory.models import get_model

    predict(get_model("gaussian-mean"), {"estimator": "median"}, "augment", 12, generations=2)
    assert not list(folder.glob("derived-*/*.json"))
