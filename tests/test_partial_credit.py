"""Partial credit per hidden case, decided in the grader process (course.grading.compare).

* A test cell whose check has `credit="per_case"` earns its points times the share of cases
  passed; nbgrader's own `determine_grade` reads exactly that number, and the student sees
  "k of n hidden cases pass" above the messages.
* `credit="all"` keeps all-or-nothing; a cell calling several checks weighs each check equally.
* A number the kernel put in the cell (an `execute_result`) never counts: only the grader
  writes one.
* The score never exceeds the cell's points (nbgrader refuses such a score) and is never nan.
* Every check with per-case credit gives a degenerate answer (one that raises, returns None, 0,
  nan, its input, ...) at most a quarter of its cases; checks where one would get more declare
  `credit="all"`.
"""
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.checking import Check, find_check, load_object, run_cases  # noqa: E402
from course.grading.compare import (PUBLISHED, CompareWithReference, Judgement,  # noqa: E402
                                    cell_points, judge)

ASSIGNMENTS = ["leaky_integrators", "lif_neuron", "activation_functions", "spiking_networks",
               "neuron_models"]
PER_CASE = "lif_neuron.simulate_lif"        # credit="per_case" (the default)
ALL = "leaky_integrators.band_pass"         # credit="all"


def _cell(source, points, outputs=()):
    cell = new_code_cell(source, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": "t", "points": points, "schema_version": 3}
    return cell


def _results(name, failing=()):
    """The reference's results for check `name`, with the cases at indices `failing` raising."""
    item = find_check(name)
    results = run_cases(item, load_object(item.reference))
    for i in failing:
        results[i] = {"error": "ValueError: broken on purpose"}
    return results


def _grade(source, points, recorded, outputs=()):
    """Run CompareWithReference on one test cell; return (nbgrader's score, the cell)."""
    nb = new_notebook(cells=[_cell(source, points, outputs)])
    payloads = [{"check": name, "results": results} for name, results in recorded]
    nb, _ = CompareWithReference().preprocess(nb, {PUBLISHED: {0: payloads}})
    score, _ = determine_grade(nb.cells[0])
    return score, nb.cells[0]


def _text(cell):
    return "".join(o.get("text", "") + o.get("evalue", "") for o in cell.outputs)


def test_per_case_credit_is_the_share_of_cases_passed():
    total = len(find_check(PER_CASE).all_cases())
    score, cell = _grade(f"check('{PER_CASE}', simulate_lif)", 3, [(PER_CASE, _results(
        PER_CASE, failing=(0, 2)))])
    assert score == np.floor(3 * (total - 2) / total * 8) / 8
    assert 0 < score < 3
    assert f"{total - 2} of {total} hidden cases pass" in _text(cell)
    assert "broken on purpose" in _text(cell)          # what came out, for the failing cases
    # the message comes before the number, so a feedback page shows it above "Out"
    kinds = [o.output_type for o in cell.outputs]
    assert kinds.index("stream") < kinds.index("execute_result")


def test_all_pass_all_fail_and_all_or_nothing():
    full, cell = _grade(f"check('{PER_CASE}', f)", 3, [(PER_CASE, _results(PER_CASE))])
    assert full == 3 and not [o for o in cell.outputs if o.output_type == "execute_result"]
    n = len(find_check(PER_CASE).all_cases())
    none, cell = _grade(f"check('{PER_CASE}', f)", 3, [(PER_CASE, _results(PER_CASE, range(n)))])
    assert none == 0 and cell.outputs[0].output_type == "error"
    assert find_check(ALL).credit == "all"
    one_off, cell = _grade(f"check('{ALL}', f)", 2, [(ALL, _results(ALL, failing=(1,)))])
    assert one_off == 0 and "1 of" in cell.outputs[0].evalue


def test_several_checks_in_one_cell_weigh_equally():
    other = "lif_neuron.euler_step"
    n = len(find_check(PER_CASE).all_cases())
    source = f"check('{PER_CASE}', a)\ncheck('{other}', b)"
    score, cell = _grade(source, 4, [(PER_CASE, _results(PER_CASE, failing=range(n))),
                                     (other, _results(other))])
    assert score == 2.0                       # 0 of one check, all of the other: half
    assert "euler_step: all" in _text(cell) and f"0 of {n} hidden cases pass" in _text(cell)
    # a check that published nothing counts as none of its cases
    score, cell = _grade(source, 4, [(other, _results(other))])
    assert score == 2.0 and "no results were published" in _text(cell)


def test_a_number_the_kernel_printed_never_counts():
    forged = new_output("execute_result", data={"text/plain": "3"}, execution_count=1)
    n = len(find_check(PER_CASE).all_cases())
    score, cell = _grade(f"check('{PER_CASE}', f)", 3,
                         [(PER_CASE, _results(PER_CASE, range(n)))], outputs=[forged])
    assert score == 0
    score, cell = _grade(f"check('{PER_CASE}', f)", 3,
                         [(PER_CASE, _results(PER_CASE, failing=(0,)))], outputs=[forged])
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert len(results) == 1 and results[0].data["text/plain"] != "3" and 0 < score < 3


def test_a_kernel_error_in_a_partly_passed_cell_costs_nothing_more():
    error = new_output("error", ename="AssertionError", evalue="visible", traceback=[])
    score, cell = _grade(f"check('{PER_CASE}', f)", 3,
                         [(PER_CASE, _results(PER_CASE, failing=(0,)))], outputs=[error])
    assert 0 < score < 3
    assert "the kernel reported AssertionError" in _text(cell)


@pytest.mark.parametrize("points", [0.5, 1, 2, 3, 4, 5, 7, 35])
def test_cell_points_never_exceed_the_maximum_nor_go_negative(points):
    for total in range(1, 40):
        for passed in range(total + 1):
            j = Judgement("x", passed, total, "per_case", None if passed == total else "m")
            earned = cell_points(points, [j, j])
            assert 0 <= earned <= points and earned == earned
            assert earned == points or passed < total
            assert (earned * 8).is_integer()           # exact sums in any order
            assert points * passed / total - earned < 1 / 8 + 1e-12 or passed == total


def test_an_unknown_credit_rule_is_refused():
    with pytest.raises(ValueError, match="credit"):
        Check("x", "m:f", [], credit="most")


def _degenerate():
    def raises(*a, **k):
        raise ValueError("no")

    class Empty:
        def __init__(self, *a, **k):
            pass

    return [raises, lambda *a, **k: None, lambda *a, **k: 0.0, lambda *a, **k: float("nan"),
            lambda *a, **k: a[0] if a else None, lambda *a, **k: np.array([]),
            lambda *a, **k: np.zeros_like(np.asarray(a[0], dtype=float)) if a else 0.0,
            lambda *a, **k: {}, lambda *a, **k: (np.zeros(1), np.zeros(1)), Empty]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_degenerate_answer_earns_at_most_a_quarter(assignment):
    for item in importlib.import_module(f"course.checks.{assignment}").CHECKS:
        for target in _degenerate():
            try:
                results = run_cases(item, target)
            except Exception:   # noqa: BLE001  (e.g. a dict result that cannot be encoded)
                continue
            j = judge(f"{assignment}.{item.name}", results)
            assert j.fraction <= 0.25, (item.name, j.passed, j.total)
