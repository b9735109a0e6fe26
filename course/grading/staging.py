"""Grading that never loses a file: everything is written in a staging folder first.

A grading run works in `<root>/.grading/run-XXXX/`, a course directory of its own: `source/` and
`release/` are links to the real ones, `gradebook.db` is a copy of the real gradebook, and
`submitted/`, `autograded/`, `feedback/` and `reports/` are written there. Nothing of the course
itself changes until `commit`, which, under the course's commit lock:

1. moves each submission's `submitted/`, `autograded/` and `feedback/` folders into place, then
   `grades.csv` and the class report (each by a rename on the same file system);
2. last, merges the gradebook rows of every submission of the run into the real gradebook in
   one SQLite transaction (a graded submission's rows replace its old ones; a submission that
   could not be read loses its old scores, so no stale score survives; a submission that was not
   graded for a machine reason keeps what it had).

If any step fails, what was moved is put back and the gradebook transaction is not committed.
A run that fails or is killed before the commit leaves the course byte-identical; its staging
folder is removed by the next run. Rows are merged, not the file replaced, so formgrader edits
and other runs' results for other submissions survive.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterator

from traitlets.config import Config

STAGING = ".grading"
COMMIT_LOCK = ".commit-lock"      # one commit at a time (runs themselves share the course lock)
FOLDERS = ("submitted", "autograded", "feedback")


@contextlib.contextmanager
def locked(root: Path, name: str, exclusive: bool) -> Iterator[None]:
    """Hold an flock on `root/name` (shared or exclusive) for the duration of the block."""
    fd = os.open(root / name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (SQLite's online backup)."""
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


class Stage:
    """The staging course directory of one grading run."""

    def __init__(self, root: Path):
        self.root = root
        base = root / STAGING
        base.mkdir(exist_ok=True)
        remove_stale(base)
        self.path = Path(tempfile.mkdtemp(prefix="run-", dir=base))
        self._lock = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        for name in ("source", "release"):
            (self.path / name).symlink_to(root / name)
        if (root / "gradebook.db").is_file():
            copy_database(root / "gradebook.db", self.database)

    @property
    def database(self) -> Path:
        return self.path / "gradebook.db"

    def overrides(self) -> Config:
        """nbgrader config that points the course directory and gradebook at the stage."""
        config = Config()
        config.CourseDirectory.root = str(self.path)
        config.CourseDirectory.db_url = f"sqlite:///{self.database}"
        return config

    def commit(self, graded: list[tuple[str, str]], removed: list[tuple[str, str]],
               files: dict[str, Path]) -> None:
        """Publish the run: submission folders, then `files` ({relative path in the course:
        staged file}), then the gradebook rows in one transaction. If any step fails, the steps
        done are undone and the course is as it was (the error is raised)."""
        done: list[tuple[Path, Path | None, Path | None]] = []   # (target, old copy, staged)
        with locked(self.root, COMMIT_LOCK, exclusive=True):
            try:
                for assignment, student in graded + removed:
                    keep = (assignment, student) in graded
                    for folder in FOLDERS:
                        relative = Path(folder) / student / assignment
                        self._put(self.root / relative, self.path / relative if keep else None,
                                  done)
                for relative, staged in files.items():
                    self._put(self.root / relative, staged, done)
                if graded or removed:
                    merge_gradebook(self.root / "gradebook.db", self.database, graded, removed)
            except BaseException:
                _undo(done)
                raise

    def _put(self, target: Path, staged: Path | None, done: list) -> None:
        """Move `target` aside (if it exists), then `staged` (if given and present) in its place;
        record both for `_undo`."""
        old = None
        if target.exists() or target.is_symlink():
            old = self.path / ".replaced" / str(len(done))
            old.parent.mkdir(parents=True, exist_ok=True)
            os.rename(target, old)
        done.append((target, old, None))
        if staged is not None and staged.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staged, target)
            done[-1] = (target, old, staged)

    def discard(self) -> None:
        os.close(self._lock)
        shutil.rmtree(self.path, ignore_errors=True)


def _undo(done: list) -> None:
    """Put back what `Stage._put` moved, newest first."""
    for target, old, staged in reversed(done):
        with contextlib.suppress(OSError):
            if staged is not None:
                os.rename(target, staged)
            if old is not None:
                os.rename(old, target)


def remove_stale(base: Path) -> None:
    """Remove staging folders of runs that ended without cleaning up (their lock is free)."""
    for folder in base.glob("run-*"):
        lock = folder / ".lock"
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue                     # a run in progress
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)


# ----- the gradebook merge ---------------------------------------------------------------------

SUBMISSION_IDS = """SELECT sa.id FROM {db}.submitted_assignment sa
    JOIN {db}.assignment a ON sa.assignment_id = a.id WHERE a.name = ? AND sa.student_id = ?"""


def _delete(con: sqlite3.Connection, db: str, assignment: str, student: str) -> None:
    ids = [r[0] for r in con.execute(SUBMISSION_IDS.format(db=db), (assignment, student))]
    for sa in ids:
        notebooks = [r[0] for r in con.execute(
            f"SELECT id FROM {db}.submitted_notebook WHERE assignment_id = ?", (sa,))]
        for nb in notebooks:
            con.execute(f"DELETE FROM {db}.grade WHERE notebook_id = ?", (nb,))
            con.execute(f"DELETE FROM {db}.comment WHERE notebook_id = ?", (nb,))
        con.execute(f"DELETE FROM {db}.submitted_notebook WHERE assignment_id = ?", (sa,))
        con.execute(f"DELETE FROM {db}.submitted_assignment WHERE id = ?", (sa,))


def _copy(con: sqlite3.Connection, assignment: str, student: str) -> None:
    ids = {db: [r[0] for r in con.execute("SELECT id FROM {}.assignment WHERE name = ?"
                                          .format(db), (assignment,))]
           for db in ("main", "staged")}
    if ids["main"] != ids["staged"]:
        raise RuntimeError(f"{assignment} was released again during grading; grade again")
    con.execute("INSERT OR IGNORE INTO main.student SELECT * FROM staged.student WHERE id = ?",
                (student,))
    for sa in [r[0] for r in con.execute(SUBMISSION_IDS.format(db="staged"),
                                         (assignment, student))]:
        con.execute("INSERT INTO main.submitted_assignment "
                    "SELECT * FROM staged.submitted_assignment WHERE id = ?", (sa,))
        con.execute("INSERT INTO main.submitted_notebook "
                    "SELECT * FROM staged.submitted_notebook WHERE assignment_id = ?", (sa,))
        for table in ("grade", "comment"):
            con.execute(f"INSERT INTO main.{table} SELECT * FROM staged.{table} WHERE notebook_id "
                        "IN (SELECT id FROM staged.submitted_notebook WHERE assignment_id = ?)",
                        (sa,))


@contextlib.contextmanager
def transaction(database: Path, attach: Path | None = None) -> Iterator[sqlite3.Connection]:
    """One immediate SQLite transaction on `database` (`attach` as "staged"): committed when the
    block ends, rolled back if it raises."""
    con = sqlite3.connect(database, timeout=120, isolation_level=None)
    try:
        if attach is not None:
            con.execute("ATTACH DATABASE ? AS staged", (str(attach),))
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def remove_rows(database: Path, assignment: str, student: str) -> None:
    """Delete one submission's rows (grades, comments, notebooks) from `database`."""
    if database.is_file():
        with transaction(database) as con:
            _delete(con, "main", assignment, student)


def merge_gradebook(real: Path, staged: Path, graded: list[tuple[str, str]],
                    removed: list[tuple[str, str]]) -> None:
    """In one transaction: replace the rows of `graded` (assignment, student) pairs in `real` by
    those in `staged`, and delete those of `removed`."""
    with transaction(real, attach=staged) as con:
        for assignment, student in graded + removed:
            _delete(con, "main", assignment, student)
        for assignment, student in graded:
            _copy(con, assignment, student)
