"""The executors of a grading run: a Dask cluster, local by default.

`course grade` starts a `distributed.LocalCluster` of worker processes on this machine (one task
at a time each, `workers` of them); `--scheduler tcp://HOST:8786` uses an existing cluster
instead (started with the standard `dask scheduler` / `dask worker` commands, or through
dask-jobqueue or dask-kubernetes). Either way the coordinator submits the same tasks
(`course.grading.executor.execute`) and gathers their results as they arrive.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from typing import Iterator

from course.nbgrader_api import CourseError


def default_workers() -> int:
    """Two workers per core: a worker alternates between its kernel's work and waiting for it
    (messages, start-up), so two of them keep a core busy.

    Measured on 2 cores, 40 distinct leaky_integrators hand-ins, quiet machine, sandbox on
    (`benchmarks/dask_grading.py --workers 1 2 4 --baseline`, 2026-12-01): 1 worker 197 s,
    2 workers 131 s, 4 workers 115 s (2.87 s per submission), 6 workers 153 s; plain sequential
    nbgrader 174 s; the process pool this replaced, same machine and day, 114 s with 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * max(1, cores or 1)


class Executors:
    """The Dask client of a run: of the cluster at `scheduler`, or of a LocalCluster of
    `workers` single-threaded worker processes that ends with the run.

    `start()` begins connecting (or starting the local cluster) in the background, so that
    intake and sanitizing overlap with it; `client` waits until it is ready. Nothing starts if
    nothing needs running (every submission unchanged since it was graded)."""

    def __init__(self, workers: int, scheduler: str | None = None):
        self.workers, self.scheduler = workers, scheduler
        self._thread: threading.Thread | None = None
        self._client = self._cluster = None
        self._error: BaseException | None = None
        self.description = ""

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._connect, name="course-executors",
                                            daemon=True)
            self._thread.start()

    @property
    def client(self):
        self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._client

    def _connect(self) -> None:
        from distributed import Client

        try:
            if self.scheduler:
                try:
                    self._client = Client(self.scheduler, timeout=30, set_as_default=False)
                except (OSError, TimeoutError) as exc:
                    raise CourseError(f"cannot reach the Dask scheduler at {self.scheduler}: "
                                      f"{exc}") from None
                count = len(self._client.scheduler_info().get("workers", {}))
                self.description = f"Dask cluster at {self.scheduler} ({count} worker(s) now)"
                return
            # One task per worker process: a worker that dies takes only its own submission
            # along (Dask runs it again elsewhere). No memory limit: the kernels are sandboxed
            # processes with limits of their own.
            self._cluster = self._local_cluster()
            self._client = Client(self._cluster, set_as_default=False)
            self.description = f"local Dask cluster of {self.workers} worker process(es)"
        except BaseException as exc:  # noqa: BLE001  (raised where the client is needed)
            self._error = exc

    def _local_cluster(self, tries: int = 3):
        """A LocalCluster; a worker process that dies while it starts (a loaded machine, a
        kill) is a machine problem: start again, up to `tries` times."""
        from distributed import LocalCluster

        for attempt in range(tries):
            try:
                return LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                    processes=True, dashboard_address=None, memory_limit=0,
                                    silence_logs=QUIET, host="127.0.0.1")
            except RuntimeError:          # "Nanny failed to start worker process"
                if attempt == tries - 1:
                    raise

    def close(self) -> None:
        if self._thread is None:
            return
        self._thread.join()
        for thing in (self._client, self._cluster):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.close()


QUIET = logging.ERROR


@contextlib.contextmanager
def executors(workers: int, scheduler: str | None = None) -> Iterator[Executors]:
    """An `Executors` closed at the end of the block."""
    for name in ("distributed", "distributed.scheduler", "distributed.worker", "distributed.nanny",
                 "distributed.core", "distributed.comm"):
        logging.getLogger(name).setLevel(QUIET)
    pool = Executors(workers, scheduler)
    try:
        yield pool
    finally:
        pool.close()
