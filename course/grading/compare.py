"""Hidden-test protocol, grader side: compare published student results with the reference.

`CompareWithReference` runs in the grading process right after nbgrader's `Execute`. For every
autograded test cell it finds the checks the (trusted, instructor-written) cell source calls,
reads the results the kernel published for them, recomputes the expected results with the
reference implementation from `solutions/`, and replaces the published output by nothing (pass)
or by an error output that names the case, the expected and the actual value (fail). nbgrader's
usual scoring then applies: a test cell with an error output scores 0.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import json
import re
import sys
import warnings
from typing import Any

import numpy as np
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from course.checking import MIME_TYPE, Check, decode, find_check, load_object, run_cases

MAX_REPORTED_CASES = 3


@contextlib.contextmanager
def quiet_numerics():
    """Silence numpy's overflow warnings while running references and known mistakes."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ----- comparison of decoded values ----------------------------------------------------------

def difference(expected: Any, got: Any, item: Check, where: str = "result") -> str | None:
    """Describe the first difference between `expected` and `got`, or return None if they agree."""
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        return _array_difference(expected, got, item, where)
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{where}: expected a dict, got {_kind(got)}"
        if set(expected) != set(got):
            return (f"{where}: expected keys {sorted(expected, key=repr)}, "
                    f"got {sorted(got, key=repr)}")
        for key in expected:
            msg = difference(expected[key], got[key], item, f"{where}[{key!r}]")
            if msg:
                return msg
        return None
    if isinstance(expected, list):
        if not isinstance(got, list):
            return f"{where}: expected a sequence of {len(expected)} items, got {_kind(got)}"
        if len(expected) != len(got):
            return f"{where}: expected {len(expected)} items, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            msg = difference(e, g, item, f"{where}[{i}]")
            if msg:
                return msg
        return None
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return None if (type(got) is type(expected) and got == expected) else \
            f"{where}: expected {expected!r}, got {_short(got)}"
    if isinstance(expected, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return f"{where}: expected the number {expected!r}, got {_kind(got)}"
        if np.isclose(got, expected, rtol=item.rtol, atol=item.atol, equal_nan=True):
            return None
        return (f"{where}: expected {expected!r}, got {got!r} "
                f"(tolerance rtol={item.rtol:g}, atol={item.atol:g})")
    return f"{where}: cannot compare a result of type {type(expected).__name__}"


def _array_difference(expected: Any, got: Any, item: Check, where: str) -> str | None:
    if not isinstance(expected, np.ndarray):
        return f"{where}: expected {_kind(expected)}, got an array of shape {got.shape}"
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
    return (f"{where}: {len(bad)} of {close.size} elements differ; first at index "
            f"{index if len(index) != 1 else index[0]}: expected {expected[index].item()!r}, "
            f"got {got[index].item()!r} (tolerance rtol={item.rtol:g}, atol={item.atol:g})")


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__} ({_short(value)})"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ----- verdict on one check -------------------------------------------------------------------

def case_failures(item: Check, expected: list, got: list) -> list[tuple[str, str]]:
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
            difference(exp_value, got_value, item)
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


def verdict(qualified_name: str, results: list) -> str | None:
    """Compare published `results` with the reference; return a failure message or None."""
    item = find_check(qualified_name)
    expected = results_of(qualified_name, item.reference)
    try:
        failures = case_failures(item, expected, results)
    except (TypeError, ValueError, KeyError) as exc:
        return f"{qualified_name}: the published results could not be read ({exc})"
    if not failures:
        return None
    lines = [f"{item.name}: {len(failures)} of {len(expected)} hidden cases fail."]
    for label, message in failures[:MAX_REPORTED_CASES]:
        lines.append(f"  case '{label}': {message}")
    if len(failures) > MAX_REPORTED_CASES:
        lines.append(f"  ... and {len(failures) - MAX_REPORTED_CASES} more")
    mistake = recognised_mistake(qualified_name, item, results)
    if mistake:
        lines.append(f"Hint: your results match a common mistake: {mistake}.")
    return "\n".join(lines)


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


class CompareWithReference(NbGraderPreprocessor):
    """Turn the results published by hidden checks into pass (no output) or a clear error."""

    solutions_root = Unicode(
        "", help="Directory that contains the `solutions` package (added to the grader's sys.path)"
    ).tag(config=True)

    def preprocess(self, nb, resources):
        if self.solutions_root and self.solutions_root not in sys.path:
            sys.path.insert(0, self.solutions_root)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not nbgrader.get("grade"):
            return cell, resources
        names = called_checks(cell.source)
        published: dict[str, list] = {}
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "execute_result":
                # nbgrader reads a number here as partial credit; no test cell of this course
                # returns one, so it can only be forged by patched code: drop it.
                continue
            payload = output.get("data", {}).get(MIME_TYPE) if "data" in output else None
            if payload is None:
                kept.append(output)
            elif isinstance(payload, dict):
                published.setdefault(str(payload.get("check")), []).append(payload.get("results"))
        failed_already = any(o.get("output_type") == "error" for o in kept)
        for name in names:
            if failed_already and name not in published:
                continue  # the visible tests failed first; their error says why
            message = self._judge(name, published.get(name, []))
            if message:
                # First: nbgrader scores a cell by the first error or result it meets.
                kept.insert(0, error_output(message))
        cell.outputs = kept
        return cell, resources

    def _judge(self, name: str, payloads: list) -> str | None:
        if not payloads:
            return (f"{name}: no results were published; the test cell stopped before the "
                    "hidden check ran (see the error above) or the check was interfered with")
        if len(payloads) > 1:
            return f"{name}: results were published more than once; the check was interfered with"
        if not isinstance(payloads[0], list):
            return f"{name}: the published results are malformed"
        self.log.debug("comparing %s with the reference", name)
        return verdict(name, payloads[0])
