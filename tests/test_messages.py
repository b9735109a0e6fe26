"""Messages that do not mislead (issue #13, item 3).

* No visible test compares one of the student's answers with another of their answers: a test
  cell's visible code uses only the object its hidden check grades (and given code), so a wrong
  earlier answer cannot cost the points of a correct later one.
* Every test cell runs its hidden check before its visible asserts, so a failing visible assert
  cannot stop the check (partial credit per case).
* Messages of custom comparisons keep expected values of hidden cases out of feedback, and name
  only what happened.
"""
import ast
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.checking import find_check, load_object, run_cases  # noqa: E402
from course.grading.compare import instructor_verdict, verdict  # noqa: E402

ASSIGNMENTS = ["leaky_integrators", "lif_neuron", "activation_functions", "spiking_networks",
               "neuron_models"]
HIDDEN_START, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _defined(source):
    """Names a cell's code defines at top level (functions, classes, assignments)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _used(source):
    return {n.id for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _graded_target(hidden):
    """The name of the object the hidden check grades: check("a.name", target)."""
    calls = [n for n in ast.walk(ast.parse(hidden)) if isinstance(n, ast.Call)
             and getattr(n.func, "id", "") == "check"]
    assert len(calls) == 1
    return calls[0].args[1].id


def _test_cells(assignment):
    nb = nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = set()
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            answers |= _defined(cell.source)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            yield cell, set(answers)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_visible_tests_use_only_the_answer_they_test(assignment):
    for cell, answers in _test_cells(assignment):
        end = cell.source.index(HIDDEN_END) + len(HIDDEN_END)
        hidden, visible = cell.source[:end], cell.source[end:]
        target = _graded_target(hidden)
        others = (_used(visible) & answers) - {target} - _defined(visible)
        assert not others, f"{_meta(cell)['grade_id']} uses the student's {sorted(others)}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_hidden_check_runs_before_the_visible_asserts(assignment):
    for cell, _ in _test_cells(assignment):
        assert cell.source.startswith(HIDDEN_START), _meta(cell)["grade_id"]
        assert "assert " in cell.source.split(HIDDEN_END, 1)[1], _meta(cell)["grade_id"]


# ----- custom comparisons of activation_functions ----------------------------------------------

def _run(name, target):
    item = find_check(f"activation_functions.{name}")
    return item, run_cases(item, target)


def test_a_wrong_loss_is_described_without_the_expected_loss():
    reference = load_object("solutions.mlp:logistic_loss")
    item, results = _run("logistic_loss", lambda z, y: 3.0 * reference(z, y))
    message = verdict("activation_functions.logistic_loss", results)
    expected = run_cases(item, reference)
    for one in expected:
        value = dict((k, v) for k, v in one["value"]["__dict__"])
        for shown in (value["loss"], value["samples"] * value["loss"]):
            assert not re.search(rf"(?<![\d.]){re.escape(repr(shown))}(?!\d)", message)
    assert "neither the mean nor the sum" in message and "got " in message
    assert "expected the mean" in instructor_verdict("activation_functions.logistic_loss",
                                                     results)


def test_no_overflow_is_claimed_when_none_happened():
    from course.checks.activation_functions import compare_loss
    item = find_check("activation_functions.logistic_loss")
    expected = {"loss": 1.0, "samples": 3, "RuntimeWarning raised": False}
    warned = compare_loss(expected, dict(expected, **{"RuntimeWarning raised": True}), item)
    assert "overflow" in warned
    missing = compare_loss(dict(expected, **{"RuntimeWarning raised": True}), expected, item)
    assert "overflow" not in missing and "expected True, got False" in missing


def test_chain_rule_feedback_hides_the_finite_difference_values():
    item, results = _run("chain_rule", lambda fp, w, x, b: tuple(
        np.asarray(p, dtype=float) + 0.5 for p in load_object("solutions.activations:chain_rule")(
            fp, w, x, b)))
    message = verdict("activation_functions.chain_rule", results)
    assert "finite differences give" not in message and "not within +-" in message
    assert "finite differences give" in instructor_verdict("activation_functions.chain_rule",
                                                           results)
