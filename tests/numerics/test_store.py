"""The SQLite sweep store: format, refusal of other sweeps and foreign files, locking, atomic cells."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.store import FORMAT, StoreBusyError, StoreError, SweepStore, canonical_json


def description(seed=1, cell_blocks=2, stream=(11, 12, 13, 14), configurations=2):
    return {"seed": seed, "replicates": 1000, "block": 250, "cell_blocks": cell_blocks,
            "configurations": [{"model": "gaussian-mean", "params": '{"mu":0}', "workflow": wf, "n": 10,
                                "generations": 3, "replicates": 1000, "blocks": 4,
                                "stream": [*stream[:-1], stream[-1] + i]}
                               for i, wf in enumerate(["discard", "augment", "mix:0.5"][:configurations])]}


def sums(tag):
    """Stand-in block sums: any JSON data round-trips exactly, floats included."""
    return [{"tag": tag, "x": [0.1, 1 / 3, 2.0**-1074, 1e308]}, {"tag": tag, "x": [-0.0, 5e-324, 3.0, 7.25]}]


def test_round_trip_and_schema(tmp_path):
    path = tmp_path / "s.sqlite"
    with SweepStore.create_or_resume(path, description()) as store:
        assert store.finished() == set()
        store.add_cell(1, 2, 4, sums("b"), seconds=0.5, worker="h:1")
        store.add_cell(0, 0, 2, sums("a"))
    with SweepStore.open(path) as store:
        assert store.description == description()
        cells = list(store.cells())
        assert [(c.config_id, c.first_block, c.stop_block) for c in cells] == [(0, 0, 2), (1, 2, 4)]
        assert cells[0].sums == sums("a") and cells[1].sums == sums("b")  # exact float round trip
        assert cells[1].seconds == 0.5 and cells[1].worker == "h:1"
        assert [c["workflow"] for c in store.configurations()] == ["discard", "augment"]
        assert json.loads(store.configurations()[1]["stream"]) == [11, 12, 13, 15]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0] == FORMAT
    assert db.execute("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL").fetchone()[0] == 1
    db.close()
    assert not (tmp_path / "s.sqlite.lock").exists()  # released and removed on close


def test_a_cell_is_never_stored_twice(tmp_path):
    with SweepStore.create_or_resume(tmp_path / "s.sqlite", description()) as store:
        store.add_cell(0, 0, 2, sums("a"))
        with pytest.raises(StoreError, match=r"cell \(configuration 0, first block 0\) cannot be stored"):
            store.add_cell(0, 0, 2, sums("again"))
        assert [c.sums for c in store.cells()] == [sums("a")]


def test_readers_cannot_write(tmp_path):
    path = tmp_path / "s.sqlite"
    SweepStore.create_or_resume(path, description()).close()
    with SweepStore.open(path) as store, pytest.raises(StoreError, match="read-only"):
        store.add_cell(0, 0, 2, sums("a"))


def test_resume_keeps_cells_and_records_runs(tmp_path):
    path = tmp_path / "s.sqlite"
    with SweepStore.create_or_resume(path, description()) as store:
        store.add_cell(0, 0, 2, sums("a"))
    with SweepStore.create_or_resume(path, description(), executor="2 local processes") as store:
        assert store.finished() == {(0, 0)}
        store.add_cell(0, 2, 4, sums("b"))
    db = sqlite3.connect(path)
    executors = [r[0] for r in db.execute("SELECT executor FROM runs ORDER BY run_id")]
    assert executors == ["local", "2 local processes"]
    db.close()


@pytest.mark.parametrize("other, message", [
    (description(seed=2), "seed is 1 there, 2 here"),
    (description(cell_blocks=3), "cell_blocks is 2 there, 3 here"),
    (description(configurations=3), "2 configurations there, 3 here"),
    (description(stream=(11, 12, 13, 99)), r"configuration 0 \(model=gaussian-mean, workflow=discard, n=10, "
                                           r"generations=3\) has a different definition"),
])
def test_a_different_sweep_is_refused(tmp_path, other, message):
    path = tmp_path / "s.sqlite"
    with SweepStore.create_or_resume(path, description()) as store:
        store.add_cell(0, 0, 2, sums("a"))
    with pytest.raises(StoreError, match=f"holds a different sweep: {message}"):
        SweepStore.create_or_resume(path, other)
    with SweepStore.open(path) as store:  # untouched
        assert store.description == description() and store.finished() == {(0, 0)}


def test_foreign_corrupt_and_missing_files(tmp_path):
    foreign = tmp_path / "foreign.sqlite"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    before = foreign.read_bytes()
    for opener in (SweepStore.open, lambda p: SweepStore.create_or_resume(p, description())):
        with pytest.raises(StoreError, match="an SQLite database but not a pi2over6 sweep store"):
            opener(foreign)
    assert foreign.read_bytes() == before  # not even switched to WAL mode
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database, just some text that is long enough" * 100)
    for opener in (SweepStore.open, lambda p: SweepStore.create_or_resume(p, description())):
        with pytest.raises(StoreError, match="file is not a database"):
            opener(corrupt)
    with pytest.raises(StoreError, match="no sweep store at"):
        SweepStore.open(tmp_path / "missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()


def test_preflight_refuses_what_create_or_resume_would_and_changes_nothing(tmp_path):
    path = tmp_path / "s.sqlite"
    SweepStore.preflight(path, description())  # a new store: fine, and nothing is created
    assert list(tmp_path.iterdir()) == []
    with SweepStore.create_or_resume(path, description()):
        with pytest.raises(StoreBusyError, match="in use by another sweep"):
            SweepStore.preflight(path, description())
    with pytest.raises(StoreError, match="holds a different sweep: seed is 1 there, 2 here"):
        SweepStore.preflight(path, description(seed=2))
    with pytest.raises(StoreError, match=r"cannot create sweep store .*: no folder .*nowhere"):
        SweepStore.create_or_resume(tmp_path / "nowhere" / "s.sqlite", description())


@pytest.mark.parametrize("left_behind", ["empty file", "WAL header, no tables"])
def test_an_empty_file_left_by_an_interrupted_creation_is_initialised(tmp_path, left_behind):
    # A kill between "PRAGMA journal_mode=WAL" and the schema's commit leaves a database with a
    # header and no tables: both the preflight check and the creation must take it as new.
    path = tmp_path / "s.sqlite"
    if left_behind == "empty file":
        path.write_bytes(b"")
    else:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.close()
    SweepStore.preflight(path, description())
    with SweepStore.create_or_resume(path, description()) as store:
        store.add_cell(0, 0, 2, sums("a"))
    with SweepStore.open(path) as store:
        assert store.finished() == {(0, 0)}


def test_a_second_writer_is_refused_while_the_first_is_open(tmp_path):
    path = tmp_path / "s.sqlite"
    with SweepStore.create_or_resume(path, description()) as first:
        with pytest.raises(StoreBusyError, match=rf"is in use by another sweep \(pid {os.getpid()} on "):
            SweepStore.create_or_resume(path, description())
        first.add_cell(0, 0, 2, sums("a"))  # the first writer is unaffected
        with SweepStore.open(path) as reader:  # and readers are welcome meanwhile
            assert reader.finished() == {(0, 0)}
    with SweepStore.create_or_resume(path, description()) as again:
        assert again.finished() == {(0, 0)}


def test_a_killed_writer_leaves_no_stale_lock(tmp_path):
    path = tmp_path / "s.sqlite"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from numerics.store import SweepStore
        store = SweepStore.create_or_resume({str(path)!r}, {description()!r})
        store.add_cell(0, 0, 2, [{{"x": 1}}, {{"x": 2}}])
        print("ready", flush=True)
        time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusyError, match=f"pid {holder.pid} on"):
            SweepStore.create_or_resume(path, description())
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate()
    assert (tmp_path / "s.sqlite.lock").exists()  # left behind by the killed process, but unlocked
    with SweepStore.create_or_resume(path, description()) as store:
        assert store.finished() == {(0, 0)}


def test_lock_holder_survives_a_waiter_that_gives_up(tmp_path):
    """A refused writer must not remove or break the holder's lock file."""
    path = tmp_path / "s.sqlite"
    with SweepStore.create_or_resume(path, description()):
        for _ in range(3):
            with pytest.raises(StoreBusyError):
                SweepStore.create_or_resume(path, description())
        assert (tmp_path / "s.sqlite.lock").exists()


def test_canonical_json_is_independent_of_key_order():
    assert canonical_json({"b": [1, {"d": 2, "c": 3}], "a": 0.5}) == '{"a":0.5,"b":[1,{"c":3,"d":2}]}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


@settings(deadline=None, max_examples=15)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3)), unique=True, max_size=8),
       st.integers(0, 8))
def test_reopening_sees_exactly_the_committed_cells(tmp_path_factory, cells, reopen_after):
    path = tmp_path_factory.mktemp("h") / "s.sqlite"
    committed = set()
    store = SweepStore.create_or_resume(path, description())
    for i, (cid, first) in enumerate(cells):
        if i == reopen_after:
            store.close()
            store = SweepStore.create_or_resume(path, description())
        store.add_cell(cid, first, first + 1, [{"c": cid, "b": first}])
        committed.add((cid, first))
        assert store.finished() == committed
    store.close()
    with SweepStore.open(path) as reader:
        assert reader.finished() == committed
        assert all(c.sums == [{"c": c.config_id, "b": c.first_block}] for c in reader.cells())


def test_writers_commit_each_cell_for_concurrent_readers(tmp_path):
    path = tmp_path / "s.sqlite"
    with SweepStore.create_or_resume(path, description()) as store:
        reader = SweepStore.open(path)
        for k in range(4):
            store.add_cell(k % 2, 2 * (k // 2), 2 * (k // 2) + 2, sums(str(k)))
            assert len(reader.finished()) == k + 1  # visible as soon as add_cell returns
        reader.close()
