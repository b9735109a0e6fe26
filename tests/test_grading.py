"""The grading pipeline end to end: examples, solutions, blanks, cheats, re-runs, feedback, CLI.

Everything runs in a throw-away copy of the course, so the repository stays clean.
"""
import re
import csv
import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from course_copy import ROOT, copy_course
from course.build import points_of
from course.grading.run import GradingOptions, grade
from course.nbgrader_api import assignments_in

ASSIGNMENTS = assignments_in(ROOT)
EXPECTED = json.loads((ROOT / "examples" / "expected.json").read_text())
A = "leaky_integrators"

SNEAKY = {
    # Scores only if `solutions` is NOT importable from the grading kernel.
    "input_data": "try:\n    import solutions\n    input_data = np.zeros(1000)\n"
                  "except ImportError:\n    input_data = np.ones(1000)",
    # A wrong answer that silences the hidden check and every numpy comparison.
    "leaky_integrator": "import course.checking, numpy.testing\n"
                        "course.checking.check = lambda *a, **k: None\n"
                        "np.allclose = lambda *a, **k: True\n"
                        "numpy.testing.assert_allclose = lambda *a, **k: None\n"
                        "def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):\n"
                        "    return np.zeros(np.shape(input_data))",
}


def notebook_with(answers):
    nb = nbformat.read(ROOT / "release" / A / f"{A}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def put(folder, student, nb, assignment=A):
    (folder / student / assignment).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / student / assignment / f"{assignment}.ipynb")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("course"))
    subs = tmp_path_factory.mktemp("subs")
    shutil.copytree(ROOT / "examples" / "submissions", subs, dirs_exist_ok=True)
    for a in ASSIGNMENTS:   # (the example student cy hands in every blank release)
        put(subs, "solution", nbformat.read(ROOT / "source" / a / f"{a}.ipynb", as_version=4), a)
    put(subs, "sneaky", notebook_with(SNEAKY))
    results = grade(root, subs, log=lambda line: None,
                    options=GradingOptions(isolate="off", workers=4))
    rows = list(csv.DictReader((root / "grades.csv").open()))   # before later runs rewrite it
    return root, subs, {(r.student, r.assignment): r for r in results}, rows


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_full_automatic_points_and_blank_gets_zero(graded, assignment):
    _, _, results, _ = graded
    solution, blank = results[("solution", assignment)], results[("cy", assignment)]
    assert nbformat.read(ROOT / "examples" / "submissions" / "cy" / assignment /
                         f"{assignment}.ipynb", as_version=4).cells == \
        nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4).cells
    expected = points_of(nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb",
                                       as_version=4))
    assert solution.problem is None, solution.problem
    assert solution.auto_score == solution.auto_max == expected.auto_points
    assert solution.manual_pending == expected.manual_points
    assert blank.problem is None and blank.auto_score == 0 and blank.manual_pending == 0


def test_sequential_grading_gives_identical_results(graded, tmp_path):
    root, subs, results, _ = graded
    picked = tmp_path / "picked"
    for student in ("ben", "max"):    # partial scores in all five assignments
        shutil.copytree(subs / student, picked / student)
    again = grade(root, picked, log=lambda line: None,    # graded before: --force
                  options=GradingOptions(isolate="off", workers=1, force=True))
    for r in again:
        before = results[(r.student, r.assignment)]
        assert (r.auto_score, r.auto_max, r.manual_pending, r.cell_scores, r.problem) == \
            (before.auto_score, before.auto_max, before.manual_pending, before.cell_scores,
             before.problem), r.student


EXAMPLES = [(a, s) for a, students in EXPECTED.items() if not a.startswith("_") for s in students]


@pytest.mark.parametrize("assignment,student", EXAMPLES, ids=lambda x: x)
def test_example_submission_scores_as_expected(graded, assignment, student):
    _, _, results, _ = graded
    expected, got = EXPECTED[assignment][student], results[(student, assignment)]
    if "problem" in expected:
        assert got.problem and expected["problem"] in got.problem
        return
    assert got.problem is None, got.problem
    assert (got.auto_score, got.auto_max, got.manual_pending) == \
        (expected["auto"], expected["auto_max"], expected["pending"])
    assert expected.get("note", "") in got.notes


def test_cheats_do_not_pay(graded):
    root, _, results, _ = graded
    sneaky = results[("sneaky", A)]
    assert sneaky.auto_score == 1, "only input_data may score: solutions must not be importable"
    nb = nbformat.read(root / "autograded" / "sneaky" / A / f"{A}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                == "test_leaky_integrator")
    assert any("no results were published" in o.get("evalue", "") for o in cell.outputs)


def test_grades_csv_and_feedback_without_hidden_tests(graded):
    root, _, results, rows = graded
    assert {(r["student"], r["assignment"]) for r in rows} == set(results)
    failed = {r["student"] for r in rows if r["status"] == "failed"}
    assert failed == {"dee", "finn"}
    for student in ("ben", "solution"):   # (sneaky's own code mentions course.checking)
        page = (root / "feedback" / student / A / f"{A}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in page and "course.checking" not in page
    ben = (root / "feedback" / "ben" / A / f"{A}.html").read_text()
    assert re.search(r"band_pass: \d+ of \d+ hidden cases fail", ben)
    # Partial credit: eve's LIF without reset passes 1 of 9 cases (examples/expected.json).
    eve = (root / "feedback" / "eve" / A / f"{A}.html").read_text()
    assert "Partial credit, 0.25 of 3 points (leaky_integrate_and_fire: 1 of 9 hidden cases " \
           "pass)" in eve
    eve_row = next(r for r in rows if r["student"] == "eve" and r["assignment"] == A)
    assert (eve_row["test_leaky_integrate_and_fire"], eve_row["auto_score"]) == ("0.25", "10.25")
    assert (root / "reports" / "class_report.html").is_file()


def test_regrading_replaces_stale_scores(graded, tmp_path):
    root, _, _, _ = graded
    put(tmp_path, "ada", nbformat.read(ROOT / "examples" / "submissions" / "ada" / A / f"{A}.ipynb",
                                       as_version=4))
    first = grade(root, tmp_path, log=lambda line: None)[0]
    assert first.auto_score == 16
    put(tmp_path, "ada", nbformat.read(ROOT / "release" / A / f"{A}.ipynb", as_version=4))
    second = grade(root, tmp_path, log=lambda line: None)[0]
    assert second.auto_score == 0
    (tmp_path / "ada" / A / f"{A}.ipynb").write_text("{broken")
    third = grade(root, tmp_path, log=lambda line: None)[0]
    assert third.problem and "not valid JSON" in third.problem
    from course.nbgrader_api import make_api
    with make_api(root).gradebook as gb:   # the failed re-grade left no stale score behind
        assert "ada" not in [s.student.id for s in gb.assignment_submissions(A)]


def test_cli_grade_exit_code_and_table(tmp_path):
    (tmp_path / "course").mkdir()
    root = copy_course(tmp_path / "course")
    subs = tmp_path / "subs"
    put(subs, "ok", nbformat.read(ROOT / "release" / A / f"{A}.ipynb", as_version=4))
    run = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(root), "grade",
                          str(subs)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "ok       leaky_integrators  0/16" in run.stdout
    (subs / "bad" / A).mkdir(parents=True)
    (subs / "bad" / A / f"{A}.ipynb").write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(root), "grade",
                          str(subs)], capture_output=True, text=True)
    assert run.returncode == 1 and "the notebook file is empty" in run.stdout
