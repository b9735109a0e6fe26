"""`course release`: student notebooks in release/ from the instructor notebooks in source/.

nbgrader's generate_assignment removes solutions, hidden tests and outputs; this module then
strips what nbgrader leaves behind (saved widget state, execution timing and other notebook and
cell metadata), so a release never carries a figure or value computed by the solution.

Nothing is lost when a release fails, for whatever reason (a broken notebook, a missing
executable, an unwritable folder, a kill): nbgrader deletes its destination before it writes,
so it never works on the course itself. `build` generates into a scratch course (a copy of the
config, of source/<a>/ and of the gradebook) inside the course directory, so on the same
filesystem; `install` then moves the notebooks and, last, the gradebook into place with
os.replace, and puts everything back if one of those moves fails. A lock on the course
directory keeps two course commands from swapping the gradebook under each other.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from traitlets.config import Config

from course.nbgrader_api import (CONFIG_NAME, CourseError, api_result_error, assignments_in,
                                 course_lock, load_config, make_api)

KEPT_CELL_METADATA = ("nbgrader", "tags", "deletable", "editable")
# Scratch courses of `course release`, inside the course directory (git-ignored); one left by a
# killed run is removed by the next release.
BUILD_PREFIX = ".course-build-"


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


def check_source(root: Path, assignment: str) -> Path:
    """The source notebook of `assignment`; CourseError if missing or not alone in its folder."""
    source = root / "source" / assignment / f"{assignment}.ipynb"
    if not source.is_file():
        raise CourseError(f"{assignment}: no source notebook at {source}")
    extra = [p.name for p in source.parent.iterdir()
             if p.name != source.name and not p.name.startswith(".")]
    if extra:
        raise CourseError(f"{assignment}: source/{assignment}/ holds {extra}; nbgrader would "
                          "hand these files to students (keep reference code in solutions/)")
    return source


def gradebook_path(config: Config, root: Path) -> Path:
    """The SQLite file of the course's gradebook (CourseError for another database)."""
    from nbgrader.coursedir import CourseDirectory

    url = CourseDirectory(config=config).db_url
    if not url.startswith("sqlite:///"):
        raise CourseError(f"course release needs a SQLite gradebook; db_url is {url!r}")
    return (root / url[len("sqlite:///"):]).resolve()


def build(root: Path, assignments: list[str], work: Path,
          gradebook: Path | None = None) -> dict[str, NotebookPoints]:
    """Generate release/<a>/ of `assignments` in the scratch course `work` (an empty folder):
    copy the config and source/<a>/ of `root` there and, if given and present, the gradebook
    (SQLite backup API, so a consistent copy). `root` itself is only read."""
    load_config(root)   # a broken config is a CourseError before anything else
    shutil.copy2(root / CONFIG_NAME, work / CONFIG_NAME)
    for assignment in assignments:
        check_source(root, assignment)
        shutil.copytree(root / "source" / assignment, work / "source" / assignment,
                        ignore=shutil.ignore_patterns(".*"))
    scratch_db = work / "gradebook.db"
    if gradebook is not None and gradebook.is_file():
        _copy_sqlite(gradebook, scratch_db)
    overrides = Config()
    overrides.CourseDirectory.root = str(work)
    overrides.CourseDirectory.db_url = "sqlite:///" + str(scratch_db)
    api = make_api(work, overrides)
    points = {}
    for assignment in assignments:
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result.get("success"):
            raise CourseError(f"{assignment}: nbgrader could not generate the release: "
                              f"{api_result_error(result)}")
        target = work / "release" / assignment / f"{assignment}.ipynb"
        if not target.is_file():
            raise CourseError(f"{assignment}: nbgrader reported success but wrote no notebook")
        nb = strip_metadata(nbformat.read(target, as_version=4))
        nbformat.validate(nb)
        nbformat.write(nb, target)
        points[assignment] = points_of(nbformat.read(work / "source" / assignment /
                                                     f"{assignment}.ipynb", as_version=4))
    return points


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of the gradebook, with its file mode."""
    from course.grading.staging import copy_database

    copy_database(source, target)
    shutil.copymode(source, target)


def install(root: Path, work: Path, assignments: list[str], gradebook: Path) -> None:
    """Move the scratch course's release/<a>/ files, then its gradebook, into `root`, each with
    os.replace; files of release/<a>/ that the build did not produce are moved out. If any step
    fails, every step done is undone and CourseError is raised."""
    undo: list = []
    spare = work / ".replaced"
    spare.mkdir()
    try:
        moves = []
        for assignment in assignments:
            built, live = work / "release" / assignment, root / "release" / assignment
            produced = {p.relative_to(built) for p in built.rglob("*") if not p.is_dir()}
            for rel in sorted(produced):
                moves.append((built / rel, live / rel))
            if live.is_dir():   # nbgrader replaces the whole folder: stale files go too
                for path in sorted(live.rglob("*"), reverse=True):
                    if path.relative_to(live) not in produced and not path.is_dir():
                        moves.append((None, path))
        moves.append((work / "gradebook.db", gradebook))   # last: the release is in place
        for staged, live in moves:
            _make_dirs(live.parent, undo)
            backup = None
            if live.exists() or live.is_symlink():
                backup = spare / str(len(undo))
                _keep(live, backup)
            if staged is None:
                os.unlink(live)
            else:
                os.replace(staged, live)
            undo.append(("file", live, backup))
    except BaseException as exc:
        problems = _undo(undo)
        if isinstance(exc, Exception):
            raise CourseError(
                f"could not put the release in place ({type(exc).__name__}: {exc}); " +
                ("nothing was changed" if not problems else
                 "COULD NOT RESTORE " + "; ".join(problems))) from exc
        raise


def _make_dirs(folder: Path, undo: list) -> None:
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        undo.append(("dir", path, None))


def _keep(live: Path, backup: Path) -> None:
    """A copy of `live` to put back on failure: a hard link (the file stays where it is)."""
    try:
        os.link(live, backup, follow_symlinks=False)
    except OSError:
        shutil.copy2(live, backup, follow_symlinks=False)


def _undo(undo: list) -> list[str]:
    problems = []
    for kind, path, backup in reversed(undo):
        try:
            if kind == "dir":
                path.rmdir()
            elif backup is not None:
                os.replace(backup, path)
            else:
                os.unlink(path)
        except OSError as exc:
            problems.append(f"{path}: {exc}")
    return problems


def remove_stale_builds(root: Path) -> None:
    """Scratch courses left by a killed release (call with the course lock held)."""
    for path in root.glob(BUILD_PREFIX + "*"):
        shutil.rmtree(path, ignore_errors=True)


def release(root: Path, assignments: list[str] | None = None) -> dict[str, NotebookPoints]:
    """Release `assignments` (all with a source notebook by default); {assignment: points}.
    All or nothing: on any failure release/ and the gradebook are left exactly as they were."""
    known = assignments_in(root)
    chosen = list(assignments or known)
    unknown = [a for a in chosen if a not in known]
    if unknown:
        raise CourseError(f"unknown assignment(s) {unknown}; the course has {known}")
    gradebook = gradebook_path(load_config(root), root)
    with course_lock(root):
        remove_stale_builds(root)
        with tempfile.TemporaryDirectory(prefix=BUILD_PREFIX, dir=root) as tmp:
            points = build(root, chosen, Path(tmp), gradebook)
            install(root, Path(tmp), chosen, gradebook)
    return points


def release_one(api, root: Path, assignment: str) -> NotebookPoints:
    """Release one assignment (`api` is not used: kept for callers; the build runs nbgrader on
    a scratch copy of the course, see `release`)."""
    return release(root, [assignment])[assignment]
