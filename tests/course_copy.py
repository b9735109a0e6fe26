"""Throw-away copies of the course directory, so tests never write into the repository."""
import json
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


def distinct_hand_in(source: Path, target: Path, tag: str) -> None:
    """Write the notebook `source` to `target` with the comment `# tag` at the top of its first
    answer cell: equal notebooks are run once (one Dask task per distinct content), so tests and
    benchmarks that need N executions need N distinct hand-ins."""
    nb = json.loads(source.read_text())
    answer = next(c for c in nb["cells"] if c["cell_type"] == "code" and
                  c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    answer["source"] = f"# {tag}\n" + "".join(answer["source"])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb))
