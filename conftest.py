"""pytest set-up for the whole repository.

nbval runs the source notebooks in instructor mode: COURSE_INSTRUCTOR=1 (the switch) and the
repository root on PYTHONPATH (for `solutions`), so hidden checks compare at once and print a
one-line summary. `course grade` removes PYTHONPATH from grading kernels, and instructor mode is
off under nbgrader (NBGRADER_EXECUTION) and in the sandbox's clean environment.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Kernels started by the tests (nbval) have no frontend: sliders draw once (course.widgets).
os.environ["COURSE_HEADLESS"] = "1"
# The source notebooks run in instructor mode: hidden checks compare at once (course.env).
os.environ["COURSE_INSTRUCTOR"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
