"""Benchmark: several `course grade` runs at once on one machine, optionally beside a CPU hog.

    python benchmarks/concurrent_grading.py [--runs 4] [--submissions 40] [--workers 0]
                                            [--hog] [--attackers 0]

Makes one throw-away copy of the course, releases `leaky_integrators`, and starts `--runs`
grading runs at the same moment, each over its own folder of `--submissions` honest hand-ins
(the reference answers of examples/submissions/ada: 16/16 automatic points each). With
`--attackers K`, each folder also holds K submissions that try to hurt their neighbours (a fork
bomb, a display flood, a thread bomb, cycling). It prints, per run and in all, how many honest
submissions were graded with full marks, graded with fewer, failed, not graded (machine
problem), and how many retries the runs needed, with the wall time. The runs call the venv's
`course` by path with a PATH of system folders only, as on a fresh machine.

Not part of the test suite (the short version is tests/test_stress.py). Figures are recorded
in the closing note of the session that measured them, with the command.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
A = "leaky_integrators"
HONEST = ROOT / "examples" / "submissions" / "ada" / A / f"{A}.ipynb"
COURSE = str(Path(sys.executable).parent / "course")
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}


def attackers() -> list:
    from adversarial_cases import DISPLAY_FLOOD, FORK_BOMB, THREAD_BOMB, with_prefix

    return [with_prefix(code, grade_id="input_data")
            for code in (FORK_BOMB, DISPLAY_FLOOD, THREAD_BOMB)]


def make_folder(into: Path, name: str, honest: int, hostile: int) -> Path:
    folder = into / name
    from course_copy import distinct_hand_in

    for n in range(honest):
        distinct_hand_in(HONEST, folder / f"{name}-{n:03d}" / A / f"{A}.ipynb", f"{name}-{n:03d}")
    makers = attackers() if hostile else []
    for n in range(hostile):
        (folder / f"{name}-attack{n:02d}" / A).mkdir(parents=True)
        nbformat.write(makers[n % len(makers)](),
                       folder / f"{name}-attack{n:02d}" / A / f"{A}.ipynb")
    return folder


def tally(output: str, name: str) -> dict[str, int]:
    rows = [line.split() for line in output.splitlines()
            if line.startswith(f"{name}-") and f" {A} " in f" {line} "]
    honest = [r for r in rows if "attack" not in r[0]]
    return {"full": sum(r[2] == "16/16" for r in honest),
            "less": sum(r[2] not in ("16/16", "-") for r in honest),
            "failed": sum("failed" in r for r in honest),
            "not graded": sum("not" in r and "graded" in r for r in honest),
            "retries": len(re.findall(r"^retrying ", output, re.M))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=0, help="per run (0: the default)")
    parser.add_argument("--hog", action="store_true", help="a busy-looping process beside them")
    parser.add_argument("--attackers", type=int, default=0, help="hostile hand-ins per run")
    args = parser.parse_args()
    from course_copy import copy_course

    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        tmp = Path(tmp)
        root = copy_course(Path(tempfile.mkdtemp(dir=tmp)))
        subprocess.run([COURSE, "--course-dir", str(root), "release", A], env=ENV, check=True,
                       capture_output=True)
        folders = [make_folder(tmp, f"run{i}", args.submissions, args.attackers)
                   for i in range(args.runs)]
        extra = ["--workers", str(args.workers)] if args.workers else []
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.hog else None
        started = time.monotonic()
        try:
            runs = [subprocess.Popen([COURSE, "--course-dir", str(root), "grade", str(f), *extra],
                                     env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True) for f in folders]
            outputs = [r.communicate()[0] for r in runs]
        finally:
            if hog:
                hog.kill()
        seconds = time.monotonic() - started
    total = {"full": 0, "less": 0, "failed": 0, "not graded": 0, "retries": 0}
    for i, (run, output) in enumerate(zip(runs, outputs)):
        counts = tally(output, f"run{i}")
        for key in total:
            total[key] += counts[key]
        print(f"run{i}: exit {run.returncode}  " + "  ".join(f"{k} {v}" for k, v in
                                                             counts.items()))
        odd = [line for line in output.splitlines() if line.startswith(f"run{i}-")
               and " 16/16 " not in line and "attack" not in line.split()[0]]
        for line in odd[:3]:
            print("   ", line.strip()[:200])
    honest = args.runs * args.submissions
    print(f"all: {honest} honest submissions in {args.runs} concurrent runs"
          f"{' beside a CPU hog' if args.hog else ''}"
          f"{f' with {args.attackers} attackers each' if args.attackers else ''}: "
          + "  ".join(f"{k} {v}" for k, v in total.items())
          + f"  wall {seconds:.0f} s ({seconds / max(honest, 1):.2f} s/submission)")
    return 0 if total["full"] == honest else 1


if __name__ == "__main__":
    sys.exit(main())
