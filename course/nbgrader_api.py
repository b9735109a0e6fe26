"""One way into nbgrader for the whole course: the API loaded with the repository's config.

`NbGraderAPI` does not read `nbgrader_config.py` by itself and a broken config file is only
logged by nbgrader apps (DESIGN.md section 4), so the file is loaded here and any error in it
is fatal.

Importing this module also puts the running interpreter's own bin/ first on PATH (once, for
this process and everything it starts): nbgrader runs executables of its environment by name
(`alembic` when it creates a gradebook), and an entry point called by path with no virtual
environment activated (`.venv/bin/course`, `.venv/bin/python -m pytest`, a forked grading
worker) would not find them otherwise.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sys
from pathlib import Path

import course.grading  # noqa: F401  (first: keeps a slow, unused import out; see there)
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_NAME = "nbgrader_config.py"
ASSIGNMENTS = ("leaky_integrators", "lif_neuron", "spiking_networks", "neuron_models",
               "activation_functions")


def interpreter_bin_first() -> None:
    """Make dirname(sys.executable) lead PATH (idempotent; the path is not resolved, so a venv's
    bin/ is used, not the base interpreter's)."""
    if not sys.executable:
        return
    bindir = os.path.dirname(os.path.abspath(sys.executable))
    parts = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p]
    if parts[:1] != [bindir]:
        os.environ["PATH"] = os.pathsep.join([bindir] + [p for p in parts if p != bindir])


interpreter_bin_first()


class CourseError(RuntimeError):
    """A problem the instructor has to fix; its message says what and where."""


def find_root(start: Path | str = ".") -> Path:
    """The course directory: `start` or the nearest parent holding nbgrader_config.py + source/."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file() and (folder / "source").is_dir():
            return folder
    raise CourseError(f"no course directory (with {CONFIG_NAME} and source/) at or above {here}; "
                      "run the command inside the course repository or pass --course-dir")


def load_config(root: Path, overrides: Config | None = None) -> Config:
    """Load `root/nbgrader_config.py`; raise CourseError if it is missing or broken."""
    path = root / CONFIG_NAME
    if not path.is_file():
        raise CourseError(f"{path} does not exist")
    os.environ["TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR"] = "1"
    try:
        config = PyFileConfigLoader(CONFIG_NAME, path=str(root)).load_config()
    except Exception as exc:
        raise CourseError(f"{path} is broken: {type(exc).__name__}: {exc}") from exc
    config.CourseDirectory.root = str(root)
    if overrides is not None:
        config.merge(overrides)
    return config


def make_api(root: Path, overrides: Config | None = None):
    """An `NbGraderAPI` for the course at `root`, configured from its nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root, overrides)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def assignments_in(root: Path) -> list[str]:
    """The assignments that have a source notebook, in course order, then any others by name."""
    found = {p.parent.name for p in (root / "source").glob("*/*.ipynb")
             if p.stem == p.parent.name}
    ordered = [a for a in ASSIGNMENTS if a in found]
    return ordered + sorted(found - set(ordered))


def api_result_error(result: dict) -> str:
    """The useful part of a failed API call: the innermost exception named in its log."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    exceptions = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b:?", ln)
                  and "NbGraderException" not in ln]
    errors = [ln for ln in lines if ln.startswith("[ERROR]") and "see the the above" not in ln]
    chosen = exceptions[:1] or errors[-1:] or lines[-1:] or ["unknown error"]
    return chosen[0][:500]


_LOCKS: dict[str, list] = {}   # course root -> [fd, depth, shared]


@contextlib.contextmanager
def course_lock(root: Path, shared: bool = False):
    """Hold a lock on the course directory (flock on the directory itself, so no file is left
    behind): exclusive for commands that replace release/ or the gradebook, shared for readers
    and writers that only add to them (grading). Re-entrant within a process; an exclusive
    request inside a shared hold upgrades it. The kernel drops it when the process dies."""
    key = str(Path(root).resolve())
    held = _LOCKS.get(key)
    if held is not None:
        fd, depth, was_shared = held
        upgrade = was_shared and not shared
        if upgrade:
            _flock(fd, fcntl.LOCK_EX, key)
            held[2] = False
        held[1] += 1
        try:
            yield
        finally:
            held[1] -= 1
            if upgrade:
                fcntl.flock(fd, fcntl.LOCK_SH)
                held[2] = True
        return
    fd = os.open(key, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX, key)
        _LOCKS[key] = [fd, 1, shared]
        try:
            yield
        finally:
            del _LOCKS[key]
    finally:
        os.close(fd)   # closing the last descriptor releases the lock


def _flock(fd: int, mode: int, where: str) -> None:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for another course command in {where} to finish ...", file=sys.stderr)
        fcntl.flock(fd, mode)
