"""A failed `course release` changes nothing: release/, the gradebook and every other file of the
course stay byte-identical, whatever made it fail (issue 7, section 2).

Each test first changes a source notebook, so that a release which went (even partly) through
would write different bytes, then forces a failure and compares the whole course tree.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_copy import ROOT, copy_course
from course.build import BUILD_PREFIX, release
from course.nbgrader_api import CourseError

SYSTEM_PATH = "/usr/bin:/bin"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A course copy released once, so it has a gradebook."""
    root = copy_course(tmp_path_factory.mktemp("released"))
    release(root)
    assert (root / "gradebook.db").is_file()
    return root


@pytest.fixture
def course(released, tmp_path):
    """A private copy of the released course."""
    return Path(shutil.copytree(released, tmp_path / "course", symlinks=True))


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) below `root`, scratch builds excepted."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0].startswith(BUILD_PREFIX):
            continue
        found[str(rel)] = None if path.is_dir() else path.read_bytes()
    return found


def differences(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k, 0) != after.get(k, 0))


def change_source(root: Path, assignment: str = "leaky_integrators") -> None:
    """Edit a source notebook so that its release would differ from the one in release/."""
    path = root / "source" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("An added paragraph."))
    nbformat.write(nb, path)


def env(**extra) -> dict[str, str]:
    """Only the system folders on PATH, no virtual environment activated; the course of this
    checkout on PYTHONPATH."""
    return {"PATH": SYSTEM_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT), **extra}


def test_source_that_is_not_json_changes_nothing(course):
    change_source(course)
    (course / "source" / "lif_neuron" / "lif_neuron.ipynb").write_text('{"cells": [')
    before = tree(course)
    with pytest.raises(CourseError, match="lif_neuron"):
        release(course)
    assert differences(before, tree(course)) == []


def test_notebook_nbgrader_rejects_changes_nothing(course):
    change_source(course)
    path = course / "source" / "lif_neuron" / "lif_neuron.ipynb"
    nb = nbformat.read(path, as_version=4)
    answer = next(c for c in nb.cells if "### END SOLUTION" in c.source)
    answer.source = answer.source.replace("### END SOLUTION", "")   # unterminated region
    nbformat.write(nb, path)
    before = tree(course)
    with pytest.raises(CourseError, match="lif_neuron: nbgrader could not generate"):
        release(course)
    assert differences(before, tree(course)) == []


def venv_without_alembic(where: Path) -> Path:
    """A virtual environment that shares this one's packages but whose bin/ holds only
    python (no alembic, jupyter, ...); returns its interpreter."""
    venv = Path(sys.prefix)
    assert (venv / "pyvenv.cfg").is_file(), "run the tests from the course's virtual environment"
    where.mkdir()
    shutil.copy2(venv / "pyvenv.cfg", where / "pyvenv.cfg")
    (where / "lib").symlink_to(venv / "lib")
    (where / "bin").mkdir()
    python = where / "bin" / "python"
    python.symlink_to(os.path.realpath(sys.executable))
    return python


def test_missing_alembic_changes_nothing(tmp_path):
    if shutil.which("alembic", path=SYSTEM_PATH):
        pytest.skip(f"an alembic in {SYSTEM_PATH} would hide the missing one")
    (tmp_path / "course").mkdir()
    course = copy_course(tmp_path / "course")   # no gradebook yet: nbgrader will need alembic
    change_source(course)
    python = venv_without_alembic(tmp_path / "venv")
    before = tree(course)
    run = subprocess.run([str(python), "-m", "course.cli", "--course-dir", str(course),
                          "release"], env=env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "alembic" in run.stderr
    assert differences(before, tree(course)) == []
    assert not (course / "gradebook.db").exists()


def make_unwritable(folder: Path):
    """Make `folder` refuse new entries; return how to undo it. As root chmod does not stop
    writes, the immutable attribute (chattr +i) does."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)],
                                                    capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_unwritable_release_folder_changes_nothing(course):
    change_source(course)          # leaky_integrators would be replaced, then undone
    locked = course / "release" / "lif_neuron"
    before = tree(course)
    undo = make_unwritable(locked)
    try:
        try:
            (locked / "probe").write_text("")
        except PermissionError:
            pass
        else:
            pytest.skip(f"{locked} is still writable")
        with pytest.raises(CourseError) as failed:
            release(course)
    finally:
        undo()
    assert differences(before, tree(course)) == []
    assert "nothing was changed" in str(failed.value)


# Runs `course release`, and pauses it inside nbgrader's conversion of the first notebook (the
# moment nbgrader has already cleared its destination), after writing a marker file.
PAUSED_RELEASE = """
import os, sys, time
from pathlib import Path
from nbgrader.converters.base import BaseConverter
def paused(self, filename):
    Path(os.environ["MARKER"]).write_text(filename)
    time.sleep(300)
BaseConverter.convert_single_notebook = paused
from course.cli import main
sys.exit(main(["--course-dir", sys.argv[1], "release"]))
"""


def test_kill_during_generation_changes_nothing(course, tmp_path):
    change_source(course)
    marker = tmp_path / "generating"
    before = tree(course)
    proc = subprocess.Popen([sys.executable, "-c", PAUSED_RELEASE, str(course)],
                            env=env(MARKER=str(marker)), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), f"nbgrader never started converting: {proc.poll()}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert differences(before, tree(course)) == []
    # The next release is not blocked (the lock died with the process) and clears the scratch
    # course the killed one left.
    release(course, ["leaky_integrators"])
    assert not list(course.glob(BUILD_PREFIX + "*"))
