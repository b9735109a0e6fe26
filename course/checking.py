"""Hidden-test protocol, kernel side: run a student's function on fixed inputs and publish the results.

A hidden test cell in a source notebook looks like this::

    ### BEGIN HIDDEN TESTS
    from course.checking import check
    check("leaky_integrators.leaky_integrator", leaky_integrator)
    ### END HIDDEN TESTS

`check` looks the check up in `course.checks.<assignment>`, calls the student's function (or class)
on every case, and publishes the results as a display output of MIME type `MIME_TYPE`. The grading
process (`course.grading.compare`) compares them with the reference implementation in `solutions/`,
which the student's kernel cannot import. Nothing the student does inside the kernel can change
that verdict: the comparison happens outside.

Instructor mode is an explicit switch: with `COURSE_INSTRUCTOR=1` in the kernel's environment
(conftest.py sets it for nbval; docs/authoring.md) and outside nbgrader's autograding, `check`
also compares right away and raises `AssertionError` with the message the grader would give.

Imports run one way: the grader (`course.grading.compare`) imports this module, never the
reverse. Only instructor mode loads the grader's comparison, at run time, by name
(`JUDGE`); it is an instructor tool and absent from the student package.
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

MIME_TYPE = "application/vnd.course.check+json"
#: How a check's cases turn into credit (`Check.credit`).
CREDIT_RULES = ("per_case", "all")
#: "module:function(qualified_name, results) -> message | None" used in instructor mode only.
JUDGE = "course.grading.compare:instructor_verdict"


@dataclass(frozen=True)
class Case:
    """One fixed input for a check.

    `args` and `kwargs` are passed to the tested function. A case for a class (or any target that
    is not simply called) gives `run`, a function `run(target, *args, **kwargs) -> result` that is
    applied in the same way to the student's target and to the reference.
    """

    label: str
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    run: Callable[..., Any] | None = None

    def apply(self, target: Callable) -> Any:
        """Run `target` on this case and return its result (copies of the inputs are passed)."""
        args = [_copy(a) for a in self.args]
        kwargs = {k: _copy(v) for k, v in self.kwargs.items()}
        if self.run is not None:
            return self.run(target, *args, **kwargs)
        return target(*args, **kwargs)


def case(label: str, *args, run: Callable | None = None, **kwargs) -> Case:
    """Shorthand: `case("tau=5", data, 5.0)` builds `Case("tau=5", (data, 5.0), {})`."""
    return Case(label, tuple(args), dict(kwargs), run)


@dataclass(frozen=True)
class Check:
    """A graded comparison of one student function with its reference.

    name:      identifier, unique within the assignment (e.g. "leaky_integrator").
    reference: "module:attribute" of the reference implementation, importable only by the grader.
    cases:     the fixed inputs, or a function returning them (built lazily).
    rtol/atol: tolerances for floating-point results (numpy.isclose semantics).
    mistakes:  {description: "module:attribute"} of known wrong implementations; a student result
               that matches one on every case is told which mistake it looks like.
    compare:   optional "module:attribute" of a function (expected, got, check) -> str | None that
               replaces the default comparison; it returns a message on mismatch.
    signs:     {description: "module:attribute"} of mistakes named by a property of the student's
               results rather than by one implementation: `sign(case, got, expected)` returns True
               when this case shows the property, False when it shows the mistake was not made,
               None when the case cannot tell. The description is given when some case says True
               and none says False. Signs run in the grader only (they see expected values).
    credit:    "per_case" (the default): a test cell earns its points in proportion to the cases
               passed; "all": all cases must pass for any point (for checks whose cases only
               mean something together, or where a degenerate answer passes some cases).
    """

    name: str
    reference: str
    cases: Sequence[Case] | Callable[[], Sequence[Case]]
    rtol: float = 1e-7
    atol: float = 1e-10
    mistakes: Mapping[str, str] = field(default_factory=dict)
    compare: str | None = None
    signs: Mapping[str, str] = field(default_factory=dict)
    credit: str = "per_case"

    def __post_init__(self):
        if self.credit not in CREDIT_RULES:
            raise ValueError(f"check {self.name}: credit must be one of {CREDIT_RULES}, "
                             f"got {self.credit!r}")

    def all_cases(self) -> list[Case]:
        return list(self.cases() if callable(self.cases) else self.cases)


def describe(out) -> dict:
    """What a rule about an output's type can be checked on: numpy array or not, its kind of
    numbers ("float", "integer", "bool", or the dtype), and the values as floats."""
    kind = np.asarray(out).dtype.kind
    return {"numpy array": isinstance(out, np.ndarray),
            "dtype": {"f": "float", "i": "integer", "u": "integer", "b": "bool"}.get(
                kind, str(np.asarray(out).dtype)),
            "values": np.asarray(out, dtype=float)}


def typed(target, *args, **kwargs):
    """A case's `run=`: run `target` and describe its output (each output, for a tuple)."""
    out = target(*args, **kwargs)
    if isinstance(out, tuple):
        return [describe(item) for item in out]
    return describe(out)


def load_object(path: str) -> Any:
    """Import "package.module:attribute" and return the attribute."""
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise ValueError(f"expected 'module:attribute', got {path!r}")
    obj = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


def find_check(qualified_name: str) -> Check:
    """Return the Check called "<assignment>.<name>" from `course.checks.<assignment>`."""
    assignment, _, name = qualified_name.partition(".")
    if not name:
        raise ValueError(f"a check is named '<assignment>.<name>', got {qualified_name!r}")
    module = importlib.import_module(f"course.checks.{assignment}")
    for item in module.CHECKS:
        if item.name == name:
            return item
    raise KeyError(f"no check {name!r} in course.checks.{assignment}")


def run_cases(item: Check, target: Callable) -> list[dict]:
    """Apply `target` to every case of `item`; each entry is {"value": encoded} or {"error": text}."""
    results = []
    for one in item.all_cases():
        try:
            results.append({"value": encode(one.apply(target))})
        except Exception as exc:  # the student's code may raise anything; report it per case
            results.append({"error": f"{type(exc).__name__}: {exc}"})
    return results


def check(qualified_name: str, target: Callable) -> None:
    """Publish the results of `target` on the check's fixed inputs (see module docstring).

    In instructor mode (`COURSE_INSTRUCTOR=1`) the results are also compared right away:
    AssertionError on a mismatch, a one-line summary otherwise.
    """
    from IPython.display import display

    from course.env import instructor

    item = find_check(qualified_name)
    results = run_cases(item, target)
    if instructor():
        try:
            message = _judge()(qualified_name, results)
        except ImportError as exc:
            raise RuntimeError(_NO_INSTRUCTOR_TOOLS + str(exc)) from None
        if message:
            raise AssertionError(message)
        print(f"hidden check {qualified_name}: all {len(results)} cases match the reference")
        return
    payload = {"check": qualified_name, "results": results}
    display({MIME_TYPE: payload, "text/plain": f"[results of hidden check {qualified_name}]"},
            raw=True)


_NO_INSTRUCTOR_TOOLS = ("COURSE_INSTRUCTOR=1 asks for instructor mode, which needs the instructor "
                        "tools and the repository root on PYTHONPATH (for `solutions`): ")


def _judge() -> Callable:
    return load_object(JUDGE)


# ----- encoding of results as JSON-safe data --------------------------------------------------

def encode(value: Any) -> Any:
    """Turn a result into plain JSON data: numbers, strings, lists, dicts and tagged arrays.

    numpy arrays (and lists of numbers that the caller returned as arrays) become
    {"__array__": nested list, "dtype": kind, "shape": [...]}. Objects that are none of the
    supported types raise TypeError, so an object that merely claims equality cannot pass.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _encode_float(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError("arrays of Python objects cannot be graded; return numbers")
        kind = value.dtype.kind
        if kind not in "biuf":
            raise TypeError(f"arrays of dtype {value.dtype} cannot be graded; return numbers")
        data = value.astype(float if kind == "f" else int if kind in "iu" else bool).tolist()
        if kind == "f":
            data = _map_floats(data)
        return {"__array__": data, "dtype": kind, "shape": list(value.shape)}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"a result of type {type(value).__name__} cannot be graded; "
                    "return numbers, numpy arrays, lists, tuples or dicts")


def _encode_float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"__float__": repr(x)}


def _map_floats(data: Any) -> Any:
    if isinstance(data, list):
        return [_map_floats(d) for d in data]
    return _encode_float(data)


def decode(data: Any) -> Any:
    """Inverse of `encode`: arrays come back as numpy arrays, dicts as dicts, lists as lists."""
    if isinstance(data, list):
        return [decode(d) for d in data]
    if isinstance(data, dict):
        if "__array__" in data:
            dtype = {"f": float, "i": int, "u": int, "b": bool}[data["dtype"]]
            flat = _unmap_floats(data["__array__"])
            return np.array(flat, dtype=dtype).reshape(data["shape"])
        if "__float__" in data:
            return float(data["__float__"])
        if "__dict__" in data:
            return {_hashable(decode(k)): decode(v) for k, v in data["__dict__"]}
        raise ValueError(f"unknown encoded object with keys {sorted(data)}")
    return data


def _unmap_floats(data: Any) -> Any:
    if isinstance(data, list):
        return [_unmap_floats(d) for d in data]
    if isinstance(data, dict):
        return float(data["__float__"])
    return data


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value
