"""Hidden-test protocol, grader side: compare published student results with the reference.

`RecordedExecute` (the autograde executor: `BudgetedExecute` that also keeps a record) notes, in
this process, every result payload that arrives as a `display_data` message of a test cell's own
execute request, while that cell runs. `CompareWithReference` runs right after it. For every
autograded test cell it finds the checks the (trusted, instructor-written) cell source calls,
takes the results recorded for that cell (never what the notebook's outputs say afterwards),
recomputes the expected results with the reference implementation from `solutions/`, and decides
the cell: pass (the payloads are removed), partial credit, or an error output first that names the
failing cases (no points). Only this comparison decides: a test cell that calls no check fails,
and on a pass or a partial pass the kernel's own errors and stderr in the cell are kept as plain
text that scores nothing.

Partial credit (`cell_points`): a check with `credit="per_case"` (the default) earns the share of
its cases that pass, one with `credit="all"` earns all or nothing; a cell that calls several checks
earns its points times the mean of their shares (each check weighs the same), rounded down to
1/8 point (`CREDIT_STEP`). A partly passed cell gets a stdout note ("Partial credit, 1.75 of 3
points (simulate_lif: 6 of 10 hidden cases pass)") with the messages, then an `execute_result`
holding the points: nbgrader's `determine_grade` reads the first error (0 points) or
execute_result (that many points, which must lie in [0, points]) of a test cell. This
preprocessor writes that number; every execute_result the kernel made is dropped first, so a
student cannot print points.

Mistakes are named two ways: `Check.mistakes` (an implementation whose results match the
student's on every case) and `Check.signs` (a property of the student's own results that the
mistake produces, whoever wrote it; `shown_signs`).

Results belong to their cell: payloads published in other cells, by display updates (from any
cell), as `execute_result`, or copied into the notebook some other way are ignored.

Feedback is no oracle: messages name the case, what is wrong (shape, count of differing elements,
the student's own value, the tolerance, a known mistake), never the expected value of a hidden
case (`reveal=False`). Instructor mode (`instructor_verdict`) shows the expected values.
"""
from __future__ import annotations

import ast
import contextlib
import contextvars
import functools
import json
import math
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from course.checking import MIME_TYPE, Check, decode, find_check, load_object, run_cases
from course.grading.execute import BudgetedExecute

MAX_REPORTED_CASES = 3
#: Key in nbconvert's `resources`: {cell index: [payload, ...]} recorded during execution.
PUBLISHED = "course_published_results"


@contextlib.contextmanager
def quiet_numerics():
    """Silence numpy's overflow warnings while running references and known mistakes."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ----- comparison of decoded values ----------------------------------------------------------

#: Whether messages may show expected values: False while `verdict` judges for feedback, so that
#: a check's own `compare` function that calls `difference` hides them too.
_REVEAL: contextvars.ContextVar[bool] = contextvars.ContextVar("reveal", default=True)


def revealing() -> bool:
    """Whether messages may show expected values now (False while judging for feedback): for a
    check's own `compare` function, which must hide them too."""
    return _REVEAL.get()


def difference(expected: Any, got: Any, item: Check, where: str = "result",
               reveal: bool | None = None) -> str | None:
    """Describe the first difference between `expected` and `got`, or return None if they agree.

    With `reveal=False` (feedback on hidden cases; the default inside `verdict`) the message
    never contains an expected value, only structure (types, shapes, lengths, keys), the
    student's own value and the tolerance.
    """
    if reveal is None:
        reveal = _REVEAL.get()
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        return _array_difference(expected, got, item, where, reveal)
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{where}: expected a dict, got {_kind(got)}"
        if set(expected) != set(got):
            return (f"{where}: expected keys {sorted(expected, key=repr)}, "
                    f"got {sorted(got, key=repr)}")
        for key in expected:
            msg = difference(expected[key], got[key], item, f"{where}[{key!r}]", reveal)
            if msg:
                return msg
        return None
    if isinstance(expected, list):
        if not isinstance(got, list):
            return f"{where}: expected a sequence of {len(expected)} items, got {_kind(got)}"
        if len(expected) != len(got):
            return f"{where}: expected {len(expected)} items, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            msg = difference(e, g, item, f"{where}[{i}]", reveal)
            if msg:
                return msg
        return None
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type(got) is type(expected) and got == expected:
            return None
        if reveal:
            return f"{where}: expected {expected!r}, got {_short(got)}"
        if type(got) is not type(expected):
            return f"{where}: expected {_type_name(expected)}, got {_kind(got)}"
        return f"{where}: got {_short(got)}, which is not the expected value"
    if isinstance(expected, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            wanted = f"the number {expected!r}" if reveal else "a number"
            return f"{where}: expected {wanted}, got {_kind(got)}"
        if np.isclose(got, expected, rtol=item.rtol, atol=item.atol, equal_nan=True):
            return None
        shown = f"expected {expected!r}, got {got!r}" if reveal else \
            f"got {got!r}, which is not within the tolerance of the expected value"
        return f"{where}: {shown} (tolerance rtol={item.rtol:g}, atol={item.atol:g})"
    return f"{where}: cannot compare a result of type {type(expected).__name__}"


def _type_name(value: Any) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


def _array_difference(expected: Any, got: Any, item: Check, where: str,
                      reveal: bool = True) -> str | None:
    if not isinstance(expected, np.ndarray):
        return f"{where}: expected {_kind(expected) if reveal else _type_name(expected)}, " \
               f"got an array of shape {got.shape}"
    if not isinstance(got, np.ndarray):
        if isinstance(got, list):
            try:
                got = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                return f"{where}: expected an array of shape {expected.shape}, got a ragged list"
        else:
            return f"{where}: expected an array of shape {expected.shape}, got {_kind(got)}"
    if expected.shape != got.shape:
        return f"{where}: expected an array of shape {expected.shape}, got shape {got.shape}"
    close = np.isclose(got.astype(float), expected.astype(float),
                       rtol=item.rtol, atol=item.atol, equal_nan=True)
    if close.all():
        return None
    bad = np.argwhere(~close)
    index = tuple(int(i) for i in bad[0])
    at = index if len(index) != 1 else index[0]
    shown = f"expected {expected[index].item()!r}, got {got[index].item()!r}" if reveal else \
        f"got {got[index].item()!r}"
    return (f"{where}: {len(bad)} of {close.size} elements differ; first at index {at}: "
            f"{shown} (tolerance rtol={item.rtol:g}, atol={item.atol:g})")


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__} ({_short(value)})"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ----- verdict on one check -------------------------------------------------------------------

def case_failures(item: Check, expected: list, got: list,
                  reveal: bool | None = None) -> list[tuple[str, str]]:
    """[(case label, message)] for every case where `got` differs from `expected`."""
    if len(got) != len(expected):
        return [("all cases", f"expected results for {len(expected)} cases, got {len(got)}")]
    custom = load_object(item.compare) if item.compare else None
    failures = []
    for one, exp, res in zip(item.all_cases(), expected, got):
        if "error" in exp:
            raise RuntimeError(f"the reference for {item.name} fails on case {one.label!r}: "
                               f"{exp['error']}")
        if not isinstance(res, dict) or ("error" not in res and "value" not in res):
            failures.append((one.label, "malformed result"))
            continue
        if "error" in res:
            failures.append((one.label, f"your code raised {res['error']}"))
            continue
        exp_value, got_value = decode(exp["value"]), decode(res["value"])
        message = custom(exp_value, got_value, item) if custom else \
            difference(exp_value, got_value, item, reveal=reveal)
        if message:
            failures.append((one.label, message))
    return failures


@functools.lru_cache(maxsize=256)
def _cached_results(qualified_name: str, path: str) -> str:
    item = find_check(qualified_name)
    with quiet_numerics():
        return json.dumps(run_cases(item, load_object(path)))


def results_of(qualified_name: str, path: str) -> list:
    """Encoded results of the implementation at `path` on the check's cases.

    References and known mistakes are deterministic, so a grading process computes them once
    per check, not once per student (a fresh copy is returned each time).
    """
    return json.loads(_cached_results(qualified_name, path))


@dataclass(frozen=True)
class Judgement:
    """The grader's verdict on one check: how many cases passed, the credit that earns, and the
    message for the student (None when every case passes)."""

    name: str
    passed: int
    total: int
    credit: str            # Check.credit: "per_case" or "all"
    message: str | None

    @property
    def fraction(self) -> float:
        """Share of the check's credit earned, 0 .. 1."""
        if self.message is None:
            return 1.0
        if self.credit != "per_case" or self.total <= 0:
            return 0.0
        return min(max(self.passed / self.total, 0.0), 1.0)


def judge(qualified_name: str, results: list, reveal: bool = False) -> Judgement:
    """Compare published `results` with the reference, case by case.

    The message never shows an expected value unless `reveal` (instructor mode)."""
    item = find_check(qualified_name)
    expected = results_of(qualified_name, item.reference)
    total = len(expected)
    token = _REVEAL.set(reveal)
    try:
        failures = case_failures(item, expected, results, reveal)
    except (TypeError, ValueError, KeyError) as exc:
        return Judgement(item.name, 0, total, item.credit,
                         f"{qualified_name}: the published results could not be read ({exc})")
    finally:
        _REVEAL.reset(token)
    if not failures:
        return Judgement(item.name, total, total, item.credit, None)
    failing = {label for label, _ in failures}
    passed = 0 if "all cases" in failing else total - len(failing)
    lines = [f"{item.name}: {len(failures)} of {total} hidden cases fail "
             f"({passed} of {total} pass)."]
    for label, message in failures[:MAX_REPORTED_CASES]:
        lines.append(f"  case '{label}': {message}")
    if len(failures) > MAX_REPORTED_CASES:
        lines.append(f"  ... and {len(failures) - MAX_REPORTED_CASES} more")
    for mistake in known_mistakes(qualified_name, item, results):
        lines.append(f"Hint: your results match a common mistake: {mistake}.")
    return Judgement(item.name, passed, total, item.credit, "\n".join(lines))


def verdict(qualified_name: str, results: list, reveal: bool = False) -> str | None:
    """Compare published `results` with the reference; return a failure message or None."""
    return judge(qualified_name, results, reveal).message


def instructor_verdict(qualified_name: str, results: list) -> str | None:
    """`verdict` with expected values shown: the judge of instructor mode (course.checking)."""
    return verdict(qualified_name, results, reveal=True)


def known_mistakes(qualified_name: str, item: Check, results: list) -> list[str]:
    """Descriptions of the known mistakes the student's `results` show: the first
    implementation-matched mistake (`recognised_mistake`), then every property sign
    (`shown_signs`)."""
    found = recognised_mistake(qualified_name, item, results)
    return ([found] if found else []) + [s for s in shown_signs(qualified_name, item, results)
                                          if s != found]


def recognised_mistake(qualified_name: str, item: Check, results: list) -> str | None:
    """The description of the first known mistake that reproduces `results` on every case."""
    for description, path in item.mistakes.items():
        wrong = results_of(qualified_name, path)
        try:
            if not case_failures(item, wrong, results):
                return description
        except (RuntimeError, TypeError, ValueError, KeyError):
            continue
    return None


def shown_signs(qualified_name: str, item: Check, results: list) -> list[str]:
    """Descriptions of `item.signs` whose property the student's results show: some case says
    True and none says False (a sign that raises counts as "cannot tell")."""
    if not item.signs or not isinstance(results, list):
        return []
    expected = results_of(qualified_name, item.reference)
    shown = []
    for description, path in item.signs.items():
        sign = load_object(path)
        votes = set()
        for one, exp, res in zip(item.all_cases(), expected, results):
            if not isinstance(res, dict) or "value" not in res or "value" not in exp:
                continue
            try:
                with quiet_numerics():
                    vote = sign(one, decode(res["value"]), decode(exp["value"]))
            except Exception:  # noqa: BLE001  (a student's odd result: this case cannot tell)
                vote = None
            if vote is not None:
                votes.add(bool(vote))
        if votes == {True}:
            shown.append(description)
    return shown


# ----- the preprocessor -----------------------------------------------------------------------

CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w.]+)["']""")


def called_checks(source: str) -> list[str]:
    """Names of the checks a test cell calls, e.g. ['leaky_integrators.leaky_integrator']."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return CHECK_CALL.findall(source)
    names = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", ""))
                == "check" and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            names.append(node.args[0].value)
    return names


def error_output(message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename="HiddenTestFailure", evalue=message,
                        traceback=[f"HiddenTestFailure: {message}"])


def _note(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


def _payload_of(data) -> Any:
    return data.get(MIME_TYPE) if isinstance(data, dict) else None


class RecordedExecute(BudgetedExecute):
    """`BudgetedExecute` that records, in the grading process, each hidden-check payload
    published as a `display_data` message of the cell being executed (nbclient passes a cell only
    the messages of its own execute request). Display updates, execute results and anything that
    ends up in the notebook later are never recorded. The record goes to `resources[PUBLISHED]`."""

    def preprocess(self, nb, resources=None, km=None):
        resources = {} if resources is None else resources
        self._published: dict[int, list] = {}
        resources[PUBLISHED] = self._published
        return super().preprocess(nb, resources, km)

    def process_message(self, msg, cell, cell_index):
        output = super().process_message(msg, cell, cell_index)
        if output is not None and msg.get("msg_type") == "display_data":
            payload = _payload_of(msg.get("content", {}).get("data"))
            if payload is not None:
                self._published.setdefault(cell_index, []).append(json.loads(json.dumps(payload)))
        return output


class CompareWithReference(NbGraderPreprocessor):
    """Decide every autograded test cell from the grader's own comparison (module docstring)."""

    solutions_root = Unicode(
        "", help="Directory that contains the `solutions` package (added to the grader's sys.path)"
    ).tag(config=True)

    def preprocess(self, nb, resources):
        if self.solutions_root and self.solutions_root not in sys.path:
            sys.path.insert(0, self.solutions_root)
        if PUBLISHED not in (resources or {}):
            raise RuntimeError("CompareWithReference needs the results recorded during execution:"
                               " use course.grading.compare.RecordedExecute as the executor")
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not nbgrader.get("grade"):
            return cell, resources
        names = called_checks(cell.source)
        published: dict[str, list] = {}
        for payload in resources[PUBLISHED].get(index, []):
            if isinstance(payload, dict):
                published.setdefault(str(payload.get("check")), []).append(payload.get("results"))
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "execute_result":
                # nbgrader reads a number here as the cell's points; only this preprocessor may
                # write one (partial credit below), so one the kernel made is dropped.
                continue
            if _payload_of(output.get("data")) is None:
                kept.append(output)
        stopped_early = any(o.get("output_type") == "error" for o in kept)
        if not names:
            cell.outputs = [error_output(
                "this test cell calls no hidden check, so the grader cannot verify it")] + kept
            return cell, resources
        judged = [self._judge(name, published.get(name, []), stopped_early) for name in names]
        points = float(nbgrader.get("points") or 0.0)
        earned = cell_points(points, judged)
        messages = [j.message for j in judged if j.message]
        if not messages:
            cell.outputs = [self._harmless(o) for o in kept]
        elif earned > 0.0:
            cell.outputs = [_note(partial_note(points, earned, judged) + "\n".join(messages)
                                  + "\n"), points_output(earned)] + \
                [self._harmless(o) for o in kept]
        else:
            # First: nbgrader scores a cell by the first error or result it meets.
            cell.outputs = [error_output("\n".join(messages))] + kept
        return cell, resources

    @staticmethod
    def _harmless(output: NotebookNode) -> NotebookNode:
        """On a pass, the kernel's errors and stderr in the cell decide nothing: plain text."""
        if output.get("output_type") == "error":
            return _note(f"[the kernel reported {output.get('ename')}: {output.get('evalue')}; "
                         "this cell's score comes from the grader's comparison]\n")
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return _note(output.get("text", ""))
        return output

    def _judge(self, name: str, payloads: list, stopped_early: bool) -> Judgement:
        def failed(text: str) -> Judgement:
            return Judgement(name, 0, 0, "all", text)
        if not payloads:
            return failed(f"{name}: no results were published during this test cell; "
                          + ("the cell stopped before the hidden check ran (see the error below)"
                             if stopped_early else "the check was interfered with"))
        if len(payloads) > 1:
            return failed(f"{name}: results were published more than once; the check was "
                          "interfered with")
        if not isinstance(payloads[0], list):
            return failed(f"{name}: the published results are malformed")
        self.log.debug("comparing %s with the reference", name)
        return judge(name, payloads[0])


# ----- partial credit ----------------------------------------------------------------------------

#: Partial credit is rounded down to a multiple of 1/8 point: a binary fraction, so sums of cell
#: scores (gradebook totals, grades.csv, examples/expected.json) are exact in any order.
CREDIT_STEP = 1 / 8


def cell_points(points: float, judged: list[Judgement]) -> float:
    """Points of a test cell: `points` times the mean credit fraction of the checks it calls
    (each check weighs the same, however many cases it has), rounded down to `CREDIT_STEP` and
    never above `points` (nbgrader refuses a score above the cell's points)."""
    if not judged or points <= 0:
        return 0.0
    fraction = sum(j.fraction for j in judged) / len(judged)
    earned = math.floor(points * fraction / CREDIT_STEP + 1e-9) * CREDIT_STEP
    return min(max(earned, 0.0), points)


def partial_note(points: float, earned: float, judged: list[Judgement]) -> str:
    """The line above a partly passed cell's messages: cases passed and points earned."""
    parts = []
    for j in judged:
        if j.message is None:
            parts.append(f"{j.name}: all {j.total} hidden cases pass")
        elif not j.total:
            parts.append(f"{j.name}: no results to judge")
        elif j.credit == "per_case":
            parts.append(f"{j.name}: {j.passed} of {j.total} hidden cases pass")
        else:
            parts.append(f"{j.name}: no credit unless every case passes")
    unit = "point" if points == 1 else "points"
    return f"Partial credit, {earned:g} of {points:g} {unit} ({'; '.join(parts)}).\n"


def points_output(earned: float) -> NotebookNode:
    """The execute_result nbgrader's `determine_grade` reads as the cell's points."""
    return NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                        data={"text/plain": f"{earned:g}"})
