"""Running independent tasks on local worker processes or a Dask cluster, safely interruptible.

What a sweep (:mod:`numerics.sweep`) needs from an executor, and nothing about sweeps:

- a pool of local processes (forked on Linux, spawned elsewhere) whose workers die with the process
  that started them, even when it is killed by SIGKILL: each worker watches the read end of a pipe
  whose only write end the coordinator holds (the *lifeline*), and exits when it reads end-of-file;
- Ctrl-C is the coordinator's alone (workers ignore SIGINT); on an error or an interrupt queued tasks
  are dropped and the local workers stopped at once;
- or a Dask ``distributed`` cluster, by scheduler address or a connected client;
- tasks kept in flight in a window (twice the slots), submitted in the caller's order and handed
  back as they finish, so that the caller can commit each result before asking for the next;
- a failing task (an exception in the worker, a worker that died, a broken pool) ends the run with
  the caller's own error, naming the task.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import sys
import threading
from contextlib import contextmanager

__all__ = ["ExecutorError", "available_cores", "open_executor", "completed"]


class ExecutorError(ValueError):
    """An executor that cannot be started (e.g. an unreachable Dask scheduler)."""


def available_cores():
    """The number of cores this process may run on.

    Examples
    --------
    >>> available_cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextmanager
def open_executor(workers=1, scheduler=None):
    """``(executor, window)``: a Dask or local process pool and how many tasks to keep in flight.

    Parameters
    ----------
    workers : int
        Local worker processes; 1 means no pool: ``(None, 0)``, compute in this process.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or a connected client, used instead of
        local processes.

    Raises
    ------
    ExecutorError
        If the Dask scheduler cannot be reached.

    Examples
    --------
    >>> with open_executor(1) as (executor, window):
    ...     [result for _, result in completed(executor, window, pow, [2, 3], lambda t: (t, 2), None)]
    [4, 9]
    """
    if scheduler is not None:
        from distributed import Client

        if isinstance(scheduler, Client):
            client = scheduler
        else:
            try:
                client = Client(scheduler, set_as_default=False)
            except (OSError, ValueError, TypeError) as err:
                raise ExecutorError(f"cannot reach the Dask scheduler {scheduler!r}: {err}") from None
        try:
            slots = max(1, sum(client.nthreads().values()))
            with client.get_executor(pure=False) as executor:
                yield executor, 2 * slots
        finally:
            if client is not scheduler:
                client.close()
        return
    if workers == 1:
        yield None, 0
        return
    # On Linux the workers are forked, which costs nothing (no second import of the engine), and forked
    # now, while this process holds no store connection, no lock and no helper thread for them to
    # inherit. Elsewhere fork is unsafe and they are spawned.
    fork = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork" if fork else "spawn")
    # The workers watch the read end of a pipe whose only write end is ours: when this process dies,
    # even by SIGKILL and before anyone reaps it, they see end-of-file and exit.
    lifeline, keep = context.Pipe(duplex=False)
    executor = cf.ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_started,
                                      initargs=(lifeline, keep.fileno() if fork else None))
    finished = False
    try:
        for future in [executor.submit(os.getpid) for _ in range(workers)]:
            future.result()  # start every worker now
        yield executor, 2 * workers
        finished = True
    finally:
        executor.shutdown(wait=finished, cancel_futures=True)
        keep.close()
        lifeline.close()


def completed(executor, window, function, tasks, arguments, failure):
    """Yield ``(task, function(*arguments(task)))`` as tasks finish.

    Parameters
    ----------
    executor, window
        From :func:`open_executor`; ``executor`` None computes each task here, in order.
    function : callable
        What a worker runs (picklable for local processes).
    tasks : iterable
        Submitted in this order; of the tasks that finish together, the earlier ones are yielded first.
    arguments : callable
        ``arguments(task)``: the positional arguments of ``function`` for a task.
    failure : callable or None
        ``failure(task, err)``: the exception to raise when a task fails (its error, a worker that
        died, a broken pool); None re-raises the error itself. The caller commits each result before
        asking for the next, so the results handed back before a failure are kept.
    """
    if executor is None:
        for task in tasks:
            yield task, _guarded(task, failure, function, *arguments(task))
        return
    pending, queue = {}, iter(tasks)
    order = {}
    try:
        while True:
            while len(pending) < window:
                task = next(queue, _END)
                if task is _END:
                    break
                try:
                    future = executor.submit(function, *arguments(task))
                except cf.BrokenExecutor as err:  # a worker died after the previous task was handed back
                    if failure is None:
                        raise
                    raise failure(task, err) from err
                pending[future] = task
                order[future] = len(order)
            if not pending:
                return
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in sorted(finished, key=order.__getitem__):
                task = pending.pop(future)
                yield task, _guarded(task, failure, future.result)
    finally:
        for future in pending:
            future.cancel()


_END = object()


def _guarded(task, failure, compute, *args):
    """``compute(*args)``; a failure is the caller's error for the task."""
    try:
        return compute(*args)
    except Exception as err:
        expected = isinstance(err, ValueError | TypeError | ArithmeticError | ImportError | cf.BrokenExecutor)
        # distributed's KilledWorker: a worker died running the task
        if failure is None or not (expected or type(err).__name__ == "KilledWorker"):
            raise
        raise failure(task, err) from err


def _worker_started(lifeline, inherited_write_end):
    """In each local worker: exit as soon as the coordinating process is gone (e.g. killed)."""
    if inherited_write_end is not None:
        os.close(inherited_write_end)  # a forked worker's copy would keep the pipe open forever
    # Ctrl-C is the coordinator's to handle; it then stops the workers through the lifeline.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        try:
            lifeline.recv()  # nothing is ever sent: this returns or raises only when the other end closes
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="pi2over6-lifeline", daemon=True).start()
