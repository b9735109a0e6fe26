"""Build the student package: `python tools/build_student_wheel.py` writes dist/<wheel>.

Students install only this wheel (`pip install spiking_course_student-*.whl`), never this
repository. It holds what the release notebooks import and nothing else: spike trains and input
neurons, plots, widgets, the notebook helpers and the bundled spike data. No hidden-test checks,
no grading code, no CLI or release code, no `solutions/`, `source/` or examples, and no nbgrader
(so JupyterLab shows students neither the Formgrader nor "Create assignment").

The wheel is written directly (a pure-Python wheel is a zip file with three metadata files), so
building needs neither network nor build tools. `tests/test_student_wheel.py` checks its file
list. Options: `--out DIR` (default dist/).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "spiking-course-student"
#: Modules of the `course` package that student notebooks import (and what those import).
MODULES = ["__init__", "env", "spikes", "plotting", "widgets", "data", "notebook", "views", "ann",
           "models"]
DATA = ["data/*.npz"]
REQUIRES = ["numpy>=1.26", "matplotlib>=3.8", "ipywidgets>=8.1,<9", "jupyterlab>=4.2,<5",
            "scikit-learn>=1.3"]
SUMMARY = "Student package of the spiking-neuron course: spike data, plots and sliders"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)     # reproducible wheels: same files, same bytes


def version() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


def files() -> list[tuple[str, Path]]:
    """(path in the wheel, file on disk) of every file of the student package."""
    package = ROOT / "course"
    chosen = [(f"course/{m}.py", package / f"{m}.py") for m in MODULES]
    for pattern in DATA:
        chosen += [(f"course/{p.relative_to(package).as_posix()}", p)
                   for p in sorted(package.glob(pattern))]
    missing = [str(p) for _, p in chosen if not p.is_file()]
    if missing:
        raise SystemExit(f"student package: missing {', '.join(missing)}")
    return chosen


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build(out: Path) -> Path:
    ver = version()
    dist = f"{NAME.replace('-', '_')}-{ver}"
    info = f"{dist}.dist-info"
    metadata = "\n".join(["Metadata-Version: 2.1", f"Name: {NAME}", f"Version: {ver}",
                          f"Summary: {SUMMARY}", "Requires-Python: >=3.11", "License: MIT",
                          *[f"Requires-Dist: {r}" for r in REQUIRES]]) + "\n"
    wheel = "Wheel-Version: 1.0\nGenerator: tools/build_student_wheel.py\nRoot-Is-Purelib: true\n" \
            "Tag: py3-none-any\n"
    entries = [(name, path.read_bytes()) for name, path in files()]
    entries += [(f"{info}/METADATA", metadata.encode()), (f"{info}/WHEEL", wheel.encode()),
                (f"{info}/top_level.txt", b"course\n")]
    record = [_record_line(n, d) for n, d in entries] + [f"{info}/RECORD,,"]
    entries.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{dist}-py3-none-any.whl"
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            item = zipfile.ZipInfo(name, FIXED_TIME)
            item.external_attr = 0o644 << 16
            item.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(item, data)
    partial.replace(target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    path = build(args.out)
    print(f"wrote {path}: hand it to students (pip install {path.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
