"""Bring student submissions into the course: find, validate, repair metadata, copy to submitted/.

A submissions folder is laid out `<student>/<assignment>/<assignment>.ipynb`. Every problem is
recorded for that one student with its reason; nothing here raises for a bad submission.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


@dataclass
class Submission:
    """One student's hand-in of one assignment, and what intake found out about it."""

    student: str
    assignment: str
    path: Path                      # the notebook as handed in (may not exist)
    problem: str | None = None      # why it cannot be graded, if it cannot
    notes: list[str] = field(default_factory=list)   # repairs made, for the report


def discover(folder: Path, assignments: list[str]) -> list[Submission]:
    """Every `<student>/<assignment>/` below `folder`, each with a problem if it has one."""
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder {folder} does not exist")
    found = []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        student = student_dir.name
        if student.startswith("."):
            continue
        subdirs = sorted(p for p in student_dir.iterdir() if p.is_dir()
                         and not p.name.startswith("."))
        if not subdirs:
            found.append(Submission(student, "?", student_dir,
                                    problem="no assignment folder in the submission"))
        for adir in subdirs:
            sub = Submission(student, adir.name, adir / f"{adir.name}.ipynb")
            if not STUDENT_ID.match(student):
                sub.problem = f"student id {student!r} has characters other than letters, " \
                              "digits, '_', '.', '@' and '-'"
            elif adir.name not in assignments:
                sub.problem = f"unknown assignment {adir.name!r} (the course has " \
                              f"{', '.join(assignments)})"
            elif not sub.path.is_file():
                others = sorted(p.name for p in adir.glob("*.ipynb"))
                sub.problem = f"missing notebook {sub.path.name}" + \
                    (f" (found {', '.join(others)}; rename it)" if others else "")
            found.append(sub)
    return found


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook; ValueError with a plain reason if it is not one."""
    raw = path.read_bytes()
    if not raw.strip():
        raise ValueError("the notebook file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the notebook is not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the notebook is not valid JSON (line {exc.lineno}: {exc.msg})") \
            from None
    if not isinstance(data, dict) or "cells" not in data:
        raise ValueError("the file is JSON but not a notebook (no 'cells')")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        raise ValueError(f"the notebook does not follow the notebook format: "
                         f"{str(exc).splitlines()[0][:200]}") from None
    return nb


def belongs_to(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> bool:
    """True if at least one cell of `nb` carries a grade_id of the release notebook."""
    ids = {c.metadata["nbgrader"]["grade_id"] for c in release.cells if "nbgrader" in c.metadata}
    return any(isinstance(c.metadata.get("nbgrader"), dict)
               and c.metadata["nbgrader"].get("grade_id") in ids for c in nb.cells)


def restore_metadata(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    """Put the release's nbgrader metadata back on every cell; return what was repaired.

    Cells keep their content; their nbgrader metadata is taken from the release cell with the
    same grade_id. A cell whose grade_id the release does not know, or that repeats a grade_id
    already seen, loses its nbgrader metadata (it becomes an ordinary cell). Missing test cells
    are re-added from the gradebook by nbgrader (OverwriteCells.add_missing_cells).
    """
    expected = {c.metadata["nbgrader"]["grade_id"]: c for c in release.cells
                if "nbgrader" in c.metadata}
    notes, seen = [], set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id not in expected or grade_id in seen:
            why = "repeats" if grade_id in seen else "has an unknown"
            notes.append(f"a cell {why} grade_id {grade_id!r}; it is graded as an ordinary cell")
            del cell.metadata["nbgrader"]
            continue
        seen.add(grade_id)
        reference = expected[grade_id]
        if _role(meta) != _role(reference.metadata["nbgrader"]) or \
                cell.cell_type != reference.cell_type:
            notes.append(f"nbgrader metadata of cell {grade_id!r} was edited; restored")
        cell.metadata["nbgrader"] = json.loads(json.dumps(reference.metadata["nbgrader"]))
        if cell.cell_type != reference.cell_type:
            cell.cell_type = reference.cell_type
            _fix_cell_fields(cell)
    missing = [g for g, c in expected.items() if g not in seen
               and c.metadata["nbgrader"].get("grade")]
    if missing:
        notes.append(f"graded cell(s) {', '.join(missing)} were deleted; tests are restored, "
                     "deleted answers score 0")
    return notes


ROLE_KEYS = ("grade", "solution", "locked", "points", "task")


def _role(meta: dict) -> tuple:
    """What grading depends on in a cell's nbgrader metadata (not checksums or versions)."""
    return tuple(meta.get(k) for k in ROLE_KEYS)


def _fix_cell_fields(cell: nbformat.NotebookNode) -> None:
    if cell.cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def accept(sub: Submission, root: Path) -> None:
    """Validate `sub`, repair its metadata and copy it into submitted/; sets `sub.problem`."""
    if sub.problem:
        return
    try:
        nb = read_notebook(sub.path)
    except (OSError, ValueError) as exc:
        sub.problem = str(exc)
        return
    release = nbformat.read(root / "release" / sub.assignment / f"{sub.assignment}.ipynb",
                            as_version=4)
    if not belongs_to(nb, release):
        sub.problem = (f"none of this notebook's cells belong to {sub.assignment}: is it another "
                       "assignment, or a new notebook instead of the one handed out?")
        return
    sub.notes += restore_metadata(nb, release)
    target = root / "submitted" / sub.student / sub.assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    nbformat.write(nb, target / f"{sub.assignment}.ipynb")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (target / "timestamp.txt").write_text(stamp)
