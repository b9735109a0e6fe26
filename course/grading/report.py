"""The class report: one HTML page with score distributions per question, failures and flags.

Written by `course grade` to reports/class_report.html next to grades.csv. Self-contained
(figures are embedded PNGs), so it can be mailed or archived as one file.
"""
from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from pathlib import Path

import nbformat
import numpy as np

from course.build import graded_cells_of


def graded_cells(root: Path, assignment: str) -> list[tuple[str, float, str]]:
    """[(grade_id, points, "auto" or "manual")] of an assignment's release, in notebook order."""
    path = root / "release" / assignment / f"{assignment}.ipynb"
    return graded_cells_of(nbformat.read(path, as_version=4))


def _figure(assignment: str, cells, results) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    auto = [(g, p) for g, p, kind in cells if kind == "auto"]
    columns = 4
    rows = max(1, -(-len(auto) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 2.2 * rows), squeeze=False)
    for ax in axes.flat[len(auto):]:
        ax.axis("off")
    for ax, (grade_id, points) in zip(axes.flat, auto):
        scores = [r.cell_scores.get(grade_id, 0.0) for r in results]
        bins = np.linspace(-0.5, points + 0.5, int(points) + 2) if points >= 1 else 5
        ax.hist(scores, bins=bins, color="tab:blue", rwidth=0.85)
        ax.set_title(f"{grade_id} ({points:g} pt)", fontsize=8)
        ax.set_xticks(range(int(points) + 1))
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("points scored", fontsize=7)
        ax.set_ylabel("submissions", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{assignment}: automatic points per question ({len(results)} submissions)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def case_pass_rates(root: Path, assignment: str, students: list[str]
                    ) -> dict[str, list[tuple[str, int, int]]]:
    """{check: [(case label, submissions passing it, submissions judged)]} from the per-case
    records (`course.grading.cases`) in the autograded notebooks of `students`."""
    from course.grading.cases import case_outcomes

    counts: dict[str, dict[str, list[int]]] = {}
    for student in students:
        path = root / "autograded" / student / assignment / f"{assignment}.ipynb"
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001  (a missing or unreadable notebook: nothing to count)
            continue
        for check, cases in case_outcomes(nb).items():
            table = counts.setdefault(check, {})
            for label, passed in cases:
                entry = table.setdefault(label, [0, 0])
                entry[0] += int(passed)
                entry[1] += 1
    return {check: [(label, p, n) for label, (p, n) in table.items()]
            for check, table in counts.items()}


def _cases_section(rates: dict[str, list[tuple[str, int, int]]]) -> str:
    if not rates:
        return "<p>No per-case results of hidden checks were recorded.</p>"
    rows = []
    for check, cases in rates.items():
        for label, passed, judged in cases:
            share = passed / judged if judged else 0.0
            rows.append(f'<tr><td>{html.escape(check)}</td><td>{html.escape(label)}</td>'
                        f'<td class="{"low" if share < 0.5 else ""}">{share:.0%} '
                        f'({passed} of {judged})</td></tr>')
    return ('<h3>Hidden checks: pass rate of every case</h3>'
            '<p>A case few students pass points at what the class misunderstood.</p>'
            '<table class="cases"><tr><th>check</th><th>case</th><th>pass rate</th></tr>'
            + "".join(rows) + "</table>")


def _table(headers, rows) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _assignment_section(root: Path, assignment: str, results) -> str:
    cells = graded_cells(root, assignment)
    graded = [r for r in results if r.problem is None]
    parts = [f"<h2>{html.escape(assignment)}</h2>"]
    if not graded:
        return parts[0] + "<p>No submission could be graded.</p>"
    totals = np.array([r.auto_score for r in graded])
    parts.append(f"<p>{len(graded)} graded: automatic points mean {totals.mean():.1f}, "
                 f"median {np.median(totals):g}, of {graded[0].auto_max:g}.</p>")
    rows = []
    for grade_id, points, kind in cells:
        scores = np.array([r.cell_scores.get(grade_id, 0.0) for r in graded])
        full = np.mean(scores >= points) * 100 if kind == "auto" else float("nan")
        rows.append((grade_id, kind, f"{points:g}",
                     f"{scores.mean():.2f}" if kind == "auto" else "by hand",
                     f"{full:.0f} %" if kind == "auto" else ""))
    parts.append(_table(["question", "graded", "points", "mean", "full marks"], rows))
    parts.append(f'<img alt="score distributions" src="data:image/png;base64,'
                 f'{_figure(assignment, cells, graded)}">')
    parts.append(_cases_section(case_pass_rates(root, assignment,
                                                [r.student for r in graded])))
    return "\n".join(parts)


def write_report(root: Path, results, path: Path | None = None) -> Path:
    """Write the class report for `results`; return its path."""
    path = path or root / "reports" / "class_report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    by_assignment = defaultdict(list)
    for r in results:
        by_assignment[r.assignment].append(r)
    sections = [_assignment_section(root, a, rs) for a, rs in sorted(by_assignment.items())
                if (root / "release" / a).is_dir()]
    failed = [(r.student, r.assignment, r.problem) for r in results if r.problem]
    flagged = [(r.student, r.assignment, flag) for r in results for flag in r.flags]
    notes = [(r.student, r.assignment, r.notes) for r in results if r.notes]
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Class report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;
font-size:14px;text-align:left}}th{{background:#eee}}img{{max-width:100%}}
td.low{{background:#fde2e1}}</style></head><body>
<h1>Class report</h1>
<p>{len(results)} submissions, {len(failed)} could not be graded, {len({(s, a) for s, a, _ in
flagged})} flagged for a look. Per-student scores are in grades.csv.</p>
{''.join(sections)}
<h2>Submissions that could not be graded</h2>
{_table(["student", "assignment", "reason"], failed) if failed else "<p>None.</p>"}
<h2>Flagged code (worth a look; flags cost no points)</h2>
{_table(["student", "assignment", "cell:line: why: code"], flagged) if flagged else
 "<p>None.</p>"}
<h2>Repairs made during intake</h2>
{_table(["student", "assignment", "what"], notes) if notes else "<p>None.</p>"}
</body></html>
"""
    path.write_text(page)
    return path
