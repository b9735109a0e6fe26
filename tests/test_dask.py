"""Grading on Dask: a real scheduler and workers (the `dask scheduler` / `dask worker` commands on
127.0.0.1), a worker killed by its pid, the coordinator killed and re-run, and executors that
cannot find the reference.

One course copy for the module; each test grades its own folder of hand-ins.
"""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_copy import ROOT, copy_course, distinct_hand_in

A = "leaky_integrators"
N = 5                    # hand-ins per run: enough for two workers to be busy when one is killed
EXAMPLES = ROOT / "examples" / "submissions"
BIN = Path(sys.executable).parent
COURSE = [sys.executable, "-m", "course.cli"]


def hand_ins(folder: Path, count: int) -> Path:
    """`count` hand-ins of A cycling through the examples ada (16/16), ben (partly wrong), cy
    (blank), under the students s00, s01, ...; each differs from the others by a comment (equal
    notebooks are run once: one Dask task per distinct content)."""
    names = ["ada", "ben", "cy"]
    for n in range(count):
        distinct_hand_in(EXAMPLES / names[n % 3] / A / f"{A}.ipynb",
                         folder / f"s{n:02d}" / A / f"{A}.ipynb", f"hand-in s{n:02d}")
    return folder


def grades(root: Path) -> list[tuple[str, str, str, str]]:
    with (root / "grades.csv").open(newline="") as handle:
        return [(r["student"], r["status"], r["auto_score"], r["auto_max"])
                for r in csv.DictReader(handle)]


def gradebook_submissions(root: Path) -> list[tuple[str, float]]:
    from course.nbgrader_api import make_api

    with make_api(root).gradebook as gb:
        return sorted((s.student.id, s.score) for s in gb.assignment_submissions(A))


def grade_cli(root: Path, folder: Path, *extra: str, timeout: float = 900):
    return subprocess.run([*COURSE, "--course-dir", str(root), "grade", str(folder), *extra],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    from course.build import release

    root = copy_course(tmp_path_factory.mktemp("dask-course"))
    release(root, [A])
    return root


@pytest.fixture
def course(released, tmp_path):
    return Path(shutil.copytree(released, tmp_path / "course", symlinks=True))


@pytest.fixture(scope="module")
def sequential(released, tmp_path_factory):
    """grades.csv and gradebook of the hand-ins graded by one local worker (the reference)."""
    root = Path(shutil.copytree(released, tmp_path_factory.mktemp("seq") / "course",
                                symlinks=True))
    folder = hand_ins(tmp_path_factory.mktemp("seq-subs"), N)
    run = grade_cli(root, folder, "--workers", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    return grades(root), gradebook_submissions(root)


class Cluster:
    """A scheduler and `workers` worker processes started with the `dask` command, as a cluster
    administrator would (no nanny: a killed worker stays dead)."""

    def __init__(self, folder: Path, workers: int):
        self.file = folder / "scheduler.json"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.scheduler = subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(self.file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=folder)
        deadline = time.monotonic() + 60
        while not self.file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]
        # Remote-style workers: another working directory, no PYTHONPATH, nothing of the course.
        self.workers = [subprocess.Popen(
            [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--no-nanny",
             "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{n}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            cwd=folder) for n in range(workers)]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)

    def stop(self) -> None:
        for process in self.workers + [self.scheduler]:
            if process.poll() is None:
                process.kill()
            process.wait(30)


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(tmp_path, workers=2)
    try:
        yield running
    finally:
        running.stop()


def descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == parent:
                    found.append(int(entry.name))
                    frontier.append(int(entry.name))
    return found


def test_grading_through_a_scheduler_gives_the_grades_of_a_sequential_run(
        course, cluster, tmp_path, sequential):
    run = grade_cli(course, hand_ins(tmp_path / "subs", N), "--scheduler", cluster.address)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Dask cluster at {cluster.address}" in run.stdout
    assert (grades(course), gradebook_submissions(course)) == sequential


def test_a_worker_killed_mid_run_loses_nothing(course, cluster, tmp_path, sequential):
    folder = hand_ins(tmp_path / "subs", N)
    run = subprocess.Popen([*COURSE, "--course-dir", str(course), "grade", str(folder),
                            "--scheduler", cluster.address],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    victim = cluster.workers[0]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None and not descendants(victim.pid):
        time.sleep(0.2)          # until the worker runs a kernel: it is in the middle of a task
    assert descendants(victim.pid), "the worker never started a kernel"
    os.kill(victim.pid, signal.SIGKILL)
    output = run.communicate(timeout=900)[0]
    assert run.returncode == 0, output
    assert victim.poll() is not None
    # Every submission recorded exactly once, with the scores of the sequential run.
    assert (grades(course), gradebook_submissions(course)) == sequential


def test_a_killed_coordinator_is_resumed_without_grading_twice(course, tmp_path, sequential):
    folder = hand_ins(tmp_path / "subs", N)
    run = subprocess.Popen([*COURSE, "--course-dir", str(course), "grade", str(folder),
                            "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, start_new_session=True)
    graded = 0
    for line in run.stdout:                     # kill it all after two results came back
        graded += line.startswith("[")
        if graded == 2:
            os.killpg(run.pid, signal.SIGKILL)
            break
    run.wait(60)
    assert graded == 2
    assert not (course / "grades.csv").exists()          # nothing committed: nothing changed
    again = grade_cli(course, folder, "--workers", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    reused = again.stdout.count("executed by an interrupted run; not run again")
    assert reused >= 2, again.stdout
    assert (grades(course), gradebook_submissions(course)) == sequential
    # Graded and recorded: a third run grades nothing (--force would: test_grading_faults.py).
    third = grade_cli(course, folder)
    assert f"{N} submission(s) unchanged since they were graded: kept" in third.stdout, \
        third.stdout
    assert "executors:" not in third.stdout          # no worker was even started
    assert (grades(course), gradebook_submissions(course)) == sequential


CHEAT = r'''
import os
found, looked = [], 0
for top in ("/", os.path.expanduser("~"), os.getcwd()):
    for folder, dirs, files in os.walk(top):
        if folder == "/":                 # not /usr: the system's own files
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr")]
        for name in files:
            looked += 1
            path = os.path.join(folder, name)
            if "/site-packages/nbgrader/" in path:      # nbgrader's own test fixtures
                continue
            if (name in ("leaky.py", "leaky_mistakes.py", "nbgrader_config.py", "gradebook.db")
                    or "/solutions/" in path):
                found.append(path)
print("CHEAT looked at", looked, "files; found:", sorted(set(found)))
'''


def cheat_notebook(target: Path) -> None:
    nb = json.loads((EXAMPLES / "ada" / A / f"{A}.ipynb").read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code" and
                 c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    first["source"] = CHEAT + "".join(first["source"])
    target.mkdir(parents=True)
    (target / f"{A}.ipynb").write_text(json.dumps(nb))


def cheat_output(root: Path, student: str) -> str:
    nb = json.loads((root / "autograded" / student / A / f"{A}.ipynb").read_text())
    return "".join(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"])
                   for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.parametrize("where", ["local", "remote"])
def test_executors_never_see_the_reference(course, tmp_path, where, request):
    cheat_notebook(tmp_path / "subs" / "eve" / A)
    extra = []
    if where == "remote":
        remote = Cluster(tmp_path, workers=1)
        request.addfinalizer(remote.stop)
        extra = ["--scheduler", remote.address]
    run = grade_cli(course, tmp_path / "subs", *extra)
    assert run.returncode == 0, run.stdout + run.stderr
    said = cheat_output(course, "eve")
    assert "CHEAT looked at" in said and "found: []" in said, said
