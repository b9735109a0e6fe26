"""Source notebooks follow the conventions; release/ is a clean, in-sync build of source/."""
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from course_copy import ROOT, copy_course
from course.build import points_of
from course.grading.compare import called_checks
from course.nbgrader_api import CourseError, assignments_in, load_config
from course.sync import release_differences

ASSIGNMENTS = assignments_in(ROOT)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)


def source(assignment):
    return nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)


def test_there_are_assignments():
    assert "leaky_integrators" in ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_metadata_is_valid_and_ids_unique(assignment):
    nb = source(assignment)
    MetadataValidator().validate_nb(nb)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    assert all(not re.fullmatch(r"cell-[0-9a-f]+", i) for i in ids), "use descriptive grade_ids"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_cell_has_points_visible_asserts_and_a_hidden_check(assignment):
    nb = source(assignment)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
             and c.cell_type == "code"]
    assert tests
    for cell in tests:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        assert cell.metadata["nbgrader"]["points"] > 0, grade_id
        hidden = HIDDEN.search(cell.source)
        assert hidden and called_checks(hidden.group(1)), f"{grade_id}: no hidden check"
        visible = HIDDEN.sub("", cell.source)
        assert "assert" in visible, f"{grade_id}: no visible test"
        for name in called_checks(hidden.group(1)):
            assert name.startswith(assignment + ".")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_is_stored_executed_without_errors(assignment):
    nb = source(assignment)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "store the source notebook executed"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0].evalue if errors else ""


def test_release_is_in_sync_with_source():
    assert release_differences(ROOT) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_carries_no_solutions_outputs_or_widget_state(assignment):
    path = ROOT / "release" / assignment / f"{assignment}.ipynb"
    text = path.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "course.checking",
                   "import solutions", "from solutions", "widget-state", "MARK SCHEME"):
        assert marker not in text, marker
    nb = json.loads(text)
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}
    for cell in nb["cells"]:
        assert set(cell["metadata"]) <= {"nbgrader", "tags", "deletable", "editable"}
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_keeps_every_graded_cell_and_its_points(assignment):
    released = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    assert points_of(released) == points_of(source(assignment))


def test_broken_config_is_a_fatal_error(tmp_path):
    copy_course(tmp_path)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = (\n")
    with pytest.raises(CourseError, match="nbgrader_config.py is broken"):
        load_config(tmp_path)
    run = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(tmp_path),
                          "release"], capture_output=True, text=True)
    assert run.returncode == 2 and "is broken" in run.stderr


def test_cli_release_prints_points_and_rejects_unknown_assignments(tmp_path):
    copy_course(tmp_path)
    run = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(tmp_path),
                          "release", "leaky_integrators"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert re.search(r"leaky_integrators\s+11\s+16\s+4\s+20", run.stdout), run.stdout
    bad = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(tmp_path),
                          "release", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown assignment" in bad.stderr


def test_source_folders_hold_only_the_notebook():
    for assignment in ASSIGNMENTS:
        files = [p.name for p in (ROOT / "source" / assignment).iterdir()
                 if p.name != ".ipynb_checkpoints"]
        assert files == [f"{assignment}.ipynb"]


def test_release_needs_nothing_on_path_but_the_system_folders(tmp_path):
    """`course release` called by the venv's interpreter's path, no venv activated and only
    /usr/bin:/bin on PATH (a fresh machine): nbgrader still finds the venv's `alembic`."""
    system_path = "/usr/bin:/bin"
    if shutil.which("alembic", path=system_path):
        pytest.skip(f"an alembic in {system_path} would hide a missing one")
    copy_course(tmp_path)
    assert not (tmp_path / "gradebook.db").exists()   # so nbgrader creates one (with alembic)
    env = {"PATH": system_path, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
           "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(tmp_path),
                          "release"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "gradebook.db").is_file()
    for assignment in ASSIGNMENTS:
        assert (tmp_path / "release" / assignment / f"{assignment}.ipynb").is_file()
