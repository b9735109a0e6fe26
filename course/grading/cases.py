"""Per-case outcomes of hidden checks, kept in the autograded notebook for the class report.

`RecordCases` runs in the grading process just before `CompareWithReference` (which replaces
the results a hidden check published by a verdict). For every check a test cell published it
compares the results case by case with the reference (through the public functions of
`course.grading.compare` and `course.checking`; the results are those `RecordedExecute` recorded
during execution) and adds one display output whose `application/json` data is
`{CASES_KEY: {"check": name, "cases": [[label, passed], ...]}}` (JSON, so it survives
`SanitizeActiveContent`). Nothing here scores: a display
output does not change nbgrader's score. The output is for instructors (the formgrader shows its
one-line text, the class report its numbers); feedback drops it (`ShortenTracebacks`). Anything
a kernel printed under this MIME type itself is removed first, so a student cannot forge it.
"""
from __future__ import annotations

import sys

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from course.checking import MIME_TYPE
from course.grading.feedback import CASES_KEY, is_case_record



def case_table(name: str, results) -> list[tuple[str, bool]] | None:
    """[(case label, passed)] of the published `results` of check `name`; None if they cannot
    be judged (an unknown check, a reference that fails)."""
    try:
        from course.checking import find_check
        from course.grading.compare import case_failures, quiet_numerics, results_of

        item = find_check(name)
        labels = [one.label for one in item.all_cases()]
        with quiet_numerics():
            expected = results_of(name, item.reference)
            failing = {label for label, _ in case_failures(item, expected, results)}
    except Exception:  # noqa: BLE001  (statistics only: never disturb grading)
        return None
    if "all cases" in failing and "all cases" not in labels:
        return [(label, False) for label in labels]
    return [(label, label not in failing) for label in labels]


class RecordCases(NbGraderPreprocessor):
    """Add the per-case outcome of every published hidden check to its test cell."""

    solutions_root = Unicode(
        "", help="Directory that contains the `solutions` package (added to sys.path)"
    ).tag(config=True)

    def preprocess(self, nb, resources):
        if self.solutions_root and self.solutions_root not in sys.path:
            sys.path.insert(0, self.solutions_root)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("grade"):
            return cell, resources
        outputs = [o for o in cell.get("outputs", []) if not is_case_record(o)]
        published: dict[str, list] = {}
        recorded = (resources or {}).get(_published_key())
        if isinstance(recorded, dict):          # what RecordedExecute saw during execution
            payloads = recorded.get(index, [])
        else:
            payloads = [o.get("data", {}).get(MIME_TYPE) for o in outputs if "data" in o]
        for payload in payloads:
            if isinstance(payload, dict):
                published.setdefault(str(payload.get("check")), []).append(
                    payload.get("results"))
        for name, results in published.items():
            if len(results) != 1 or not isinstance(results[0], list):
                continue
            table = case_table(name, results[0])
            if table is None:
                continue
            passed = sum(ok for _, ok in table)
            outputs.append(NotebookNode(
                output_type="display_data", metadata={},
                data={"application/json": {CASES_KEY: {
                          "check": name, "cases": [[lab, ok] for lab, ok in table]}},
                      "text/plain": f"[hidden cases of {name}: {passed} of {len(table)} pass]"}))
        cell.outputs = outputs
        return cell, resources


def _published_key() -> str | None:
    try:
        from course.grading.compare import PUBLISHED
    except ImportError:
        return None
    return PUBLISHED


def case_outcomes(nb) -> dict[str, list[tuple[str, bool]]]:
    """{check name: [(case label, passed)]} recorded by `RecordCases` in an autograded notebook."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if not is_case_record(output):
                continue
            payload = output["data"]["application/json"][CASES_KEY]
            if isinstance(payload, dict) and isinstance(payload.get("cases"), list):
                found[str(payload.get("check"))] = [(str(c[0]), bool(c[1]))
                                                    for c in payload["cases"]
                                                    if isinstance(c, list) and len(c) == 2]
    return found
