"""After `course grade`: feedback students can read, late work, roster, manual grading, exports,
the class report (issue #13, items 4-10 and 12).

One grading run in a throw-away copy of the course: ada (all automatic points), ben (some
wrong), late (ada's notebook handed in two days after the due date, by its timestamp.txt) and
csv_on_time (ben's notebook, its time from the folder's submitted_at.csv, before the due date).
"""
import csv
import re
import shutil
import subprocess
import sys
from datetime import datetime

import nbformat
import pytest

from course_copy import ROOT, copy_course
from course.grading.feedback import grade_labels, markdown2mathml
from course.grading.intake import Submission, submission_time
from course.grading.late import PerDayPenalty
from course.grading.run import GradingOptions, grade
from course.nbgrader_api import make_api

A = "leaky_integrators"
DUE = "2026-03-01 12:00:00 UTC"
EXAMPLES = ROOT / "examples" / "submissions"


def course(root, *args):
    return subprocess.run([sys.executable, "-m", "course.cli", "--course-dir", str(root), *args],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from course.build import release

    root = copy_course(tmp_path_factory.mktemp("course"))
    release(root, [A])
    with make_api(root).gradebook as gb:
        gb.update_or_create_assignment(A, duedate=datetime(2026, 3, 1, 12, 0, 0))
    subs = tmp_path_factory.mktemp("subs")
    for student, source in [("ada", "ada"), ("ben", "ben"), ("late", "ada"),
                            ("csv_on_time", "ben")]:
        shutil.copytree(EXAMPLES / source / A, subs / student / A)
    (subs / "late" / A / "timestamp.txt").write_text("2026-03-03 09:30:00.000000 UTC")
    (subs / "submitted_at.csv").write_text(
        "student,assignment,submitted_at\ncsv_on_time,leaky_integrators,2026-03-01T11:59:00Z\n")
    results = grade(root, subs, log=lambda line: None,
                    options=GradingOptions(isolate="off", workers=2))
    return root, {r.student: r for r in results}


def page(root, student):
    return (root / "feedback" / student / A / f"{A}.html").read_text()


# ----- feedback (items 4, 6, 7) ----------------------------------------------------------------

def test_feedback_shows_written_answers_pending_and_the_automatic_total_apart(graded):
    root, results = graded
    assert results["ben"].problem is None and results["ben"].manual_pending == 2
    html = page(root, "ben")
    assert 'id="auto-total">7 / 16<' in html
    assert "2 points pending (graded by a person)" in " ".join(html.split())
    assert "pending: 2 points, graded by a person" in html
    toc = html.split('<div id="toc">')[1].split("</ol>")[0]
    assert "Written answer: An LIF neuron is a low-pass filter" in toc
    assert "pending" in toc.split("why_lowpass")[1].split("</li>")[0]


def test_feedback_names_each_test_by_its_exercise(graded):
    root, _ = graded
    html = page(root, "ben")
    assert "Test cell" not in html
    assert "Tests of leaky_integrator (Task 1: implement the leaky integrator)" in html
    assert "Tests of band_pass" in html


def test_feedback_page_is_self_contained_with_mathml_and_wrapping_messages(graded):
    root, _ = graded
    html = page(root, "ben")
    assert "mathjax" not in html.lower() and not re.search(r"<script[^>]*\bsrc=", html)
    # nothing loaded from elsewhere (links a student may click are fine)
    assert not re.search(r"<(?:link|img|iframe)[^>]+(?:href|src)=[\"']?(?:https?:)?//", html)
    assert not re.search(r"url\([\"']?(?:https?:)?//|@import", html)
    assert html.count("<math") > 10
    assert r"$\tau$" not in html
    assert "white-space: pre-wrap" in html
    assert "course.hidden_cases" not in html          # per-case records are for instructors


def test_markdown_formulas_become_mathml_and_code_is_left_alone():
    out = markdown2mathml("Rate $r = 1/\\tau$, cost 5 dollars, `x = $y$`.\n\n"
                          "$$\n\\tau \\frac{dv}{dt} = -v\n$$\n\n"
                          "\\begin{align} a &= 1 \\\\ b &= 2 \\end{align}")
    assert out.count("<math") == 3 and 'display="block"' in out
    assert "<code>x = $y$</code>" in out
    assert "$" not in out.replace("<code>x = $y$</code>", "")


def test_labels_name_tests_and_written_answers():
    nb = nbformat.read(ROOT / "release" / A / f"{A}.ipynb", as_version=4)
    labels = grade_labels(nb.cells)
    assert labels["test_band_pass"].startswith("Tests of band_pass (")
    assert labels["tau_effect"].startswith("Written answer: ")


# ----- late work (item 8) ----------------------------------------------------------------------

def test_late_submission_gets_the_late_penalty_and_on_time_ones_none(graded):
    root, results = graded
    with make_api(root).gradebook as gb:
        late = gb.find_submission(A, "late")
        assert late.total_seconds_late == pytest.approx((2 * 24 - 2.5) * 3600)
        score = sum(n.score for n in late.notebooks)
        assert score == 16
        # two started days late, 10 % of the points per day
        assert late.late_submission_penalty == pytest.approx(0.2 * score)
        on_time = gb.find_submission(A, "csv_on_time")
        assert str(on_time.timestamp).startswith("2026-03-01 11:59")
        assert not on_time.total_seconds_late and not on_time.late_submission_penalty
        ada = gb.find_submission(A, "ada")            # no known time: not late
        assert ada.timestamp is None and not ada.late_submission_penalty
    assert "Late submission penalty" in page(root, "late")
    assert "Late submission penalty" not in page(root, "ada")


def test_submission_time_sources(tmp_path):
    folder = tmp_path / "subs"
    (folder / "s1" / A).mkdir(parents=True)
    (folder / "s2" / A).mkdir(parents=True)
    (folder / "s3" / A).mkdir(parents=True)
    (folder / "s1" / A / "timestamp.txt").write_text("2026-03-03 10:30:00 +0100")
    (folder / "s3" / A / "timestamp.txt").write_text("last tuesday-ish")
    (folder / "submitted_at.csv").write_text(
        "student,assignment,submitted_at\ns2,leaky_integrators,2026-03-02 08:00\n")
    subs = [Submission(s, A, folder / s / A / f"{A}.ipynb") for s in ("s1", "s2", "s3")]
    assert submission_time(subs[0]) == "2026-03-03 09:30:00.000000 UTC"
    assert submission_time(subs[1]) == "2026-03-02 08:00:00.000000 UTC"
    assert submission_time(subs[2]) is None and "is not a date" in subs[2].notes[0]


def test_per_day_penalty():
    plugin = PerDayPenalty(fraction_per_day=0.25, grace_minutes=10)
    assert plugin.late_submission_penalty("s", 20, 5 * 60) == 0
    assert plugin.late_submission_penalty("s", 20, 3600) == 5
    assert plugin.late_submission_penalty("s", 20, 86400 + 3600) == 10
    assert plugin.late_submission_penalty("s", 20, 30 * 86400) == 20


# ----- grades.csv, roster, manual grading, export (items 5, 9, 10) -----------------------------

def test_grades_csv_has_one_column_per_graded_cell(graded):
    root, _ = graded
    rows = {r["student"]: r for r in csv.DictReader((root / "grades.csv").open())}
    assert rows["ada"]["test_leaky_integrator"] == "3"
    assert rows["ben"]["test_leaky_integrator"] == "0"
    assert rows["ben"]["why_lowpass"] == "pending"
    assert rows["ben"]["tau_effect"] == "0"          # left empty: 0 at once, not pending


def test_roster_manual_grade_feedback_and_exports(graded, tmp_path):
    root, _ = graded
    roster = tmp_path / "students.csv"
    roster.write_text("id,first name,last name,email\nada,Ada,Lovelace,ada@example.org\n"
                      "ben,Ben,Franklin,ben@example.org\nzoe,Zoe,Zed,zoe@example.org\n")
    run = course(root, "roster", str(roster))
    assert run.returncode == 0 and "1 student(s) added, 2 updated" in run.stdout, run.stderr
    with make_api(root).gradebook as gb:
        assert (gb.find_student("ada").first_name, gb.find_student("ada").last_name) == \
            ("Ada", "Lovelace")
        grade = gb.find_grade("why_lowpass", A, A, "ben")     # what the formgrader writes
        grade.manual_score = 1.5                              # (its GradeHandler.put)
        grade.needs_manual_grade = False
        gb.db.commit()
    autograded = root / "autograded" / "ben" / A / f"{A}.ipynb"
    before = (autograded.stat().st_mtime_ns, autograded.read_bytes())
    run = course(root, "feedback", A)
    assert run.returncode == 0 and f"{A}: 4 feedback page(s)" in run.stdout, run.stdout + run.stderr
    assert (autograded.stat().st_mtime_ns, autograded.read_bytes()) == before   # nothing ran
    html = page(root, "ben")
    assert "Score: 1.5 / 2" in html and 'id="manual-total">1.5 / 4' in html
    assert "pending" not in html.split('<div id="toc">')[1].split("</ol>")[0]

    out = tmp_path / "canvas.csv"
    run = course(root, "export", "--format", "canvas", "--output", str(out))
    assert run.returncode == 0, run.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "20"
    by_id = {r[2]: r for r in rows[2:]}
    assert by_id["ada"][0] == "Lovelace, Ada" and by_id["ada"][5] == "16"
    assert by_id["ben"][5] == "8.5"            # 7 automatic + 1.5 by hand
    assert by_id["late"][5] == "12.8"          # 16 less 20 % for two days late
    assert by_id["zoe"][5] == ""               # on the roster, nothing handed in
    assert "not graded yet" in run.stdout      # ada's written answers still wait

    out = tmp_path / "moodle.csv"
    assert course(root, "export", "--format", "moodle", "--output", str(out)).returncode == 0
    rows = list(csv.DictReader(out.open()))
    ben = next(r for r in rows if r["ID number"] == "ben")
    assert (ben["First name"], ben["Email address"], ben[A]) == ("Ben", "ben@example.org", "8.5")

    out = tmp_path / "plain.csv"
    assert course(root, "export", "--format", "csv", "--output", str(out)).returncode == 0
    rows = {(r["student"], r["assignment"]): r for r in csv.DictReader(out.open())}
    assert rows[("ben", A)]["why_lowpass"] == "1.5" and rows[("ben", A)]["last_name"] == "Franklin"
    assert rows[("ada", A)]["why_lowpass"] == "pending"


# ----- class report (item 12) ------------------------------------------------------------------

def test_class_report_shows_pass_rates_of_every_hidden_case(graded):
    root, _ = graded
    report = (root / "reports" / "class_report.html").read_text()
    assert "pass rate of every case" in report
    section = report.split("pass rate of every case")[1]
    assert "leaky_integrators.band_pass" in section
    # ada and late pass every band_pass case, ben and csv_on_time fail some: 50 % somewhere
    assert "(2 of 4)" in section and "(4 of 4)" in section


# ----- formgrader and JupyterLab configuration (item 11) ---------------------------------------

def test_formgrader_autograde_button_runs_course_grade_and_assignment_list_is_off():
    import inspect
    import json
    import logging

    from nbgrader.server_extensions.formgrader import apihandlers

    import course.formgrader as fg

    config = ROOT / "jupyter_config"
    server = json.loads((config / "jupyter_server_config.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions == {"nbgrader.server_extensions.assignment_list": False,
                          "nbgrader.server_extensions.course_list": False,
                          "course.formgrader": True}
    disabled = json.loads((config / "labconfig" / "page_config.json").read_text())
    assert disabled["disabledExtensions"] == {"@jupyter/nbgrader:assignment-list": True,
                                              "@jupyter/nbgrader:course-list": True}
    assert fg.lab_environment(ROOT, {})["JUPYTER_CONFIG_PATH"] == str(config)

    original = apihandlers.AutogradeHandler.post
    try:
        fg._load_jupyter_server_extension(type("App", (), {"log": logging.getLogger("t")})())
        assert inspect.unwrap(apihandlers.AutogradeHandler.post) is fg._course_autograde
    finally:
        apihandlers.AutogradeHandler.post = original
