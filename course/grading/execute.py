"""Execution limits for grading: a time budget per submission and a size limit per output.

nbgrader's `Execute.timeout` is per cell, so a notebook whose every cell calls a slow function
costs the timeout once per cell. `BudgetedExecute` gives the whole submission a budget: each
cell may use what is left of it (at most the per-cell timeout), and once it is spent the
remaining cells are not run but marked with an error that says so.

Outputs are also bounded while they stream in (`max_output_bytes` per output, `max_cell_bytes`
per cell, `max_submission_bytes` per notebook, counted as messages arrive), so the grader's memory
stays small whatever the kernel sends; what is over a limit is dropped with a note, except errors,
which are kept shortened (an error is what fails a test cell).

Each kernel gets a folder of its own (`course-kernel-*`): jupyter_client's IPC transport puts
the kernel's sockets in its `ipc/` (no TCP ports: no port races, and the sandbox has no network),
and the kernel's stdout/stderr and the sandbox launcher's messages land beside them, never on the
grader's terminal. A kernel that cannot start is a problem of the machine, not of the student:
it is recorded in `machine_failure` (read by the executor, `course.grading.executor`, which
raises it as a machine problem so that the task is retried).

nbgrader's `LimitOutput` counts lines only; one 50 MB line passes it. `LimitOutputSize` cuts
every text output to a number of characters and drops oversized rich outputs (images, HTML).
"""
from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Float, Integer

#: Message types whose content is kept as an output (their size counts against the limits).
COUNTED = {"stream", "display_data", "execute_result", "error", "update_display_data",
           "comm_open", "comm_msg"}


def message_size(content) -> int:
    """Characters of a message's content, roughly what keeping it costs."""
    try:
        return len(json.dumps(content, default=str))
    except (TypeError, ValueError):
        return len(str(content))


def limit_note(what: str, limit: int) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stderr",
                        text=f"[course grader: output dropped: {what} exceeds {limit} characters]\n")


def kernel_log(kernel_dir: str | None) -> str:
    """What the sandbox launcher and the kernel said (empty if nothing)."""
    if not kernel_dir:
        return ""
    parts = []
    for name in ("sandbox.log", "kernel-output.log"):
        try:
            with open(os.path.join(kernel_dir, name), errors="replace") as handle:
                parts.append(handle.read(8192).strip())
        except OSError:
            pass
    return "\n".join(p for p in parts if p)


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
    max_output_bytes = Integer(4_000_000, help="Largest single output kept").tag(config=True)
    max_cell_bytes = Integer(8_000_000, help="Output kept per cell").tag(config=True)
    max_submission_bytes = Integer(32_000_000, help="Output kept per notebook").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.submission_budget
        self._stopped: str | None = None
        self._kernel_ready = False
        self.machine_failure: str | None = None
        self._total_bytes = 0
        self._cell_bytes = 0
        self._cell_noted = False
        self._current_cell = -1
        self.timeout_func = self._cell_timeout
        self._kernel_dir = tempfile.mkdtemp(prefix="course-kernel-")
        os.mkdir(os.path.join(self._kernel_dir, "ipc"), 0o700)
        try:
            return super().preprocess(nb, resources, km)
        except Exception as exc:
            if not self._kernel_ready:
                said = kernel_log(self._kernel_dir)
                self.machine_failure = (
                    f"the kernel could not start: {type(exc).__name__}: {exc}"
                    + (f" [{said.splitlines()[0]}]" if said else ""))
            raise
        finally:
            shutil.rmtree(self._kernel_dir, ignore_errors=True)

    # ----- kernel start: IPC sockets in the kernel's own folder, its output beside them -------

    def start_new_kernel(self, **kwargs):
        self.km.transport = "ipc"
        self.km.ip = os.path.join(self._kernel_dir, "ipc", "kernel")
        log = open(os.path.join(self._kernel_dir, "kernel-output.log"), "wb")
        try:
            kwargs.setdefault("stdout", log)
            kwargs.setdefault("stderr", log)
            return super().start_new_kernel(**kwargs)
        finally:
            log.close()

    def start_new_kernel_client(self):
        client = super().start_new_kernel_client()
        self._kernel_ready = True
        return client

    # ----- outputs: bounded as they stream in --------------------------------------------------

    def process_message(self, msg, cell, cell_index):
        if msg.get("msg_type") in COUNTED:
            size = message_size(msg.get("content"))
            over = self._over_limit(size)
            if over:
                if msg["msg_type"] == "error":      # keep errors (they fail the cell), shortened
                    content = msg["content"]
                    content["evalue"] = str(content.get("evalue", ""))[:2000]
                    content["traceback"] = [str(t)[:2000] for t in content.get("traceback", [])[-10:]]
                else:
                    if not self._cell_noted:
                        cell.outputs.append(limit_note(*over))
                        self._cell_noted = True
                    return None
            else:
                self._cell_bytes += size
                self._total_bytes += size
        return super().process_message(msg, cell, cell_index)

    def _over_limit(self, size: int):
        """(what, limit) of the first limit an output of `size` characters breaks, or None."""
        if size > self.max_output_bytes:
            return "one output", self.max_output_bytes
        if self._cell_bytes + size > self.max_cell_bytes:
            return "the output of this cell", self.max_cell_bytes
        if self._total_bytes + size > self.max_submission_bytes:
            return "the output of this notebook", self.max_submission_bytes
        return None

    def _update_display_id(self, display_id, msg):
        """Display updates may change outputs of the cell that runs now, never earlier cells'
        (a later cell must not rewrite a test cell's published result)."""
        cells = self._display_id_map.get(display_id, {})
        for index in [i for i in cells if i != self._current_cell]:
            del cells[index]
        return super()._update_display_id(display_id, msg)

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def _end_reason(self) -> str | None:
        """How the sandbox launcher saw the kernel end ("kernel killed: SIGKILL (its CPU limit
        of 300 s ...)"), if it said so."""
        for line in kernel_log(self._kernel_dir).splitlines():
            if line.startswith("course-sandbox: kernel") and "ended normally" not in line:
                return line[len("course-sandbox: "):]
        return None

    def _cell_timeout(self, cell) -> int:
        # nbclient treats 0 as "no timeout": never return less than one second.
        limit = self.timeout if self.timeout and self.timeout > 0 else math.inf
        return int(max(1, math.ceil(min(limit, self._remaining()))))

    def preprocess_cell(self, cell, resources, index):
        # nbconvert runs each cell through here (its execute_cell is bound at import time).
        self._current_cell, self._cell_bytes, self._cell_noted = index, 0, False
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
            self._stopped = "the kernel died (" + (self._end_reason() or
                                                   "os._exit, a crash or the memory limit") + ")"
        except CellTimeoutError:
            self._stopped = "the kernel stopped responding"
        except Exception as exc:    # e.g. "Invalid Signature": its messages can't be trusted
            self._stopped = (f"the kernel's messages could not be read ({type(exc).__name__}: "
                             f"{str(exc)[:200]})")
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
