"""`course grade`: intake, autograde, feedback and grades for a folder of submissions.

Each submission is graded on its own, in a process of its own with a wall-clock limit around
everything (kernel start, cells, feedback, clean-up); when the limit passes, that process and the
kernel it started are killed. Three outcomes:

- graded: its scores replace the previous ones;
- failed: the hand-in cannot be graded (not JSON, missing notebook, ...); its old scores go, so
  no stale score survives, and the reason is reported for that student;
- not graded: a problem of the machine (a kernel that could not start, a grading process that
  died or hung). It is tried again (`GradingOptions.retries`); if it still fails it is reported as
  "not graded (machine problem)", never as a score, and keeps its previous scores. `course grade
  DIR --only-not-graded` grades just those again.

Everything is written in a staging folder and committed at the end (`course.grading.staging`):
a run that fails or is killed changes nothing. At most `workers` submissions are graded at once,
never two of the same student; results are reported in the order the submissions were found.
"""
from __future__ import annotations

import collections
import contextlib
import csv
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sqlite3
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from course.grading import execute
from course.grading.intake import STUDENT_ID, Submission, accept, discover
from course.grading.progress import Progress
from course.grading.report import graded_cells, write_report
from course.grading.static import flags_in_notebook
from course.grading.sandbox import die_with_parent
from course.grading.staging import Stage
from course.nbgrader_api import (CourseError, api_result_error, assignments_in, course_lock,
                                 make_api)
from course.env import HEADLESS


@dataclass
class Result:
    """The outcome for one submission: points, or the reason there are none."""

    student: str
    assignment: str
    auto_score: float = 0.0
    auto_max: float = 0.0
    manual_pending: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    problem: str | None = None
    machine: bool = False           # `problem` is the machine's, not the student's: not graded
    notes: str = ""
    flags: list[str] = field(default_factory=list)
    cell_scores: dict[str, float] = field(default_factory=dict)
    pending_cells: list[str] = field(default_factory=list)   # written answers not graded yet

    @property
    def status(self) -> str:
        if self.problem is None:
            return "ok"
        return "not graded" if self.machine else "failed"


def scores(gradebook, assignment: str, student: str, auto_ids: set[str]) -> dict:
    """Points of one submission from the gradebook.

    auto_score/auto_max: the autograded test cells (`auto_ids`). manual_pending: points of
    answers a person still has to grade (an answer left empty is scored 0 at once and is not
    pending). max_score: everything. cell_scores: {grade_id: score} of every graded cell.
    pending_cells: grade_ids of answers awaiting a person.
    """
    submission = gradebook.find_submission(assignment, student)
    auto = auto_max = pending = total = 0.0
    cells, waiting = {}, []
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            total += grade.max_score
            cells[grade.name] = float(grade.score)
            if grade.name in auto_ids:
                auto += grade.score
                auto_max += grade.max_score
            elif grade.needs_manual_grade:
                pending += grade.max_score
                waiting.append(grade.name)
    return dict(auto_score=auto, auto_max=auto_max, manual_pending=pending, max_score=total,
                cell_scores=cells, pending_cells=waiting)


def forget(api, root: Path, assignment: str, student: str) -> None:
    """Remove earlier autograded output, feedback and gradebook scores of one submission
    (in the staging course directory `root`)."""
    for folder in ("autograded", "feedback"):
        shutil.rmtree(root / folder / student / assignment, ignore_errors=True)
    with api.gradebook as gb:
        try:
            gb.remove_submission(assignment, student)
        except Exception:  # nbgrader raises MissingEntry when there is nothing to remove
            pass


def grade_one(api, root: Path, sub: Submission) -> Result:
    """Grade one accepted submission (already in submitted/) and write its feedback."""
    result = Result(sub.student, sub.assignment, notes="; ".join(sub.notes))
    started = time.perf_counter()
    submitted = root / "submitted" / sub.student / sub.assignment / f"{sub.assignment}.ipynb"
    result.flags = [str(f) for f in flags_in_notebook(nbformat.read(submitted, as_version=4))]
    forget(api, root, sub.assignment, sub.student)
    execute.machine_failures.clear()
    try:
        outcome = api.autograde(sub.assignment, sub.student, force=True, create=True)
    except Exception as exc:  # the API catches nearly everything; this is the last net
        outcome = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
    if execute.machine_failures:
        result.problem, result.machine = execute.machine_failures[-1], True
    elif outcome.get("success"):
        feedback = api.generate_feedback(sub.assignment, sub.student, force=True)
        if not feedback.get("success"):
            result.notes = "; ".join(filter(None, [result.notes, "feedback failed: " +
                                                   api_result_error(feedback)]))
        with api.gradebook as gb:
            auto_ids = {g for g, _, kind in graded_cells(root, sub.assignment) if kind == "auto"}
            for key, value in scores(gb, sub.assignment, sub.student, auto_ids).items():
                setattr(result, key, value)
    else:
        result.problem = "autograding failed: " + api_result_error(outcome)
        forget(api, root, sub.assignment, sub.student)
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def kernel_environment(extra: dict[str, str] | None = None):
    """Grading kernels inherit this process's environment: keep PYTHONPATH out of it, so that
    nothing (the repository root with `solutions`, in particular) is importable from there,
    and add `extra` (e.g. JUPYTER_PATH for the sandbox kernelspec)."""
    saved = dict(os.environ)
    os.environ.pop("PYTHONPATH", None)
    os.environ[HEADLESS] = "1"   # no frontend: sliders draw once (course.widgets)
    os.environ.update(extra or {})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# ----- one submission, in a process of its own -----------------------------------------------

def _quiet() -> None:
    # nbgrader's own gradebook code triggers SQLAlchemy warnings that mean nothing to a grader.
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")


def _grade_in_child(root: Path, stage: Path, overrides, sub: Submission, conn, log: Path) -> None:
    """Body of a grading process: grade `sub` in the stage and send the Result back.

    Its own process group (so the watchdog can kill it whole); its stdout and stderr go to a log
    file in the stage, so nothing a kernel or library prints reaches the grader's terminal."""
    os.setpgid(0, 0)
    die_with_parent()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    _quiet()
    try:
        result = grade_one(make_api(root, overrides), stage, sub)
    except BaseException as exc:  # noqa: BLE001  (anything here is the machine's problem)
        result = Result(sub.student, sub.assignment, problem=f"grading process failed: "
                        f"{type(exc).__name__}: {exc}", machine=True)
    conn.send(result)
    conn.close()
    os._exit(0)


@dataclass
class _Job:
    index: int
    sub: Submission
    process: multiprocessing.Process
    conn: multiprocessing.connection.Connection
    deadline: float


def _start(context, root, stage: Stage, overrides, index, sub, wall) -> _Job:
    receive, send = context.Pipe(duplex=False)
    logs = stage.path / "logs"
    logs.mkdir(exist_ok=True)
    process = context.Process(target=_grade_in_child, daemon=True, args=(
        root, stage.path, overrides, sub, send, logs / f"{sub.student}.{sub.assignment}.log"))
    process.start()
    send.close()
    return _Job(index, sub, process, receive, time.monotonic() + wall)


def _kill(job: _Job) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(job.process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        job.process.kill()
    job.process.join(5)


def _outcome(job: _Job, wall: float) -> tuple[bool, Result | str | None]:
    """(finished, Result or the machine problem that ended it) of a running job."""
    if job.conn.poll():
        try:
            result = job.conn.recv()
        except (EOFError, OSError):
            result = None
        job.process.join(10)
        return True, result if result is not None else "the grading process died"
    if not job.process.is_alive():
        code = job.process.exitcode
        why = (f"killed by {signal.Signals(-code).name}" if code and code < 0 and
               -code in signal.Signals._value2member_map_ else f"exit status {code}")
        return True, f"the grading process died ({why})"
    if time.monotonic() > job.deadline:
        _kill(job)
        return True, f"grading took longer than its wall-clock limit of {wall:g} s"
    return False, None


def run_jobs(root: Path, stage: Stage, overrides, subs: list[tuple[int, Submission]],
             workers: int, wall: float, retries: int, log):
    """Grade `subs` ([(index, Submission)]) with at most `workers` processes; yield
    (index, Result) as they finish. A machine problem is retried `retries` times."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    queue = collections.deque(subs)
    attempts: collections.Counter = collections.Counter()
    running: list[_Job] = []
    while queue or running:
        busy = {job.sub.student for job in running}
        for item in list(queue):
            if len(running) >= workers:
                break
            if item[1].student not in busy:        # never two hand-ins of one student at once
                queue.remove(item)
                busy.add(item[1].student)
                running.append(_start(context, root, stage, overrides, *item, wall))
        waitables = [job.conn for job in running] + [job.process.sentinel for job in running]
        multiprocessing.connection.wait(waitables, timeout=0.5)
        for job in list(running):
            finished, outcome = _outcome(job, wall)
            if not finished:
                continue
            running.remove(job)
            job.conn.close()
            sub = job.sub
            machine = outcome if isinstance(outcome, str) else (
                outcome.problem if outcome.machine else None)
            if machine:
                attempts[job.index] += 1
                if attempts[job.index] <= retries:
                    log(f"retrying {sub.student}/{sub.assignment} ({machine})")
                    queue.appendleft((job.index, sub))
                    continue
                outcome = Result(sub.student, sub.assignment, machine=True, problem=(
                    f"not graded (machine problem: {machine}); re-run `course grade` with "
                    "--only-not-graded"))
            yield job.index, outcome


def default_workers() -> int:
    """Two workers per core: a worker alternates between its own work (nbgrader, feedback) and
    waiting for its kernel, so two of them keep a core busy (benchmarks/grading_speed.py).

    It holds under load now that every kernel has its own process budget and sockets: on 2
    cores, 4 concurrent runs with this default (16 kernels at once) beside a CPU hog graded
    160 of 160 honest submissions with full marks and no retry, 673 s in all
    (`benchmarks/concurrent_grading.py --runs 4 --submissions 40 --hog`, 2026-12-01)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * max(1, cores or 1)


# ----- the run -------------------------------------------------------------------------------

@dataclass
class GradingOptions:
    """How to grade: parallel workers, time budget per submission, kernel isolation, retries."""

    workers: int = 0                # 0: two per available core (default_workers)
    budget: float | None = None     # seconds per submission; None: nbgrader_config.py's
    isolate: str = "auto"           # "auto" (when possible), "on" or "off"
    retries: int = 2                # further tries of a submission that hit a machine problem
    wall_margin: float = 120.0      # seconds on top of the budget for start, feedback, clean-up
    only: set[tuple[str, str]] | None = None   # grade only these (student, assignment) pairs


def grade(root: Path, folder: Path, log: Callable[[str], None] = print,
          options: GradingOptions | None = None) -> list[Result]:
    """Grade every submission below `folder`; return one Result per submission found."""
    from course.grading.isolation import grading_setup

    options = options or GradingOptions()
    _quiet()
    assignments = assignments_in(root)
    submissions = discover(folder, assignments)
    if options.only is not None:
        submissions = [s for s in submissions if (s.student, s.assignment) in options.only]
    ensure_released(root, {s.assignment for s in submissions if s.problem is None})
    with course_lock(root, shared=True):     # a release (exclusive) waits for the run
        stage = Stage(root)
        try:
            with grading_setup(stage.path, options) as (overrides, env, note):
                log(note)
                overrides.merge(stage.overrides())
                with kernel_environment(env):
                    results = _grade(root, stage, submissions, log, options, overrides)
            _commit(root, stage, results, keep_other_rows=options.only is not None)
        finally:
            stage.discard()
    return results


def ensure_released(root: Path, assignments: set[str]) -> None:
    """Generate the release (and gradebook entry) of every assignment the gradebook lacks."""
    known: set[str] = set()
    if (root / "gradebook.db").is_file():
        with contextlib.closing(sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro",
                                                uri=True)) as con:
            with contextlib.suppress(sqlite3.Error):
                known = {r[0] for r in con.execute("SELECT name FROM assignment")}
    missing = sorted(assignments - known)
    if missing:
        from course.build import release
        release(root, missing)


def _grade(root: Path, stage: Stage, submissions: list[Submission], log,
           options: GradingOptions, overrides) -> list[Result]:
    results: dict[int, Result] = {}
    for index, sub in enumerate(submissions):
        accept(sub, stage.path)
        if sub.problem:
            results[index] = Result(sub.student, sub.assignment, problem=sub.problem)
    todo = [(i, s) for i, s in enumerate(submissions) if s.problem is None]
    students = len({s.student for _, s in todo})
    workers = min(options.workers or default_workers(), max(1, students))
    wall = submission_budget(root, overrides) + options.wall_margin
    progress = Progress(len(todo), log)
    log(f"grading {len(todo)} submission(s) with {workers} worker(s); "
        f"{len(results)} could not be read")
    for index, result in run_jobs(root, stage, overrides, todo, workers, wall, options.retries,
                                  log):
        results[index] = result
        progress.step(f"{result.student}/{result.assignment}: " + (
            f"{result.auto_score:g}/{result.auto_max:g} ({result.seconds:.1f} s)"
            if result.problem is None else result.problem))
    return [results[i] for i in range(len(submissions))]


def submission_budget(root: Path, overrides) -> float:
    """Seconds one submission may run: the override, else nbgrader_config.py's."""
    from course.nbgrader_api import load_config

    config = load_config(root, overrides)
    return float(execute.BudgetedExecute(config=config).submission_budget)


def _commit(root: Path, stage: Stage, results: list[Result], keep_other_rows: bool) -> None:
    """Publish the run: gradebook rows and folders of each submission, grades.csv, the report."""
    known = set(assignments_in(root))
    graded = [(r.assignment, r.student) for r in results if r.problem is None]
    removed = [(r.assignment, r.student) for r in results
               if r.problem and not r.machine and r.assignment in known
               and STUDENT_ID.match(r.student)]
    rows = results
    if keep_other_rows and (root / "grades.csv").is_file():
        rows = merged_rows(root / "grades.csv", results)
    write_csv(rows, stage.path / "grades.csv")
    report = write_report(stage.path, results, stage.path / "class_report.html")
    try:
        stage.commit(graded, removed, {"grades.csv": stage.path / "grades.csv",
                                       "reports/class_report.html": report})
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise CourseError(f"could not write the results into {root} ({type(exc).__name__}: "
                          f"{exc}); nothing was changed, grade again once that is fixed") from exc


def merged_rows(path: Path, results: list[Result]) -> list:
    """Rows of an earlier grades.csv for submissions not in `results`, then `results`."""
    fresh = {(r.student, r.assignment) for r in results}
    with path.open(newline="") as handle:
        old = [row for row in csv.DictReader(handle)
               if (row.get("student"), row.get("assignment")) not in fresh]
    return old + list(results)


CSV_FIELDS = ["student", "assignment", "auto_score", "auto_max", "manual_pending", "max_score",
              "status", "problem", "notes", "flags"]


def _row(r) -> dict:
    if isinstance(r, dict):
        return {k: r.get(k, "") for k in CSV_FIELDS}
    return {"student": r.student, "assignment": r.assignment, "auto_score": r.auto_score,
            "auto_max": r.auto_max, "manual_pending": r.manual_pending,
            "max_score": r.max_score, "status": r.status, "problem": r.problem or "",
            "notes": r.notes, "flags": " | ".join(r.flags)}


def _cells(r) -> dict:
    """{grade_id: points, or "pending" for a written answer awaiting a person} of one row."""
    if isinstance(r, dict):
        return {k: v for k, v in r.items() if k and k not in CSV_FIELDS}
    return {g: "pending" if g in r.pending_cells else f"{s:g}"
            for g, s in r.cell_scores.items() if g not in CSV_FIELDS}


def write_csv(results: list, path: Path) -> None:
    """One row per submission (Result or an earlier row), in the order given; after the fixed
    columns one column per graded cell (automatic and manual) of any assignment in the file."""
    cells = list(dict.fromkeys(k for r in results for k in _cells(r)))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS + cells)
        writer.writeheader()
        for r in results:
            writer.writerow({**_row(r), **_cells(r)})


def not_graded_in(root: Path) -> set[tuple[str, str]]:
    """(student, assignment) of the rows of grades.csv whose status is "not graded"."""
    path = root / "grades.csv"
    if not path.is_file():
        return set()
    with path.open(newline="") as handle:
        return {(row["student"], row["assignment"]) for row in csv.DictReader(handle)
                if row.get("status") == "not graded"}
