"""Grade the adversarial corpus in one run: every case gets its expected outcome, the run
completes, an honest student graded before is untouched, and the gradebook stays consistent."""
import contextlib
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from adversarial_cases import CASES, CORRECT, answered
from course_copy import copy_course
from course.grading.run import GradingOptions, grade
from course.nbgrader_api import make_api

A = "leaky_integrators"


def isolation_available():
    try:
        from course.grading import sandbox
    except ImportError:
        return False
    return sandbox.available()[0]


ISOLATED = isolation_available()
ACTIVE = [c for c in CASES if ISOLATED or not c.isolation]
TERMINAL: dict[str, str] = {}    # what the grading run wrote to this process's stdout/stderr


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("course"))
    honest = tmp_path_factory.mktemp("honest")
    (honest / "witness" / A).mkdir(parents=True)
    nbformat.write(answered(CORRECT), honest / "witness" / A / f"{A}.ipynb")
    options = GradingOptions(workers=4, budget=20)
    before = grade(root, honest, log=lambda line: None, options=options)[0]
    subs = tmp_path_factory.mktemp("attacks")
    for case in ACTIVE:
        case.build(subs)
    with terminal_captured(TERMINAL):
        results = grade(root, subs, log=lambda line: None, options=options)
    return root, before, {r.student: r for r in results}


@contextlib.contextmanager
def terminal_captured(into: dict):
    """Put what this process (and anything it starts) writes to its stdout and stderr fds into
    into["text"]."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "terminal"
        saved = [os.dup(1), os.dup(2)]
        with path.open("wb") as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                for fd in saved:
                    os.close(fd)
        into["text"] = path.read_text(errors="replace")


def test_isolation_is_used_when_grading_as_root():
    if os.geteuid() != 0:
        pytest.skip("not root: the sandbox kernel is only used when grading runs as root")
    assert ISOLATED, "grading as root must isolate student code (course.grading.sandbox)"


@pytest.mark.parametrize("case", ACTIVE, ids=lambda c: c.name)
def test_case_gets_its_expected_outcome(corpus, case):
    _, _, results = corpus
    got = results[case.name]
    if case.problem:
        assert got.problem and case.problem in got.problem, got.problem
        return
    assert got.problem is None, got.problem
    assert (got.auto_score, got.auto_max) == (case.auto, case.auto_max)
    if case.flag:
        assert any(case.flag in f for f in got.flags), got.flags


def test_every_submission_is_reported_and_honest_work_is_untouched(corpus):
    root, before, results = corpus
    assert set(results) == {c.name for c in ACTIVE}
    with make_api(root).gradebook as gb:
        witness = gb.find_submission(A, "witness")
        assert witness.score == before.auto_score + 0 == 16
        for name, result in results.items():
            if result.problem:
                with pytest.raises(Exception):
                    gb.find_submission(A, name)
            else:
                scored = sum(g.score for nb in gb.find_submission(A, name).notebooks
                             for g in nb.grades if g.cell.cell_type == "code")
                assert scored == result.auto_score, name
                assert gb.find_submission(A, name).max_score == 20, name


def test_huge_outputs_are_cut(corpus):
    root, _, results = corpus
    for name in ("million_lines", "one_50mb_line", "display_flood"):
        if name in results:
            path = root / "autograded" / name / A / f"{A}.ipynb"
            assert path.stat().st_size < 2_000_000, name


def test_kernel_output_never_reaches_the_graders_terminal(corpus):
    assert "text" in TERMINAL
    assert "FORGED-CONSOLE" not in TERMINAL["text"], TERMINAL["text"][-2000:]


def test_class_report_lists_failures_and_flags(corpus):
    root, _, results = corpus
    page = (root / "reports" / "class_report.html").read_text()
    assert "not valid JSON" in page and "import_solutions" in page
    assert "import solutions" in page
    if ISOLATED:   # the gradebook attack is only in the corpus when the sandbox is on
        assert "import sqlite3" in page
    assert "score distributions" in page


class _Active:
    """Scripts and event handlers of the attack found in an HTML text (escaped text is inert)."""

    def __init__(self, text):
        from html.parser import HTMLParser

        found, state = [], {"tag": ""}

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                state["tag"] = tag
                found.extend(f"{tag} {k}" for k, v in attrs
                             if k.startswith("on") and "XSS" in (v or ""))

            def handle_data(self, data):
                if state["tag"] == "script" and "XSS" in data:
                    found.append("script " + data[:80])

        Parser().feed(text)
        self.found = found


def test_no_active_content_in_autograded_notebook_or_feedback(corpus):
    """The formgrader shows the autograded notebook, students open the feedback page: neither
    may hold the attack's scripts, event handlers or JavaScript outputs (its source code, shown
    as escaped text, is harmless)."""
    root, _, results = corpus
    assert results["script_injection"].problem is None
    nb = nbformat.read(root / "autograded" / "script_injection" / A / f"{A}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert _Active(cell.source).found == [], cell.source
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert "application/javascript" not in data
            assert _Active(data.get("text/html", "")).found == []
    page = (root / "feedback" / "script_injection" / A / f"{A}.html").read_text()
    assert _Active(page).found == []


def test_feedback_of_a_failing_hidden_case_hands_over_no_expected_value(corpus):
    import re
    root, _, results = corpus
    page = (root / "feedback" / "feedback_oracle" / A / f"{A}.html").read_text()
    assert "hidden cases fail" in page and "got " in page
    assert not re.search(r"expected (the number )?-?\d", page), \
        re.search(r".{80}expected -?\d.{80}", page)
