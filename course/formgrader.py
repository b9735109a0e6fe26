"""The formgrader's "Autograde" button runs the course's grading, not plain nbgrader's.

nbgrader's button calls `NbGraderAPI.autograde` on `submitted/<student>/<assignment>`: no intake
(metadata restore, validation), no sandbox, no staging, no feedback or grades.csv, and a warning
about changed checksums for every test cell. This jupyter_server extension (enabled by
`jupyter_config/jupyter_server_config.json`, which `course lab` puts on JUPYTER_CONFIG_PATH)
replaces that button's API handler: it copies the submission into a temporary folder and runs
`course grade` on it in a separate process (`python -m course.formgrader ROOT A STUDENT`), so
the button does exactly what `course grade` does for that one submission (its row of grades.csv
is replaced, the other rows are kept). Like `course grade`, it starts the submission afresh:
manual scores already given to it are discarded.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path


CONFIG_DIR = "jupyter_config"


def lab_environment(root: Path, env: dict | None = None) -> dict:
    """`env` (default: this process's) with the course's Jupyter configuration first on
    JUPYTER_CONFIG_PATH (see jupyter_config/README.md)."""
    import os

    env = dict(os.environ if env is None else env)
    paths = [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(root / CONFIG_DIR)] + paths)
    return env


def autograde_one(root: Path, assignment: str, student: str) -> int:
    """Grade `submitted/<student>/<assignment>` again with the course's pipeline; exit code."""
    from course.grading.run import GradingOptions, grade

    source = root / "submitted" / student / assignment
    if not source.is_dir():
        print(f"no submission {student}/{assignment} in {root / 'submitted'}")
        return 1
    with tempfile.TemporaryDirectory(prefix="formgrader-") as tmp:
        shutil.copytree(source, Path(tmp) / student / assignment)
        results = grade(root, Path(tmp), options=GradingOptions(only={(student, assignment)},
                                                                workers=1, force=True))
    for r in results:
        print(f"{r.student}/{r.assignment}: " + (
            f"{r.auto_score:g}/{r.auto_max:g} automatic, {r.manual_pending:g} awaiting manual"
            if r.problem is None else r.problem))
    return 0 if results and all(r.problem is None for r in results) else 1


async def _course_autograde(self, assignment_id, student_id):
    root = Path(self.coursedir.root)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "course.formgrader", str(root), assignment_id, student_id,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=str(root))
    output, _ = await proc.communicate()
    log = output.decode(errors="replace")
    result = {"success": proc.returncode == 0, "log": log}
    if proc.returncode != 0:
        result["error"] = log.strip().splitlines()[-1] if log.strip() else "course grade failed"
    self.write(json.dumps(result))


def _load_jupyter_server_extension(serverapp) -> None:
    from nbgrader.server_extensions.formgrader import apihandlers
    from nbgrader.server_extensions.formgrader.base import check_notebook_dir, check_xsrf
    from tornado import web

    apihandlers.AutogradeHandler.post = web.authenticated(check_xsrf(check_notebook_dir(
        _course_autograde)))
    serverapp.log.info("course: the formgrader's Autograde button runs `course grade`")


def _jupyter_server_extension_points():
    return [{"module": "course.formgrader"}]


if __name__ == "__main__":
    sys.exit(autograde_one(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
