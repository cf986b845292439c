"""``pi2over6 real-data``: exit codes, the JSON and CSV outputs, CSV tables, the paper's split, the progress bar."""

import json
import sys

import numpy as np
import pandas as pd
import pytest

from numerics.real_data import SUMMARY_COLUMNS, first_generation, paper_split, run_real_data, split_dataset
from proofs_check.cli import main
from tests.tools import on_a_terminal

METRICS = ("test_logloss", "test_accuracy", "drift", "separated", "converged")


def run_json(argv, capsys):
    assert main(["real-data", *argv, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""   # no progress bar, no warning
    return json.loads(captured.out)


def diabetes_csv(path):
    from sklearn.datasets import load_diabetes

    raw = load_diabetes()
    frame = pd.DataFrame(raw.data, columns=raw.feature_names)
    frame["progression"] = raw.target
    frame.to_csv(path, index=False, float_format="%.17g")
    return path


# ------------------------------------------------------------------ the JSON object
def test_json_holds_generation_one_with_its_note_and_the_tidy_summary(capsys):
    data = run_json(["diabetes", "--split", "paper", "--generations", "3", "--replicates", "4"], capsys)
    assert {"dataset", "split", "n_train", "n_test", "features", "workflows", "generations", "replicates", "seed",
            "generation_1", "theory", "summary"} <= set(data)
    assert "random_state=123456" in data["split"] and (data["n_train"], data["n_test"]) == (309, 133)
    first = first_generation(paper_split("diabetes"))
    g1 = data["generation_1"]
    assert g1["status"] == "converged" and g1["test_logloss"] == first.test_logloss
    assert g1["test_accuracy"] == first.test_accuracy and "MLE exists" in g1["note"]
    records = data["summary"]
    assert len(records) == 2 * 3 * len(METRICS)
    assert all(list(r) == SUMMARY_COLUMNS for r in records)
    # the records are RealDataResult.summary() of the same run
    table = run_real_data("diabetes", generations=3, replicates=4, split_seed="paper").summary()
    assert [(r["workflow"], r["generation"], r["metric"]) for r in records] == \
        list(zip(table.workflow, table.generation, table.metric, strict=True))
    assert np.allclose([r["mean"] for r in records], table["mean"], rtol=0, atol=1e-12)


def test_json_says_a_separated_generation_one_is_no_mle_and_writes_infinity_as_null(capsys):
    data = run_json(["breast-cancer", "--split", "paper", "--generations", "2", "--replicates", "2",
                     "--workflows", "augment"], capsys)
    g1 = data["generation_1"]
    assert g1["status"] == "separated" and g1["test_logloss"] is None and g1["misclassified"] > 0
    assert "MLE does not exist" in g1["note"] and "iteration limit" in g1["note"]
    loss = [r for r in data["summary"] if r["metric"] == "test_logloss"]
    assert all(r["mean"] is None and r["finite"] == 0 for r in loss)


def test_the_toolkit_split_is_the_default_and_takes_a_seed(capsys):
    default = run_json(["diabetes", "--generations", "1", "--replicates", "1"], capsys)
    seeded = run_json(["diabetes", "--split-seed", "3", "--generations", "1", "--replicates", "1"], capsys)
    assert default["split"] == split_dataset("diabetes", seed=0).origin
    assert seeded["generation_1"]["test_logloss"] == first_generation(split_dataset("diabetes", seed=3)).test_logloss


# ------------------------------------------------------------------ CSV in and out
def test_a_csv_table_gives_the_result_of_the_data_set_it_holds(tmp_path, capsys):
    path = diabetes_csv(tmp_path / "table.csv")
    common = ["--split", "paper", "--generations", "2", "--replicates", "3"]
    from_csv = run_json([str(path), "--target", "progression", "--threshold", "100", *common], capsys)
    named = run_json(["diabetes", *common], capsys)
    assert from_csv["summary"] == named["summary"] and from_csv["generation_1"] == named["generation_1"]
    assert from_csv["dataset"] == "table.csv" and "progression > 100" in from_csv["description"]


def test_csv_output_is_the_summary_table(tmp_path, capsys):
    out = tmp_path / "summary.csv"
    assert main(["real-data", "diabetes", "--generations", "2", "--replicates", "2", "--csv", str(out)]) == 0
    assert "generation 1, the unpenalised MLE" in capsys.readouterr().out   # the report is still printed
    frame = pd.read_csv(out)
    assert list(frame.columns) == SUMMARY_COLUMNS and len(frame) == 2 * 2 * len(METRICS)
    assert not list(tmp_path.glob(".pi2over6-*"))
    assert main(["real-data", "diabetes", "--generations", "2", "--replicates", "2", "--csv", "-"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == ",".join(SUMMARY_COLUMNS) and "generation 1, the" not in printed


# ------------------------------------------------------------------ bad input: one line, status 2
@pytest.mark.parametrize("argv, message", [
    (["iris"], "DATASET must be diabetes or breast-cancer or a CSV file, got 'iris' (no such file)"),
    (["diabetes", "--target", "y"], "--target and --threshold apply to a CSV file, not to the data set 'diabetes'"),
    (["diabetes", "--threshold", "3"], "--threshold needs --target"),
    (["diabetes", "--threshold", "nan", "--target", "y"], "argument --threshold: must be a finite number, got 'nan'"),
    (["diabetes", "--generations", "0"], "argument --generations: must be an integer from 1 to 1000, got '0'"),
    (["diabetes", "--replicates", "10001"], "argument --replicates: must be an integer from 1 to 10000"),
    (["diabetes", "--split", "paper", "--split-seed", "2"], "argument --split-seed: not allowed with argument --split"),
    (["diabetes", "--split", "authors"], "argument --split: invalid choice: 'authors'"),
    (["diabetes", "--workflows", "mix:0.5"], "emit must be a whole number of relabellings"),
    (["diabetes", "--workflows", "augment", "weighted:0.5"], "fresh real data (new_real) is not available"),
    (["diabetes", "--workflows", "augmented"], "unknown workflow 'augmented'"),
    (["diabetes", "--json", "--csv", "-"], "--csv - and --json both write to standard output"),
    (["diabetes", "--replicates", "10000", "--generations", "1000"], "above the limit of 2 GiB"),
])
def test_bad_input_is_one_line_on_stderr_and_status_2(argv, message, capsys):
    assert main(["real-data", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_bad_csv_tables_are_one_line_naming_the_value(tmp_path, capsys):
    rows = "".join(f"{i},{(5 * i) % 7},{i % 2}\n" for i in range(12))
    (tmp_path / "t.csv").write_text("dose,weight,y\n" + rows.replace("3,1,1", "3,heavy,1"))
    assert main(["real-data", str(tmp_path / "t.csv"), "--target", "y"]) == 2
    err = capsys.readouterr().err
    assert "column 'weight', row 5 of" in err and "'heavy', not a finite number" in err and err.count("\n") == 1
    assert main(["real-data", str(tmp_path / "t.csv")]) == 2
    assert "a CSV file needs --target COL" in capsys.readouterr().err
    (tmp_path / "t.csv").write_text("dose,weight,y\n" + rows)
    assert main(["real-data", str(tmp_path / "t.csv"), "--target", "dose"]) == 2
    assert "holds values other than 0 and 1 (e.g. 2.0)" in capsys.readouterr().err


def test_without_scikit_learn_a_named_data_set_says_what_to_install(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "sklearn", None)   # import sklearn now raises ImportError
    assert main(["real-data", "diabetes"]) == 2
    err = capsys.readouterr().err
    assert 'ships with scikit-learn, which is not installed: pip install "pi2over6[real-data]"' in err
    # a CSV table needs no scikit-learn, the paper's split included
    rows = "".join(f"{i},{(5 * i) % 7},{(i * i) % 3 == 1:d}\n" for i in range(30))
    (tmp_path / "t.csv").write_text("a,b,y\n" + rows)
    assert main(["real-data", str(tmp_path / "t.csv"), "--target", "y", "--split", "paper", "--generations", "2",
                 "--replicates", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_test"] == 9


# ------------------------------------------------------------------ the progress bar
def test_a_terminal_shows_the_progress_bar(tmp_path):
    status, shown = on_a_terminal(["real-data", "diabetes", "--generations", "3", "--replicates", "2"])
    assert status == 0 and "real data:" in shown and "generation 1, the unpenalised MLE" in shown
    status, shown = on_a_terminal(["real-data", "diabetes", "--generations", "3", "--replicates", "2", "--json"])
    assert status == 0 and "real data:" not in shown and json.loads(shown)["generations"] == 3
