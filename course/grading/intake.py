"""Bring student submissions into the course: find, validate, repair metadata, copy to submitted/.

A submissions folder is laid out `<student>/<assignment>/<assignment>.ipynb`. Every problem is
recorded for that one student with its reason; nothing here raises for a bad submission.

Every entry of the submissions folder gets a row, hidden names (`.hidden`, `...`) included.
Symbolic links are never followed: a student folder, assignment folder or notebook that is a link
(to another student's hand-in, to the instructor's source notebook, ...) is refused with that
reason, and notebooks are opened with O_NOFOLLOW. A notebook larger than `MAX_NOTEBOOK_BYTES` is
refused before it is read; an nbformat-3 notebook is converted to version 4 (and says so).
"""
from __future__ import annotations

import csv
import functools
import errno
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
#: Largest notebook accepted (bytes): a hand-in is code and small figures, not data.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
LINK = "is a symbolic link; links are never followed: hand in the real {what}"


@dataclass
class Submission:
    """One student's hand-in of one assignment, and what intake found out about it."""

    student: str
    assignment: str
    path: Path                      # the notebook as handed in (may not exist)
    problem: str | None = None      # why it cannot be graded, if it cannot
    notes: list[str] = field(default_factory=list)   # repairs made, for the report


def discover(folder: Path, assignments: list[str]) -> list[Submission]:
    """Every entry below `folder` as a Submission (one row each), with a problem if it has one."""
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder {folder} does not exist")
    found = []
    for student_dir in sorted(folder.iterdir()):
        student = student_dir.name
        problem = None
        if student_dir.is_symlink():
            problem = f"the student folder {LINK.format(what='folder')}"
        elif not student_dir.is_dir():
            problem = "a file where a student folder belongs (<student>/<assignment>/<assignment>.ipynb)"
        elif not STUDENT_ID.match(student):
            problem = (f"student id {student!r} must start with a letter or digit and have only "
                       "letters, digits, '_', '.', '@' and '-'")
        if problem:
            found.append(Submission(student, "?", student_dir, problem=problem))
            continue
        subdirs = sorted(p for p in student_dir.iterdir()
                         if (p.is_dir() or p.is_symlink()) and not p.name.startswith("."))
        if not subdirs:
            found.append(Submission(student, "?", student_dir,
                                    problem="no assignment folder in the submission"))
        for adir in subdirs:
            sub = Submission(student, adir.name, adir / f"{adir.name}.ipynb")
            if adir.is_symlink():
                sub.problem = f"the assignment folder {LINK.format(what='folder')}"
            elif adir.name not in assignments:
                sub.problem = f"unknown assignment {adir.name!r} (the course has " \
                              f"{', '.join(assignments)})"
            elif sub.path.is_symlink():
                sub.problem = f"the notebook {LINK.format(what='notebook file')}"
            elif not sub.path.is_file():
                others = sorted(p.name for p in adir.glob("*.ipynb"))
                sub.problem = f"missing notebook {sub.path.name}" + \
                    (f" (found {', '.join(others)}; rename it)" if others else "")
            found.append(sub)
    return found


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, never through a symbolic link, refused above MAX_NOTEBOOK_BYTES."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ValueError(f"the notebook {LINK.format(what='notebook file')}") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"the notebook is {size / 2**20:.1f} MB, more than the "
                             f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB a hand-in may have; clear its "
                             "outputs (Edit > Clear Outputs of All Cells), save and hand it in again")
        return handle.read(MAX_NOTEBOOK_BYTES + 1)


def read_notebook(path: Path, notes: list[str] | None = None) -> nbformat.NotebookNode:
    """Read and validate a notebook; ValueError with a plain reason if it is not one.

    An nbformat-3 notebook is converted to version 4 (noted in `notes`)."""
    raw = _read_bytes(path)
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
    version = data.get("nbformat") if isinstance(data, dict) else None
    if isinstance(version, int) and version != 4:
        if version != 3:
            raise ValueError(f"the notebook is in nbformat version {version}; the course reads "
                             "versions 3 and 4 (open and save it in JupyterLab)")
        if notes is not None:
            notes.append("the notebook was in nbformat 3; converted to version 4")
    elif not isinstance(data, dict) or "cells" not in data:
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
        nb = read_notebook(sub.path, sub.notes)
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
    stamp = submission_time(sub)
    if stamp is not None:          # no known time: no timestamp.txt, nbgrader counts it on time
        (target / "timestamp.txt").write_text(stamp)


# ----- when the hand-in was submitted (for nbgrader's late penalties) --------------------------

TIMES_CSV = "submitted_at.csv"     # student,assignment,submitted_at (an LMS export), optional


def submission_time(sub: Submission) -> str | None:
    """When `sub` was handed in, as nbgrader's timestamp.txt wants it ("%Y-%m-%d %H:%M:%S.%f
    UTC"), or None if unknown.

    From the row of `submitted_at.csv` at the top of the submissions folder (the instructor's
    record, e.g. an LMS export), else from the hand-in's own `timestamp.txt` (nbgrader's
    collect/zip convention; a file inside a hand-in could have been written by the student, so
    the instructor's table wins). A time without a zone is UTC. A time that cannot be read is
    noted for the report and treated as unknown.
    """
    source, text = None, None
    table = sub.path.parent.parent.parent / TIMES_CSV
    if table.is_file():
        text = _times_table(str(table), table.stat().st_mtime_ns).get(
            (sub.student, sub.assignment))
        source = TIMES_CSV if text else None
    own = sub.path.parent / "timestamp.txt"
    if not text and own.is_file() and not own.is_symlink():
        with own.open(errors="replace") as handle:
            source, text = "timestamp.txt", handle.read(200).strip()
    if not text:
        return None
    try:
        when = _parse_time(text)
    except (ValueError, OverflowError, TypeError):
        sub.notes.append(f"submission time {text[:40]!r} in {source} is not a date; "
                         "graded as on time")
        return None
    return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def _parse_time(text: str):
    """A naive UTC datetime from nbgrader's "2026-12-01 17:05:00.000000 UTC" (a zone name) or
    any ISO 8601 / dateutil time ("2026-12-01T18:05+01:00"); no zone means UTC."""
    import dateutil.parser
    from nbgrader.utils import parse_utc

    parts = text.split()
    if len(parts) == 3 and parts[2].isalpha():
        return parse_utc(text)
    when = dateutil.parser.parse(text)
    if when.tzinfo is not None:
        when = (when - when.utcoffset()).replace(tzinfo=None)
    return when


@functools.lru_cache(maxsize=8)
def _times_table(path: str, _mtime: int) -> dict[tuple[str, str], str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = csv.DictReader(handle)
        return {(r.get("student", "").strip(), r.get("assignment", "").strip()):
                (r.get("submitted_at") or "").strip() for r in rows}
