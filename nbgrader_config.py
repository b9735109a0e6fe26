"""nbgrader configuration of the course (the repository root is the nbgrader course directory).

Read by `course release` / `course grade` (which make a broken file a fatal error) and by plain
`nbgrader` commands run from this directory. Each setting says why it is here; DESIGN.md section 4
records the measurements behind them.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = "spiking-neurons"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# Only the notebook is handed out: nbgrader copies every other file of source/<a>/ to students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# --- release -----------------------------------------------------------------------------------
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# --- autograde -----------------------------------------------------------------------------------
# Hidden checks publish results; CompareWithReference judges them in this (grader) process,
# where `solutions` is importable from HERE. The student's kernel never sees `solutions`.
c.CompareWithReference.solutions_root = HERE
c.Autograde.autograde_preprocessors = [
    "course.grading.execute.BudgetedExecute",
    "course.grading.compare.CompareWithReference",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "course.grading.execute.LimitOutputSize",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Deleted test cells come back from the gradebook instead of silently losing their points.
c.OverwriteCells.add_missing_cells = True
# Any stderr in a test cell scores 0, so a harmless warning would fail a correct answer.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\w*Warning: "
# Time limits (s): per cell (a test cell calls the student's function on several inputs) and
# for the whole submission, so a runaway notebook costs at most the budget.
c.BudgetedExecute.timeout = 60
c.BudgetedExecute.submission_budget = 180
c.BudgetedExecute.interrupt_on_timeout = True
c.BudgetedExecute.shutdown_kernel = "immediate"
# The kernel's start-up warnings (e.g. about its local TCP transport) are noise in a grading log.
c.BudgetedExecute.extra_arguments = ["--HistoryManager.hist_file=:memory:",
                                     "--IPKernelApp.log_level=ERROR"]
# Characters per text output (nbgrader's LimitOutput counts lines only).
c.LimitOutputSize.max_chars = 20000
c.LimitOutput.max_lines = 500

# --- feedback ------------------------------------------------------------------------------------
# Students see pass/fail and messages of hidden tests, never their source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "course.grading.feedback.ShortenTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
