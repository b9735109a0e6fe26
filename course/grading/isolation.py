"""Grading set-up: which kernel runs student code, with which limits.

`grading_setup` returns nbgrader config overrides, environment variables for the kernel and a
one-line note for the log. Isolation (`course.grading.sandbox`) is used when asked for, or
automatically when grading runs as root and the machine allows it.
"""
from __future__ import annotations

from pathlib import Path

from traitlets.config import Config


def grading_setup(root: Path, options) -> tuple[Config, dict[str, str], str]:
    overrides = Config()
    if options.budget is not None:
        overrides.BudgetedExecute.submission_budget = float(options.budget)
    env: dict[str, str] = {}
    if options.isolate == "off":
        return overrides, env, "isolation: off (as asked)"
    try:
        from course.grading import sandbox
    except ImportError:
        available, reason = False, "this installation has no sandbox"
    else:
        available, reason = sandbox.available()
    if not available:
        if options.isolate == "on":
            from course.nbgrader_api import CourseError
            raise CourseError(f"kernel isolation was asked for but is not possible: {reason}")
        return overrides, env, f"isolation: off ({reason})"
    limits = sandbox.Limits.from_budget(options.budget)
    data_dir = sandbox.install_kernelspec(root, limits)
    overrides.merge(sandbox.kernel_config(root, limits))
    env["JUPYTER_PATH"] = str(data_dir)
    return overrides, env, f"isolation: on (student code runs as an unprivileged user; {limits})"
