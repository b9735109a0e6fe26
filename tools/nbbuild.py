"""Build nbgrader source notebooks from Python: one function per cell role (DESIGN.md section 3).

Authoring aid only: the committed `source/<a>/<a>.ipynb` is the source of truth; a script that
uses these helpers can (re)write it. Roles (grade/solution/locked):
answer code F/T/F, test cell T/F/T with points, written answer (markdown) T/T/F with points,
read-only F/F/T.
"""
from __future__ import annotations

import re
import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _meta(grade_id, *, grade, solution, locked, points=None):
    meta = {"schema_version": 3, "grade": grade, "solution": solution, "locked": locked,
            "grade_id": grade_id}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _clean(text):
    return textwrap.dedent(text).strip("\n")


def md(grade_id, text):
    """Read-only explanation."""
    return new_markdown_cell(_clean(text), metadata=_meta(grade_id, grade=False, solution=False,
                                                          locked=True))


def code(grade_id, source, *, tags=()):
    """Read-only code the student runs (imports, data, plots)."""
    cell = new_code_cell(_clean(source), metadata=_meta(grade_id, grade=False, solution=False,
                                                        locked=True))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def answer(grade_id, source, *, tags=()):
    """Student code with a ### BEGIN SOLUTION / ### END SOLUTION region."""
    cell = new_code_cell(_clean(source), metadata=_meta(grade_id, grade=False, solution=True,
                                                        locked=False))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.S)


def hidden_first(source):
    """A test cell's source with its hidden region moved to the top.

    The hidden check then runs (and publishes its results) before a visible assert can stop the
    cell, so a failing visible assert costs only the hidden cases it shares with the check
    (partial credit per case), not the whole cell.
    """
    found = HIDDEN.search(source)
    if not found or not source[:found.start()].strip():
        return source
    hidden = found.group(0).rstrip("\n")
    rest = (source[:found.start()] + source[found.end():]).strip("\n")
    return hidden + "\n" + rest


def test(grade_id, source, points):
    """Autograded test cell: a ### BEGIN HIDDEN TESTS region (run first), then visible asserts."""
    return new_code_cell(hidden_first(_clean(source)),
                         metadata=_meta(grade_id, grade=True, solution=False, locked=True,
                                        points=points))


def written(grade_id, text, points):
    """Manually graded markdown answer; `text` holds the solution between the markers."""
    return new_markdown_cell(_clean(text), metadata=_meta(grade_id, grade=True, solution=True,
                                                          locked=False, points=points))


def notebook(cells):
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def write(nb, path):
    nbformat.validate(nb)
    nbformat.write(nb, path)
