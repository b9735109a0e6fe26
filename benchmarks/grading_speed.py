"""Benchmark: `course grade` against plain sequential `nbgrader autograde`, and the bare cost.

    python benchmarks/grading_speed.py [--submissions 40] [--workers 0]

Builds N submissions of `leaky_integrators` (cycling through the example hand-ins) in a
throw-away copy of the course, then measures, each in a fresh copy:

1. plain nbgrader: one `nbgrader autograde leaky_integrators` run over all students (sequential);
2. `course grade` with its defaults (one worker per core; the sandbox kernel when root);
3. `course grade --isolate off`, to show what the sandbox costs;
4. the bare cost: start a kernel and execute each notebook with nbclient, nothing else.

It prints wall time, seconds per submission, the speed-up over plain nbgrader (target >= 1.7x on
2 cores) and course grade's per-submission time over the bare cost (target <= 1.5x). Not part
of the test suite: it takes about 7 minutes.

Measured 2026-11-22 on the 2-core CI machine kind (root, so the sandbox is on by default):
  plain nbgrader autograde (sequential)  117.0 s  2.92 s/submission
  course grade (defaults: 4 workers)      62.9 s  1.57 s/submission   1.86x, 0.56x of bare
  course grade --isolate off              65.2 s  1.63 s/submission   1.80x, 0.58x of bare
  bare: kernel start + execute           112.9 s  2.82 s/submission
With one worker per core (2) course grade took 72-74 s (1.62-1.65x).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from course_copy import distinct_hand_in  # noqa: E402
A = "leaky_integrators"
EXAMPLES = ["ada", "ben", "cy", "eve"]


def make_course(into: Path) -> Path:
    shutil.copy2(ROOT / "nbgrader_config.py", into / "nbgrader_config.py")
    for name in ("source", "release", "solutions"):
        shutil.copytree(ROOT / name, into / name, ignore=shutil.ignore_patterns("__pycache__"))
    return into


def make_submissions(into: Path, count: int) -> list[Path]:
    """`count` hand-ins cycling through the examples, each made distinct by a comment in its
    first answer cell (course grade runs equal notebooks once)."""
    paths = []
    for i in range(count):
        source = ROOT / "examples" / "submissions" / EXAMPLES[i % len(EXAMPLES)] / A / f"{A}.ipynb"
        paths.append(into / f"student{i:03d}" / A / f"{A}.ipynb")
        distinct_hand_in(source, paths[-1], f"hand-in {i}")
    return paths


def timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    started = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if run.returncode not in (0, 1) or "ERROR] There was an error" in run.stderr:
        raise SystemExit(f"{' '.join(command)} failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return elapsed


def plain_nbgrader(work: Path, count: int) -> float:
    course = make_course(work)
    subs = make_submissions(course / "submitted", count)
    for path in subs:
        (path.parent / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
    env = dict(os.environ, PYTHONPATH="", COURSE_HEADLESS="1",   # as course grade sets it
               # nbgrader runs `alembic` by name: the venv's bin/ first, as if activated
               PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))
    timed([sys.executable, "-m", "nbgrader", "generate_assignment", A, "--force"], course, env)
    return timed([sys.executable, "-m", "nbgrader", "autograde", A, "--force"], course, env)


def course_grade(work: Path, count: int, extra: list[str]) -> float:
    course = make_course(work)
    make_submissions(work / "incoming", count)
    timed([sys.executable, "-m", "course.cli", "--course-dir", str(course), "release", A], course)
    return timed([sys.executable, "-m", "course.cli", "--course-dir", str(course), "grade",
                  str(work / "incoming")] + extra, course)


def bare_cost(work: Path, count: int) -> float:
    from nbclient import NotebookClient

    paths = make_submissions(work, count)
    os.environ["COURSE_HEADLESS"] = "1"   # as course grade sets it: sliders draw once
    started = time.perf_counter()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3",
                       extra_arguments=["--IPKernelApp.log_level=ERROR"],
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=0, help="course grade workers (0: cores)")
    args = parser.parse_args()
    n = args.submissions
    workers = ["--workers", str(args.workers)] if args.workers else []
    rows = []
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp = Path(tmp)
        for label, run in [
            ("plain nbgrader autograde (sequential)", lambda w: plain_nbgrader(w, n)),
            ("course grade (defaults)", lambda w: course_grade(w, n, workers)),
            ("course grade --isolate off", lambda w: course_grade(w, n, workers +
                                                                  ["--isolate", "off"])),
            ("bare: kernel start + execute", lambda w: bare_cost(w, n)),
        ]:
            work = tmp / label.split()[0] / str(len(rows))
            work.mkdir(parents=True)
            print(f"running: {label} ...", flush=True)
            rows.append((label, run(work)))
    plain, course, course_off, bare = (seconds for _, seconds in rows)
    print(f"\n{n} submissions of {A}, {os.cpu_count()} cores")
    for label, seconds in rows:
        print(f"  {label:40s} {seconds:7.1f} s   {seconds / n:5.2f} s/submission")
    print(f"\nspeed-up of course grade over plain nbgrader: {plain / course:.2f}x (target >= 1.7x)")
    print(f"course grade per submission / bare cost:     {course / bare:.2f}x (target <= 1.5x)")
    print(f"same with --isolate off:                     {plain / course_off:.2f}x, "
          f"{course_off / bare:.2f}x")


if __name__ == "__main__":
    main()
