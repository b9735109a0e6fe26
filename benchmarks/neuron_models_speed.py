"""Run time of the `neuron_models` notebook, per figure and in total.

    python benchmarks/neuron_models_speed.py [--instructor] [--repeat 1]

Executes the source notebook (all answers filled in) headless, as grading does: by default as a
student's kernel sees it (no `solutions` on the path, hidden checks only publish their results),
with --instructor as nbval does (the repository root on PYTHONPATH, hidden checks compare with the
reference in the kernel). Prints the wall time of every cell that takes more than 0.2 s (figure
cells marked), the sum over figure cells and the whole notebook. The goal in issue #10 is under
60 s on 2 cores.

Measured on the shared 2-core development machine with a load average of 7 from other jobs
(so pessimistic; 1 Dec 2026), student/grading mode, seconds per figure cell: phase portraits
1.0, LIF/QIF F-I curves 1.3, fits 1.9, HH F-I curve (31 currents x 200 ms at 0.01 ms) 4.5,
Connor-Stevens g_A sweep (4 x 31 neurons x 250 ms) 13.3, ELIF/AdEx step and random step 2.3,
parameter effects (12 runs of 500 ms) 4.2, Naud patterns 1.4, ELIF/AdEx F-I curves 1.7, AdEx
slider 0.8, HH slider 1.0. Figure cells 33 s, all cells 42 s, 45 s with kernel start-up.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "source" / "neuron_models" / "neuron_models.ipynb"


def _seconds(cell):
    timing = cell.metadata.get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except KeyError:
        return 0.0
    return (end - start).total_seconds()


def run_once(instructor: bool):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    os.environ["COURSE_HEADLESS"] = "1"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    if instructor:
        os.environ["PYTHONPATH"] = str(ROOT)
    else:
        os.environ.pop("PYTHONPATH", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=True,
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    wall = time.perf_counter() - start
    cells = [(c.metadata["nbgrader"]["grade_id"], _seconds(c),
              any(o.get("data", {}).get("image/png") for o in c.outputs))
             for c in nb.cells if c.cell_type == "code"]
    return wall, cells


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructor", action="store_true",
                        help="solutions on the path: hidden checks compare in the kernel")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"mode: {'instructor' if args.instructor else 'student/grading'}")
    for run in range(args.repeat):
        wall, cells = run_once(args.instructor)
        print(f"\nrun {run + 1}:")
        for grade_id, seconds, figure in cells:
            if seconds > 0.2:
                print(f"  {grade_id:28s} {seconds:6.2f} s{'  (figure)' if figure else ''}")
        figures = sum(s for _, s, f in cells if f)
        print(f"  figure cells: {figures:.1f} s; all cells: {sum(s for _, s, _ in cells):.1f} s; "
              f"wall time with kernel start: {wall:.1f} s")


if __name__ == "__main__":
    main()
