"""Throw-away copies of the course directory, so tests never write into the repository."""
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def copy_course(target: Path) -> Path:
    """Copy the config, source, release and solutions of the repository into `target`."""
    shutil.copy2(ROOT / "nbgrader_config.py", target / "nbgrader_config.py")
    for name in ("source", "release", "solutions"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory):
    return copy_course(tmp_path_factory.mktemp("course"))
