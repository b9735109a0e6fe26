"""Hidden-test checks, one module per assignment, each with a list `CHECKS` of `course.checking.Check`.

The inputs here are public (students could read them); the expected results are not: they come
from `solutions/`, which only the grading process can import.
"""
