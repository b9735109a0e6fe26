"""Grading when the machine fails: retries, "not graded" instead of a score, nothing lost.

Each test grades in a throw-away copy of the course. Machine failures are made real: a kernel
whose command cannot start, a grading process that hangs past its wall-clock limit, a run
killed in the middle.
"""
import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_copy import ROOT, copy_course
from course.grading.run import GradingOptions, grade

A = "leaky_integrators"
HONEST = ROOT / "examples" / "submissions" / "ada" / A / f"{A}.ipynb"


def put(folder: Path, student: str, source: Path = HONEST) -> None:
    (folder / student / A).mkdir(parents=True, exist_ok=True)
    (folder / student / A / f"{A}.ipynb").write_bytes(source.read_bytes())


def snapshot(root: Path) -> dict[str, str]:
    """Hash of every file the grader must not change when it fails."""
    found = {}
    for name in ("release", "feedback", "reports", "autograded", "submitted", "gradebook.db",
                 "grades.csv"):
        path = root / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            found[str(f.relative_to(root))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return found


def gradebook_score(root: Path, student: str) -> float | None:
    from course.nbgrader_api import make_api

    with make_api(root).gradebook as gb:
        try:
            return gb.find_submission(A, student).score
        except Exception:
            return None


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A course copy with its gradebook and release made once for the module."""
    from course.build import release

    root = copy_course(tmp_path_factory.mktemp("released"))
    release(root, [A])
    return root


@pytest.fixture
def course(released, tmp_path):
    import shutil

    return Path(shutil.copytree(released, tmp_path / "course", symlinks=True))


def break_kernels(tmp_path, monkeypatch):
    """Kernels of the notebook's kernelspec ("python3") die at once: a machine problem."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import sys; sys.exit('no kernel today')",
                 "-f", "{connection_file}"], "display_name": "broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))


@pytest.fixture
def broken_kernel(tmp_path, monkeypatch):
    break_kernels(tmp_path, monkeypatch)


def test_a_kernel_that_cannot_start_is_retried_then_not_graded_and_keeps_old_scores(
        course, tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    put(subs, "ada")
    first = grade(course, subs, log=lambda line: None, options=GradingOptions(isolate="off"))[0]
    assert first.auto_score == 16
    before = gradebook_score(course, "ada")
    feedback = (course / "feedback" / "ada" / A / f"{A}.html").read_bytes()

    break_kernels(tmp_path, monkeypatch)
    lines = []
    result = grade(course, subs, log=lines.append,     # the same hand-in: --force
                   options=GradingOptions(isolate="off", retries=1, force=True))[0]
    assert result.machine and result.status == "not graded"
    assert "could not start" in result.problem and "--only-not-graded" in result.problem
    assert any(line.startswith("retrying ada/") for line in lines)
    # Never a score: the earlier grade and feedback stay as they were.
    assert gradebook_score(course, "ada") == before
    assert (course / "feedback" / "ada" / A / f"{A}.html").read_bytes() == feedback
    rows = list(csv.DictReader((course / "grades.csv").open()))
    assert [(r["student"], r["status"]) for r in rows] == [("ada", "not graded")]

    # The documented re-run grades just those, once the machine is fine again.
    monkeypatch.delenv("JUPYTER_PATH")
    put(subs, "ben", ROOT / "examples" / "submissions" / "ben" / A / f"{A}.ipynb")
    run = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(course),
                          "grade", str(subs), "--only-not-graded", "--isolate", "off"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = list(csv.DictReader((course / "grades.csv").open()))
    assert [(r["student"], r["status"], r["auto_score"]) for r in rows] == [("ada", "ok", "16.0")]


def test_cli_exit_code_says_not_graded(course, tmp_path, broken_kernel):
    subs = tmp_path / "subs"
    put(subs, "ada")
    run = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(course),
                          "grade", str(subs), "--isolate", "off"],
                         capture_output=True, text=True, timeout=600, env={**os.environ})
    assert run.returncode == 3, run.stdout + run.stderr
    assert "NOT GRADED" in run.stdout and "--only-not-graded" in run.stdout


def test_a_hanging_submission_is_killed_at_the_wall_clock_limit(course, tmp_path):
    """The watchdog around a whole submission: here the limit (budget + margin) is shorter than
    the notebook, which stands for a grading process stuck in kernel clean-up."""
    subs = tmp_path / "subs"
    put(subs, "ada")
    started = time.monotonic()
    result = grade(course, subs, log=lambda line: None,
                   options=GradingOptions(isolate="off", budget=30, wall_margin=-28,
                                          retries=1))[0]
    assert time.monotonic() - started < 30
    assert result.machine and "wall-clock limit of 2 s" in result.problem
    assert not (course / "feedback" / "ada").exists()


def test_a_killed_run_changes_nothing(course, tmp_path):
    subs = tmp_path / "subs"
    for student in ("ada", "bea", "cal"):
        put(subs, student)
    grade(course, subs, log=lambda line: None,
          options=GradingOptions(isolate="off", workers=1))
    before = snapshot(course)
    assert "gradebook.db" in before and "grades.csv" in before
    put(subs, "dan", ROOT / "release" / A / f"{A}.ipynb")     # a new, blank hand-in
    run = subprocess.Popen([sys.executable, "-m", "course.cli", "--course-dir", str(course),
                            "grade", str(subs), "--isolate", "off", "--workers", "1",
                            "--force"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, start_new_session=True)
    graded = 0
    for line in run.stdout:                 # kill it after two submissions are graded
        graded += line.startswith("[")
        if graded == 2:
            os.killpg(run.pid, signal.SIGKILL)
            break
    run.wait(60)
    assert graded == 2, "the run ended before it could be killed"
    assert snapshot(course) == before
    # The next run cleans up the dead run's staging folder and grades everything.
    results = grade(course, subs, log=lambda line: None,
                    options=GradingOptions(isolate="off"))
    assert [r.auto_score for r in results] == [16, 16, 16, 0]
    assert [p.name for p in (course / ".grading").glob("run-*")] == []


def test_an_unwritable_results_folder_changes_nothing(course, tmp_path):
    """The commit fails half-way (feedback moved, the report folder refuses): what was moved is
    put back, the gradebook transaction never happens."""
    import shutil

    if not shutil.which("chattr") or os.geteuid() != 0:
        pytest.skip("needs root and chattr (chmod does not stop root)")
    subs = tmp_path / "subs"
    put(subs, "ada")
    grade(course, subs, log=lambda line: None, options=GradingOptions(isolate="off"))
    before = snapshot(course)
    put(subs, "ada", ROOT / "release" / A / f"{A}.ipynb")     # a changed hand-in: 0 points
    subprocess.run(["chattr", "+i", str(course / "reports")], check=True)
    try:
        run = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(course),
                              "grade", str(subs), "--isolate", "off"],
                             capture_output=True, text=True, timeout=600)
    finally:
        subprocess.run(["chattr", "-i", str(course / "reports")], check=True)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "could not write the results" in run.stderr and "nothing was changed" in run.stderr
    assert snapshot(course) == before
