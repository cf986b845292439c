"""The SQLite store of one sweep: what the sweep is, its configurations, and every finished cell.

A store is one SQLite file in WAL mode, so that readers (``pi2over6 results``, plots) can
look at a sweep while it runs. It holds

- ``meta``: the store format and the sweep's canonical description (JSON); a sweep whose
  description differs is refused, so results of two different sweeps never mix;
- ``configurations``: one row per configuration of the grid, with its stream id;
- ``cells``: one row per finished cell (a configuration and a contiguous range of random-number
  blocks), keyed by ``(config_id, first_block)`` and holding the blocks' exact sums as JSON
  (:meth:`numerics.block_sums.BlockSums.to_dict`). Sums carry the cross moments with generation 1
  that ratio standard errors need; cells written before they were kept lack them and are read all
  the same (their ratios then get the conservative bound, :func:`numerics.results.ratio_frame`);
- ``runs``: who ran the sweep, when, with what.

Only one process writes: the coordinator of a sweep, which commits every finished cell in its own
transaction, so a process killed at any moment loses at most the cells still being computed. A
second writer is refused while the first is alive: the writer holds an exclusive advisory lock on
the file ``<store>.lock``, which the operating system releases if the writer dies (even by
SIGKILL), so a killed sweep never leaves a stale lock behind.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from theory.input_limits import check_regular_file

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt

__all__ = ["SweepStore", "StoredCell", "StoreError", "StoreBusyError", "canonical_json"]

FORMAT = "pi2over6-sweep-store/1"
APPLICATION_ID = 0x70693236  # "pi26": marks the file as a sweep store for tools such as `file`

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE configurations (
    config_id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    params TEXT NOT NULL,
    workflow TEXT NOT NULL,
    n INTEGER NOT NULL,
    generations INTEGER NOT NULL,
    replicates INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    stream TEXT NOT NULL
);
CREATE TABLE cells (
    config_id INTEGER NOT NULL REFERENCES configurations (config_id),
    first_block INTEGER NOT NULL,
    stop_block INTEGER NOT NULL CHECK (stop_block > first_block),
    sums TEXT NOT NULL,
    seconds REAL,
    worker TEXT,
    run_id INTEGER REFERENCES runs (run_id),
    finished_at REAL NOT NULL,
    PRIMARY KEY (config_id, first_block)
) WITHOUT ROWID;
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    executor TEXT NOT NULL
);
"""

_CONFIG_COLUMNS = ("model", "params", "workflow", "n", "generations", "replicates", "blocks", "stream")
_TEXT_COLUMNS = ("model", "params", "workflow", "stream")


class StoreError(ValueError):
    """A store that is missing, foreign, corrupt, or holds a different sweep."""


class StoreBusyError(StoreError):
    """Another process is writing to the store."""


def canonical_json(data):
    """JSON text with sorted keys and no spaces: equal data give equal text.

    Examples
    --------
    >>> canonical_json({"sigma": 1, "mu": 0.5, "estimator": "mean"})
    '{"estimator":"mean","mu":0.5,"sigma":1}'
    """
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class StoredCell:
    """A finished cell as stored: blocks ``first_block <= b < stop_block`` of one configuration.

    ``sums`` holds one JSON object per block, in block order (the engine's ``BlockSums.to_dict()``).
    """

    config_id: int
    first_block: int
    stop_block: int
    sums: list
    seconds: float | None
    worker: str | None


class SweepStore:
    """A sweep store opened for reading (:meth:`open`) or for writing (:meth:`create_or_resume`).

    Use it as a context manager; closing a writer releases its lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.sqlite"
    >>> description = {"seed": 1, "configurations": [{"model": "m", "params": "{}", "workflow": "discard",
    ...     "n": 10, "generations": 2, "replicates": 500, "blocks": 2, "stream": [7]}]}
    >>> with SweepStore.create_or_resume(path, description) as store:
    ...     store.add_cell(0, 0, 1, [{"block": 0}], seconds=0.1)
    ...     sorted(store.finished())
    [(0, 0)]
    >>> with SweepStore.open(path) as store:
    ...     [(c.config_id, c.first_block, c.sums) for c in store.cells()]
    [(0, 0, [{'block': 0}])]
    """

    def __init__(self, path, connection, lock=None, run_id=None):
        self.path = Path(path)
        self._db = connection
        self._lock = lock
        self._run_id = run_id
        self._description = None

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path):
        """Open an existing store for reading, also from a folder this process cannot write to.

        Raises
        ------
        StoreError
            If ``path`` does not exist, is not a regular file, is not an SQLite database, or is not a
            sweep store.
        """
        path = Path(path)
        if not path.exists():
            raise StoreError(f"no sweep store at {str(path)!r}")
        _check_regular(path)
        db = _reader(path)
        store = cls(path, db)
        try:
            store._check_format()
        except BaseException:
            db.close()
            raise
        return store

    @classmethod
    def create_or_resume(cls, path, description, executor="local"):
        """Open ``path`` for writing the sweep ``description``, creating the store if needed.

        Parameters
        ----------
        path : str or Path
            The store; created (with its schema) if it does not exist or is an empty database.
        description : dict
            The sweep's canonical description (JSON-able). Its ``configurations`` entry lists one
            mapping per configuration with keys ``model, params, workflow, n, generations,
            replicates, blocks, stream``; their position is the ``config_id``.
        executor : str
            How the cells are run, recorded in the ``runs`` table.

        Raises
        ------
        StoreBusyError
            If another process holds the store's write lock.
        StoreError
            If the store is foreign or corrupt, or was created for a different sweep.
        """
        path, description = Path(path), json.loads(canonical_json(description))
        lock = _acquire(path)
        db = None
        try:
            try:
                db = sqlite3.connect(path, timeout=30, isolation_level=None)
                store = cls(path, db, lock)
                # An empty database is a store whose creation was interrupted (or a new file).
                fresh = not db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if not fresh:
                    store._check_format()  # before any pragma writes to someone else's file
                db.execute("PRAGMA journal_mode=WAL")
                # FULL: a committed cell survives power loss as well as a killed process.
                db.execute("PRAGMA synchronous=FULL")
                db.execute("PRAGMA foreign_keys=ON")
                if fresh:
                    store._initialise(description)
                store._check_description(description)
                with store._transaction():
                    cursor = db.execute(
                        "INSERT INTO runs (pid, host, started_at, executor) VALUES (?, ?, ?, ?)",
                        (os.getpid(), socket.gethostname(), time.time(), executor))
                store._run_id = cursor.lastrowid
                return store
            except sqlite3.Error as err:
                raise StoreError(f"cannot write sweep store {str(path)!r}: {err}") from None
        except BaseException:
            if db is not None:
                db.close()
            lock.release()
            raise

    @classmethod
    def preflight(cls, path, description):
        """Raise what :meth:`create_or_resume` would raise, without creating or changing anything.

        A cheap early check, before starting workers; :meth:`create_or_resume` checks again.
        """
        path = Path(path)
        _check_regular(path)
        _acquire(path).release()
        if path.is_file() and path.stat().st_size and not _is_empty_database(path):
            with cls.open(path) as store:
                store._check_description(json.loads(canonical_json(description)))

    def _initialise(self, description):
        with self._transaction():
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                 [("format", FORMAT), ("sweep", canonical_json(description)),
                                  ("created_at", repr(time.time()))])
            self._db.executemany(
                f"INSERT INTO configurations (config_id, {', '.join(_CONFIG_COLUMNS)}) "
                f"VALUES ({', '.join('?' * (len(_CONFIG_COLUMNS) + 1))})",
                [(i, *(_sql_value(c[k]) for k in _CONFIG_COLUMNS))
                 for i, c in enumerate(description["configurations"])])

    def _check_format(self):
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError as err:
            if "no such table" in str(err):
                raise StoreError(f"{str(self.path)!r} is an SQLite database but not a pi2over6 sweep store "
                                 "(it has no 'meta' table)") from None
            raise StoreError(f"{str(self.path)!r} is not a readable sweep store: {err}") from None
        if row is None or row[0] != FORMAT:
            found = None if row is None else row[0]
            raise StoreError(f"{str(self.path)!r} is not a pi2over6 sweep store of format {FORMAT!r} "
                             f"(found format {found!r})")

    def _check_description(self, description):
        stored = self.description
        if stored == description:
            return
        raise StoreError(f"sweep store {str(self.path)!r} holds a different sweep: "
                         f"{_differences(stored, description)}; use a new store for this sweep")

    # ------------------------------------------------------------------ reading
    @property
    def description(self):
        """The sweep's canonical description, as stored."""
        if self._description is None:
            row = self._query("SELECT CAST(value AS BLOB) FROM meta WHERE key = 'sweep'").fetchone()
            if row is None:
                raise StoreError(f"sweep store {str(self.path)!r} has no sweep description")
            description = self._json(row[0], "the sweep description")
            if not isinstance(description, dict):
                raise StoreError(f"sweep store {str(self.path)!r}: the sweep description is not an object")
            self._description = description
        return self._description

    def configurations(self):
        """One dict per configuration, in ``config_id`` order, with ``params`` and ``stream`` as JSON text."""
        columns = ", ".join(f"CAST({c} AS BLOB)" if c in _TEXT_COLUMNS else c for c in _CONFIG_COLUMNS)
        rows = self._query(f"SELECT config_id, {columns} FROM configurations ORDER BY config_id").fetchall()
        out = []
        for row in rows:
            config = dict(zip(("config_id", *_CONFIG_COLUMNS), row, strict=True))
            for key in _TEXT_COLUMNS:
                config[key] = self._text(config[key], f"configuration {config['config_id']!r}, column {key}")
            out.append(config)
        return out

    def finished(self):
        """The set of ``(config_id, first_block)`` of the finished cells."""
        return set(self._query("SELECT config_id, first_block FROM cells").fetchall())

    def cells(self, config_id=None):
        """The finished cells (:class:`StoredCell`), ordered by configuration and first block."""
        where, args = ("WHERE config_id = ?", (config_id,)) if config_id is not None else ("", ())
        rows = self._query(f"SELECT config_id, first_block, stop_block, CAST(sums AS BLOB), seconds, "
                           f"CAST(worker AS BLOB) FROM cells {where} ORDER BY config_id, first_block",
                           args).fetchall()
        for cid, first, stop, sums, seconds, worker in rows:
            where = f"cell ({cid!r}, {first!r})"
            blocks = self._json(sums, where)
            worker = None if worker is None else self._text(worker, where + ", column worker")
            yield StoredCell(cid, first, stop, blocks, seconds, worker)

    def checked_cells(self):
        """Per configuration, its record and its finished cells, after checking that they fit together.

        Every configuration must have whole numbers where the schema says so (n, generations,
        replicates >= 1, ``blocks = ceil(replicates / block)``), and its cells must lie inside its
        block range without overlapping, each holding one entry of sums per block: otherwise a
        replicate would be counted twice, or a count come out negative.

        Returns
        -------
        list of (dict, list of StoredCell)
            In ``config_id`` order; configurations without a cell have an empty list.

        Raises
        ------
        StoreError
            Naming the first configuration or cell that does not fit.
        """
        block = self.description.get("block")
        if not _whole(block, 1):
            raise StoreError(f"sweep store {str(self.path)!r}: the block size {block!r} is not a positive integer")
        configs = self.configurations()
        by_id = {}
        for config in configs:
            cid = config["config_id"]
            for key in ("n", "generations", "replicates", "blocks"):
                if not _whole(config[key], 1):
                    raise StoreError(f"sweep store {str(self.path)!r}: configuration {cid!r} has {key} = "
                                     f"{config[key]!r}, not a positive integer")
            if config["blocks"] != -(-config["replicates"] // block):
                raise StoreError(f"sweep store {str(self.path)!r}: configuration {cid!r} has {config['blocks']} "
                                 f"blocks for {config['replicates']} replicates in blocks of {block}")
            by_id[cid] = (config, [])
        for cell in self.cells():
            where = f"sweep store {str(self.path)!r}: cell ({cell.config_id!r}, {cell.first_block!r})"
            if cell.config_id not in by_id:
                raise StoreError(f"{where} belongs to no configuration")
            config, cells = by_id[cell.config_id]
            first, stop = cell.first_block, cell.stop_block
            if not (_whole(first, 0) and _whole(stop, 1) and first < stop <= config["blocks"]):
                raise StoreError(f"{where} covers blocks {first!r} to {stop!r}, outside the configuration's "
                                 f"blocks 0 to {config['blocks']}")
            if cells and first < cells[-1].stop_block:
                raise StoreError(f"{where} overlaps the cell ({cell.config_id}, {cells[-1].first_block}) that "
                                 f"covers blocks up to {cells[-1].stop_block}")
            if not isinstance(cell.sums, list) or len(cell.sums) != stop - first:
                found = len(cell.sums) if isinstance(cell.sums, list) else type(cell.sums).__name__
                raise StoreError(f"{where} holds {found} blocks of sums, expected {stop - first}")
            cells.append(cell)
        return list(by_id.values())

    def _text(self, raw, where):
        """A TEXT value read as bytes (SQLite does not check encodings), decoded here to name the bad one."""
        if raw is None or isinstance(raw, str):
            return raw
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError as err:
            raise StoreError(f"sweep store {str(self.path)!r}: {where} is not UTF-8 text (byte "
                             f"{raw[err.start]:#04x} at offset {err.start})") from None

    def _json(self, raw, where):
        text = self._text(raw, where)
        try:
            return json.loads(text)
        except (TypeError, json.JSONDecodeError, RecursionError, ValueError) as err:
            what = "is empty" if text is None else f"holds malformed data: {str(err).splitlines()[0]}"
            raise StoreError(f"sweep store {str(self.path)!r}: {where} {what}") from None

    def _query(self, sql, args=()):
        try:
            return _Fetched(self._db.execute(sql, args), self.path)
        except sqlite3.Error as err:
            raise StoreError(f"cannot read sweep store {str(self.path)!r}: {err}") from None

    # ------------------------------------------------------------------ writing
    def add_cell(self, config_id, first_block, stop_block, sums, seconds=None, worker=None):
        """Commit one finished cell in its own transaction.

        Raises
        ------
        StoreError
            If the store is read-only or the cell is already stored (a cell is never counted twice).
        """
        if self._lock is None:
            raise StoreError(f"sweep store {str(self.path)!r} is open read-only")
        try:
            with self._transaction():
                self._db.execute(
                    "INSERT INTO cells (config_id, first_block, stop_block, sums, seconds, worker, run_id, "
                    "finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (config_id, first_block, stop_block, json.dumps(sums, separators=(",", ":")), seconds,
                     worker, self._run_id, time.time()))
        except sqlite3.IntegrityError as err:
            raise StoreError(f"sweep store {str(self.path)!r}: cell (configuration {config_id}, first block "
                             f"{first_block}) cannot be stored: {err}") from None

    def _transaction(self):
        return _Transaction(self._db)

    def close(self):
        """Close the connection; a writer marks its run finished and releases the lock."""
        if self._db is None:
            return
        try:
            if self._run_id is not None:
                with self._transaction():
                    self._db.execute("UPDATE runs SET finished_at = ? WHERE run_id = ?",
                                     (time.time(), self._run_id))
        finally:
            self._db.close()
            self._db = None
            if self._lock is not None:
                self._lock.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Fetched:
    """A cursor whose fetches report SQLite errors (a corrupt page, say) as :class:`StoreError`."""

    def __init__(self, cursor, path):
        self._cursor, self._path = cursor, path

    def _run(self, fetch):
        try:
            return fetch()
        except sqlite3.Error as err:
            raise StoreError(f"cannot read sweep store {str(self._path)!r}: {err}") from None

    def fetchone(self):
        return self._run(self._cursor.fetchone)

    def fetchall(self):
        return self._run(self._cursor.fetchall)


def _whole(value, low):
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _reader(path):
    """A read-only connection to the store at ``path``.

    First ``mode=rw`` (never creates; read-only if the file is write-protected) rather than
    ``mode=ro``, so that the last reader to close tidies up the WAL files as any SQLite connection
    does. A WAL database needs its shared-memory file ``-shm``: in a folder this process cannot
    write to (a finished sweep copied to read-only storage, an archive) SQLite cannot create it
    and even ``mode=ro`` fails. Then, if no ``-wal`` file exists beside the store, every committed
    cell is in the main file and no writer can be active (it could not create the ``-wal`` file
    either), so ``immutable=1`` reads it without any locking or shared memory. With a ``-wal``
    file present, ``mode=ro`` reads it through an existing ``-shm``; a ``-wal`` without one is
    refused rather than read without its last cells.
    """
    uri = path.resolve().as_uri()
    attempts = [f"{uri}?mode=rw", f"{uri}?mode=ro"]
    if not os.path.exists(f"{path}-wal"):
        attempts.append(f"{uri}?mode=ro&immutable=1")
    error = None
    for target in attempts:
        db = None
        try:
            db = sqlite3.connect(target, uri=True, timeout=30, isolation_level=None)
            db.execute("PRAGMA query_only = ON")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()   # reading needs the WAL index
            return db
        except sqlite3.DatabaseError as err:
            if db is not None:
                db.close()
            error = error or err
            if "not a database" in str(err) or "malformed" in str(err):
                break
    raise StoreError(f"cannot open sweep store {str(path)!r}: {error}")


def _is_empty_database(path):
    """Whether ``path`` is an SQLite database with no tables: a store whose creation was interrupted
    (setting WAL mode writes the file header before the schema's transaction commits)."""
    try:
        db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            return not db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return False  # not a database at all: open() reports it


def _sql_value(value):
    plain = isinstance(value, str | int | float) and not isinstance(value, bool)
    return value if plain else canonical_json(value)


def _differences(stored, wanted):
    """A short phrase naming where two descriptions differ."""
    phrases = [f"{key} is {stored.get(key)!r} there, {wanted.get(key)!r} here"
               for key in sorted(set(stored) | set(wanted))
               if key != "configurations" and stored.get(key) != wanted.get(key)]
    old, new = stored.get("configurations", []), wanted.get("configurations", [])
    if len(old) != len(new):
        phrases.append(f"{len(old)} configurations there, {len(new)} here")
    elif not phrases:
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                key = next(k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))
                label = ", ".join(f"{k}={b.get(k)}" for k in ("model", "workflow", "n", "generations"))
                if key == "stream":
                    phrases.append(f"configuration {i} ({label}) has a different definition "
                                   "(was a workflow file edited?)")
                else:
                    phrases.append(f"configuration {i} ({label}): {key} is {a.get(key)!r} there, "
                                   f"{b.get(key)!r} here")
                break
    return "; ".join(phrases) or "the descriptions differ"


def _check_regular(path):
    """Refuse a store path that exists but is not a regular file (a FIFO, a device, a folder)."""
    try:
        check_regular_file(path, "sweep store")
    except ValueError as err:
        raise StoreError(str(err)) from None


def _acquire(path):
    """The write lock of the store at ``path``, or :class:`StoreBusyError`."""
    if not path.parent.is_dir():
        raise StoreError(f"cannot create sweep store {str(path)!r}: no folder {str(path.parent)!r}")
    lock = _ExclusiveLock(Path(f"{path}.lock"))
    if not lock.acquire():
        raise StoreBusyError(f"sweep store {str(path)!r} is in use by another sweep{_describe_holder(path)}; "
                             "wait for it to finish or stop it first")
    return lock


def _describe_holder(path):
    """' (pid P on HOST, running since T)' for the latest unfinished run, when the store says so."""
    try:
        with SweepStore.open(path) as store:
            row = store._query("SELECT pid, host, started_at FROM runs WHERE finished_at IS NULL "
                               "ORDER BY run_id DESC LIMIT 1").fetchone()
    except (StoreError, sqlite3.Error):
        return ""
    if row is None:
        return ""
    pid, host, started = row
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started))
    return f" (pid {pid} on {host}, running since {since})"


class _ExclusiveLock:
    """A non-blocking exclusive advisory lock on a lock file, held by an open file descriptor.

    The kernel drops the lock when the descriptor closes, including when the process is killed.
    On release the file is unlinked while still locked; :meth:`acquire` checks that the file it
    locked is still the one at ``path``, so a waiter never locks an unlinked file.
    """

    def __init__(self, path):
        self.path = Path(path)
        self._fd = None

    def acquire(self):
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                else:  # pragma: no cover - Windows
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                os.close(fd)
                return False
            if fcntl is None:  # pragma: no cover - Windows: an open file cannot be unlinked
                self._fd = fd
                return True
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(os.fstat(fd), current):
                self._fd = fd
                return True
            os.close(fd)

    def release(self):
        if self._fd is None:
            return
        if fcntl is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
        os.close(self._fd)
        self._fd = None
