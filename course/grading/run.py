"""`course grade`: intake, autograde, feedback and grades for a folder of submissions.

Each submission is graded on its own; a failure (bad file, dead kernel, anything nbgrader
raises) is recorded for that student with its reason and the run goes on. Before a submission is
graded its previous scores are removed from the gradebook, so a failed re-grade never leaves
stale scores behind and a re-run replaces them.
"""
from __future__ import annotations

import contextlib
import csv
import os
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from course.build import release_one
from course.grading.intake import STUDENT_ID, Submission, accept, discover
from course.nbgrader_api import api_result_error, assignments_in, make_api


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

    @property
    def status(self) -> str:
        return "ok" if self.problem is None else "failed"


def scores(gradebook, assignment: str, student: str) -> dict:
    """Points of one submission from the gradebook.

    auto_score/auto_max: the autograded test cells. manual_pending: points of written answers
    a person still has to grade (an answer left empty is scored 0 at once and is not pending).
    max_score: everything.
    """
    submission = gradebook.find_submission(assignment, student)
    auto = auto_max = pending = total = 0.0
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            total += grade.max_score
            if grade.cell.cell_type == "code":
                auto += grade.score
                auto_max += grade.max_score
            elif grade.needs_manual_grade:
                pending += grade.max_score
    return dict(auto_score=auto, auto_max=auto_max, manual_pending=pending, max_score=total)


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
    """Grade one accepted submission and write its feedback."""
    result = Result(sub.student, sub.assignment, notes="; ".join(sub.notes))
    started = time.perf_counter()
    forget(api, root, sub.assignment, sub.student)
    outcome = api.autograde(sub.assignment, sub.student, force=True, create=True)
    if outcome.get("success"):
        feedback = api.generate_feedback(sub.assignment, sub.student, force=True)
        if not feedback.get("success"):
            result.notes = "; ".join(filter(None, [result.notes, "feedback failed: " +
                                                   api_result_error(feedback)]))
        with api.gradebook as gb:
            for key, value in scores(gb, sub.assignment, sub.student).items():
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
def kernel_environment():
    """Grading kernels inherit this process's environment: keep PYTHONPATH out of it, so that
    nothing (the repository root with `solutions`, in particular) is importable from there."""
    saved = os.environ.pop("PYTHONPATH", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["PYTHONPATH"] = saved


def grade(root: Path, folder: Path, log: Callable[[str], None] = print) -> list[Result]:
    """Grade every submission below `folder`; return one Result per submission found."""
    with kernel_environment():
        return _grade(root, folder, log)


def _grade(root: Path, folder: Path, log: Callable[[str], None]) -> list[Result]:
    # nbgrader's own gradebook code triggers SQLAlchemy warnings that mean nothing to a grader.
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    assignments = assignments_in(root)
    submissions = discover(folder, assignments)
    api = make_api(root)
    ensure_released(api, root, {s.assignment for s in submissions if s.problem is None})
    results = []
    for number, sub in enumerate(submissions, 1):
        accept(sub, root)
        if sub.problem:
            if sub.assignment in assignments and STUDENT_ID.match(sub.student):
                forget(api, root, sub.assignment, sub.student)   # no stale scores survive
                shutil.rmtree(root / "submitted" / sub.student / sub.assignment,
                              ignore_errors=True)
            result = Result(sub.student, sub.assignment, problem=sub.problem)
        else:
            result = grade_one(api, root, sub)
        results.append(result)
        log(f"[{number}/{len(submissions)}] {sub.student}/{sub.assignment}: " +
            (f"{result.auto_score:g}/{result.auto_max:g} automatic points "
             f"({result.seconds:.1f} s)" if result.problem is None else result.problem))
    write_csv(results, root / "grades.csv")
    return results


CSV_FIELDS = ["student", "assignment", "auto_score", "auto_max", "manual_pending", "max_score",
              "status", "problem", "notes"]


def write_csv(results: list[Result], path: Path) -> None:
    """One row per submission, in the order graded."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in results:
            writer.writerow({"student": r.student, "assignment": r.assignment,
                             "auto_score": r.auto_score, "auto_max": r.auto_max,
                             "manual_pending": r.manual_pending, "max_score": r.max_score,
                             "status": r.status, "problem": r.problem or "",
                             "notes": r.notes})
