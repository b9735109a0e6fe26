"""Grading set-up: which kernel runs student code, with which limits.

`grading_setup` yields nbgrader config overrides, environment variables for the kernels and a
one-line note for the log, and removes what it installed afterwards. Isolation
(`course.grading.sandbox`, bubblewrap) is used whenever the machine allows it, with or without
root; `--isolate on` makes its absence an error, `--isolate off` switches it off.
"""
from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Iterator

from traitlets.config import Config

from course.nbgrader_api import CourseError


@contextlib.contextmanager
def grading_setup(root: Path, options) -> Iterator[tuple[Config, dict[str, str], str]]:
    overrides = Config()
    if options.budget is not None:
        overrides.BudgetedExecute.submission_budget = float(options.budget)
    if options.isolate == "off":
        yield overrides, {}, "isolation: off (as asked)"
        return
    from course.grading import sandbox

    available, reason = sandbox.available()
    if not available:
        if options.isolate == "on":
            raise CourseError(f"kernel isolation was asked for but is not possible: {reason}")
        yield overrides, {}, f"isolation: off ({reason})"
        return
    limits = sandbox.Limits.from_budget(options.budget)
    data_dir = sandbox.install_kernelspec(root, limits)
    overrides.merge(sandbox.kernel_config(root, limits))
    try:
        yield overrides, {"JUPYTER_PATH": str(data_dir)}, \
            f"isolation: on ({reason}; per kernel: {limits})"
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
