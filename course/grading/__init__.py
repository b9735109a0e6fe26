"""Instructor side: nbgrader plumbing, the reference comparison, grading runs and reports."""
import sys

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed, only to check the
# "iri" string format, and that builds a Lark grammar at import: 1.7-2 s of every grading
# process's and Dask worker's start (`python -X importtime -c "import nbformat"`). Nothing in
# grading validates that format; without the module jsonschema simply skips it.
sys.modules.setdefault("rfc3987_syntax", None)
