"""Grading under ordinary load: two `course grade` runs at once on one course, a CPU hog beside
them, and a process of the first run (a Dask worker or a feedback writer) killed in the middle.
Every honest submission gets its full automatic points in both runs, with its feedback page.
(The long version is benchmarks/concurrent_grading.py.)

The runs are started as a fresh machine would start them: the venv's `course` by path, with a
PATH of system folders only.
"""
import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_copy import ROOT, copy_course, distinct_hand_in

A = "leaky_integrators"
HONEST = ROOT / "examples" / "submissions" / "ada" / A / f"{A}.ipynb"
PER_RUN = 8
COURSE = str(Path(sys.executable).parent / "course")
ENV = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("course"))
    subprocess.run([COURSE, "--course-dir", str(root), "release", A], env=ENV, check=True,
                   capture_output=True, timeout=300)
    folders = []
    for run in ("first", "second"):
        folder = tmp_path_factory.mktemp(run)
        for n in range(PER_RUN):
            distinct_hand_in(HONEST, folder / f"{run}{n}" / A / f"{A}.ipynb", f"{run}{n}")
        folders.append(folder)
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        runs = [subprocess.Popen([COURSE, "--course-dir", str(root), "grade", str(f),
                                  "--workers", "3"], env=ENV, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True) for f in folders]
        # A lost worker: kill a process of the first run once it grades (a Dask worker
        # process, with the kernel it runs).
        killed = None
        deadline = time.monotonic() + 180
        while killed is None and time.monotonic() < deadline and runs[0].poll() is None:
            busy = [pid for pid in children(runs[0].pid) if children(pid)]
            if busy:
                killed = busy[0]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.2)
        outputs = [r.communicate(timeout=900)[0] for r in runs]
    finally:
        hog.kill()
    return root, runs, outputs, killed


def test_both_runs_grade_every_honest_submission_with_full_marks(two_runs):
    root, runs, outputs, _ = two_runs
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output[-3000:]
        assert output.count(f"{A}  16/16") == PER_RUN, output[-3000:]
    from course.nbgrader_api import make_api
    with make_api(root).gradebook as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(A)}
    assert scores == {f"{run}{n}": 16.0 for run in ("first", "second") for n in range(PER_RUN)}


def test_a_killed_worker_loses_nothing(two_runs):
    root, _, outputs, killed = two_runs
    assert killed is not None, "no grading process was found to kill"
    assert "not graded" not in outputs[0] + outputs[1]
    assert "feedback failed" not in outputs[0] + outputs[1]
    pages = sorted(p.parent.parent.name for p in (root / "feedback").glob(f"*/{A}/{A}.html"))
    assert pages == sorted(f"{run}{n}" for run in ("first", "second") for n in range(PER_RUN))


def test_grades_csv_has_one_row_per_submission_of_the_last_run(two_runs):
    root = two_runs[0]
    rows = list(csv.DictReader((root / "grades.csv").open()))
    assert len(rows) == PER_RUN and {r["status"] for r in rows} == {"ok"}
