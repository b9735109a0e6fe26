"""Feedback pages written beside the coordinator, in a small pool of local processes.

Writing a feedback page (nbgrader's GenerateFeedback: the grades from the gradebook, hidden tests
removed, HTML with MathML) is the largest part of the coordinator's own work per submission
(about 60 % of it, `benchmarks/dask_grading.py`). It only reads the stage's gradebook and
autograded notebook and writes the stage's feedback folder, so a few processes do it in
parallel while the coordinator goes on comparing and scoring (the one gradebook writer).
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from pathlib import Path


def _write_feedback(root: str, overrides, assignment: str, student: str) -> str | None:
    """In a pool process: write one feedback page; return nbgrader's error, or None."""
    import warnings

    from course.nbgrader_api import api_result_error, make_api

    warnings.filterwarnings("ignore")
    outcome = make_api(Path(root), overrides).generate_feedback(assignment, student, force=True)
    return None if outcome.get("success") else api_result_error(outcome)


class FeedbackJobs:
    """Submit feedback pages as submissions are scored; `wait()` returns {index: error}."""

    def __init__(self, root: Path, overrides, processes: int | None = None):
        """root: the course (its nbgrader_config.py); overrides: the stage's directories."""
        self.root, self.overrides = str(root), overrides
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2
        self.processes = processes or max(1, min(2, cores))
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._jobs: dict[concurrent.futures.Future, int] = {}
        self._what: dict[int, tuple[str, str]] = {}

    def submit(self, index: int, assignment: str, student: str) -> None:
        self._what[index] = (assignment, student)
        for _ in range(2):
            if self._pool is None:
                # spawn: this process runs Dask's threads, which a fork would copy mid-work
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    self.processes, mp_context=multiprocessing.get_context("spawn"))
            try:
                job = self._pool.submit(_write_feedback, self.root, self.overrides, assignment,
                                        student)
            except concurrent.futures.BrokenExecutor:     # a pool process was killed: anew
                self._pool = None
                continue
            self._jobs[job] = index
            return

    def wait(self) -> dict[int, str]:
        """Wait for every page; {submission index: why its page could not be written}."""
        errors = {}
        try:
            for job in concurrent.futures.as_completed(self._jobs):
                try:
                    error = job.result()
                except Exception:  # noqa: BLE001  (a pool process died): write it here
                    error = self._here(self._jobs[job])
                if error:
                    errors[self._jobs[job]] = error
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
        for index in set(self._what) - set(self._jobs.values()):   # never got into a pool
            error = self._here(index)
            if error:
                errors[index] = error
        return errors

    def _here(self, index: int) -> str | None:
        try:
            return _write_feedback(self.root, self.overrides, *self._what[index])
        except Exception as exc:  # noqa: BLE001  (reported as the page's problem)
            return f"{type(exc).__name__}: {exc}"
