"""The grading sandbox (course.grading.sandbox): what student code in a grading kernel can reach.

Kernels are started like the grader starts them: jupyter_client with kernel_name
"course-sandbox" from a kernelspec installed into a temporary JUPYTER_PATH, the IPC transport in
a kernel folder of its own, working directory autograded/alice/a/ of a throw-away course folder
that holds a reference, a gradebook and another student's files. Every check runs as code in
that kernel.
"""
import json
import os
import sqlite3
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from course.grading import sandbox

OK, REASON = sandbox.available()
if not OK:
    pytest.skip(f"the sandbox is not available here: {REASON}", allow_module_level=True)

from jupyter_client import KernelManager  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
LIMITS = sandbox.Limits(cpu_seconds=120, memory_mb=3072, file_mb=8, processes=64,
                        open_files=256, tmp_mb=64)


# ----- fixtures and helpers -----------------------------------------------------------------

@pytest.fixture(scope="module")
def course_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "solutions").mkdir()
    (root / "solutions" / "__init__.py").write_text("")
    (root / "solutions" / "secret.py").write_text("ANSWER = 42\n")
    with sqlite3.connect(root / "gradebook.db") as db:
        db.execute("create table grade(student, score)")
        db.execute("insert into grade values ('bob', 3)")
    (root / "grades.csv").write_text("student,score\nbob,3\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    for folder in ("source/a", "submitted/bob/a", "feedback/bob/a", "autograded/bob/a",
                   "autograded/alice/a"):
        (root / folder).mkdir(parents=True)
        (root / folder / "a.ipynb").write_text("{}")
    (root / "autograded" / "alice" / "a" / "data.txt").write_text("alice's data\n")
    return root


def _spec(root, limits, tmp_path_factory):
    return sandbox.install_kernelspec(root, limits, tmp_path_factory.mktemp("kernels"))


def kernel_folder() -> str:
    """A kernel folder as BudgetedExecute makes it: course-kernel-*/ipc/."""
    folder = tempfile.mkdtemp(prefix=sandbox.KERNEL_DIR_PREFIX)
    os.mkdir(os.path.join(folder, "ipc"), 0o700)
    return folder


def start(data_dir, root, monkeypatch_env, student="alice"):
    """A sandboxed kernel for `student`, started as the grader does; returns (manager, client);
    the manager's `kernel_folder` holds the sockets and sandbox.log."""
    monkeypatch_env.setenv("JUPYTER_PATH", str(data_dir))
    folder = kernel_folder()
    km = KernelManager(kernel_name=sandbox.KERNEL_NAME, transport="ipc",
                       ip=os.path.join(folder, "ipc", "kernel"))
    km.kernel_folder = folder
    # The grader's environment carries things the kernel must not get.
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{REPO}", "GRADER_TOKEN": "s3cret"}
    km.start_kernel(cwd=str(root / "autograded" / student / "a"), env=env,
                    extra_arguments=KERNEL_ARGS)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def run(kc, code, timeout=60):
    """Execute `code`; return (stdout, stderr, error name or None, rich output MIME types)."""
    out, err, mimes, error = [], [], [], []

    def hook(msg):
        content = msg["content"]
        if msg["msg_type"] == "stream":
            (out if content["name"] == "stdout" else err).append(content["text"])
        elif msg["msg_type"] == "error":
            error.append(f"{content['ename']}: {content['evalue']}")
        elif msg["msg_type"] in ("display_data", "execute_result"):
            mimes.extend(content["data"])

    kc.execute_interactive(code, output_hook=hook, timeout=timeout)
    return "".join(out), "".join(err), (error[0] if error else None), mimes


def value(kc, expression):
    """The value of a Python expression evaluated in the kernel (must be JSON-able)."""
    out, err, error, _ = run(kc, f"import json as _j, os, resource, sys\n"
                                  f"print(_j.dumps({expression}))")
    assert error is None, error + err
    return json.loads(out)


def fails(kc, code) -> str:
    """Run `code`, which must raise; return the error."""
    _, _, error, _ = run(kc, "import os\n" + code)
    assert error, f"this should have failed in the sandbox:\n{code}"
    return error


def descendants(pid: int) -> set[int]:
    """Host PIDs of every process below `pid`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            pass
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def sandboxed(course_root, tmp_path_factory):
    data = _spec(course_root, LIMITS, tmp_path_factory)
    with pytest.MonkeyPatch.context() as mp:
        km, kc = start(data, course_root, mp)
        yield km, kc
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture
def kernel(sandboxed):
    return sandboxed[1]


# ----- identity, processes, environment -----------------------------------------------------

def test_kernel_runs_unprivileged_alone_in_its_pid_namespace(kernel):
    uid, euid, gid, groups = value(kernel, "[os.getuid(), os.geteuid(), os.getgid(), "
                                           "os.getgroups()]")
    assert uid == euid == gid != 0 and groups in ([], [gid])
    if os.geteuid() == 0:       # as root: a uid of the kernel's own from the pool
        assert sandbox.UID_BASE <= uid < sandbox.UID_BASE + sandbox.UID_POOL
    status = value(kernel, "open('/proc/self/status').read()")
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert fields["CapEff"].strip("0\n") == "" and fields["CapBnd"].strip("0\n") == ""
    assert fields["NoNewPrivs"].strip() == "1"
    # bwrap's reaper is PID 1, the kernel PID 2: nothing else of the machine is visible.
    assert value(kernel, "sorted(int(p) for p in os.listdir('/proc') if p.isdigit())") == [1, 2]


def test_two_kernels_have_their_own_identity_and_process_budget(course_root, tmp_path_factory):
    """A fork bomb's worth of threads in one kernel leaves the other able to start threads:
    the process limit counts each kernel alone (it was shared by every kernel before)."""
    data = _spec(course_root, LIMITS, tmp_path_factory)
    with pytest.MonkeyPatch.context() as mp:
        first, second = start(data, course_root, mp), start(data, course_root, mp, "bob")
        try:
            hog = ("import threading, time\nthreads = []\ntry:\n    while True:\n"
                   "        t = threading.Thread(target=time.sleep, args=(60,), daemon=True)\n"
                   "        t.start(); threads.append(t)\nexcept RuntimeError:\n"
                   "    print(len(threads))")
            out, _, error, _ = run(first[1], hog)
            assert error is None and 30 < int(out) < LIMITS.processes
            started = value(second[1], "__import__('threading').Thread(target=print).start() "
                                       "or 'started'")
            assert started == "started"
            assert value(first[1], "os.getuid()") != value(second[1], "os.getuid()") or \
                os.geteuid() != 0
        finally:
            for km, kc in (first, second):
                kc.stop_channels()
                km.shutdown_kernel(now=True)


def test_no_network_not_even_the_grader_on_loopback(kernel):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        error = fails(kernel, f"import socket\nsocket.create_connection(('127.0.0.1', {port}), "
                              "timeout=2)")
        assert "ConnectionRefused" in error or "OSError" in error or "timed out" in error
        interfaces = value(kernel, "[l.split(':')[0].strip() for l in "
                                   "open('/proc/net/dev').read().splitlines()[2:]]")
        assert interfaces == ["lo"]
    finally:
        server.close()


def test_kernel_output_goes_to_its_log_not_the_graders_terminal(course_root, tmp_path_factory,
                                                                capfd):
    data = _spec(course_root, LIMITS, tmp_path_factory)
    with pytest.MonkeyPatch.context() as mp:
        km, kc = start(data, course_root, mp)
        try:
            run(kc, "import os\nos.write(1, b'FORGED SCORE 100/100\\n')\n"
                    "os.write(2, b'to stderr\\n')")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    deadline = time.monotonic() + 10
    log = Path(km.kernel_folder) / sandbox.LOG_NAME
    while time.monotonic() < deadline and "FORGED" not in (log.read_text() if log.exists()
                                                          else ""):
        time.sleep(0.1)
    assert "  | FORGED SCORE 100/100" in log.read_text()     # labelled, in the kernel's log
    assert "FORGED" not in capfd.readouterr().out + capfd.readouterr().err


def test_environment_is_clean(kernel):
    env = value(kernel, "dict(os.environ)")
    assert "PYTHONPATH" not in env and "GRADER_TOKEN" not in env and "JUPYTER_PATH" not in env
    assert env["HOME"] == "/tmp" and env["MPLCONFIGDIR"] == "/tmp/mpl"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_resource_limits_are_set(kernel):
    limits = value(kernel, "{r: resource.getrlimit(getattr(resource, 'RLIMIT_' + r)) for r in "
                           "('CPU', 'AS', 'FSIZE', 'NPROC', 'NOFILE', 'CORE')}")
    mib = 1024 * 1024
    assert limits == {"CPU": [120, 120], "AS": [3072 * mib] * 2, "FSIZE": [8 * mib] * 2,
                      "NPROC": [64, 64], "NOFILE": [256, 256], "CORE": [0, 0]}


def test_tmp_and_shared_memory_are_small_and_private(kernel):
    assert "OSError" in fails(kernel, "open('/tmp/fill', 'wb').write(bytes(70 * 1024 ** 2))")
    assert "OSError" in fails(kernel, "open('/dev/shm/fill', 'wb').write(bytes(20 * 1024 ** 2))")


# ----- files --------------------------------------------------------------------------------

def test_reference_cannot_be_read_or_imported(kernel, course_root):
    fails(kernel, f"open({str(course_root / 'solutions' / 'secret.py')!r}).read()")
    fails(kernel, f"open({str(REPO / 'solutions' / '__init__.py')!r}).read()")
    assert "ModuleNotFoundError" in fails(kernel, "import solutions")


def test_gradebook_cannot_be_written(kernel, course_root):
    db = str(course_root / "gradebook.db")
    fails(kernel, f"open({db!r}, 'r+b')")
    fails(kernel, f"import sqlite3\nsqlite3.connect({db!r}).execute('create table x(a)')")
    with sqlite3.connect(course_root / "gradebook.db") as check:
        assert check.execute("select * from grade").fetchall() == [("bob", 3)]


def test_course_files_and_other_students_are_hidden(kernel, course_root):
    fails(kernel, f"os.listdir({str(course_root / 'autograded' / 'bob')!r})")
    for name in ("grades.csv", ".git", "source", "submitted", "feedback", "gradebook.db",
                 "solutions"):
        assert not value(kernel, f"os.path.exists({str(course_root / name)!r})"), name
    assert value(kernel, f"os.listdir({str(course_root / 'autograded')!r})") == ["alice"]
    # Of /root only what holds the interpreter is there (here /root/.pyenv), if anything.
    shown = {Path(p).resolve().parts[2] for p in (sys.prefix, sys.base_prefix)
             if Path(p).resolve().parts[1] == "root"}
    assert set(value(kernel, "os.listdir('/root') if os.path.isdir('/root') else []")) == shown
    assert not value(kernel, f"os.path.exists({str(REPO / 'gradebook.db')!r})")


def test_own_folder_is_a_private_writable_copy(kernel, course_root):
    here = course_root / "autograded" / "alice" / "a"
    assert value(kernel, "os.getcwd()") == str(here)
    assert value(kernel, "open('data.txt').read()") == "alice's data\n"
    assert value(kernel, "open('result.txt', 'w').write('x')") == 1
    assert sorted(value(kernel, "os.listdir('.')")) == ["a.ipynb", "data.txt", "result.txt"]
    assert value(kernel, "open('/tmp/scratch', 'w').write('x')") == 1
    assert not (here / "result.txt").exists(), "the kernel must not write the grader's folder"


def test_code_and_interpreter_are_read_only(kernel):
    for folder in ("os.path.dirname(course.__file__)", "sys.prefix", "sys.base_prefix",
                   "'/usr/lib'", "'/'"):
        fails(kernel, f"import course, sys\nopen(os.path.join({folder}, 'planted.py'), 'w')")


def test_libraries_import_and_plot_inline_without_stderr(kernel):
    out, err, error, mimes = run(kernel, "import numpy, scipy, matplotlib, course\n"
                                         "import matplotlib.pyplot as plt\n"
                                         "plt.plot([0, 1]); plt.show()")
    assert error is None and err == "", error or err
    assert "image/png" in mimes


def test_big_file_fails_instead_of_filling_the_disk(kernel):
    assert "OSError" in fails(kernel, "open('big.bin', 'wb').write(bytes(9 * 1024 ** 2))")


def test_memory_bomb_raises_memory_error(kernel):
    assert fails(kernel, "hog = bytearray(4 * 1024 ** 3)").startswith("MemoryError")
    assert value(kernel, "1 + 1") == 2


def test_interrupt_stops_a_loop(sandboxed):
    """nbgrader interrupts a cell on timeout: the interrupt (a message) must reach the kernel."""
    km, kc = sandboxed
    msg_id = kc.execute("while True:\n    pass")
    time.sleep(1.0)
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == \
        "KeyboardInterrupt"
    assert km.is_alive() and value(kc, "2 + 2") == 4


# ----- the CPU limit and lingering processes --------------------------------------------------

def test_cpu_limit_kills_the_kernel_and_every_process_it_started(course_root, tmp_path_factory):
    data = _spec(course_root, sandbox.Limits(cpu_seconds=3), tmp_path_factory)
    with pytest.MonkeyPatch.context() as mp:
        km, kc = start(data, course_root, mp)
        try:
            run(kc, "import subprocess\nsubprocess.Popen(['sleep', '300'], "
                    "start_new_session=True)")
            spawned = descendants(km.provisioner.process.pid)
            assert len(spawned) >= 3                # bwrap, the kernel and its `sleep`
            started = time.monotonic()
            kc.execute("while True:\n    pass")
            while km.is_alive() and time.monotonic() - started < 15:
                time.sleep(0.1)
            assert not km.is_alive(), "the CPU limit did not stop the kernel"
            assert time.monotonic() - started > 1.5
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    time.sleep(0.2)
    assert not [pid for pid in spawned if alive(pid)], "a process of the kernel outlived it"
    assert "CPU limit of 3 s" in (Path(km.kernel_folder) / sandbox.LOG_NAME).read_text()


# ----- through nbgrader ------------------------------------------------------------------------

def test_nbgrader_autograde_runs_the_notebook_in_the_sandbox(tmp_path):
    """The course's own nbgrader configuration plus `kernel_config`: a correct notebook gets full
    automatic points (results are compared outside the kernel) while running as nobody."""
    import nbformat
    from course_copy import copy_course
    from course.build import release_one
    from course.nbgrader_api import make_api

    a = "leaky_integrators"
    (tmp_path / "course").mkdir()
    root = copy_course(tmp_path / "course")
    nb = nbformat.read(REPO / "source" / a / f"{a}.ipynb", as_version=4)
    answer = next(c for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "input_data")
    answer.source = ("import os\nprint('uid', os.getuid(), 'reference visible:', "
                     f"os.path.exists({str(root / 'solutions')!r}))\n" + answer.source)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PYTHONPATH", raising=False)
        data = sandbox.install_kernelspec(root, sandbox.Limits(), tmp_path / "kernels")
        mp.setenv("JUPYTER_PATH", str(data))
        api = make_api(root, sandbox.kernel_config(root))
        release_one(api, root, a)
        (root / "submitted" / "ada" / a).mkdir(parents=True)
        nbformat.write(nb, root / "submitted" / "ada" / a / f"{a}.ipynb")
        result = api.autograde(a, "ada", force=True, create=True)
    assert result["success"], result["log"]
    with api.gradebook as gb:
        submission = gb.find_submission(a, "ada")
        assert submission.code_score == submission.max_code_score == 16
    graded = nbformat.read(root / "autograded" / "ada" / a / f"{a}.ipynb", as_version=4)
    answer = next(c for c in graded.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "input_data")
    text = answer.outputs[0]["text"]
    assert "reference visible: False" in text and "uid 0 " not in text


# ----- the launcher and the grader-side helpers -----------------------------------------------

def test_launcher_refuses_a_folder_outside_autograded_with_a_clear_reason(course_root, tmp_path):
    connection = tmp_path / "connection.json"
    connection.write_text("{}")
    launch = [sys.executable, "-I", "-m", "course.grading.sandbox", "--course-root",
              str(course_root), "-f", str(connection)]
    for cwd in (course_root, course_root / "autograded"):
        done = subprocess.run(launch, cwd=cwd, capture_output=True, text=True, timeout=30)
        assert done.returncode == 2
        assert done.stderr.startswith("course-sandbox: ") and "not a submission folder" in \
            done.stderr
    done = subprocess.run(launch[:-1] + [str(tmp_path / "missing.json")], capture_output=True,
                          text=True, cwd=course_root / "autograded" / "alice" / "a", timeout=30)
    assert done.returncode == 2 and "cannot read the connection file" in done.stderr


def test_launcher_refuses_limits_a_kernel_cannot_start_with(course_root, tmp_path):
    connection = tmp_path / "connection.json"
    connection.write_text("{}")
    done = subprocess.run(
        [sys.executable, "-I", "-m", "course.grading.sandbox", "--course-root", str(course_root),
         "--memory-mb", "100", "-f", str(connection)],
        cwd=course_root / "autograded" / "alice" / "a", capture_output=True, text=True,
        timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith("course-sandbox: ") and "--memory-mb 100 is too small" in \
        done.stderr


def test_launcher_refuses_a_tcp_kernel_with_a_clear_reason(course_root, tmp_path):
    connection = tmp_path / "connection.json"
    connection.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1"}))
    done = subprocess.run(
        [sys.executable, "-I", "-m", "course.grading.sandbox", "--course-root", str(course_root),
         "-f", str(connection)], cwd=course_root / "autograded" / "alice" / "a",
        capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "needs jupyter_client's 'ipc' transport" in done.stderr


def test_launcher_never_imports_code_from_the_students_folder(course_root, tmp_path):
    """The launcher runs as root with the student's folder as working directory: `python -I`
    keeps a planted `course` package there from being imported (and run as root)."""
    folder = course_root / "autograded" / "carol" / "a"
    (folder / "course").mkdir(parents=True)
    marker = tmp_path / "planted-code-ran"
    (folder / "course" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise SystemExit('planted code ran')\n")
    connection = tmp_path / "connection.json"
    connection.write_text("{}")
    launch = ["-m", "course.grading.sandbox", "--course-root", str(course_root), "--memory-mb",
              "100", "-f", str(connection)]
    done = subprocess.run([sys.executable, "-I", *launch], cwd=folder, capture_output=True,
                          text=True, timeout=30)
    assert not marker.exists() and "is too small" in done.stderr
    # The control: without -I the planted package is what Python imports.
    subprocess.run([sys.executable, *launch], cwd=folder, capture_output=True, timeout=30,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert marker.exists()


def test_kernelspec_and_config(course_root, tmp_path):
    data = sandbox.install_kernelspec(course_root, sandbox.Limits(cpu_seconds=7), tmp_path)
    spec = json.loads((data / "kernels" / "course-sandbox" / "kernel.json").read_text())
    argv = spec["argv"]
    assert argv[:4] == [sys.executable, "-I", "-m", "course.grading.sandbox"]
    assert argv[argv.index("--cpu-seconds") + 1] == "7" and argv[-2:] == ["-f",
                                                                          "{connection_file}"]
    assert sandbox.kernel_config(course_root).Execute.kernel_name == "course-sandbox"
    assert sandbox.Limits.from_budget(20).cpu_seconds == 80
    assert sandbox.Limits.from_budget(None) == sandbox.Limits()


def test_paths_below_tmp_stay_visible(course_root, tmp_path):
    """A venv or course package below /tmp (a clone in /tmp) is mounted after the sandbox's own
    /tmp, not hidden by it (CI clones into any folder)."""
    under_tmp = tempfile.mkdtemp(prefix="course-venv-")
    plan = sandbox.plan(str(course_root), str(course_root / "autograded" / "alice" / "a"), b"{}",
                        LIMITS, [under_tmp], [], command=["python"])
    argv = sandbox.bwrap_command(plan, None).argv
    tmp_mount = next(i for i in range(len(argv) - 1) if argv[i:i + 2] == ["--tmpfs", "/tmp"])
    assert argv.index(under_tmp) > tmp_mount
