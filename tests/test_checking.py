"""The hidden-test protocol: encoding, comparison messages, known mistakes, the preprocessor."""
import re

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course.checking import MIME_TYPE, Check, case, decode, encode, find_check, load_object, run_cases
from course.checks import leaky_integrators
from course.grading.compare import (PUBLISHED, CompareWithReference, called_checks, difference,
                                    verdict)


def test_encode_decode_round_trip():
    value = (np.arange(6.0).reshape(2, 3), [1, 2.5, True, None, "x"], {"a": np.array([True])},
             float("nan"), np.float32(1.5), np.int64(3))
    back = decode(encode(value))
    np.testing.assert_array_equal(back[0], value[0])
    assert back[1] == [1, 2.5, True, None, "x"]
    assert back[2]["a"].dtype == bool and np.isnan(back[3]) and back[4] == 1.5 and back[5] == 3


class AlwaysEqual:
    def __eq__(self, other):
        return True


def test_objects_that_claim_equality_cannot_be_encoded():
    with pytest.raises(TypeError, match="cannot be graded"):
        encode(AlwaysEqual())
    item = Check("x", "solutions.leaky:leaky_integrator", [case("c", np.ones(3), 2.0)])
    assert "error" in run_cases(item, lambda *a: AlwaysEqual())[0]


def test_difference_names_shape_index_and_tolerance():
    item = Check("x", "m:f", [], rtol=1e-6, atol=0)
    assert difference(np.ones(3), np.ones(3), item) is None
    assert "shape (3,)" in difference(np.ones(3), np.ones(4), item)
    msg = difference(np.ones(3), np.array([1, 2, 1.0]), item)
    assert "1 of 3 elements differ" in msg and "index 1" in msg and "rtol=1e-06" in msg
    assert "expected 2 items" in difference([1, 2], [1], item)
    assert "expected the number" in difference(1.0, "1.0", item)


@pytest.mark.parametrize("item", leaky_integrators.CHECKS, ids=lambda c: c.name)
def test_reference_passes_and_every_mistake_is_named(item):
    name = f"leaky_integrators.{item.name}"
    assert verdict(name, run_cases(item, load_object(item.reference))) is None
    for description, path in item.mistakes.items():
        message = verdict(name, run_cases(item, load_object(path)))
        assert message is not None and description in message


def test_verdict_reports_errors_of_student_code():
    def broken(*args, **kwargs):
        raise ZeroDivisionError("oops")
    message = verdict("leaky_integrators.leaky_integrator", run_cases(
        find_check("leaky_integrators.leaky_integrator"), broken))
    assert "your code raised ZeroDivisionError: oops" in message


def test_called_checks_reads_the_test_cell_source():
    source = "assert x\n### BEGIN HIDDEN TESTS\nfrom course.checking import check\n" \
             "check('leaky_integrators.band_pass', band_pass)\n### END HIDDEN TESTS"
    assert called_checks(source) == ["leaky_integrators.band_pass"]


def _graded_cell(source, outputs):
    cell = new_code_cell(source, outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": "t", "points": 1, "schema_version": 3}
    return cell


def _payload(name, results):
    return new_output("display_data", data={MIME_TYPE: {"check": name, "results": results},
                                            "text/plain": "x"})


def _judge(cell, recorded=None):
    """Judge one test cell; `recorded` are the payloads the executor saw during its execution
    (by default: the payloads among its outputs, as an honest kernel publishes them)."""
    if recorded is None:
        recorded = [o.data[MIME_TYPE] for o in cell.outputs if MIME_TYPE in o.get("data", {})]
    nb = new_notebook(cells=[cell])
    nb, _ = CompareWithReference().preprocess(nb, {PUBLISHED: {0: recorded}})
    return [o for o in nb.cells[0].outputs if o.output_type == "error"]


SOURCE = "check('leaky_integrators.input_data', input_data)"


def test_preprocessor_passes_correct_results_and_removes_the_payload():
    item = find_check("leaky_integrators.input_data")
    cell = _graded_cell(SOURCE, [_payload("leaky_integrators.input_data",
                                          run_cases(item, np.ones(1000)))])
    assert _judge(cell) == [] and cell.outputs == []


def test_preprocessor_fails_wrong_missing_duplicated_and_forged_results():
    item = find_check("leaky_integrators.input_data")
    wrong = _graded_cell(SOURCE, [_payload("leaky_integrators.input_data",
                                           run_cases(item, np.zeros(1000)))])
    assert "1000 of 1000 elements differ" in _judge(wrong)[0].evalue
    missing = _graded_cell(SOURCE, [])
    assert "no results were published" in _judge(missing)[0].evalue
    good = _payload("leaky_integrators.input_data", run_cases(item, np.ones(1000)))
    twice = _graded_cell(SOURCE, [good, good])
    assert "more than once" in _judge(twice)[0].evalue
    # A payload for a check the trusted cell source does not call is ignored, not counted.
    forged = _graded_cell(SOURCE, [_payload("leaky_integrators.other", [])])
    assert "no results were published" in _judge(forged)[0].evalue


def test_only_results_recorded_during_the_cells_own_execution_count():
    """A payload that is in the cell's outputs but was not published by this cell's execution
    (a display update, a copy from another cell or kernel) counts for nothing."""
    item = find_check("leaky_integrators.input_data")
    good = _payload("leaky_integrators.input_data", run_cases(item, np.ones(1000)))
    assert "no results were published" in _judge(_graded_cell(SOURCE, [good]), recorded=[])[0].evalue
    nb = new_notebook(cells=[_graded_cell(SOURCE, []), _graded_cell(SOURCE, [good])])
    nb, _ = CompareWithReference().preprocess(nb, {PUBLISHED: {0: [good.data[MIME_TYPE]]}})
    assert not [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert [o for o in nb.cells[1].outputs if o.output_type == "error"]
    with pytest.raises(RuntimeError, match="RecordedExecute"):
        CompareWithReference().preprocess(new_notebook(cells=[]), {})


def test_only_the_graders_comparison_decides_a_test_cell():
    item = find_check("leaky_integrators.input_data")
    good = _payload("leaky_integrators.input_data", run_cases(item, np.ones(1000)))
    error = new_output("error", ename="AssertionError", evalue="visible", traceback=[])
    stderr = new_output("stream", name="stderr", text="a warning\n")
    passed = _graded_cell(SOURCE, [error, stderr, good])
    assert _judge(passed) == []
    assert all(o.output_type == "stream" and o.name == "stdout" for o in passed.outputs)
    assert "decides" not in SOURCE and "the kernel reported AssertionError" in passed.outputs[0].text
    # A test cell without a hidden check cannot be verified by the grader: it fails.
    unchecked = _graded_cell("assert True", [])
    assert "calls no hidden check" in _judge(unchecked)[0].evalue


def test_feedback_on_hidden_cases_never_shows_expected_values():
    item = find_check("leaky_integrators.leaky_integrator")
    name = "leaky_integrators.leaky_integrator"
    expected = run_cases(item, load_object(item.reference))
    off = run_cases(item, lambda x, tau, dt=1.0, v0=0.0: np.asarray(x, float) * 0 + 0.123)
    message = verdict(name, off)
    assert "0.123" in message and "rtol" in message and "expected 0." not in message
    for one in expected:
        values = np.ravel(decode(one["value"])) if not isinstance(decode(one["value"]), dict) \
            else []
        for v in list(values)[:5]:
            if float(v) not in (0.0, 0.123):
                assert not re.search(rf"(?<![\d.]){re.escape(repr(float(v)))}(?!\d)", message)
    lif = "leaky_integrators.lif_spike_counts"
    counts = verdict(lif, run_cases(find_check(lif), lambda cycles, **k: np.full(len(cycles), 7)))
    assert "expected" not in counts.replace("expected value", "").replace("expected an", "")
    # Instructor mode shows them.
    from course.grading.compare import instructor_verdict
    assert "expected" in instructor_verdict(name, off)


def test_protocol_never_imports_the_grader():
    import ast
    from pathlib import Path
    import course.checking

    tree = ast.parse(Path(course.checking.__file__).read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module] + \
        [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith(("course.grading", "solutions", "nbgrader"))]


def test_grader_imports_no_widget_stack():
    import subprocess
    import sys
    code = ("import sys, course.grading.run, course.grading.compare\n"
            "bad = [m for m in ('ipywidgets', 'IPython', 'course.widgets') if m in sys.modules]\n"
            "assert not bad, bad")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-1500:]


def test_instructor_mode_is_an_explicit_switch(monkeypatch):
    import IPython.display
    from course import checking
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    monkeypatch.delenv("COURSE_INSTRUCTOR", raising=False)
    checking.check("leaky_integrators.input_data", np.zeros(1000))   # `solutions` importable here
    assert shown and MIME_TYPE in shown[0]
    monkeypatch.setenv("COURSE_INSTRUCTOR", "1")
    with pytest.raises(AssertionError, match="elements differ"):
        checking.check("leaky_integrators.input_data", np.zeros(1000))
    checking.check("leaky_integrators.input_data", np.ones(1000))
    assert len(shown) == 1
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")     # never under nbgrader
    checking.check("leaky_integrators.input_data", np.zeros(1000))
    assert len(shown) == 2
