"""The adversarial corpus: submissions of `leaky_integrators` that attack or break the grader.

Each case writes one student's hand-in built from the release notebook and states what grading
must give: `auto` (automatic points), or `problem` (a text the failure reason contains). Most
cases start from a blank release, so any point they get is a point they did not earn; a few start
from an honest solution and must keep its 16 points. `isolation=True` marks attacks that only
the sandbox kernel stops (reading or writing files by path; exhausting memory).
"""
from __future__ import annotations

import copy
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

ROOT = Path(__file__).resolve().parents[1]
A = "leaky_integrators"
RELEASE = ROOT / "release" / A / f"{A}.ipynb"


def _correct_answers() -> dict:
    spec = importlib.util.spec_from_file_location("build_submissions",
                                                  ROOT / "examples" / "build_submissions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CORRECT


CORRECT = _correct_answers()


@dataclass
class Case:
    name: str
    build: Callable[[Path], None]       # writes <folder>/<name>/leaky_integrators/...
    auto: float | None = None
    problem: str | None = None
    isolation: bool = False
    flag: str | None = None             # text expected among the static-check flags
    auto_max: float = 16


def release() -> nbformat.NotebookNode:
    return nbformat.read(RELEASE, as_version=4)


def answered(answers: dict, nb=None) -> nbformat.NotebookNode:
    nb = nb or release()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[grade_id]
    return nb


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _folder(root: Path, name: str) -> Path:
    folder = root / name / A
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def notebook_case(name, make_nb, **expected) -> Case:
    def build(root):
        nbformat.write(make_nb(), _folder(root, name) / f"{A}.ipynb")
    return Case(name, build, **expected)


def bytes_case(name, data: bytes, filename=f"{A}.ipynb", **expected) -> Case:
    def build(root):
        (_folder(root, name) / filename).write_bytes(data)
    return Case(name, build, **expected)


WRONG_LEAKY = "def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):\n" \
              "    return np.zeros(np.shape(input_data))\n"


def with_prefix(prefix: str, grade_id: str = "leaky_integrator", body: str = WRONG_LEAKY):
    """A blank notebook whose `grade_id` answer is `prefix` followed by a wrong function."""
    return lambda: answered({grade_id: prefix + "\n" + body})


def _edited_tests():
    nb = answered({"leaky_integrator": WRONG_LEAKY})
    cell(nb, "test_leaky_integrator").source = "pass  # my tests"
    return nb


def _deleted_test():
    nb = answered({"input_data": CORRECT["input_data"]})
    nb.cells.remove(cell(nb, "test_input_data"))
    return nb


def _changed_metadata():
    nb = answered({"input_data": "input_data = np.zeros(1000)"})
    meta = cell(nb, "test_input_data").metadata["nbgrader"]
    meta["points"] = 100
    cell(nb, "test_leaky_integrator").metadata["nbgrader"]["grade"] = False
    cell(nb, "test_band_pass").metadata["nbgrader"]["grade_id"] = "my_own_id"
    cell(nb, "input_data").metadata["nbgrader"]["locked"] = True
    return nb


def _duplicated_cell():
    nb = answered({"input_data": CORRECT["input_data"]})
    test = cell(nb, "test_input_data")
    twin = copy.deepcopy(test)
    twin.source = "pass"
    twin.id = "twin-cell"
    nb.cells.insert(nb.cells.index(test) + 1, twin)
    return nb


def _other_assignment():
    nb = release()
    for c in nb.cells:
        if "nbgrader" in c.metadata:
            c.metadata["nbgrader"]["grade_id"] = "other_" + c.metadata["nbgrader"]["grade_id"]
    return nb


def _honest_with_warnings():
    answers = dict(CORRECT)
    answers["leaky_integrator"] = "import warnings\n" + CORRECT["leaky_integrator"].replace(
        "    h = dt / tau\n",
        "    h = dt / tau\n    warnings.warn('careful: Euler step', UserWarning)\n"
        "    np.log(np.zeros(1))  # RuntimeWarning: divide by zero\n")
    return answered(answers)


FAKE_SOURCE = '''
import json, pathlib
source = pathlib.Path("../../../source/leaky_integrators/leaky_integrators.ipynb")
for c in json.loads(source.read_text())["cells"]:
    text = "".join(c["source"])
    if text.startswith("def leaky_integrator"):
        exec(text.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
'''

LOAD_REFERENCE_BY_PATH = '''
import importlib.util, pathlib
path = pathlib.Path("../../../solutions/leaky.py").resolve()
spec = importlib.util.spec_from_file_location("ref", path)
ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
leaky_integrator = ref.leaky_integrator
'''

WRITE_GRADEBOOK = '''
import sqlite3
db = sqlite3.connect("../../../gradebook.db")
db.execute("update grade set auto_score = 1000")
db.commit()
'''

FORK_BOMB = """
import os, time
children = 0
while True:
    try:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
    except OSError:
        break
print("processes started:", children)
"""

THREAD_BOMB = """
import threading, time
threads = []
try:
    while True:
        t = threading.Thread(target=time.sleep, args=(600,), daemon=True)
        t.start()
        threads.append(t)
except RuntimeError:
    pass
"""

PORT_HOG = """
import socket
held = []
for port in range(20000, 22000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); s.listen(); held.append(s)
    except OSError:
        s.close()
"""

DISPLAY_FLOOD = """
import time
for _ in range(8):
    display({"text/plain": "x" * (32 * 1024 ** 2)}, raw=True)
    time.sleep(0.2)
"""

FORGED_CONSOLE = """
import os, sys
os.write(1, b"FORGED-CONSOLE ada leaky_integrators 16/16\\n")
os.write(2, b"FORGED-CONSOLE on stderr\\n")
sys.__stdout__.write("FORGED-CONSOLE via sys.__stdout__\\n"); sys.__stdout__.flush()
"""

CASES = [
    notebook_case("import_solutions", with_prefix(
        "from solutions.leaky import leaky_integrator", body=""), auto=0,
        flag="import solutions"),
    notebook_case("load_reference_by_path", with_prefix(LOAD_REFERENCE_BY_PATH, body=""),
                  auto=0, isolation=True, flag="names a grader file"),
    notebook_case("read_source_notebook", with_prefix(FAKE_SOURCE, body=""), auto=0,
                  isolation=True, flag="exec()"),
    notebook_case("write_gradebook", with_prefix(WRITE_GRADEBOOK), auto=0, isolation=True,
                  flag="import sqlite3"),
    notebook_case("patch_numpy_testing", with_prefix(
        "import numpy.testing\nnp.allclose = lambda *a, **k: True\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None\n"
        "np.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)"), auto=0,
        flag="monkeypatching"),
    notebook_case("patch_check_function", with_prefix(
        "import course.checking\ncourse.checking.check = lambda *a, **k: None\n"
        "np.allclose = lambda *a, **k: True"), auto=0, flag="course.checking"),
    notebook_case("forged_partial_credit", with_prefix(
        "import course.checking\ncourse.checking.check = lambda *a, **k: 3.0\n"
        "np.allclose = lambda *a, **k: True"), auto=0, flag="course.checking"),
    notebook_case("patch_builtins_and_asserts", with_prefix(
        "import builtins\nbuiltins.isinstance = lambda *a: True\n"
        "builtins.AssertionError = type('Quiet', (Exception,), {})\n"
        "get_ipython().showtraceback = lambda *a, **k: None"), auto=0, flag="builtins"),
    notebook_case("always_equal", with_prefix("", body=
        "class Anything(np.ndarray):\n"
        "    def __eq__(self, other): return np.ones(np.shape(self), bool)\n"
        "def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):\n"
        "    return np.zeros(np.shape(input_data)).view(Anything)\n"
        "np.allclose = lambda *a, **k: True"), auto=0),
    notebook_case("os_exit", with_prefix("import os\nos._exit(1)", grade_id="input_data"),
                  auto=0, flag="kills the kernel"),
    notebook_case("sys_exit", with_prefix("import sys\nsys.exit(0)", grade_id="input_data"),
                  auto=0, flag="stops the kernel"),
    notebook_case("loop_at_top_level", with_prefix("while True:\n    pass",
                                                   grade_id="input_data"), auto=0),
    notebook_case("loop_in_function", with_prefix("", body=
        "def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):\n    while True:\n        pass"),
        auto=0),
    notebook_case("swallow_interrupt", with_prefix(
        "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
        "    except KeyboardInterrupt:\n        pass", grade_id="input_data"), auto=0),
    notebook_case("memory_bomb", with_prefix(
        "hog = []\nwhile True:\n    hog.append(bytearray(200 * 1024 ** 2))",
        grade_id="input_data"), auto=0, isolation=True),
    notebook_case("fork_bomb", with_prefix(FORK_BOMB, grade_id="input_data"), auto=0),
    notebook_case("thread_bomb", with_prefix(THREAD_BOMB, grade_id="input_data"), auto=0),
    notebook_case("port_hog", with_prefix(PORT_HOG, grade_id="input_data"), auto=0),
    notebook_case("display_flood", with_prefix(DISPLAY_FLOOD, grade_id="input_data"), auto=0),
    notebook_case("forged_console_output", with_prefix(FORGED_CONSOLE, grade_id="input_data"),
                  auto=0),
    notebook_case("honest_beside_attacks", lambda: answered(CORRECT), auto=16),
    notebook_case("million_lines", with_prefix("for i in range(1_000_000):\n    print(i)",
                                               grade_id="input_data"), auto=0),
    notebook_case("one_50mb_line", with_prefix("print('x' * 50_000_000)",
                                               grade_id="input_data"), auto=0),
    notebook_case("edited_visible_tests", _edited_tests, auto=0),
    notebook_case("deleted_test_cell", _deleted_test, auto=1),
    notebook_case("changed_metadata", _changed_metadata, auto=0),
    notebook_case("duplicated_grade_id", _duplicated_cell, auto=1),
    notebook_case("honest_with_warnings", _honest_with_warnings, auto=16),
    notebook_case("other_assignment", _other_assignment, problem="belong to leaky_integrators"),
    bytes_case("invalid_json", b'{"cells": [', problem="not valid JSON"),
    bytes_case("empty_file", b"", problem="empty"),
    bytes_case("non_utf8", b'{"cells": [], "note": "\xff\xfe"}', problem="not UTF-8"),
    bytes_case("wrong_name", b"{}", filename="leaky_integrators_final.ipynb",
               problem="missing notebook"),
    Case("missing_notebook", lambda root: _folder(root, "missing_notebook"),
         problem="missing notebook"),
]


# ----- issue 8: results belong to their cell, only the grader decides, no oracle, intake, XSS ----

def _stolen(check: str, target: str) -> str:
    """Correct results of a hidden check, as an attacker who copied them from someone would
    hold them (computed here with the reference)."""
    import json

    from course.grading.compare import results_of
    return json.dumps({"check": f"{A}.{check}", "results": results_of(f"{A}.{check}", target)})


#: Partial credit of CORRECT_ONLY_ON_VISIBLE in test_leaky_integrator (1 of 9 hidden cases).
ONLY_VISIBLE_POINTS = 0.25

CORRECT_ONLY_ON_VISIBLE = """
def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):
    x = np.asarray(input_data, dtype=float)
    if tau != 10.0:                      # right only for what the visible tests try
        return np.zeros(x.shape) if x.ndim != 2 else np.zeros(x.shape)
    out = np.empty_like(x); v = v0
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v); out[..., n] = v
    return out
"""

WRONG_ON_VISIBLE = """
_right = leaky_integrator
def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):
    if np.shape(input_data) == (1000,) and tau == 10.0:   # wrong exactly on the visible case
        return np.zeros(1000)
    return _right(input_data, tau, dt=dt, v0=v0)
"""

DROP_ASSERTS = """
import ast as _ast
class _NoAsserts(_ast.NodeTransformer):
    def visit_Assert(self, node):
        return _ast.Pass()
def _drop_asserts(lines):
    try:
        tree = _NoAsserts().visit(_ast.parse("".join(lines)))
    except SyntaxError:
        return lines
    return [_ast.unparse(tree) + "\\n"]
get_ipython().input_transformers_post.append(_drop_asserts)
"""

SWALLOW_AND_REPUBLISH = """
import re
from course.checking import check as _check
get_ipython().showtraceback = lambda *a, **k: None
def _republish(result):
    names = re.findall(r"check\\(\\"([\\w.]+)\\", (\\w+)\\)", result.info.raw_cell)
    if result.error_in_exec is not None:
        for name, var in names:
            _check(name, globals()[var])
get_ipython().events.register("post_run_cell", _republish)
"""


def _display_update_rewrite():
    """The test cell's own (wrong) results get a display_id; a later cell replaces them with
    correct results."""
    patch = ("import IPython.display as _d\n_plain = _d.display\n"
             "def _with_id(*a, **k):\n    k.setdefault('display_id', 'grab')\n"
             "    return _plain(*a, **k)\n_d.display = _with_id\n")
    nb = answered({"leaky_integrator": patch + CORRECT_ONLY_ON_VISIBLE})
    stolen = _stolen("leaky_integrator", "solutions.leaky:leaky_integrator")
    cell(nb, "high_pass").source = (
        "import json\n_d.display({'application/vnd.course.check+json': json.loads(%r), "
        "'text/plain': 'x'}, raw=True, display_id='grab', update=True)\n" % stolen)
    return nb


def _display_update_in_own_cell():
    """Within the test cell itself: the check's (wrong) results get a display_id, and a
    post-run hook replaces them by correct results with a display update before the cell ends."""
    patch = ("import IPython.display as _d, json\n_plain = _d.display\n"
             "def _with_id(*a, **k):\n    k.setdefault('display_id', 'grab')\n"
             "    return _plain(*a, **k)\n_d.display = _with_id\n"
             "def _swap(result):\n    if 'leaky_integrators.leaky_integrator' in result.info.raw_cell:\n"
             "        _plain({'application/vnd.course.check+json': json.loads(%r), 'text/plain': 'x'},"
             " raw=True, display_id='grab', update=True)\n"
             "get_ipython().events.register('post_run_cell', _swap)\n"
             % _stolen("leaky_integrator", "solutions.leaky:leaky_integrator"))
    return answered({"leaky_integrator": patch + CORRECT_ONLY_ON_VISIBLE})


def _payload_in_answer_cell():
    stolen = _stolen("leaky_integrator", "solutions.leaky:leaky_integrator")
    return answered({"leaky_integrator": WRONG_LEAKY + "import json\ndisplay({"
                     "'application/vnd.course.check+json': json.loads(%r), 'text/plain': 'x'},"
                     " raw=True)\n" % stolen})


def _stolen_payload_in_hook():
    """A pre-run hook publishes copied correct results while the test cell runs, and the
    visible asserts' error is swallowed: the student's own check still publishes its (wrong)
    results, so the check was published twice."""
    stolen = _stolen("leaky_integrator", "solutions.leaky:leaky_integrator")
    hook = ("import json\nfrom IPython.display import display as _show\n"
            "def _inject(info):\n    if 'leaky_integrators.leaky_integrator' in info.raw_cell:\n"
            "        _show({'application/vnd.course.check+json': json.loads(%r), "
            "'text/plain': 'x'}, raw=True)\n"
            "get_ipython().events.register('pre_run_cell', _inject)\n" % stolen)
    return answered({"leaky_integrator": hook + CORRECT_ONLY_ON_VISIBLE})


STEAL_FROM_OTHER_KERNELS = r'''
import glob, json, re, threading, time
import zmq
_stolen = {}
def _listen():
    ctx, seen, poller = zmq.Context.instance(), set(), zmq.Poller()
    end = time.time() + 60
    while time.time() < end:
        for path in glob.glob("/tmp/course-kernel-*/ipc/*") + glob.glob("/tmp/*/ipc/*"):
            if path not in seen:
                seen.add(path)
                s = ctx.socket(zmq.SUB); s.setsockopt(zmq.SUBSCRIBE, b"")
                s.connect("ipc://" + path); poller.register(s, zmq.POLLIN)
        for s, _ in poller.poll(200):
            for part in s.recv_multipart():
                if b"application/vnd.course.check+json" in part:
                    try:
                        data = json.loads(part)["data"]["application/vnd.course.check+json"]
                        _stolen[data["check"]] = data
                    except Exception:
                        pass
threading.Thread(target=_listen, daemon=True).start()
def _republish(info):
    for name in re.findall(r'check\("([\w.]+)"', info.raw_cell):
        for _ in range(50):
            if name in _stolen:
                display({"application/vnd.course.check+json": _stolen[name], "text/plain": "x"},
                        raw=True)
                break
            time.sleep(0.1)
get_ipython().events.register("pre_run_cell", _republish)
'''

SCRIPT_OUTPUTS = """
display({"text/html": "<b>hi</b><script>alert('XSS-HTML')</script><img src=x onerror=alert('XSS-IMG')>",
         "application/javascript": "alert('XSS-JS')", "text/plain": "x"}, raw=True)
"""


def _script_injection():
    nb = answered({"input_data": "input_data = np.zeros(1000)\n" + SCRIPT_OUTPUTS})
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type == "markdown" and meta.get("solution"):
            c.source = "My answer <script>alert('XSS-MD')</script>"
    return nb


def _nbformat3(root):
    nb = nbformat.convert(answered(CORRECT), 3)
    (_folder(root, "nbformat3") / f"{A}.ipynb").write_text(nbformat.writes(nb, version=3))


def _oversized(root):
    nb = answered(CORRECT)
    cell(nb, "input_data").outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text="x" * (21 * 1024 * 1024))]
    nbformat.write(nb, _folder(root, "oversized_notebook") / f"{A}.ipynb")


def _symlinked_student(root):
    (root / "symlinked_student_folder").symlink_to(root / "honest_beside_attacks")


def _symlinked_assignment(root):
    (root / "symlinked_assignment_folder").mkdir()
    (root / "symlinked_assignment_folder" / A).symlink_to(root / "honest_beside_attacks" / A)


def _symlinked_to_source(root):
    (_folder(root, "symlinked_notebook_to_source") / f"{A}.ipynb").symlink_to(
        ROOT / "source" / A / f"{A}.ipynb")


def _hidden_named(name):
    def build(root):
        nbformat.write(answered(CORRECT), _folder(root, name) / f"{A}.ipynb")
    return build



CASES += [
    # Results belong to their cell; only the grader's comparison decides a test cell.
    # CORRECT_ONLY_ON_VISIBLE earns, with or without the attack, the share of leaky_integrator's
    # hidden cases it passes: 1 of 9 (the visible case), 3 x 1/9 rounded down to 1/8 = 0.25.
    notebook_case("display_update_rewrites_test_cell", _display_update_rewrite,
                  auto=ONLY_VISIBLE_POINTS),
    notebook_case("display_update_in_own_test_cell", _display_update_in_own_cell,
                  auto=ONLY_VISIBLE_POINTS),
    notebook_case("payload_in_answer_cell", _payload_in_answer_cell, auto=0),
    notebook_case("stolen_payload_in_pre_run_hook", _stolen_payload_in_hook, auto=0),
    notebook_case("steal_from_other_kernels", with_prefix(STEAL_FROM_OTHER_KERNELS), auto=0,
                  isolation=True),
    # Right answer for input_data (1 point); leaky_integrator wrong exactly on the visible case:
    # it passes 8 of its 9 hidden cases, 3 x 8/9 rounded down to 1/8 = 2.625, dropped asserts or
    # not (the hidden check runs before the visible asserts).
    notebook_case("visible_asserts_dropped", lambda: answered(
        {"input_data": CORRECT["input_data"], "leaky_integrator": CORRECT["leaky_integrator"]
         + WRONG_ON_VISIBLE + DROP_ASSERTS}), auto=1 + 2.625),
    # The same code without the attack: the same score, so dropping the asserts gains nothing.
    notebook_case("wrong_on_visible_honest", lambda: answered(
        {"input_data": CORRECT["input_data"], "leaky_integrator": CORRECT["leaky_integrator"]
         + WRONG_ON_VISIBLE}), auto=1 + 2.625),
    notebook_case("error_swallowed_and_check_republished", lambda: answered(
        {"input_data": CORRECT["input_data"], "leaky_integrator": CORRECT["leaky_integrator"]
         + WRONG_ON_VISIBLE + SWALLOW_AND_REPUBLISH}), auto=1),
    # Feedback is no oracle (tests/test_adversarial.py reads its feedback page).
    notebook_case("feedback_oracle", with_prefix("", body=CORRECT_ONLY_ON_VISIBLE),
                  auto=ONLY_VISIBLE_POINTS),
    # No active content in autograded notebooks and feedback (checked there too).
    notebook_case("script_injection", _script_injection, auto=0),
    # Intake: links never followed, every folder a row, old formats, size.
    Case("symlinked_student_folder", _symlinked_student, problem="symbolic link"),
    Case("symlinked_assignment_folder", _symlinked_assignment, problem="symbolic link"),
    Case("symlinked_notebook_to_source", _symlinked_to_source, problem="symbolic link"),
    Case(".hidden", _hidden_named(".hidden"), problem="must start with a letter or digit"),
    Case("...", _hidden_named("..."), problem="must start with a letter or digit"),
    Case("nbformat3", _nbformat3, auto=16),
    Case("oversized_notebook", _oversized, problem="MB a hand-in may have"),
]
