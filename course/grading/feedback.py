"""Feedback: what a student sees of a graded notebook.

- `ShortenTracebacks` keeps only the last line of an error in a test cell (a traceback quotes
  hidden-test source). A partly passed test cell keeps the grader's note ("Partial credit, 0.25
  of 3 points (leaky_integrate_and_fire: 1 of 9 hidden cases pass)", a stdout output written by
  `course.grading.compare.CompareWithReference`) with the failing cases above its points.
- `LabelGrades` (after nbgrader's `GetGrades`) names every graded cell by its exercise, marks
  written answers a person has not graded yet as pending and adds up automatic and manual
  points separately for the page's header.
- `FeedbackExporter` renders the page with the course's template (`templates/course_feedback`):
  pending answers say "pending", the automatic total stands apart, long messages wrap, and
  LaTeX is turned into MathML when the page is written (browsers render MathML natively), so a
  feedback page is one self-contained file that needs no network (no MathJax, no CDN).
"""
from __future__ import annotations

import html
import os
import re

from nbconvert.exporters import HTMLExporter
from nbconvert.filters import markdown2html
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
#: Per-case results of hidden checks for the class report (`course.grading.cases`): an
#: `application/json` output with this key, for instructors only.
INSTRUCTOR_ONLY_MIME = "application/json"
CASES_KEY = "course.hidden_cases"


def is_case_record(output) -> bool:
    data = output.get("data") if isinstance(output, dict) else None
    value = data.get(INSTRUCTOR_ONLY_MIME) if isinstance(data, dict) else None
    return isinstance(value, dict) and CASES_KEY in value


class ShortenTracebacks(NbGraderPreprocessor):
    """Replace each error's traceback in test cells by its last line.

    A traceback quotes the source lines around the failure, which in a test cell includes the
    hidden tests that `ClearHiddenTests` removed from the cell itself. The error's type and
    message (which name the failing case) are kept.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
            cell.outputs = [o for o in cell.get("outputs", []) if not is_case_record(o)]
        return cell, resources


# ----- names and pending points ----------------------------------------------------------------

HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
POINTS_NOTE = re.compile(r"\s*\([^()]*\bpoints?\b[^()]*\)\s*$")


def _heading(source: str) -> str | None:
    found = HEADING.findall(source)
    return POINTS_NOTE.sub("", found[-1]).strip() if found else None


def _question(source: str, limit: int = 90) -> str | None:
    """The first sentence of a question cell, without its "**Written answer (2 points).**"."""
    text = re.sub(r"^\s*\*\*[^*]*\*\*\s*", "", source.strip())
    text = re.sub(r"[*_`]", "", " ".join(text.split()))
    if not text or text.startswith("#"):
        return None
    sentence = re.split(r"(?<=[.?!])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit - 3].rstrip() + "..."


def grade_labels(cells) -> dict[str, str]:
    """{grade_id: readable name} for every graded cell: a test cell by the function or answer
    it tests (its grade_id without `test_`) and the heading of its exercise, a written answer
    by the heading it answers."""
    labels, heading, question = {}, None, None
    for cell in cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and not meta.get("solution"):
            heading = _heading(cell.source) or heading
            question = _question(cell.source)
        if not (meta.get("grade") or meta.get("task")):
            continue
        grade_id = meta.get("grade_id", "")
        where = f" ({heading})" if heading else ""
        if meta.get("solution") or meta.get("task"):
            kind = "Written answer" if cell.cell_type == "markdown" else "Answer"
            labels[grade_id] = f"{kind}: {question}" if question else f"{kind} {grade_id}{where}"
        else:
            name = grade_id[5:] if grade_id.startswith("test_") else grade_id
            labels[grade_id] = f"Tests of {name}{where}"
    return labels


def is_automatic(meta: dict) -> bool:
    """A graded cell nbgrader scores by itself (an autograder test cell)."""
    return bool(meta.get("grade")) and not meta.get("solution") and not meta.get("task")


class LabelGrades(NbGraderPreprocessor):
    """After `GetGrades`: label each graded cell, mark ungraded written answers as pending, and
    put automatic and manual totals into `resources["course"]` for the template."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        labels = grade_labels(nb.cells)
        totals = dict(auto_score=0.0, auto_max=0.0, manual_score=0.0, manual_max=0.0,
                      pending=0.0, pending_cells=0)
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if not (meta.get("grade") or meta.get("task")):
                    continue
                grade = gb.find_grade(meta["grade_id"], info["notebook"], info["assignment"],
                                      info["student"])
                meta["label"] = labels.get(meta["grade_id"], meta["grade_id"])
                meta["pending"] = bool(grade.needs_manual_grade)
                points = float(grade.max_score or 0)
                if is_automatic(meta):
                    totals["auto_score"] += float(grade.score or 0)
                    totals["auto_max"] += points
                elif meta["pending"]:
                    totals["pending"] += points
                    totals["pending_cells"] += 1
                    totals["manual_max"] += points
                else:
                    totals["manual_score"] += float(grade.score or 0)
                    totals["manual_max"] += points
        resources["course"] = totals
        return nb, resources


# ----- LaTeX to MathML at generation time ------------------------------------------------------

_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)
_MATH = re.compile(
    r"(?P<dd>\$\$(?P<dd_tex>.+?)\$\$)"
    r"|(?P<br>\\\[(?P<br_tex>.+?)\\\])"
    r"|(?P<env>\\begin\{(?P<env_name>[a-z]+\*?)\}.+?\\end\{(?P=env_name)\})"
    r"|(?P<pa>\\\((?P<pa_tex>.+?)\\\))"
    r"|(?<![\\$])\$(?P<d_tex>[^$\s](?:[^$\n]|\n(?!\s*\n))*?)(?<![\\\s])\$(?!\d)",
    re.S)
_TOKEN = "COURSEMATHTOKEN{}X"


def tex_to_mathml(tex: str, display: bool) -> str:
    """MathML for one formula; the TeX itself (escaped, in <code>) if it cannot be converted."""
    from latex2mathml.converter import convert

    tex = tex.strip()
    env = re.fullmatch(r"\\begin\{(align|equation|gather|eqnarray)(\*?)\}(.*)\\end\{\1\2\}",
                       tex, re.S)
    if env:   # amsmath display environments: their body as an aligned block
        body = env.group(3).strip()
        tex = body if env.group(1) == "equation" else r"\begin{aligned}" + body + \
            r"\end{aligned}"
    try:
        return convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001  (an unsupported command: show the source, never fail)
        return f'<code class="tex">{html.escape(tex)}</code>'


def markdown2mathml(source: str) -> str:
    """Markdown to HTML like nbconvert's `markdown2html`, with every formula ($...$, $$...$$,
    \\(...\\), \\[...\\], \\begin{env}...\\end{env}) rendered to MathML."""
    formulas: list[str] = []

    def keep(match: re.Match) -> str:
        display = not (match.group("d_tex") or match.group("pa_tex"))
        tex = next(match.group(g) for g in ("dd_tex", "br_tex", "env", "pa_tex", "d_tex")
                   if match.group(g) is not None)
        formulas.append(tex_to_mathml(tex, display))
        return _TOKEN.format(len(formulas) - 1)

    parts = _CODE.split(source)
    text = "".join(part if i % 2 else _MATH.sub(keep, part) for i, part in enumerate(parts))
    rendered = markdown2html(text)
    for i, mathml in enumerate(formulas):
        token = _TOKEN.format(i)
        rendered = rendered.replace(f"<p>{token}</p>", mathml).replace(token, mathml)
    return rendered


def label_html(text: str) -> str:
    """A one-line label as HTML: escaped, `code` as <code>, $formulas$ as inline MathML."""
    parts = re.split(r"(\$[^$]+\$|`[^`]+`)", text or "")
    out = []
    for i, part in enumerate(parts):
        if i % 2 and part.startswith("$"):
            out.append(tex_to_mathml(part[1:-1], display=False))
        elif i % 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            out.append(html.escape(part))
    return "".join(out)


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback exporter with the course's template and offline equations."""

    def __init__(self, config=None, **kwargs):
        import nbgrader.server_extensions.formgrader as formgrader
        from traitlets.config import Config

        nbgrader_templates = os.path.join(os.path.dirname(formgrader.__file__), "templates")
        # Config of this class beats nbgrader's HTMLExporter.template_name = "feedback".
        config = Config(config) if config is not None else Config()
        config.FeedbackExporter.template_name = "course_feedback"
        config.FeedbackExporter.extra_template_basedirs = [TEMPLATES, nbgrader_templates]
        super().__init__(config=config, **kwargs)
        self.register_filter("markdown2mathml", markdown2mathml)
        self.register_filter("label_html", label_html)


class SanitizeActiveContent(SanitizeHTML):
    """No active content in autograded notebooks (which the formgrader shows the instructor) or in
    feedback: outputs keep only inert MIME types (`safe_output_keys`: text, LaTeX, JSON, PNG and
    JPEG), `text/html` and `text/markdown` outputs are cleaned by bleach (no <script>, no event
    handlers, no javascript: links), everything else (application/javascript, widget views, SVG,
    the course's result payloads) is dropped. Markdown and raw cells a student could have written
    (answers, added cells) are cleaned too; the instructor's locked cells, restored from the
    gradebook before grading, are left as written."""

    enabled = Bool(True).tag(config=True)    # nbconvert's preprocessors are off by default

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" and meta.get("locked") and not meta.get("solution"):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)
