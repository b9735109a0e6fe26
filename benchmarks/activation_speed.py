"""Benchmark: how long `activation_functions` takes to run, and its 1000-unit training.

    python benchmarks/activation_speed.py [--repeat 3]

Measures, best of `--repeat` runs each:

1. the notebook as a student runs it: the release filled with the reference answers, executed
   headless by nbclient without `solutions` on the path (hidden checks only publish), from
   kernel start to the last cell (target: under 30 s on 2 cores);
2. the same in instructor mode (the source notebook, `solutions` importable, so every hidden
   check also computes the reference);
3. training the 1000-unit network with the reference `train` (Adam, full batch) for 100 steps
   (the notebook and the hidden test) and 300 steps (the slider's maximum) (target: well under
   10 s);
4. the 20 random seeds of 5-unit restarts (`train_until_good`).

Not part of the test suite (about 3 minutes with --repeat 2). Measured 2026-12-01 with
--repeat 2 on the 2-core machine while other jobs ran (load average 8): wall times are upper
bounds; the CPU seconds (kernel process, or this process for training) are what an idle machine
needs.
                                                    wall     CPU
  student notebook (release + reference answers)   24.1 s   10.1 s
  instructor notebook (source, checks compare)      41.1 s   16.3 s
  1000 hidden units, 100 steps                       1.8 s    0.7 s
  1000 hidden units, 300 steps                       5.6 s    2.3 s
  5 hidden units, 20 random seeds with restarts      1.9 s    0.9 s
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
A = "activation_functions"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))


def run_notebook(nb, *, instructor: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the kernel) to execute `nb` from kernel start."""
    import resource

    from nbclient import NotebookClient

    env_before = dict(os.environ)
    os.environ["COURSE_HEADLESS"] = "1"
    if instructor:
        os.environ["PYTHONPATH"] = str(ROOT)
    else:
        os.environ.pop("PYTHONPATH", None)
    try:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            NotebookClient(nb, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": folder}}).execute()
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            return wall, cpu
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def best(repeat, function):
    """Best of `repeat` runs of `function`, which returns (wall seconds, CPU seconds)."""
    return min(function() for _ in range(repeat))


def timed(function):
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - start_wall, time.process_time() - start_cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from build_submissions import fill, reference_answers

    import numpy as np
    from course.checks.activation_functions import circles
    from solutions import mlp

    release = ROOT / "release" / A / f"{A}.ipynb"
    source = ROOT / "source" / A / f"{A}.ipynb"
    answers = reference_answers(A)
    rows = []
    rows.append(("student notebook (release + reference answers)", best(args.repeat, lambda: run_notebook(
        fill(nbformat.read(release, as_version=4), answers), instructor=False))))
    rows.append(("instructor notebook (source, checks compare)", best(args.repeat, lambda: run_notebook(
        nbformat.read(source, as_version=4), instructor=True))))

    X_train, X_test, y_train, y_test = circles()

    def wide(steps):
        params = mlp.init_params(2, 1000, np.random.default_rng(0))
        out = {}
        seconds = timed(lambda: out.update(net=mlp.train(params, X_train, y_train, n_steps=steps)[0]))
        assert mlp.accuracy(out["net"], X_test, y_test) >= 0.95
        return seconds

    def restarts():
        return timed(lambda: [mlp.train_until_good(X_train, y_train, X_test, y_test, 5,
                                                   np.random.default_rng(seed))
                              for seed in range(20)])

    rows.append(("1000 hidden units, 100 steps", best(args.repeat, lambda: wide(100))))
    rows.append(("1000 hidden units, 300 steps", best(args.repeat, lambda: wide(300))))
    rows.append(("5 hidden units, 20 random seeds with restarts", best(args.repeat, restarts)))
    print(f"  {'':48s} {'wall':>7s} {'CPU':>7s}")
    for label, (wall, cpu) in rows:
        print(f"  {label:48s} {wall:6.1f}s {cpu:6.1f}s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(load average {load:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
