"""After `course grade`: the roster, feedback after manual grading, and grade exports.

    course roster students.csv            fill nbgrader's student table (names in the formgrader)
    course feedback [ASSIGNMENT]          rewrite feedback from the gradebook (manual scores
                                          included); executes nothing
    course export --format canvas|moodle|csv [--output FILE]
                                          the gradebook as an LMS gradebook CSV

Everything reads the gradebook (the formgrader's manual scores and comments live there), so run
these after grading written answers in the formgrader.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from course.grading.intake import STUDENT_ID
from course.grading.staging import COMMIT_LOCK, locked
from course.nbgrader_api import (CourseError, api_result_error, assignments_in, course_lock,
                                 make_api)

# ----- roster --------------------------------------------------------------------------------

ROSTER_COLUMNS = {
    "id": {"id", "student", "student_id", "username", "login", "user_id"},
    "first_name": {"first_name", "firstname", "first", "given_name"},
    "last_name": {"last_name", "lastname", "last", "surname", "family_name"},
    "email": {"email", "e_mail", "email_address", "mail"},
}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def read_roster(path: Path) -> list[dict[str, str]]:
    """Rows {id, first_name, last_name, email} of a roster CSV (a header row names the columns:
    id, first name, last name, email; common spellings accepted). CourseError if it is unusable."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            headers = {_key(h): h for h in reader.fieldnames or []}
            columns = {}
            for field, names in ROSTER_COLUMNS.items():
                found = [headers[n] for n in names if n in headers]
                if found:
                    columns[field] = found[0]
            if "id" not in columns:
                raise CourseError(f"{path}: no student id column (expected a header row with "
                                  "id, first name, last name, email)")
            rows, problems = [], []
            for line, raw in enumerate(reader, start=2):
                row = {f: (raw.get(columns[f]) or "").strip() if f in columns else ""
                       for f in ROSTER_COLUMNS}
                if not row["id"]:
                    continue
                if not STUDENT_ID.match(row["id"]):
                    problems.append(f"line {line}: student id {row['id']!r} has characters other "
                                    "than letters, digits, '_', '.', '@' and '-'")
                    continue
                rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CourseError(f"cannot read the roster {path}: {exc}") from exc
    if problems:
        raise CourseError(f"{path}: " + "; ".join(problems))
    return rows


def load_roster(root: Path, path: Path) -> tuple[int, int]:
    """Add or update every student of the roster in the gradebook; (added, updated)."""
    rows = read_roster(path)
    api = make_api(root)
    added = updated = 0
    with course_lock(root, shared=True), locked(root, COMMIT_LOCK, exclusive=True):
        with api.gradebook as gb:
            known = {s.id for s in gb.students}
            for row in rows:
                gb.update_or_create_student(row["id"], first_name=row["first_name"] or None,
                                            last_name=row["last_name"] or None,
                                            email=row["email"] or None)
                if row["id"] in known:
                    updated += 1
                else:
                    added += 1
    return added, updated


# ----- feedback after manual grading ------------------------------------------------------------

def regenerate_feedback(root: Path, assignment: str | None = None) -> list[tuple[str, int, str]]:
    """Rewrite feedback/ for every autograded submission (of `assignment`, or all) from the
    autograded notebooks and the gradebook, so manual scores and comments appear. Nothing is
    executed (nbgrader's generate_feedback only reads). Late penalties are recomputed first, so
    points added by hand are penalised like automatic ones. [(assignment, pages, error)]."""
    known = assignments_in(root)
    if assignment is not None and assignment not in known:
        raise CourseError(f"unknown assignment {assignment!r} (the course has {', '.join(known)})")
    chosen = [assignment] if assignment else known
    api = make_api(root)
    done = []
    with course_lock(root, shared=True), locked(root, COMMIT_LOCK, exclusive=True):
        for name in chosen:
            students = sorted(p.parent.parent.name for p in
                              (root / "autograded").glob(f"*/{name}/{name}.ipynb"))
            if not students:
                continue
            refresh_late_penalties(api, name, students)
            outcome = api.generate_feedback(name, force=True)
            error = "" if outcome.get("success") else api_result_error(outcome)
            pages = sum((root / "feedback" / s / name / f"{name}.html").is_file()
                        for s in students)
            done.append((name, pages, error))
    return done


def refresh_late_penalties(api, assignment: str, students: list[str]) -> None:
    """Recompute the late penalty of each late submission with the configured plugin (nbgrader
    computes it only when autograding, before any manual score)."""
    from nbgrader.preprocessors import AssignLatePenalties

    plugin = AssignLatePenalties(config=api.config).plugin_class(config=api.config)
    with api.gradebook as gb:
        for student in students:
            try:
                submission = gb.find_submission(assignment, student)
            except Exception:  # noqa: BLE001  (nbgrader's MissingEntry)
                continue
            late = submission.total_seconds_late or 0
            for notebook in submission.notebooks:
                if late > 0:
                    penalty = plugin.late_submission_penalty(student, notebook.score, late)
                    notebook.late_submission_penalty = min(max(0.0, penalty or 0.0),
                                                           notebook.score)
            gb.db.commit()


# ----- exports ---------------------------------------------------------------------------------

FORMATS = ("canvas", "moodle", "csv")


@dataclass
class Row:
    student: str
    first_name: str
    last_name: str
    email: str
    assignment: str
    submitted: bool
    score: float | None          # after the late penalty; None: no submission
    max_score: float
    late_penalty: float
    pending: float               # points of written answers not graded yet
    cells: dict[str, float | None]   # grade_id -> score (None: pending)


def gradebook_rows(root: Path) -> tuple[list[Row], dict[str, float], dict[str, list[str]]]:
    """One Row per (student of the gradebook, assignment), max points per assignment, and the
    graded cells of each assignment in notebook order."""
    from course.grading.report import graded_cells

    api = make_api(root)
    rows, maxima, cells = [], {}, {}
    with api.gradebook as gb:
        names = [a.name for a in gb.assignments]
        order = [a for a in assignments_in(root) if a in names] + \
            sorted(set(names) - set(assignments_in(root)))
        for assignment in order:
            maxima[assignment] = float(gb.find_assignment(assignment).max_score)
            try:
                cells[assignment] = [g for g, _, _ in graded_cells(root, assignment)]
            except (OSError, ValueError):
                cells[assignment] = []
        for student in sorted(gb.students, key=lambda s: s.id):
            for assignment in order:
                base = dict(student=student.id, first_name=student.first_name or "",
                            last_name=student.last_name or "", email=student.email or "",
                            assignment=assignment, max_score=maxima[assignment])
                try:
                    sub = gb.find_submission(assignment, student.id)
                except Exception:  # noqa: BLE001  (no submission)
                    rows.append(Row(**base, submitted=False, score=None, late_penalty=0.0,
                                    pending=0.0, cells={}))
                    continue
                scores, pending = {}, 0.0
                for notebook in sub.notebooks:
                    for grade in notebook.grades:
                        if grade.needs_manual_grade:
                            scores[grade.name] = None
                            pending += float(grade.max_score)
                        else:
                            scores[grade.name] = float(grade.score)
                penalty = float(sub.late_submission_penalty or 0.0)
                rows.append(Row(**base, submitted=True, score=float(sub.score) - penalty,
                                late_penalty=penalty, pending=pending, cells=scores))
    return rows, maxima, cells


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def export(root: Path, fmt: str, output: Path) -> tuple[int, list[str]]:
    """Write the gradebook as `fmt` to `output`; (students written, warnings)."""
    if fmt not in FORMATS:
        raise CourseError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    rows, maxima, cells = gradebook_rows(root)
    warnings = [f"{r.student}/{r.assignment}: {r.pending:g} point(s) of written answers not "
                "graded yet (counted as 0)" for r in rows if r.pending]
    students = sorted({r.student for r in rows})
    by = {(r.student, r.assignment): r for r in rows}
    assignments = list(maxima)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if fmt == "canvas":
            # Canvas "Import" of a gradebook CSV: the identity columns of Canvas's own export,
            # then one column per assignment ("name (id)" matches an existing assignment, a new
            # name creates one), a "Points Possible" row, and one row per student matched on
            # SIS User ID / SIS Login ID (our student id).
            writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] +
                            assignments)
            writer.writerow(["    Points Possible", "", "", "", ""] +
                            [_number(maxima[a]) for a in assignments])
            for s in students:
                first = by[(s, assignments[0])]
                name = ", ".join(filter(None, [first.last_name, first.first_name])) or s
                writer.writerow([name, "", s, s, ""] +
                                [_number(by[(s, a)].score) for a in assignments])
        elif fmt == "moodle":
            # Moodle "Import grades: CSV file": map "Email address" (or "ID number") to the
            # user field of the same name and each assignment column to its grade item.
            writer.writerow(["ID number", "First name", "Last name", "Email address"] +
                            assignments)
            for s in students:
                first = by[(s, assignments[0])]
                writer.writerow([s, first.first_name, first.last_name, first.email] +
                                [_number(by[(s, a)].score) for a in assignments])
        else:
            all_cells = [c for a in assignments for c in cells[a]]
            all_cells = list(dict.fromkeys(all_cells))
            writer.writerow(["student", "first_name", "last_name", "email", "assignment",
                             "submitted", "score", "max_score", "late_penalty",
                             "manual_pending"] + all_cells)
            for r in rows:
                writer.writerow([r.student, r.first_name, r.last_name, r.email, r.assignment,
                                 "yes" if r.submitted else "no", _number(r.score),
                                 _number(r.max_score), _number(r.late_penalty),
                                 _number(r.pending)] +
                                ["pending" if c in r.cells and r.cells[c] is None
                                 else _number(r.cells.get(c)) for c in all_cells])
    return len(students), warnings
