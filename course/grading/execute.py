"""Execution limits for grading: a time budget per submission and a size limit per output.

nbgrader's `Execute.timeout` is per cell, so a notebook whose every cell calls a slow function
costs the timeout once per cell. `BudgetedExecute` gives the whole submission a budget: each
cell may use what is left of it (at most the per-cell timeout), and once it is spent the
remaining cells are not run but marked with an error that says so.

nbgrader's `LimitOutput` counts lines only; one 50 MB line passes it. `LimitOutputSize` cuts
every text output to a number of characters and drops oversized rich outputs (images, HTML).
"""
from __future__ import annotations

import math
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Float, Integer


def budget_error(budget: float) -> NotebookNode:
    message = (f"not run: the time budget of {budget:g} s for this submission was used up by "
               "earlier cells")
    return NotebookNode(output_type="error", ename="TimeBudgetExceeded", evalue=message,
                        traceback=[f"TimeBudgetExceeded: {message}"])


def stopped_error(reason: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename="KernelStopped", evalue=reason,
                        traceback=[f"KernelStopped: {reason}"])


class BudgetedExecute(Execute):
    """nbgrader's Execute with a wall-clock budget for the whole notebook (seconds).

    It also survives a kernel that dies (os._exit, a crash, the sandbox's memory limit) or stops
    answering (a loop that swallows interrupts, a broken message channel): the cell where that
    happened gets an error saying so, later cells are marked as not run, and the points earned
    before it are kept.
    """

    submission_budget = Float(
        300.0, help="Seconds all cells of one submission may take together").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.submission_budget
        self._stopped: str | None = None
        self.timeout_func = self._cell_timeout
        return super().preprocess(nb, resources, km)

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def _cell_timeout(self, cell) -> int:
        # nbclient treats 0 as "no timeout": never return less than one second.
        limit = self.timeout if self.timeout and self.timeout > 0 else math.inf
        return int(max(1, math.ceil(min(limit, self._remaining()))))

    def preprocess_cell(self, cell, resources, index):
        # nbconvert runs each cell through here (its execute_cell is bound at import time).
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if self._stopped:
            cell.outputs = [stopped_error(f"not run: {self._stopped} in an earlier cell")]
            return cell, resources
        if self._remaining() <= 0:
            cell.outputs = [budget_error(self.submission_budget)]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = "the kernel died (os._exit, a crash or the memory limit)"
        except CellTimeoutError:
            self._stopped = "the kernel stopped responding"
        cell.outputs = list(cell.get("outputs", [])) + [stopped_error(self._stopped)]
        return cell, resources


class LimitOutputSize(NbGraderPreprocessor):
    """Cut text outputs to `max_chars` characters and drop rich outputs above `max_bytes`."""

    max_chars = Integer(20_000, help="Characters kept of each text output").tag(config=True)
    max_bytes = Integer(2_000_000, help="Largest rich output kept (bytes)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output.text = self._cut(output.text)
            elif output.get("output_type") == "error":
                output.evalue = self._cut(output.evalue)
                output.traceback = [self._cut(line) for line in output.traceback[-20:]]
            for mime, value in list(output.get("data", {}).items()):
                text = value if isinstance(value, str) else str(value)
                if mime.startswith("text/"):
                    output.data[mime] = self._cut(text)
                elif len(text) > self.max_bytes:
                    del output.data[mime]
                    output.data.setdefault("text/plain", f"[{mime} output of {len(text)} bytes "
                                                         "removed: too large]")
        return cell, resources

    def _cut(self, text) -> str:
        text = "".join(text) if isinstance(text, list) else str(text)
        if len(text) <= self.max_chars:
            return text
        return text[:self.max_chars] + f"\n... [output cut: {len(text)} characters in all]"
