"""`course grade`: intake, autograde, feedback and grades for a folder of submissions.

The coordinator (this module, in the `course grade` process) holds `solutions/`, the release and
the gradebook; executors (Dask tasks, `course.grading.executor`) only run notebooks. Per
submission:

1. intake (`course.grading.intake`) and nbgrader's sanitizing steps (`prepare`);
2. one Dask task runs the sanitized notebook in a sandboxed kernel (key: the job's content hash;
   Dask's `retries` repeat it after a machine problem, and tasks of a lost worker run elsewhere);
3. as results arrive: the comparison with the reference, scoring, late penalties, feedback and
   the gradebook writes (`finish`), here, by one writer.

Three outcomes:

- graded: its scores replace the previous ones;
- failed: the hand-in cannot be graded (not JSON, missing notebook, ...); its old scores go, so
  no stale score survives, and the reason is reported for that student;
- not graded: a problem of the machine (a kernel that could not start, an executor past its
  wall-clock limit, a worker lost too often). It is reported as "not graded (machine problem)",
  never as a score, and keeps its previous scores. `course grade DIR --only-not-graded` grades
  just those again.

Everything is written in a staging folder and committed at the end (`course.grading.staging`):
a run that fails or is killed changes nothing, and the next run reuses the executions it had
received (`course.grading.resume`). A submission graded before from the same content is kept,
not graded again, unless `force`. Results are reported in the order the submissions were found.
"""
from __future__ import annotations

import collections
import contextlib
import csv
import dataclasses
import os
import secrets
import shutil
import sqlite3
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from traitlets.config import Config

from course.env import HEADLESS
from course.grading import execute
from course.grading.executor import TOPIC, MachineProblem, job_key, make_job
from course.grading.feedback_jobs import FeedbackJobs
from course.grading.intake import STUDENT_ID, Submission, accept, discover
from course.grading.progress import Progress
from course.grading.report import graded_cells, write_report
from course.grading.resume import (ExecutionStore, content_hash, grader_fingerprint,
                                   recorded_rows, unchanged)
from course.grading.resume import record as resume_record
from course.grading.sandbox import Limits
from course.grading.staging import Stage, remove_rows
from course.grading.static import flags_in_notebook
from course.nbgrader_api import (CourseError, api_result_error, assignments_in, course_lock,
                                 make_api)


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
    kept: bool = False              # unchanged since it was graded: the recorded grade stands

    @classmethod
    def from_row(cls, row: dict, notes: str = "") -> "Result":
        """The Result a grades.csv row records (a submission kept as it was graded)."""
        number = lambda key: float(row.get(key) or 0)  # noqa: E731
        cells = {k: v for k, v in row.items() if k and k not in CSV_FIELDS}
        return cls(row["student"], row["assignment"], auto_score=number("auto_score"),
                   auto_max=number("auto_max"), manual_pending=number("manual_pending"),
                   max_score=number("max_score"), notes=row.get("notes") or notes,
                   flags=[f for f in (row.get("flags") or "").split(" | ") if f],
                   cell_scores={k: float(v) for k, v in cells.items()
                                if v not in ("", "pending", None)},
                   pending_cells=[k for k, v in cells.items() if v == "pending"], kept=True)

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


def forget(root: Path, assignment: str, student: str) -> None:
    """Remove earlier autograded output, feedback and gradebook rows of one submission (in the
    staging course directory `root`; plain SQL, in one transaction: nbgrader's ORM takes ~0.1 s)."""
    for folder in ("autograded", "feedback"):
        shutil.rmtree(root / folder / student / assignment, ignore_errors=True)
    remove_rows(root / "gradebook.db", assignment, student)


def _autograde(api, sub: Submission) -> dict:
    try:
        return api.autograde(sub.assignment, sub.student, force=True, create=True)
    except Exception as exc:  # the API catches nearly everything; this is the last net
        return {"success": False, "error": f"{type(exc).__name__}: {exc}"}


def prepare(config: Config, root: Path, sub: Submission) -> tuple[str | None, str | None]:
    """Step 1 (`course.grading.replay`): the sanitized notebook an executor runs (JSON text),
    None; or None, why it cannot be graded."""
    from course.grading.replay import sanitize

    path = root / "submitted" / sub.student / sub.assignment / f"{sub.assignment}.ipynb"
    try:
        return sanitize(config, f"sqlite:///{root / 'gradebook.db'}", sub.assignment,
                        sub.student, path), None
    except Exception as exc:  # noqa: BLE001  (nbgrader's own errors name the problem)
        return None, f"autograding failed: {type(exc).__name__}: {exc}"


def finish(api, root: Path, sub: Submission, prepared: str, executed: dict,
           result: Result) -> None:
    """Step 3: compare and score the executor's result, into `result` (feedback: FeedbackJobs)."""
    from course.grading.replay import EXECUTED

    forget(root, sub.assignment, sub.student)
    EXECUTED[(sub.assignment, sub.student)] = {"prepared": prepared, "executed": executed}
    try:
        outcome = _autograde(api, sub)
    finally:
        EXECUTED.pop((sub.assignment, sub.student), None)
    if not outcome.get("success"):
        result.problem = "autograding failed: " + api_result_error(outcome)
        forget(root, sub.assignment, sub.student)
        return
    with api.gradebook as gb:
        auto_ids = {g for g, _, kind in graded_cells(root, sub.assignment) if kind == "auto"}
        for key, value in scores(gb, sub.assignment, sub.student, auto_ids).items():
            setattr(result, key, value)


@contextlib.contextmanager
def clean_environment():
    """Worker processes and kernels inherit this process's environment: keep PYTHONPATH out of
    it, so that nothing (the repository root with `solutions`, in particular) is importable from
    there; grading has no frontend, so sliders draw once (course.widgets)."""
    saved = dict(os.environ)
    os.environ.pop("PYTHONPATH", None)
    os.environ[HEADLESS] = "1"
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _quiet() -> None:
    # nbgrader's own gradebook code triggers SQLAlchemy warnings that mean nothing to a grader.
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")


# ----- the run -------------------------------------------------------------------------------

@dataclass
class GradingOptions:
    """How to grade: executors, time budget per submission, kernel isolation, retries."""

    workers: int = 0                # LocalCluster size; 0: two per available core
    budget: float | None = None     # seconds per submission; None: nbgrader_config.py's
    isolate: str = "auto"           # "auto" (when possible), "on" or "off"
    retries: int = 2                # further tries of a submission that hit a machine problem
    wall_margin: float = 120.0      # seconds on top of the budget for kernel start and clean-up
    only: set[tuple[str, str]] | None = None   # grade only these (student, assignment) pairs
    scheduler: str | None = None    # address of a Dask scheduler; None: a LocalCluster
    force: bool = False             # grade again what is recorded with the same content


def say(line: str) -> None:
    """Print a log line at once, also into a pipe (`course grade ... | tee log`): progress
    must be seen while it happens."""
    print(line, flush=True)


def grade(root: Path, folder: Path, log: Callable[[str], None] = say,
          options: GradingOptions | None = None) -> list[Result]:
    """Grade every submission below `folder`; return one Result per submission found."""
    from course.grading.cluster import default_workers, executors

    options = options or GradingOptions()
    if options.isolate not in ("auto", "on", "off"):
        raise CourseError(f"--isolate must be auto, on or off, not {options.isolate!r}")
    _quiet()
    assignments = assignments_in(root)
    submissions = discover(folder, assignments)
    if options.only is not None:
        submissions = [s for s in submissions if (s.student, s.assignment) in options.only]
    ensure_released(root, {s.assignment for s in submissions if s.problem is None})
    with course_lock(root, shared=True):     # a release (exclusive) waits for the run
        stage = Stage(root)
        try:
            overrides = Config()
            if options.budget is not None:
                overrides.BudgetedExecute.submission_budget = float(options.budget)
            overrides.merge(stage.overrides())
            store = ExecutionStore(root)
            workers = min(options.workers or default_workers(), max(1, len(submissions)))
            with clean_environment(), executors(workers, options.scheduler) as pool:
                results = _grade(root, stage, submissions, log, options, overrides, pool,
                                 store)
            _commit(root, stage, results, keep_other_rows=options.only is not None)
            store.forget_mine()
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


def execution_settings(root: Path, overrides) -> dict:
    """The executor's settings from nbgrader_config.py (+ overrides), as plain values."""
    from course.grading.executor import EXECUTE_SETTINGS
    from course.nbgrader_api import load_config

    runner = execute.BudgetedExecute(config=load_config(root, overrides))
    return {name: (list(v) if isinstance(v := getattr(runner, name), (list, tuple)) else v)
            for name in EXECUTE_SETTINGS}


def _grade(root: Path, stage: Stage, submissions: list[Submission], log,
           options: GradingOptions, overrides, pool, store: ExecutionStore) -> list[Result]:
    """Intake, then per submission: sanitize (here), execute (a Dask task), compare, score and
    write feedback (here, as results arrive). Returns the Results in discovery order."""
    from course.grading.replay import finish_config
    from course.nbgrader_api import load_config

    results: dict[int, Result] = {}
    for index, sub in enumerate(submissions):
        accept(sub, stage.path)
        if sub.problem:
            results[index] = Result(sub.student, sub.assignment, problem=sub.problem)
    todo = [(i, s) for i, s in enumerate(submissions) if s.problem is None]
    grader = grader_fingerprint(root)
    hashes = {i: content_hash(stage.path, s.student, s.assignment, grader) for i, s in todo}
    if not options.force:
        recorded = recorded_rows(root)
        for i, s in todo:
            row = recorded.get((s.student, s.assignment))
            if row and unchanged(root, s.student, s.assignment, hashes[i]):
                results[i] = Result.from_row(row, notes="; ".join(s.notes))
                _keep_for_report(root, stage.path, s)
        if any(i in results for i, _ in todo):
            kept = sum(i in results for i, _ in todo)
            log(f"{kept} submission(s) unchanged since they were graded: kept (--force grades "
                "them again)")
    todo = [(i, s) for i, s in todo if i not in results]
    if todo:
        pool.start()            # workers start while the submissions are sanitized
    settings = execution_settings(root, overrides)
    limits = dataclasses.asdict(Limits.from_budget(options.budget))
    wall = settings["submission_budget"] + options.wall_margin
    config = load_config(root, overrides)
    finishing = make_api(root, _merged(overrides, finish_config(
        config.Autograde.autograde_preprocessors)))
    log(f"grading {len(todo)} submission(s); {sum(r.problem is not None for r in results.values())}"
        " could not be read")
    progress = Progress(len(todo), log)
    tasks = Tasks(pool, options.retries, log)
    spent = collections.Counter()       # the coordinator's own seconds, by step
    prepared: dict[int, str] = {}
    feedback = FeedbackJobs(root, overrides)     # overrides: the stage
    for index, sub in todo:
        result = Result(sub.student, sub.assignment, notes="; ".join(sub.notes))
        submitted = stage.path / "submitted" / sub.student / sub.assignment
        result.flags = [str(f) for f in flags_in_notebook(
            nbformat.read(submitted / f"{sub.assignment}.ipynb", as_version=4))]
        results[index] = result
        started = time.thread_time()
        notebook, problem = prepare(config, stage.path, sub)
        spent["sanitize"] += time.thread_time() - started
        if problem:
            result.problem = problem
            progress.step(f"{sub.student}/{sub.assignment}: {problem}")
            continue
        job = make_job(notebook, sub.assignment, settings, options.isolate, limits, wall)
        key = job_key(job)
        prepared[index] = notebook
        tasks.add(key, index, f"{sub.student}/{sub.assignment}", job, store.load(key))
    for key, indices, executed, problem in tasks.finished():
        if executed is not None:
            store.save(key, executed)
        for index in indices:
            sub, result = submissions[index], results[index]
            if problem:
                result.problem, result.machine = (f"not graded (machine problem: {problem}); "
                                                  "re-run `course grade` with --only-not-graded",
                                                  True)
            else:
                started, cpu = time.perf_counter(), time.thread_time()
                finish(finishing, stage.path, sub, prepared.pop(index), executed, result)
                spent["compare and score"] += time.thread_time() - cpu
                if result.problem is None:
                    feedback.submit(index, sub.assignment, sub.student)
                result.seconds = executed.get("seconds", 0.0) + time.perf_counter() - started
                resume_record(stage.path, sub.student, sub.assignment, hashes[index])
            progress.step(f"{result.student}/{result.assignment}: " + (
                f"{result.auto_score:g}/{result.auto_max:g} ({result.seconds:.1f} s)"
                if result.problem is None else result.problem))
    for index, error in feedback.wait().items():
        results[index].notes = "; ".join(filter(None, [results[index].notes,
                                                       f"feedback failed: {error}"]))
    if todo:
        log(f"coordinator: {sum(spent.values()) / len(todo):.2f} s CPU per submission (" + ", ".join(
            f"{step} {seconds / len(todo):.2f} s" for step, seconds in spent.items()) + ")")
    return [results[i] for i in range(len(submissions))]


def _merged(*configs) -> Config:
    merged = Config()
    for config in configs:
        merged.merge(config)
    return merged


def _keep_for_report(root: Path, stage: Path, sub: Submission) -> None:
    """Copy a kept submission's autograded folder into the stage, for the class report only
    (it is not committed: the course keeps its own)."""
    source = root / "autograded" / sub.student / sub.assignment
    with contextlib.suppress(OSError):
        shutil.copytree(source, stage / "autograded" / sub.student / sub.assignment,
                        dirs_exist_ok=True)


class Tasks:
    """The executor tasks of a run on a Dask client: one per distinct job (key = content hash),
    each submission waiting on its job; Dask's `retries` repeat a task that raised a machine
    problem, and the tasks of a worker that is lost run again on another one."""

    def __init__(self, pool, retries: int, log):
        self.pool, self.retries, self.log = pool, retries, log
        self._client = None
        self.futures: dict[str, object] = {}
        self.waiting: dict[str, list[int]] = collections.defaultdict(list)
        self.names: dict[str, list[str]] = collections.defaultdict(list)
        self.done: list[tuple[str, dict]] = []
        self.tries: collections.Counter = collections.Counter()
        self.notes: set[str] = set()
        self.token = secrets.token_hex(8)

    @property
    def client(self):
        """The Dask client, on first use: the executors are described in the log."""
        if self._client is None:
            self._client = self.pool.client
            self._client.subscribe_topic(TOPIC, self._machine_problem)
            self.log(f"executors: {self.pool.description}")
        return self._client

    def add(self, key: str, index: int, name: str, job: dict, executed: dict | None) -> None:
        """Run `job` unless it ran already (`executed`, kept by an interrupted run)."""
        from course.grading.executor import execute

        self.waiting[key].append(index)
        self.names[key].append(name)
        if len(self.waiting[key]) > 1:
            return
        if executed is not None:
            self.log(f"{name}: executed by an interrupted run; not run again")
            self.done.append((key, executed))
            return
        # The Dask key: the content hash and this run's random token, so that nobody else who
        # can reach the scheduler can put a result under a key the run will ask for.
        self.futures[key] = self.client.submit(execute, job, key=f"{key}-{self.token}",
                                               pure=False, retries=self.retries)

    def _machine_problem(self, event) -> None:
        """Event from an executor: a try of `key` hit a machine problem."""
        _, (key, problem) = event
        key = str(key).rsplit("-", 1)[0]
        self.tries[key] += 1
        if key in self.names and self.tries[key] <= self.retries:
            for name in self.names[key]:
                self.log(f"retrying {name} ({problem})")

    def finished(self):
        """Yield (key, submission indices, executed result or None, machine problem or None)
        as tasks end."""
        from distributed import as_completed

        for key, executed in self.done:
            yield key, self.waiting[key], executed, None
        if not self.futures:
            return
        for future in as_completed(list(self.futures.values()), loop=self.client.loop):
            key = future.key.rsplit("-", 1)[0]
            try:
                executed = future.result()
            except Exception as exc:  # noqa: BLE001  (a machine's problem after retries)
                problem = str(exc) if isinstance(exc, MachineProblem) else \
                    f"{type(exc).__name__}: {exc}"
                yield key, self.waiting[key], None, problem
            else:
                if executed.get("isolation") not in self.notes:
                    self.notes.add(executed.get("isolation"))
                    self.log(f"executor: {executed.get('isolation')}")
                yield key, self.waiting[key], executed, None
            future.release()


def _commit(root: Path, stage: Stage, results: list[Result], keep_other_rows: bool) -> None:
    """Publish the run: gradebook rows and folders of each submission, grades.csv, the report."""
    known = set(assignments_in(root))
    graded = [(r.assignment, r.student) for r in results if r.problem is None and not r.kept]
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
