"""One way into nbgrader for the whole course: the API loaded with the repository's config.

`NbGraderAPI` does not read `nbgrader_config.py` by itself and a broken config file is only
logged by nbgrader apps (DESIGN.md section 4), so the file is loaded here and any error in it
is fatal.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_NAME = "nbgrader_config.py"
ASSIGNMENTS = ("leaky_integrators", "lif_neuron", "spiking_networks", "neuron_models",
               "activation_functions")


class CourseError(RuntimeError):
    """A problem the instructor has to fix; its message says what and where."""


def find_root(start: Path | str = ".") -> Path:
    """The course directory: `start` or the nearest parent holding nbgrader_config.py + source/."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file() and (folder / "source").is_dir():
            return folder
    raise CourseError(f"no course directory (with {CONFIG_NAME} and source/) at or above {here}; "
                      "run the command inside the course repository or pass --course-dir")


def load_config(root: Path, overrides: Config | None = None) -> Config:
    """Load `root/nbgrader_config.py`; raise CourseError if it is missing or broken."""
    path = root / CONFIG_NAME
    if not path.is_file():
        raise CourseError(f"{path} does not exist")
    os.environ["TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR"] = "1"
    try:
        config = PyFileConfigLoader(CONFIG_NAME, path=str(root)).load_config()
    except Exception as exc:
        raise CourseError(f"{path} is broken: {type(exc).__name__}: {exc}") from exc
    config.CourseDirectory.root = str(root)
    if overrides is not None:
        config.merge(overrides)
    return config


def make_api(root: Path, overrides: Config | None = None):
    """An `NbGraderAPI` for the course at `root`, configured from its nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root, overrides)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def assignments_in(root: Path) -> list[str]:
    """The assignments that have a source notebook, in course order, then any others by name."""
    found = {p.parent.name for p in (root / "source").glob("*/*.ipynb")
             if p.stem == p.parent.name}
    ordered = [a for a in ASSIGNMENTS if a in found]
    return ordered + sorted(found - set(ordered))


def api_result_error(result: dict) -> str:
    """The useful part of a failed API call: the innermost exception named in its log."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    exceptions = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b:?", ln)
                  and "NbGraderException" not in ln]
    errors = [ln for ln in lines if ln.startswith("[ERROR]") and "see the the above" not in ln]
    chosen = exceptions[:1] or errors[-1:] or lines[-1:] or ["unknown error"]
    return chosen[0][:500]
