"""Coordinator side of execution: nbgrader's autograde, split around the executor.

nbgrader's `Autograde` first sanitizes a submission (clears outputs, restores the instructor's
test cells and metadata from the gradebook), then runs its autograde preprocessors, the first of
which executes the notebook. The coordinator splits that:

1. `sanitize`: nbgrader's sanitizing preprocessors (`Autograde.sanitize_preprocessors`, as
   configured) on the submitted notebook, in memory. That notebook is what an executor runs.
2. (the executor runs it: `course.grading.executor.execute`)
3. `finish`: nbgrader's autograde with no sanitizing step and the configured autograde
   preprocessors, except that the executing one (`RecordedExecute`) is replaced by
   `ReplayExecution`. It starts from the notebook of step 1 (the coordinator's own: sources and
   nbgrader metadata stay the instructor's), takes from the executor's result only the outputs
   and execution count of each cell, and the hidden-check results each cell published
   (`compare.PUBLISHED`). Comparison, scoring, late penalties and the gradebook writes then run
   as before, in the coordinator.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from course.grading.compare import PUBLISHED

EXECUTING = "course.grading.compare.RecordedExecute"
REPLAY = "course.grading.replay.ReplayExecution"
CHECK_METADATA = "nbgrader.preprocessors.CheckCellMetadata"

#: {(assignment, student): {"prepared": notebook JSON, "executed": executor result}} for the
#: `finish` pass of this process.
EXECUTED: dict[tuple[str, str], dict] = {}


def _names(items) -> list[str]:
    return [p if isinstance(p, str) else f"{p.__module__}.{p.__name__}" for p in items]


def sanitize(config: Config, db_url: str, assignment: str, student: str,
             path: Path) -> str:
    """The submitted notebook at `path` after nbgrader's sanitizing preprocessors (JSON text)."""
    from nbgrader.converters import Autograde

    configured = config.Autograde.get(
        "sanitize_preprocessors", Autograde.class_traits()["sanitize_preprocessors"].default())
    nb = nbformat.read(path, as_version=4)
    resources = {"nbgrader": {"db_url": db_url, "assignment": assignment,
                              "notebook": path.stem, "student": student},
                 "metadata": {"name": path.stem, "path": str(path.parent)}}
    for name in _names(configured):
        nb, resources = import_item(name)(config=config)(nb, resources)
    return nbformat.writes(nb)


def finish_config(configured: list) -> Config:
    """Overrides for step 3: no sanitizing (step 1 did it), the configured autograde
    preprocessors with the execution replayed."""
    names = _names(configured)
    if EXECUTING not in names:
        raise RuntimeError(f"nbgrader_config.py: Autograde.autograde_preprocessors must "
                           f"contain {EXECUTING} (the executor runs it)")
    config = Config()
    config.Autograde.sanitize_preprocessors = []
    # CheckCellMetadata validated the notebook in step 1; the replay changes only outputs.
    config.Autograde.autograde_preprocessors = [REPLAY if n == EXECUTING else n for n in names
                                                if n != CHECK_METADATA]
    return config


class ReplayExecution(NbGraderPreprocessor):
    """Replace the notebook by the sanitized one with the executor's outputs; record what each
    cell published."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        key = (info.get("assignment"), info.get("student"))
        if key not in EXECUTED:
            raise RuntimeError(f"no execution result for {key[1]}/{key[0]}")
        nb = nbformat.reads(EXECUTED[key]["prepared"], as_version=4)
        result = EXECUTED[key]["executed"]
        executed = nbformat.reads(result["notebook"], as_version=4)
        if len(executed.cells) != len(nb.cells) or any(
                a.cell_type != b.cell_type or a.source != b.source
                for a, b in zip(executed.cells, nb.cells)):
            raise RuntimeError("the executed notebook does not match the one sent to the executor")
        for cell, ran in zip(nb.cells, executed.cells):
            if cell.cell_type == "code":
                cell.outputs = copy.deepcopy(ran.get("outputs", []))
                cell.execution_count = ran.get("execution_count")
        resources[PUBLISHED] = {int(index): payloads
                                for index, payloads in result["published"]}
        return nb, resources
