"""Feedback preprocessors: what a student sees of a graded notebook."""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


class ShortenTracebacks(NbGraderPreprocessor):
    """Replace each error's traceback in test cells by its last line.

    A traceback quotes the source lines around the failure, which in a test cell includes the
    hidden tests that `ClearHiddenTests` removed from the cell itself. The error's type and
    message (which name the failing case) are kept.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
