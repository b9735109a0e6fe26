"""What a grading run may skip: submissions already graded, executions already done.

Two records, both keyed by content hashes:

- **Recorded grades.** Every graded submission gets `autograded/<student>/<assignment>/
  .content-hash`: the hash of the submitted notebook, the released notebook it answers, its
  submission time, and the grader itself (`grader_fingerprint`: nbgrader_config.py, the
  reference in solutions/, the hidden checks and the grading code), so a fixed check or
  reference grades everything again. A later run that finds the same hash (and an "ok" row in grades.csv) keeps
  that grade instead of grading again, unless `--force`.
- **Executions of an interrupted run.** Each executed notebook the coordinator receives is kept in
  `.grading/executed/<job key>.json` until the run that asked for it has committed. A run that
  was killed (Ctrl-C, a crash) leaves them behind; the next run finds them by job key and
  grades those submissions without running them again. A committed run removes its own.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import time
from pathlib import Path

HASH_FILE = ".content-hash"
EXECUTED = Path(".grading") / "executed"
KEEP_SECONDS = 14 * 24 * 3600      # an interrupted run's executions are kept two weeks


def grader_fingerprint(root: Path) -> str:
    """Hash of everything on the grader's side that decides a grade: nbgrader_config.py, every
    file of solutions/, and the course package's checks and grading code."""
    import course

    package = Path(course.__file__).resolve().parent
    files = [root / "nbgrader_config.py", *sorted((root / "solutions").rglob("*.py")),
             package / "checking.py", *sorted((package / "checks").glob("*.py")),
             *sorted((package / "grading").rglob("*.py"))]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(path.parents[1])).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def content_hash(stage: Path, student: str, assignment: str, grader: str = "") -> str:
    """Hash of what decides a submission's grade: its notebook (as accepted), the release it
    answers, its submission time (late penalties) and the grader (`grader_fingerprint`)."""
    digest = hashlib.sha256(grader.encode() + b"\0")
    submitted = stage / "submitted" / student / assignment
    for path in (submitted / f"{assignment}.ipynb", submitted / "timestamp.txt",
                 stage / "release" / assignment / f"{assignment}.ipynb"):
        digest.update(path.read_bytes() if path.is_file() else b"-")
        digest.update(b"\0")
    return digest.hexdigest()


def record(stage: Path, student: str, assignment: str, value: str) -> None:
    """Write the content hash into the staged autograded folder (committed with it)."""
    folder = stage / "autograded" / student / assignment
    if folder.is_dir():
        (folder / HASH_FILE).write_text(value + "\n")


def recorded_rows(root: Path) -> dict[tuple[str, str], dict]:
    """{(student, assignment): row} of grades.csv rows whose status is ok."""
    path = root / "grades.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        return {(r["student"], r["assignment"]): r for r in csv.DictReader(handle)
                if r.get("status") == "ok"}


def unchanged(root: Path, student: str, assignment: str, value: str) -> bool:
    """Whether the committed grade of this submission was made from the same content."""
    path = root / "autograded" / student / assignment / HASH_FILE
    with contextlib.suppress(OSError):
        return path.read_text().strip() == value
    return False


class ExecutionStore:
    """Executed notebooks of this and of interrupted runs, by job key (`.grading/executed/`)."""

    def __init__(self, root: Path):
        self.folder = root / EXECUTED
        self.folder.mkdir(parents=True, exist_ok=True)
        self.mine: list[Path] = []
        now = time.time()
        for old in self.folder.glob("*.json"):
            with contextlib.suppress(OSError):
                if now - old.stat().st_mtime > KEEP_SECONDS:
                    old.unlink()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def load(self, key: str) -> dict | None:
        path = self._path(key)
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        self.mine.append(path)
        return result

    def save(self, key: str, result: dict) -> None:
        path = self._path(key)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps(result))
        os.replace(partial, path)
        self.mine.append(path)

    def forget_mine(self) -> None:
        """After the commit: the grades are recorded, the executions are not needed any more."""
        for path in self.mine:
            with contextlib.suppress(OSError):
                path.unlink()
