"""Is release/ what a fresh `course release` of source/ would write? (Used by tests and CI.)"""
from __future__ import annotations

import filecmp
import tempfile
from pathlib import Path

from course.build import build
from course.nbgrader_api import assignments_in


def fresh_release(root: Path, into: Path) -> Path:
    """Build every assignment of `root` in the empty folder `into` (the scratch course of
    `course release`, without its gradebook); return into/release. `root` is only read."""
    build(root, assignments_in(root), into)
    return into / "release"


def release_differences(root: Path) -> list[str]:
    """Files that differ between root/release and a fresh build (empty when in sync)."""
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        fresh = fresh_release(root, Path(tmp))
        return _compare(fresh, root / "release", Path("release"))


def _compare(fresh: Path, committed: Path, label: Path) -> list[str]:
    if not committed.is_dir():
        return [f"{label}/ is missing"]
    cmp = filecmp.dircmp(fresh, committed, ignore=["__pycache__", ".ipynb_checkpoints"])
    problems = [f"{label / n}: missing" for n in cmp.left_only]
    problems += [f"{label / n}: not produced by source/ (stale?)" for n in cmp.right_only]
    for name in cmp.common_files:
        if not filecmp.cmp(fresh / name, committed / name, shallow=False):
            problems.append(f"{label / name}: differs from a fresh build")
    for name in cmp.common_dirs:
        problems += _compare(fresh / name, committed / name, label / name)
    return problems
