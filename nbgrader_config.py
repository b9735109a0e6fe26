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
# RecordedExecute is BudgetedExecute (its settings below) that also records which results each
# test cell published while it ran; CompareWithReference judges only those.
# RecordCases keeps each hidden check's per-case pass/fail for the class report (scores nothing).
c.RecordCases.solutions_root = HERE
c.Autograde.autograde_preprocessors = [
    "course.grading.compare.RecordedExecute",
    "course.grading.cases.RecordCases",
    "course.grading.compare.CompareWithReference",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "course.grading.execute.LimitOutputSize",
    # No active content (<script>, JavaScript outputs) reaches the formgrader's pages.
    "course.grading.feedback.SanitizeActiveContent",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Deleted test cells come back from the gradebook instead of silently losing their points.
c.OverwriteCells.add_missing_cells = True
# Any stderr in a test cell scores 0, so a harmless warning would fail a correct answer.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\w*Warning: "
# Late work: intake takes the submission time from the hand-in (timestamp.txt, or the folder's
# submitted_at.csv); past the due date (`nbgrader db assignment add A --duedate=...`) a
# submission loses 10 % of its points per started day late (course/grading/late.py).
c.AssignLatePenalties.plugin_class = "course.grading.late.PerDayPenalty"
c.PerDayPenalty.fraction_per_day = 0.1
c.PerDayPenalty.grace_minutes = 0
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
# Students see pass/fail and messages of hidden tests, never their source. LabelGrades names each
# graded cell by its exercise and marks written answers not graded yet as pending; the course's
# exporter writes one self-contained page (LaTeX as MathML, no MathJax or CDN: works offline).
c.GenerateFeedback.exporter_class = "course.grading.feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course.grading.feedback.LabelGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "course.grading.feedback.ShortenTracebacks",
    "course.grading.feedback.SanitizeActiveContent",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
