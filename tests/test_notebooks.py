"""Every notebook runs top to bottom in a fresh Jupyter kernel and draws at least one figure.

The notebooks are jupytext "percent" scripts (``notebooks/NN_name.py``). Each is converted with
jupytext and executed by nbclient in a real ipykernel kernel running this interpreter, two at a
time (the machine has two cores; each kernel's BLAS is single-threaded), with a per-cell timeout. A
failing cell fails that notebook's test with the cell's traceback.
"""

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
CELL_TIMEOUT = 120  # seconds per cell; a whole notebook is meant to take well under a minute
PARALLEL = 2
KERNEL_NAME = "pi2over6-python3"


def _kernel_dir(tmp):
    """A kernelspec that starts ipykernel with this very interpreter (whatever 'python' is on PATH)."""
    from ipykernel.kernelspec import write_kernel_spec

    kernels = tmp / "kernels"
    write_kernel_spec(kernels / KERNEL_NAME, overrides={"display_name": "pi2over6 tests"})
    return kernels


async def _execute(path, kernels, workdir, gate):
    import jupytext
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    specs = KernelSpecManager(kernel_dirs=[str(kernels)])
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, kernel_name=KERNEL_NAME,
                            resources={"metadata": {"path": str(workdir)}})
    # the inline backend renders with Agg and puts every displayed figure into the notebook as PNG
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    async with gate:
        start = time.perf_counter()
        try:
            await client.async_execute(env=env)
            error = None
        except Exception as err:  # the cell's error, reported by the notebook's own test
            error = f"{type(err).__name__}: {err}"
        return nb, time.perf_counter() - start, error


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    if not NOTEBOOKS:
        return {}
    tmp = tmp_path_factory.mktemp("notebooks")
    kernels = _kernel_dir(tmp)

    async def run_all():
        gate = asyncio.Semaphore(PARALLEL)
        jobs = []
        for path in NOTEBOOKS:
            workdir = tmp / path.stem
            workdir.mkdir()
            jobs.append(_execute(path, kernels, workdir, gate))
        return await asyncio.gather(*jobs)

    results = asyncio.run(run_all())
    timings = ", ".join(f"{p.stem} {t:.1f} s" for p, (_, t, _) in zip(NOTEBOOKS, results, strict=True))
    print(f"\nnotebook execution times: {timings}", file=sys.stderr)
    return {path.name: result for path, result in zip(NOTEBOOKS, results, strict=True)}


def test_the_notebooks_are_numbered_stories():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == sorted(set(numbers)) and numbers[:8] == list(range(1, 9))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_are_canonical_percent_scripts(path):
    # what jupytext writes back is the file itself (minus its version stamps, left out to keep diffs quiet):
    # every markdown line is a comment, every cell starts with a "# %%" marker
    import jupytext

    text = path.read_text()
    again = jupytext.writes(jupytext.read(path), fmt="py:percent")
    stamps = ("#       format_version:", "#       jupytext_version:")
    assert "\n".join(line for line in again.splitlines() if not line.startswith(stamps)) + "\n" == text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_draws(executed, path, record_property):
    nb, seconds, error = executed[path.name]
    record_property("seconds", round(seconds, 1))
    if error is not None:
        pytest.fail(f"{path.name} failed after {seconds:.1f} s:\n{error}", pytrace=False)
    kinds = {cell.cell_type for cell in nb.cells}
    assert kinds == {"markdown", "code"}, f"{path.name} should mix explanation and code"
    images = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
              if "image/png" in out.get("data", {})]
    assert images, f"{path.name} draws no figure"
