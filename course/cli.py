"""The `course` command: release assignments, grade submissions, check the release is in sync.

    course release [ASSIGNMENT ...]     build release/ from source/ (all assignments by default)
    course grade SUBMISSIONS_DIR        grade <student>/<assignment>/<assignment>.ipynb
                                        (exit 0 all graded, 1 some hand-ins unreadable,
                                        2 course problem, 3 machine problem: re-run with
                                        --only-not-graded)
    course check                        verify release/ equals a fresh build of source/
    course demo                         release all, grade examples/submissions, compare
    course roster students.csv          add students (id, first name, last name, email)
    course feedback [ASSIGNMENT]        rewrite feedback from the gradebook after manual
                                        grading (executes nothing, keeps manual scores)
    course export --format canvas|moodle|csv [--output FILE]
                                        grades for an LMS (default exports/<format>_grades.csv)
    course lab [JUPYTER LAB OPTIONS]    JupyterLab + formgrader with jupyter_config/
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.nbgrader_api import CourseError, find_root
from course.tables import format_table


def cmd_release(args) -> int:
    from course.build import release

    summary = release(args.root, args.assignments or None)
    rows = [(a, p.graded_cells, p.auto_points, p.manual_points, p.total)
            for a, p in summary.items()]
    print(format_table(["assignment", "graded cells", "auto points", "manual points",
                        "total points"], rows))
    return 0


def print_results(results, root: Path) -> None:
    rows = [(r.student, r.assignment,
             f"{r.auto_score:g}/{r.auto_max:g}" if r.problem is None else "-",
             f"{r.manual_pending:g}" if r.problem is None else "-",
             r.status, _clip(r.problem or r.notes))
            for r in results]
    print()
    print(format_table(["student", "assignment", "automatic", "awaiting manual", "status",
                        "details"], rows))
    print(f"\nper-student details: {root / 'grades.csv'}   feedback: {root / 'feedback'}/   "
          f"class report: {root / 'reports' / 'class_report.html'}")


def _options(args):
    from course.grading.run import GradingOptions, not_graded_in

    only = None
    if getattr(args, "only_not_graded", False):
        only = not_graded_in(args.root)
        if not only:
            raise CourseError("grades.csv lists no submission as 'not graded': nothing to re-run")
    return GradingOptions(workers=args.workers, budget=args.budget, isolate=args.isolate,
                          scheduler=args.scheduler, force=args.force,
                          only=only)


#: Exit codes of `course grade`.
ALL_GRADED, SOME_FAILED, COURSE_PROBLEM, MACHINE_PROBLEM = 0, 1, 2, 3


def cmd_grade(args) -> int:
    from course.grading.run import grade

    results = grade(args.root, Path(args.submissions).resolve(), options=_options(args))
    print_results(results, args.root)
    failed = [r for r in results if r.problem and not r.machine]
    not_graded = [r for r in results if r.machine]
    if failed:
        print(f"{len(failed)} of {len(results)} submissions could not be graded (see details)")
    if not_graded:
        print(f"{len(not_graded)} of {len(results)} submissions were NOT GRADED because of a "
              "problem of the machine (their earlier scores are kept); re-run them with:\n"
              f"  course grade {args.submissions} --only-not-graded")
        return MACHINE_PROBLEM
    return SOME_FAILED if failed else ALL_GRADED


def cmd_demo(args) -> int:
    """Release everything, grade examples/submissions, compare with examples/expected.json."""
    import json

    from course.grading.run import grade

    cmd_release(argparse.Namespace(root=args.root, assignments=[]))
    examples = args.root / "examples"
    results = grade(args.root, examples / "submissions", options=_options(args))
    print_results(results, args.root)
    expected = json.loads((examples / "expected.json").read_text())
    wrong = [f"{r.student}/{r.assignment}: {why}" for r in results
             for why in [_unexpected(r, expected.get(r.assignment, {}).get(r.student))] if why]
    for line in wrong:
        print("UNEXPECTED", line)
    print(f"\n{len(results) - len(wrong)} of {len(results)} example submissions graded as "
          "examples/expected.json says" + ("" if wrong else " (broken ones on purpose)"))
    return 1 if wrong else 0


def _unexpected(result, expected: dict | None) -> str | None:
    if expected is None:
        return "not listed in examples/expected.json"
    if "problem" in expected:
        ok = result.problem is not None and expected["problem"] in result.problem
        return None if ok else f"expected the problem {expected['problem']!r}"
    got = (result.auto_score, result.auto_max, result.manual_pending)
    want = (expected["auto"], expected["auto_max"], expected["pending"])
    # partial credit comes in 1/8-point steps: compare to well below that
    if result.problem or any(abs(g - w) > 1e-6 for g, w in zip(got, want)):
        return f"expected auto/max/pending {want}, got {got} {result.problem or ''}".strip()
    return None


def _clip(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def cmd_check(args) -> int:
    from course.sync import release_differences

    problems = release_differences(args.root)
    for line in problems:
        print(line)
    print("release/ is in sync with source/" if not problems else
          f"{len(problems)} difference(s): run `course release` and commit release/")
    return 1 if problems else 0


def cmd_roster(args) -> int:
    from course.grading.records import load_roster

    added, updated = load_roster(args.root, Path(args.csv))
    print(f"roster: {added} student(s) added, {updated} updated in the gradebook")
    return 0


def cmd_feedback(args) -> int:
    from course.grading.records import regenerate_feedback

    done = regenerate_feedback(args.root, args.assignment)
    for assignment, pages, error in done:
        print(f"{assignment}: {pages} feedback page(s) in {args.root / 'feedback'}/"
              + (f"; error: {error}" if error else ""))
    if not done:
        print("no autograded submission: run `course grade` first")
    return 1 if any(error for _, _, error in done) else 0


def cmd_export(args) -> int:
    from course.grading.records import export

    output = Path(args.output) if args.output else \
        args.root / "exports" / f"{args.format}_grades.csv"
    students, warnings = export(args.root, args.format, output)
    for line in warnings:
        print(f"warning: {line}")
    print(f"{students} student(s) written to {output} ({args.format})")
    return 0


def cmd_lab(args) -> int:
    import subprocess

    from course.formgrader import lab_environment

    return subprocess.call([sys.executable, "-m", "jupyterlab", *args.lab_args], cwd=args.root,
                           env=lab_environment(args.root))


def _grading_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--workers", type=int, default=0,
                     help="worker processes of the local Dask cluster, i.e. submissions run at "
                          "once (default: two per core; ignored with --scheduler)")
    sub.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the notebooks on an existing Dask cluster, e.g. "
                          "tcp://host:8786 (default: a local cluster; README, 'Grading on a "
                          "cluster')")
    sub.add_argument("--force", action="store_true",
                     help="grade again the submissions already graded from the same content")
    sub.add_argument("--budget", type=float, default=None,
                     help="seconds one submission may run in all (default: nbgrader_config.py)")
    sub.add_argument("--isolate", choices=["auto", "on", "off"], default="auto",
                     help="run student code in the sandbox kernel (auto: when possible)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="course", description=__doc__.split("\n")[0])
    top.add_argument("--course-dir", default=".", help="the course repository (default: here)")
    sub = top.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="generate student notebooks in release/")
    rel.add_argument("assignments", nargs="*", help="assignments (default: all)")
    rel.set_defaults(run=cmd_release)
    grd = sub.add_parser("grade", help="autograde a folder of submissions")
    grd.add_argument("submissions", help="folder laid out <student>/<assignment>/<assignment>.ipynb")
    grd.add_argument("--only-not-graded", action="store_true",
                     help="grade only the submissions grades.csv lists as 'not graded' "
                          "(a machine problem in an earlier run)")
    _grading_arguments(grd)
    grd.set_defaults(run=cmd_grade)
    demo = sub.add_parser("demo", help="release all, grade examples/submissions, compare "
                          "with examples/expected.json")
    _grading_arguments(demo)
    demo.set_defaults(run=cmd_demo)
    chk = sub.add_parser("check", help="verify release/ is a fresh build of source/")
    chk.set_defaults(run=cmd_check)
    ros = sub.add_parser("roster", help="add or update students from a CSV (id, first name, "
                         "last name, email)")
    ros.add_argument("csv", help="the roster CSV, with a header row")
    ros.set_defaults(run=cmd_roster)
    fbk = sub.add_parser("feedback", help="rewrite feedback from the gradebook (after grading "
                         "written answers in the formgrader); executes nothing")
    fbk.add_argument("assignment", nargs="?", default=None, help="one assignment (default: all)")
    fbk.set_defaults(run=cmd_feedback)
    exp = sub.add_parser("export", help="grades as an LMS gradebook CSV")
    exp.add_argument("--format", choices=["canvas", "moodle", "csv"], default="canvas",
                     help="canvas (Canvas gradebook import), moodle (Moodle CSV grade import) "
                          "or csv (one row per student and assignment, one column per cell)")
    exp.add_argument("--output", default=None,
                     help="file to write (default: exports/<format>_grades.csv)")
    exp.set_defaults(run=cmd_export)
    lab = sub.add_parser("lab", help="JupyterLab for the instructor (formgrader) with the "
                         "course's Jupyter configuration (jupyter_config/)")
    lab.add_argument("lab_args", nargs=argparse.REMAINDER, help="passed to jupyter lab")
    lab.set_defaults(run=cmd_lab)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.root = find_root(args.course_dir)
        return args.run(args)
    except (CourseError, FileNotFoundError) as exc:
        print(f"course {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
