"""Instructor side: nbgrader plumbing, the reference comparison, grading runs and reports."""
