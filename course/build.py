"""`course release`: student notebooks in release/ from the instructor notebooks in source/.

nbgrader's generate_assignment removes solutions, hidden tests and outputs; this module then
strips what nbgrader leaves behind (saved widget state, execution timing and other notebook and
cell metadata), so a release never carries a figure or value computed by the solution.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.nbgrader_api import CourseError, api_result_error, assignments_in, make_api

KEPT_CELL_METADATA = ("nbgrader", "tags", "deletable", "editable")


@dataclass(frozen=True)
class NotebookPoints:
    """Graded cells of a notebook and their points, automatic and manual."""

    graded_cells: int
    auto_points: float
    manual_points: float

    @property
    def total(self) -> float:
        return self.auto_points + self.manual_points


def graded_cells_of(nb: nbformat.NotebookNode) -> list[tuple[str, float, str]]:
    """[(grade_id, points, "auto" or "manual")] in notebook order: code test cells are
    autograded, every other graded cell (written answers, hand-graded code) is manual."""
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            kind = "auto" if cell.cell_type == "code" and not meta.get("solution") else "manual"
            cells.append((meta["grade_id"], float(meta.get("points", 0)), kind))
    return cells


def points_of(nb: nbformat.NotebookNode) -> NotebookPoints:
    """Count graded cells of an nbgrader notebook and their automatic and manual points."""
    cells = graded_cells_of(nb)
    return NotebookPoints(len(cells), sum(p for _, p, k in cells if k == "auto"),
                          sum(p for _, p, k in cells if k == "manual"))


def strip_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove saved widget state and every notebook/cell metadata key a student need not get."""
    kernelspec = nb.metadata.get("kernelspec")
    language = nb.metadata.get("language_info", {}).get("name", "python")
    nb.metadata = nbformat.NotebookNode({"language_info": {"name": language}})
    if kernelspec:
        nb.metadata["kernelspec"] = kernelspec
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items() if k in KEPT_CELL_METADATA})
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def release_one(api, root: Path, assignment: str) -> NotebookPoints:
    """Generate release/<assignment>/ and return its points; CourseError on any failure."""
    source = root / "source" / assignment / f"{assignment}.ipynb"
    if not source.is_file():
        raise CourseError(f"{assignment}: no source notebook at {source}")
    extra = [p.name for p in source.parent.iterdir()
             if p.name != source.name and not p.name.startswith(".")]
    if extra:
        raise CourseError(f"{assignment}: source/{assignment}/ holds {extra}; nbgrader would "
                          "hand these files to students (keep reference code in solutions/)")
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result.get("success"):
        raise CourseError(f"{assignment}: nbgrader could not generate the release: "
                          f"{api_result_error(result)}")
    target = root / "release" / assignment / f"{assignment}.ipynb"
    if not target.is_file():
        raise CourseError(f"{assignment}: nbgrader reported success but wrote no {target}")
    nb = strip_metadata(nbformat.read(target, as_version=4))
    nbformat.validate(nb)
    nbformat.write(nb, target)
    return points_of(nbformat.read(source, as_version=4))


def release(root: Path, assignments: list[str] | None = None) -> dict[str, NotebookPoints]:
    """Release `assignments` (all with a source notebook by default); {assignment: points}."""
    known = assignments_in(root)
    chosen = assignments or known
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise CourseError(f"unknown assignment(s) {unknown}; the course has {known}")
    api = make_api(root)
    return {a: release_one(api, root, a) for a in chosen}
