"""pytest set-up for the whole repository.

The repository root goes on PYTHONPATH so that nbval runs the source notebooks in instructor mode
(hidden checks compare with `solutions` at once and print a one-line summary); `course grade`
removes PYTHONPATH again from the environment of grading kernels.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Kernels started by the tests (nbval) have no frontend: sliders draw once (course.widgets).
os.environ["COURSE_HEADLESS"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
