"""Benchmark: `course grade` on Dask, by number of worker processes, and the coordinator's cost.

    python benchmarks/dask_grading.py [--submissions 40] [--workers 1 2 4] [--baseline]

Builds N distinct submissions of `leaky_integrators` (benchmarks/grading_speed.py's) in a
throw-away copy of the course and grades them with `course grade --workers W` (a LocalCluster
of W single-threaded worker processes; sandbox on when possible), each W in a fresh copy. For
each it prints the wall time, seconds per submission and the coordinator's own CPU seconds per
submission (sanitize, compare and score: the one-writer part that bounds a cluster's speed-up;
feedback pages are written by a pool of local processes beside it), which `course grade` logs.
`--baseline` adds plain sequential `nbgrader autograde` for comparison. Not part of the test
suite.

Measured 2026-12-01, 2 cores, quiet machine (load 1.2), sandbox on, 40 hand-ins:
  course grade --workers 1       197.2 s   4.93 s/submission   coordinator 0.54 s CPU
  course grade --workers 2       130.7 s   3.27 s/submission   coordinator 0.61 s CPU
  course grade --workers 4       114.7 s   2.87 s/submission   coordinator 0.48 s CPU
  course grade --workers 6       153.4 s   3.83 s/submission   coordinator 0.60 s CPU
  plain nbgrader (sequential)    174.1 s   4.35 s/submission
The process pool Dask replaced (commit 135d23b, same harness, same machine and hour): 4 workers
114.0 s, 2.85 s/submission. The coordinator's own cost (~0.5 s CPU per submission, nbgrader's
autograde converter and gradebook writes; feedback pages are written beside it by two
processes) bounds a cluster at about 2 notebooks per second, i.e. 6-10 workers of this kind.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_speed import A, make_course, make_submissions, plain_nbgrader  # noqa: E402


def grade(work: Path, count: int, workers: int) -> tuple[float, float, str]:
    """(wall seconds, coordinator CPU seconds per submission, output) of one graded run."""
    course = make_course(work)
    make_submissions(work / "incoming", count)
    cli = [sys.executable, "-m", "course.cli", "--course-dir", str(course)]
    subprocess.run(cli + ["release", A], check=True, capture_output=True)
    started = time.perf_counter()
    run = subprocess.run(cli + ["grade", str(work / "incoming"), "--workers", str(workers)],
                         capture_output=True, text=True)
    wall = time.perf_counter() - started
    if run.returncode not in (0, 1):
        raise SystemExit(f"course grade failed ({run.returncode}):\n{run.stdout[-3000:]}"
                         f"{run.stderr[-3000:]}")
    found = re.search(r"coordinator: ([\d.]+) s CPU per submission", run.stdout)
    return wall, float(found.group(1)) if found else float("nan"), run.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--baseline", action="store_true",
                        help="also time plain sequential nbgrader autograde")
    args = parser.parse_args()
    n = args.submissions
    rows = []
    with tempfile.TemporaryDirectory(prefix="dask-bench-") as tmp:
        for workers in args.workers:
            work = Path(tmp) / f"w{workers}"
            work.mkdir()
            print(f"course grade --workers {workers} ...", flush=True)
            wall, coordinator, output = grade(work, n, workers)
            graded = len(re.findall(r"^\[#*\.*\] ", output, re.M))
            rows.append((f"course grade --workers {workers}", wall, coordinator, graded))
        if args.baseline:
            work = Path(tmp) / "plain"
            work.mkdir()
            print("plain nbgrader autograde ...", flush=True)
            rows.append(("plain nbgrader autograde (sequential)", plain_nbgrader(work, n),
                         float("nan"), n))
    print(f"\n{n} distinct submissions of {A}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print(f"  {'run':40s} {'wall':>8s} {'s/submission':>13s} {'coordinator CPU':>16s} graded")
    for label, wall, coordinator, graded in rows:
        print(f"  {label:40s} {wall:7.1f}s {wall / n:12.2f}s {coordinator:15.2f}s {graded:5d}")
    coordinator = min([r[2] for r in rows if r[2] == r[2]] or [float("nan")])
    print(f"\nThe coordinator's own cost bounds a cluster: with {coordinator:.2f} s CPU per "
          f"submission it keeps up with executors delivering at most {1 / coordinator:.1f} "
          "notebooks per second.")


if __name__ == "__main__":
    main()
