"""Executor side of grading: run one notebook in a sandboxed kernel and return it executed.

An executor is a stateless task (`execute`, run by a Dask worker): it receives a job (the
sanitized notebook as JSON, the execution settings and the sandbox limits) and returns the
executed notebook with the hidden-check results each test cell published while it ran
(`course.grading.compare.RecordedExecute`). It holds no solutions, no gradebook and needs no
shared file system: it writes only a private temporary folder, and the kernel runs in the
bubblewrap sandbox (`course.grading.sandbox`), whose course root is that folder. Student ids
never reach it: the job names only the assignment.

A machine problem (the sandbox missing where it was required, a kernel that cannot start, a run
past its wall-clock limit) raises `MachineProblem`, so that Dask's `retries` run the task again,
possibly on another worker; the coordinator reports a task that still fails as "not graded".
Anything the student's code does is part of the returned notebook, never an exception here.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

#: Settings of `BudgetedExecute` a job carries (the coordinator reads them from its nbgrader
#: configuration; the executor applies them as they are).
EXECUTE_SETTINGS = ("timeout", "submission_budget", "interrupt_on_timeout", "shutdown_kernel",
                    "extra_arguments", "max_output_bytes", "max_cell_bytes",
                    "max_submission_bytes")


#: Dask event topic of machine problems (`course.grading.run.Tasks` subscribes to it).
TOPIC = "course-grading"


class MachineProblem(RuntimeError):
    """The notebook could not be run for a reason of the machine, not of the student."""


def job_key(job: dict) -> str:
    """Content hash of a job: equal jobs give equal executed notebooks (the Dask key)."""
    text = json.dumps(job, sort_keys=True, separators=(",", ":"))
    return "execute-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def make_job(notebook: str, assignment: str, settings: dict, isolate: str, limits: dict,
             wall: float) -> dict:
    """A job: the sanitized notebook (JSON text), what to run it with, and its limits.

    settings: `EXECUTE_SETTINGS` values; isolate: "auto", "on" or "off"; limits: the fields of
    `sandbox.Limits`; wall: seconds the whole run may take (kernel start and clean-up included).
    """
    return {"notebook": notebook, "assignment": assignment, "settings": settings,
            "isolate": isolate, "limits": limits, "wall": float(wall)}


# ----- the worker's sandbox set-up (once per process and set of limits) ---------------------------

@dataclasses.dataclass
class Setup:
    root: Path                 # private course root of this worker: workdirs below autograded/
    spec: dict | None          # the sandbox kernelspec, or None (isolation off)
    note: str                  # what isolates the kernels, for the coordinator's log
    spec_name: str = "course-sandbox"


_setups: dict[str, Setup] = {}
_setup_lock = threading.Lock()


def _setup(isolate: str, limits: dict) -> Setup:
    key = json.dumps([isolate, limits], sort_keys=True)
    with _setup_lock:
        if key not in _setups:
            _setups[key] = _make_setup(isolate, limits)
        return _setups[key]


def _make_setup(isolate: str, limits: dict) -> Setup:
    from course.grading import sandbox

    root = Path(tempfile.mkdtemp(prefix="course-executor-"))
    (root / "autograded").mkdir()
    host = socket.gethostname()
    if isolate == "off":
        return Setup(root, None, f"isolation: off (as asked), worker {host}")
    ok, reason = sandbox.available()
    if not ok:
        if isolate == "on":
            raise MachineProblem(f"kernel isolation is required but not possible on worker "
                                 f"{host}: {reason}")
        return Setup(root, None, f"isolation: off ({reason}), worker {host}")
    bounds = sandbox.Limits(**limits)
    spec = {"argv": sandbox.kernel_argv(root, bounds),
            "display_name": "Python 3 (course grading sandbox)", "language": "python",
            "interrupt_mode": "message", "metadata": {"debugger": False}}
    return Setup(root, spec, f"isolation: on ({reason}; per kernel: {bounds}), worker {host}")


def kernel_environment() -> dict[str, str]:
    """The environment a kernel starts with outside the sandbox (inside, the sandbox builds its
    own): this worker's, without PYTHONPATH or instructor mode, headless, marked as autograding
    (nbgrader's NBGRADER_EXECUTION)."""
    from course.env import HEADLESS, INSTRUCTOR

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", INSTRUCTOR)}
    env.update({HEADLESS: "1", "NBGRADER_EXECUTION": "autograde"})
    return env


# ----- the task ------------------------------------------------------------------------------------

def execute(job: dict) -> dict:
    """Run `job` (see `make_job`); return {"notebook": executed JSON text, "published":
    [[cell index, [payload, ...]], ...], "seconds", "worker", "isolation"}."""
    import nbformat
    from traitlets.config import Config

    from course.grading.compare import PUBLISHED

    setup = _setup(job["isolate"], job["limits"])
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=setup.root / "autograded"))
    workdir = folder / job["assignment"]
    workdir.mkdir()
    try:
        nb = nbformat.reads(job["notebook"], as_version=4)
        config = Config()
        for name, value in job["settings"].items():
            setattr(config.BudgetedExecute, name, value)
        if setup.spec is not None:
            config.BudgetedExecute.kernel_name = setup.spec_name
        runner = _runner_class()(config=config)
        runner.kernel_spec_dict = setup.spec
        runner.kernel_env = kernel_environment()
        resources = {"metadata": {"path": str(workdir)}}
        try:
            _run_with_wall_limit(runner, nb, resources, job["wall"])
            if runner.machine_failure:
                raise MachineProblem(runner.machine_failure)
        except MachineProblem as exc:
            _tell_coordinator(str(exc))
            raise
        published = sorted(resources.get(PUBLISHED, {}).items())
        return {"notebook": nbformat.writes(nb), "published": [[i, p] for i, p in published],
                "seconds": time.perf_counter() - started, "worker": socket.gethostname(),
                "isolation": setup.note}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _tell_coordinator(problem: str) -> None:
    """Publish (task key, problem) on the Dask topic the coordinator listens to (it logs the
    retry); outside a Dask worker, nothing."""
    try:
        from distributed import get_worker
        worker = get_worker()
        worker.log_event(TOPIC, (worker.get_current_task(), problem))
    except (ImportError, ValueError):
        pass


def _run_with_wall_limit(runner, nb, resources, wall: float) -> None:
    """Run `runner.preprocess` in a thread; past `wall` seconds kill its kernel and raise."""
    failure: list[BaseException] = []

    def target():
        try:
            runner.preprocess(nb, resources)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            failure.append(exc)

    thread = threading.Thread(target=target, name="course-execute", daemon=True)
    thread.start()
    thread.join(wall)
    if thread.is_alive():
        runner.kill_kernel()
        thread.join(30)
        raise MachineProblem(f"grading took longer than its wall-clock limit of {wall:g} s")
    if failure and not runner.machine_failure:
        exc = failure[0]
        raise MachineProblem(f"the executor failed: {type(exc).__name__}: {exc}")


@functools.lru_cache(maxsize=1)
def _runner_class():
    """The executor's preprocessor class (built on first use: importing nbconvert costs seconds)."""
    from jupyter_client.kernelspec import KernelSpec

    from course.grading.compare import RecordedExecute

    class SandboxedExecute(RecordedExecute):
        """`RecordedExecute` with the kernelspec and environment given by the job's set-up (no
        kernelspec lookup, no JUPYTER_PATH: several jobs can run in one worker at once)."""

        kernel_spec_dict: dict | None = None
        kernel_env: dict | None = None

        def create_kernel_manager(self):
            km = super().create_kernel_manager()
            if self.kernel_spec_dict is not None:
                km._kernel_spec = KernelSpec(**self.kernel_spec_dict)
            return km

        def start_new_kernel(self, **kwargs):
            if self.kernel_env is not None:
                kwargs.setdefault("env", self.kernel_env)
            return super().start_new_kernel(**kwargs)

        def kill_kernel(self) -> None:
            """Kill the kernel's process group (the sandbox launcher takes its kernel along)."""
            process = getattr(getattr(getattr(self, "km", None), "provisioner", None),
                              "process", None)
            if process is not None:
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, 9)
                with contextlib.suppress(OSError):
                    process.kill()

    return SandboxedExecute
