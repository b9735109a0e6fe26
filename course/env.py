"""Environment switches shared by the notebooks' helpers and the grader (no imports: cheap).

HEADLESS:   "1" in a kernel without a frontend (nbval, nbconvert, grading): sliders draw once.
            nbgrader's own NBGRADER_EXECUTION (set while it autogrades or validates) counts too.
INSTRUCTOR: "1" when an instructor runs the source notebooks (conftest.py sets it for nbval):
            hidden checks then compare with the reference at once instead of only publishing.
"""
import os

HEADLESS = "COURSE_HEADLESS"
INSTRUCTOR = "COURSE_INSTRUCTOR"


def headless() -> bool:
    return os.environ.get(HEADLESS) == "1" or bool(os.environ.get("NBGRADER_EXECUTION"))


def instructor() -> bool:
    """Instructor mode: asked for, and not inside nbgrader's autograding or validation."""
    return os.environ.get(INSTRUCTOR) == "1" and not os.environ.get("NBGRADER_EXECUTION")
