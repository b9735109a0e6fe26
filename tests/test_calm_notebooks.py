"""An unfilled release notebook is calm: only answer cells and test cells raise.

Each release notebook runs top to bottom with nothing filled in (headless, as in grading). Answer
cells may raise (their stubs) and test cells may fail (nothing to test yet); every other cell, the
helpers, plots, demos and sliders, must run without an error or a traceback, and a demo that needs
an unwritten function prints one line saying which.
"""
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("leaky_integrators", "lif_neuron")


def _run_unfilled(assignment, monkeypatch):
    path = ROOT / "release" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.delenv("PYTHONPATH", raising=False)      # no `solutions`, as for a student
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep
                       + os.environ.get("PATH", ""))     # the kernel is this environment's python
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def _role(cell):
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "other"


def _troubles(cell):
    found = []
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            found.append(f"{out.ename}: {out.evalue}")
        elif out.output_type == "stream" and ("Traceback" in out.text or out.name == "stderr"):
            found.append(out.text.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_only_answer_and_test_cells_raise_when_unfilled(assignment, monkeypatch):
    nb = _run_unfilled(assignment, monkeypatch)
    noisy = {cell.metadata["nbgrader"]["grade_id"]: _troubles(cell)
             for cell in nb.cells if cell.cell_type == "code" and _role(cell) == "other"
             and _troubles(cell)}
    assert not noisy, f"helper, plot or demo cells fail on an unfilled notebook: {noisy}"
    asks = [out.text for cell in nb.cells if _role(cell) == "other"
            for out in cell.get("outputs", []) if out.output_type == "stream"
            and out.text.startswith("write `")]
    assert asks, "demo cells should say which function to write first"
    lines = "".join(asks).splitlines()
    assert all(line.startswith("write `") and line.endswith("` above first") for line in lines)
    # Test cells do fail: nothing is graded as correct on an empty notebook.
    tests = [cell for cell in nb.cells if cell.cell_type == "code" and _role(cell) == "test"]
    assert tests and all(_troubles(cell) for cell in tests)
