"""`course grade`: intake, autograde, feedback and grades for a folder of submissions.

Each submission is graded on its own; a failure (bad file, dead kernel, anything nbgrader
raises) is recorded for that student with its reason and the run goes on. Before a submission is
graded its previous scores are removed from the gradebook, so a failed re-grade never leaves
stale scores behind and a re-run replaces them.

Submissions are graded by `workers` processes at once. All submissions of one student go to the
same worker, so no student is ever graded twice at the same time; results are reported in the
order the submissions were found, whatever order the workers finish in.
"""
from __future__ import annotations

import contextlib
import csv
import multiprocessing
import os
import shutil
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from course.build import release_one
from course.grading.intake import STUDENT_ID, Submission, accept, discover
from course.grading.progress import Progress
from course.grading.report import graded_cells, write_report
from course.grading.static import flags_in_notebook
from course.nbgrader_api import api_result_error, assignments_in, make_api
from course.widgets import HEADLESS


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
    notes: str = ""
    flags: list[str] = field(default_factory=list)
    cell_scores: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "ok" if self.problem is None else "failed"


def scores(gradebook, assignment: str, student: str, auto_ids: set[str]) -> dict:
    """Points of one submission from the gradebook.

    auto_score/auto_max: the autograded test cells (`auto_ids`). manual_pending: points of
    answers a person still has to grade (an answer left empty is scored 0 at once and is not
    pending). max_score: everything. cell_scores: {grade_id: score} of every graded cell.
    """
    submission = gradebook.find_submission(assignment, student)
    auto = auto_max = pending = total = 0.0
    cells = {}
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            total += grade.max_score
            cells[grade.name] = float(grade.score)
            if grade.name in auto_ids:
                auto += grade.score
                auto_max += grade.max_score
            elif grade.needs_manual_grade:
                pending += grade.max_score
    return dict(auto_score=auto, auto_max=auto_max, manual_pending=pending, max_score=total,
                cell_scores=cells)


def forget(api, root: Path, assignment: str, student: str) -> None:
    """Remove earlier autograded output, feedback and gradebook scores of one submission."""
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
    try:
        outcome = api.autograde(sub.assignment, sub.student, force=True, create=True)
    except Exception as exc:  # the API catches nearly everything; this is the last net
        outcome = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
    if outcome.get("success"):
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


def ensure_released(api, root: Path, assignments: set[str]) -> None:
    """Generate the release (and gradebook entry) of every assignment that lacks one."""
    with api.gradebook as gb:
        known = {a.name for a in gb.assignments}
    for assignment in sorted(assignments - known):
        release_one(api, root, assignment)


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


# ----- workers -------------------------------------------------------------------------------

_WORKER_API = None


def _quiet() -> None:
    # nbgrader's own gradebook code triggers SQLAlchemy warnings that mean nothing to a grader.
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")


def _start_worker(root: Path, overrides) -> None:
    global _WORKER_API
    _quiet()
    _WORKER_API = make_api(root, overrides)


def _grade_student(root: Path, subs: list[Submission]) -> list[Result]:
    return [grade_one(_WORKER_API, root, sub) for sub in subs]


def _by_student(subs: list[Submission]) -> list[list[Submission]]:
    groups: dict[str, list[Submission]] = {}
    for sub in subs:
        groups.setdefault(sub.student, []).append(sub)
    return list(groups.values())


def default_workers() -> int:
    """Two workers per core: a worker alternates between its own work (nbgrader, feedback) and
    waiting for its kernel, so two of them keep a core busy. Measured on 2 cores with 40
    submissions (benchmarks/grading_speed.py): 2 workers 72 s, 3 workers 70 s, 4 workers 67 s."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * max(1, cores or 1)


# ----- the run -------------------------------------------------------------------------------

@dataclass
class GradingOptions:
    """How to grade: parallel workers, time budget per submission, kernel isolation."""

    workers: int = 0                # 0: two per available core (default_workers)
    budget: float | None = None     # seconds per submission; None: nbgrader_config.py's
    isolate: str = "auto"           # "auto" (when root and possible), "on" or "off"


def grade(root: Path, folder: Path, log: Callable[[str], None] = print,
          options: GradingOptions | None = None) -> list[Result]:
    """Grade every submission below `folder`; return one Result per submission found."""
    from course.grading.isolation import grading_setup

    options = options or GradingOptions()
    _quiet()
    with grading_setup(root, options) as (overrides, env, note):
        log(note)
        with kernel_environment(env):
            return _grade(root, folder, log, options, overrides)


def _grade(root: Path, folder: Path, log, options: GradingOptions, overrides) -> list[Result]:
    assignments = assignments_in(root)
    submissions = discover(folder, assignments)
    api = make_api(root, overrides)
    ensure_released(api, root, {s.assignment for s in submissions if s.problem is None})
    results: dict[int, Result] = {}
    for index, sub in enumerate(submissions):
        accept(sub, root)
        if sub.problem:
            if sub.assignment in assignments and STUDENT_ID.match(sub.student):
                forget(api, root, sub.assignment, sub.student)   # no stale scores survive
                shutil.rmtree(root / "submitted" / sub.student / sub.assignment,
                              ignore_errors=True)
            results[index] = Result(sub.student, sub.assignment, problem=sub.problem)
    groups = _by_student([s for s in submissions if s.problem is None])
    gradeable = sum(len(g) for g in groups)
    workers = min(options.workers or default_workers(), max(1, len(groups)))
    progress = Progress(gradeable, log)
    log(f"grading {gradeable} submission(s) with {workers} worker(s); "
        f"{len(results)} could not be read")
    position = {id(s): i for i, s in enumerate(submissions)}
    for result_group, sub_group in _run_groups(root, overrides, groups, workers, api):
        for sub, result in zip(sub_group, result_group):
            results[position[id(sub)]] = result
            progress.step(f"{sub.student}/{sub.assignment}: " + (
                f"{result.auto_score:g}/{result.auto_max:g} ({result.seconds:.1f} s)"
                if result.problem is None else result.problem))
    ordered = [results[i] for i in range(len(submissions))]
    write_csv(ordered, root / "grades.csv")
    log(f"class report: {write_report(root, ordered)}")
    return ordered


def _run_groups(root, overrides, groups, workers, api):
    """Yield (results, submissions) per student group, from this process or a pool."""
    if workers == 1:
        for group in groups:
            yield [grade_one(api, root, sub) for sub in group], group
        return
    # fork starts a worker in milliseconds (spawn re-imports nbgrader: ~2 s); every worker opens
    # its own gradebook connection, so nothing of the parent's database state is shared.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(root, overrides)) as pool:
        futures = {pool.submit(_grade_student, root, group): group for group in groups}
        for future in as_completed(futures):
            group = futures[future]
            try:
                yield future.result(), group
            except Exception as exc:  # a worker died: report its students, keep going
                yield [Result(s.student, s.assignment, problem=f"grading worker failed: "
                              f"{type(exc).__name__}: {exc}") for s in group], group


CSV_FIELDS = ["student", "assignment", "auto_score", "auto_max", "manual_pending", "max_score",
              "status", "problem", "notes", "flags"]


def write_csv(results: list[Result], path: Path) -> None:
    """One row per submission, in the order found."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in results:
            writer.writerow({"student": r.student, "assignment": r.assignment,
                             "auto_score": r.auto_score, "auto_max": r.auto_max,
                             "manual_pending": r.manual_pending, "max_score": r.max_score,
                             "status": r.status, "problem": r.problem or "",
                             "notes": r.notes, "flags": " | ".join(r.flags)})
