"""Grading kernels in a bubblewrap sandbox: student code reaches neither the reference, the grades,
the network, nor another student's kernel.

What the sandbox guarantees
---------------------------
nbgrader runs the hidden tests in the student's own kernel, with the grader's privileges
(DESIGN.md section 4, "Threats"). Every grading kernel therefore starts through the kernelspec
`course-sandbox`, whose command is `python -I -m course.grading.sandbox --course-root ROOT ...
-f CONNECTION_FILE`. That launcher builds the sandbox with bubblewrap (`bwrap`, Debian package
`bubblewrap`, a maintained tool that also isolates without root) and stays outside it as a small
supervisor. Inside, for each kernel:

- **Its own file system**, an allow-list: /usr, /etc and /lib* read-only, the interpreter's
  prefixes and the `course` package read-only, a fresh /proc and minimal /dev, size-limited
  memory file systems for /tmp, /dev/shm and the working directory. Nothing else exists: the
  course root with `solutions/`, `source/`, `.git`, the gradebook, `grades.csv`, other students'
  folders, /home, the rest of /root. The root file system is read-only.
- **A private copy of the submission folder** as working directory (regular files, folders and
  symlinks copied in; nothing is followed), so nothing the kernel writes reaches the folder the
  grader reads back, and a planted symlink is never followed by the grader.
- **No network.** A private network namespace holds only a loopback device. The grader talks to
  the kernel over jupyter_client's IPC transport: unix sockets in a folder made for this one
  kernel (`course-kernel-*/ipc`), the only host folder the kernel can write. No ports, so no
  port races between kernels and no way to listen to another kernel's output.
- **Its own PID, IPC and UTS namespaces**: the kernel sees and signals only its own processes,
  and when it ends (or the launcher, or the grading process, dies) every process it started is
  killed (`--die-with-parent`). A new session: no terminal to inject keystrokes into.
- **Its own identity and limits.** As root, every kernel runs as its own unprivileged uid from a
  pool (`UID_BASE` + n, locked for the kernel's lifetime) with no capabilities and no_new_privs;
  without root, it runs in its own user namespace. Either way the process/thread limit
  (RLIMIT_NPROC) counts only this kernel's processes, so a fork bomb in one kernel cannot keep
  another from starting threads. Also per kernel: CPU seconds, address space, file size, open
  files, no core dumps (`prlimit`), and the sizes of /tmp, /dev/shm and the working directory.
- **A clean environment**: PATH, HOME=/tmp, locale, MPLCONFIGDIR (pre-seeded font cache), one
  BLAS thread; nothing else of the grader's.
- **Labelled output**: the kernel's stdout and stderr go to the supervisor, which keeps the last
  few kilobytes in `sandbox.log` beside the sockets (read by the grader when a kernel fails),
  never to the grader's terminal.

Without root (`bwrap` as an ordinary user) all of the above holds, except that the kernel keeps
the grader's uid outside its user namespace: files the grader can read outside the allow-list
are still invisible, because they are not mounted. Machines that forbid unprivileged user
namespaces (some Ubuntu releases by AppArmor policy) cannot sandbox without root: `available()`
then says why, and `course grade --isolate on` refuses to run.

Not covered: total memory across many kernels is bounded only by count x per-kernel limits.

Grader side: `available()` tells whether the sandbox works here and `kernel_argv()` is the
kernelspec command; the executor (`course.grading.executor`) builds the spec from them, once per
worker process, with a private course root of its own.
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import fcntl
import functools
import json
import math
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "course-sandbox"
MiB = 1024 * 1024
PREFIX = "course-sandbox: "
#: As root, kernel n runs as uid/gid UID_BASE + n (no such user exists; no file belongs to it).
UID_BASE, UID_POOL = 1_900_000_000, 4096
LOCK_DIR = "/run/course-sandbox" if os.path.isdir("/run") else "/tmp/course-sandbox"
#: Folder of one kernel, made by the grader: <KERNEL_DIR_PREFIX>*/ipc holds its sockets.
KERNEL_DIR_PREFIX = "course-kernel-"
LOG_NAME = "sandbox.log"
TAIL_BYTES = 8192

# Read-only system paths of the sandbox (symlinks, as in merged-/usr systems, are recreated).
SYSTEM_PATHS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
CONNECTION_FILE = "/run/kernel/connection.json"
MPL_DIR = "/tmp/mpl"
MAX_COPIED_ENTRIES = 2000

#: Passed on to the kernel: no frontend, so sliders draw their figure once (course.widgets).
HEADLESS = "COURSE_HEADLESS"


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one grading kernel (each holds per kernel, whatever else runs).

    cpu_seconds: CPU time of the kernel's processes over its life; the backstop behind the
        per-cell timeout and the submission budget.
    memory_mb: address space per process (RLIMIT_AS). An idle kernel with numpy, scipy and
        matplotlib maps ~1.2 GB, so 3072 leaves ~1.8 GB for student data.
    file_mb: largest file a kernel may write; also the free space of its working directory.
    processes: processes and threads of this kernel (an idle kernel runs ~14 threads).
    open_files: file descriptors per process.
    tmp_mb: size of the kernel's /tmp (memory-backed) and, a quarter of it, of /dev/shm.
    """

    cpu_seconds: int = 300
    memory_mb: int = 3072
    file_mb: int = 100
    processes: int = 64
    open_files: int = 512
    tmp_mb: int = 256

    @classmethod
    def from_budget(cls, budget: float | None) -> "Limits":
        """Limits for a wall-clock budget per submission (seconds; None: the defaults)."""
        if budget is None:
            return cls()
        return cls(cpu_seconds=max(10, math.ceil(budget) + 60))

    def __str__(self) -> str:
        return (f"CPU {self.cpu_seconds} s, memory {self.memory_mb} MB, files {self.file_mb} MB, "
                f"{self.processes} processes, {self.open_files} open files, "
                f"/tmp {self.tmp_mb} MB")


# Below these a kernel cannot even start.
MINIMUM_LIMITS = {"cpu_seconds": 1, "memory_mb": 1024, "file_mb": 1, "processes": 16,
                  "open_files": 64, "tmp_mb": 1}


class SandboxError(RuntimeError):
    """The sandbox cannot be built; the message says why."""


# ================================================================================================
# Grader side
# ================================================================================================

def _course_package_dir() -> Path:
    import course
    return Path(course.__file__).resolve().parent


def _font_cache_dir() -> str | None:
    """The grader's matplotlib cache folder (font list built now if missing)."""
    try:
        import matplotlib
        import matplotlib.font_manager  # noqa: F401  (builds the font list cache if missing)
        return matplotlib.get_cachedir()
    except Exception:
        return None


def kernel_argv(root: Path | str, limits: Limits = Limits()) -> list[str]:
    """The kernelspec command: the launcher of this module with the course root and limits."""
    argv = [sys.executable, "-I", "-m", "course.grading.sandbox",
            "--course-root", str(Path(root).resolve()), "--expose", str(_course_package_dir())]
    for field in dataclasses.fields(Limits):
        argv += ["--" + field.name.replace("_", "-"), str(getattr(limits, field.name))]
    cache = _font_cache_dir()
    if cache:
        argv += ["--font-cache", cache]
    return argv + ["-f", "{connection_file}"]


def install_kernelspec(root: Path | str, limits: Limits = Limits(),
                       directory: Path | str | None = None) -> Path:
    """Write the `course-sandbox` kernelspec; return the data directory to put on JUPYTER_PATH."""
    data = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="course-kernels-"))
    spec_dir = data / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    # Interrupts travel as messages: the kernel is in its own session, out of signal reach.
    spec = {"argv": kernel_argv(root, limits),
            "display_name": "Python 3 (course grading sandbox)",
            "language": "python",
            "interrupt_mode": "message",
            "metadata": {"debugger": False}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return data


def kernel_config(root: Path | str | None = None, limits: Limits | None = None):
    """nbgrader config that runs notebooks in the `course-sandbox` kernel."""
    from traitlets.config import Config

    config = Config()
    config.Execute.kernel_name = KERNEL_NAME
    return config


@functools.lru_cache(maxsize=1)
def available() -> tuple[bool, str]:
    """(True, description) if kernels can be sandboxed here, else (False, reason).

    Builds a real sandbox around a throw-away course folder and runs a small check in it.
    """
    if not sys.platform.startswith("linux"):
        return False, f"needs Linux, this is {sys.platform}"
    for program in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ()):
        if not _which(program):
            package = "bubblewrap" if program == "bwrap" else "util-linux"
            return False, f"{program} not found (install the Debian package {package})"
    try:
        probe = subprocess.run([sys.executable, "-I", "-m", "course.grading.sandbox", "--probe"],
                               capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"probe failed: {exc}"
    if probe.returncode != 0 or "sandbox-ok" not in probe.stdout:
        lines = [ln for ln in (probe.stderr + probe.stdout).splitlines() if ln.strip()]
        return False, "probe failed: " + (lines[-1] if lines else f"exit {probe.returncode}")
    who = ("a uid of its own per kernel" if os.geteuid() == 0
           else "a user namespace of its own per kernel (rootless)")
    return True, f"bubblewrap, {who}, no network"


def _which(program: str) -> str | None:
    """`program` on PATH or in the system folders (a venv's PATH may lack /usr/sbin)."""
    return shutil.which(program) or shutil.which(program, path="/usr/bin:/bin:/usr/sbin:/sbin")


# ================================================================================================
# Launcher side
# ================================================================================================

@dataclasses.dataclass
class Plan:
    """What the sandbox of one kernel contains; checked before anything starts."""

    root: str                  # course root (resolved)
    workdir: str               # the kernel's working directory (resolved), copied privately
    connection: bytes          # contents of the connection file
    kernel_dir: str | None     # <KERNEL_DIR_PREFIX>*: sockets in ipc/, the log beside them
    limits: Limits
    readonly: list[str]        # host directories shown read-only at the same path
    links: dict[str, str]      # top-level symlinks to recreate (/bin -> usr/bin)
    command: list[str]         # what runs inside, after the limits are set
    font_cache: str | None = None


def _inside(path: str, folder: str) -> bool:
    """True if `path` is `folder` or below it (both absolute and normalised)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _readonly_paths(exposed: list[str]) -> tuple[list[str], dict[str, str]]:
    """Read-only directories (outermost only, sorted) and top-level symlinks of the sandbox."""
    links, wanted = {}, []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            links[path] = os.readlink(path)
        elif os.path.isdir(path):
            wanted.append(path)
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    wanted += [os.path.realpath(p) for p in (*prefixes, *exposed) if os.path.isdir(p)]
    outermost: list[str] = []
    for path in sorted(set(wanted), key=len):
        if not any(_inside(path, kept) for kept in outermost):
            outermost.append(path)
    return sorted(outermost), links


def _interpreter() -> str:
    """This interpreter by the resolved path of its folder: a venv's bin/ keeps its pyvenv.cfg,
    so the kernel sees the venv's packages, not only the base installation's."""
    return os.path.join(os.path.realpath(os.path.dirname(sys.executable)),
                        os.path.basename(sys.executable))


def kernel_dir_of(connection: bytes) -> str:
    """The kernel's own folder, from the IPC address in its connection file.

    The grader makes `<tmp>/course-kernel-XXXX/ipc/` for each kernel and sets the address to
    `<that>/ipc/kernel`; only that `ipc/` folder is shown to the kernel (writable)."""
    try:
        info = json.loads(connection)
    except ValueError as exc:
        raise SandboxError(f"the connection file is not JSON: {exc}") from exc
    if info.get("transport") != "ipc":
        raise SandboxError("the connection file asks for transport "
                           f"{info.get('transport')!r}; the sandbox has no network, so it "
                           "needs jupyter_client's 'ipc' transport (course grading sets it)")
    ipc = os.path.dirname(os.path.abspath(str(info.get("ip", ""))))
    kernel_dir = os.path.dirname(ipc)
    if (os.path.basename(ipc) != "ipc" or not os.path.basename(kernel_dir).startswith(
            KERNEL_DIR_PREFIX) or os.path.islink(ipc) or os.path.islink(kernel_dir)
            or not os.path.isdir(ipc)):
        raise SandboxError(f"the IPC address {info.get('ip')!r} is not in a kernel folder "
                           f"'{KERNEL_DIR_PREFIX}*/ipc/' made by the grader")
    if os.stat(kernel_dir).st_uid != os.geteuid():
        raise SandboxError(f"{kernel_dir} does not belong to the grader")
    return os.path.realpath(kernel_dir)


def plan(course_root: str, workdir: str, connection: bytes, limits: Limits, exposed: list[str],
         kernel_args: list[str], font_cache: str | None = None,
         command: list[str] | None = None) -> Plan:
    """Check the request and describe the sandbox; raise SandboxError with a clear reason."""
    for name, least in MINIMUM_LIMITS.items():
        if getattr(limits, name) < least:
            raise SandboxError(f"--{name.replace('_', '-')} {getattr(limits, name)} is too small "
                               f"for a kernel (at least {least})")
    root = os.path.realpath(course_root)
    if not os.path.isdir(root) or root == "/":
        raise SandboxError(f"course root {course_root!r} is not a course directory")
    workdir = os.path.realpath(workdir)
    autograded = os.path.join(root, "autograded")
    if not _inside(workdir, autograded) or workdir == autograded:
        raise SandboxError(f"the kernel's working directory {workdir} is not a submission folder "
                           f"below {autograded}/; refusing to copy it into the sandbox")
    missing = [path for path in exposed if not os.path.isdir(path)]
    if missing:
        raise SandboxError(f"--expose {missing[0]}: no such directory")
    readonly, links = _readonly_paths(exposed)
    for path in readonly:
        if _inside(root, path):
            raise SandboxError(f"{path} would be visible in the sandbox and it contains the "
                               f"course root {root}; move the course or the interpreter")
    python = _interpreter()
    if not any(_inside(os.path.realpath(python), path) for path in readonly):
        raise SandboxError(f"{python} lies outside the sandbox's read-only paths")
    kernel_dir = kernel_dir_of(connection) if command is None else None
    if command is None:
        command = [python, "-P", "-m", "ipykernel_launcher", "-f", CONNECTION_FILE,
                   *kernel_args]
    return Plan(root=root, workdir=workdir, connection=connection, kernel_dir=kernel_dir,
                limits=limits, readonly=readonly, links=links, command=command,
                font_cache=font_cache if font_cache and os.path.isdir(font_cache) else None)


# ----- identity ---------------------------------------------------------------------------------

def allocate_uid() -> tuple[int, int]:
    """(uid, lock fd): a pool uid no other running kernel on this machine has.

    The lock (flock on LOCK_DIR/<n>) is held as long as the fd stays open, i.e. for the
    launcher's life; it is released by the kernel's end or the launcher's death."""
    os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
    info = os.lstat(LOCK_DIR)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise SandboxError(f"{LOCK_DIR} must be a directory owned by root, writable only by it")
    start = os.getpid() % UID_POOL
    for step in range(UID_POOL):
        n = (start + step) % UID_POOL
        fd = os.open(os.path.join(LOCK_DIR, str(n)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                     0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return UID_BASE + n, fd
        except BlockingIOError:
            os.close(fd)
    raise SandboxError(f"all {UID_POOL} sandbox uids are in use")


# ----- the bwrap command ------------------------------------------------------------------------

class _Args:
    """bwrap arguments plus the file descriptors they refer to."""

    def __init__(self):
        self.argv: list[str] = []
        self.fds: list[int] = []
        self.dirs: set[str] = {"/"}

    def add(self, *words: str) -> None:
        self.argv += list(words)

    def parents(self, path: str) -> None:
        """Create the missing parents of `path` with mode 0755 (bwrap would make them 0700)."""
        missing = []
        parent = os.path.dirname(path)
        while parent not in self.dirs:
            missing.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(missing):
            self.add("--perms", "0755", "--dir", folder)
            self.dirs.add(folder)

    def mount(self, option: str, source: str, target: str) -> None:
        self.parents(target)
        self.add(option, source, target)
        self.dirs.add(target)

    def tmpfs(self, target: str, size: int, mode: str = "1777") -> None:
        self.parents(target)
        self.add("--size", str(max(size, 65536)), "--perms", mode, "--tmpfs", target)
        self.dirs.add(target)

    def file(self, source: str, target: str, mode: str = "0644") -> None:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        self.fds.append(fd)
        self.parents(target)
        self.add("--perms", mode, "--file", str(fd), target)

    def data(self, content: bytes, target: str, mode: str = "0444") -> None:
        read, write = os.pipe()
        os.write(write, content)        # a connection file is far below a pipe's buffer
        os.close(write)
        self.fds.append(read)
        self.parents(target)
        self.add("--perms", mode, "--file", str(read), target)


def _copy_tree(args: _Args, source: str, target: str, counter: list[int]) -> None:
    """Copy regular files, folders and symlinks (as links) from `source` into the sandbox."""
    for entry in sorted(os.scandir(source), key=lambda e: e.name):
        counter[0] += 1
        if counter[0] > MAX_COPIED_ENTRIES:
            raise SandboxError(f"the submission folder holds more than {MAX_COPIED_ENTRIES} "
                               "files and folders")
        dest = os.path.join(target, entry.name)
        if entry.is_symlink():
            args.add("--symlink", os.readlink(entry.path), dest)
        elif entry.is_dir(follow_symlinks=False):
            args.add("--perms", "1777", "--dir", dest)
            args.dirs.add(dest)
            _copy_tree(args, entry.path, dest, counter)
        elif entry.is_file(follow_symlinks=False):
            args.file(entry.path, dest)


def _tree_size(folder: str) -> int:
    """Bytes (whole pages) of the regular files below `folder`, not following symlinks."""
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            info = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(info.st_mode):
                total += -(-info.st_size // 4096) * 4096
    return total


def kernel_environment(python: str, parent) -> dict[str, str]:
    """The kernel's complete environment: nothing of the grader's except locale and time zone."""
    env = {"PATH": f"{os.path.dirname(python)}:/usr/local/bin:/usr/bin:/bin",
           "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": parent.get("LANG") or "C.UTF-8",
           "MPLCONFIGDIR": MPL_DIR, "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           # "Started by a client": no console banner, and no parent poller (the launcher is
           # outside the PID namespace; --die-with-parent covers its death).
           "JPY_PARENT_PID": "1"}
    env.update({k: parent[k] for k in ("LC_ALL", "LC_CTYPE", "TZ", HEADLESS) if parent.get(k)})
    return env


def limits_argv(limits: Limits) -> list[str]:
    """prlimit's arguments: soft = hard, so the kernel cannot raise them."""
    return ["prlimit", f"--cpu={limits.cpu_seconds}", f"--as={limits.memory_mb * MiB}",
            f"--fsize={limits.file_mb * MiB}", f"--nproc={limits.processes}",
            f"--nofile={limits.open_files}", "--core=0", "--"]


def bwrap_command(plan_: Plan, uid: int | None) -> _Args:
    """The complete bwrap command of one kernel. uid: the pool uid (root), None (rootless)."""
    args = _Args()
    args.add(_which("bwrap") or "bwrap", "--die-with-parent", "--new-session",
             "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
             "--unshare-cgroup-try", "--hostname", "course-sandbox")
    if uid is None:
        args.add("--unshare-user", "--disable-userns")
    for link, target in plan_.links.items():
        args.add("--symlink", target, link)
        args.dirs.add(link)
    # Fresh /proc, /dev, /tmp first: what is shown below them (a venv or course under /tmp)
    # is mounted on top afterwards, not hidden by them.
    args.add("--proc", "/proc", "--dev", "/dev")
    args.dirs.update({"/proc", "/dev"})
    limits = plan_.limits
    args.tmpfs("/tmp", limits.tmp_mb * MiB)
    args.tmpfs("/dev/shm", limits.tmp_mb * MiB // 4)
    for path in plan_.readonly:
        args.mount("--ro-bind", path, path)
    args.data(plan_.connection, CONNECTION_FILE)
    if plan_.kernel_dir:
        ipc = os.path.join(plan_.kernel_dir, "ipc")
        args.mount("--bind", ipc, ipc)
    args.tmpfs(plan_.workdir, _tree_size(plan_.workdir) + limits.file_mb * MiB)
    _copy_tree(args, plan_.workdir, plan_.workdir, [0])
    args.add("--perms", "1777", "--dir", MPL_DIR)
    if plan_.font_cache:
        for entry in os.scandir(plan_.font_cache):
            if entry.name.startswith("fontlist") and entry.is_file(follow_symlinks=False):
                args.file(entry.path, f"{MPL_DIR}/{entry.name}")
    args.add("--chdir", plan_.workdir, "--remount-ro", "/", "--clearenv")
    for key, value in kernel_environment(plan_.command[0], os.environ).items():
        args.add("--setenv", key, value)
    args.add("--")
    if uid is not None:
        args.add(_which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}",
                 "--clear-groups", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all",
                 "--")
    args.add(*limits_argv(limits), *plan_.command)
    return args


# ----- running and supervising ------------------------------------------------------------------

def die_with_parent() -> None:
    """SIGKILL this process when the process that started it dies (a killed grading run leaves
    no grader, launcher or kernel behind; bwrap's --die-with-parent takes it from there)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def _describe_end(status: int, limits: Limits) -> str:
    if status == 0:
        return "kernel ended normally"
    if status > 128:
        name = signal.Signals(status - 128).name if status - 128 in signal.Signals._value2member_map_ \
            else f"signal {status - 128}"
        if name in ("SIGKILL", "SIGXCPU"):
            return (f"kernel killed: {name} (its CPU limit of {limits.cpu_seconds} s, or shut "
                    "down by the grader)")
        return f"kernel killed: {name}"
    return f"kernel exited with status {status}"


def run(plan_: Plan, log=None) -> int:
    """Start the sandboxed kernel, copy the start of its output to the log (`log`, or
    sandbox.log in the kernel's folder), wait for it; return its exit status."""
    die_with_parent()
    uid, lock = allocate_uid() if os.geteuid() == 0 else (None, None)
    if plan_.kernel_dir and uid is not None:
        ipc = os.path.join(plan_.kernel_dir, "ipc")
        os.chown(ipc, uid, uid)
        os.chmod(ipc, 0o700)
        os.chmod(plan_.kernel_dir, 0o711)      # the kernel user may pass through, not list
    args = bwrap_command(plan_, uid)
    own_log = log is None
    log = _open_log(plan_.kernel_dir) if own_log else log
    process = subprocess.Popen(args.argv, pass_fds=args.fds, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for fd in args.fds:
        os.close(fd)

    def stop(signum, frame):
        with contextlib.suppress(ProcessLookupError):
            process.kill()

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, stop)
    assert process.stdout is not None
    _copy_labelled(process.stdout, log, TAIL_BYTES)
    status = process.wait()
    status = 128 - status if status < 0 else status
    log.write(f"{PREFIX}{_describe_end(status, plan_.limits)}\n")
    if own_log:
        log.close()
    if lock is not None:
        os.close(lock)
    return status


def _copy_labelled(stream, log, limit: int) -> None:
    """Copy the kernel's output to `log` as it comes (it may be killed at any moment), each line
    marked "  | ", the first `limit` bytes only; read and drop the rest."""
    written, at_line_start = 0, True
    for chunk in iter(lambda: stream.read1(4096), b""):
        if written >= limit:
            continue
        text = chunk[:limit - written].decode("utf-8", "replace")
        written += len(chunk)
        if at_line_start:
            text = "  | " + text
        at_line_start = text.endswith("\n")
        log.write(text.rstrip("\n").replace("\n", "\n  | ") + ("\n" if at_line_start else ""))
        if written >= limit:
            log.write(f"\n{PREFIX}more kernel output dropped (only the first {limit} bytes kept)\n")
        log.flush()


def _open_log(kernel_dir: str | None):
    if kernel_dir is None:
        return open(os.devnull, "w")
    path = os.path.join(kernel_dir, LOG_NAME)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600)
    return os.fdopen(fd, "w")


def report(kernel_dir: str | None, message: str) -> None:
    """Record a launcher failure where the grader looks for it (and on stderr, labelled)."""
    print(f"{PREFIX}{message}", file=sys.stderr, flush=True)
    if kernel_dir and os.path.isdir(kernel_dir):
        with contextlib.suppress(OSError), _open_log(kernel_dir) as log:
            log.write(f"{PREFIX}{message}\n")


# ----- command line -----------------------------------------------------------------------------

# Run by the probe inside a sandbox: identity, PID namespace, hidden course root, no network.
PROBE_CODE = """
import os, socket, course
assert os.getuid() != 0 and os.getpid() < 10, (os.getuid(), os.getpid())
assert not os.path.exists({secret!r})
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1)
    raise SystemExit("network reachable")
except OSError:
    pass
print("sandbox-ok")
"""


def probe(limits: Limits, exposed: list[str]) -> int:
    """Run PROBE_CODE in a sandbox built around a throw-away course folder."""
    root = tempfile.mkdtemp(prefix="course-sandbox-probe-")
    try:
        workdir = os.path.join(root, "autograded", "probe", "probe")
        os.makedirs(workdir)
        secret = os.path.join(os.path.realpath(root), "secret")
        Path(secret).write_text("reference")
        code = PROBE_CODE.replace("{secret!r}", repr(secret))
        plan_ = plan(root, workdir, b"{}", limits, exposed, [],
                     command=[_interpreter(), "-I", "-c", code])
        return run(plan_, log=sys.stdout)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -I -m course.grading.sandbox", allow_abbrev=False,
        description="Start an IPython kernel for grading inside a sandbox (see module docstring). "
                    "Unknown arguments are passed on to the kernel.")
    parser.add_argument("--course-root", help="the nbgrader course directory")
    parser.add_argument("-f", dest="connection_file", help="the kernel's connection file")
    defaults = Limits()
    for field in dataclasses.fields(Limits):
        parser.add_argument("--" + field.name.replace("_", "-"), type=int,
                            default=getattr(defaults, field.name))
    parser.add_argument("--expose", action="append", default=[],
                        help="a host directory to show read-only (the `course` package)")
    parser.add_argument("--font-cache", help="matplotlib cache directory to seed the kernel's")
    parser.add_argument("--probe", action="store_true",
                        help="check that a sandbox can be built here; prints sandbox-ok")
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    args, kernel_args = parse_args(sys.argv[1:] if argv is None else argv)
    limits = Limits(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Limits)})
    kernel_dir = None
    try:
        if args.probe:
            return probe(limits, args.expose or [str(_course_package_dir())])
        if not args.course_root or not args.connection_file:
            raise SandboxError("--course-root and -f CONNECTION_FILE are required")
        try:
            connection = Path(args.connection_file).read_bytes()
        except OSError as exc:
            raise SandboxError(f"cannot read the connection file: {exc}") from exc
        with contextlib.suppress(SandboxError):
            kernel_dir = kernel_dir_of(connection)
        return run(plan(args.course_root, os.getcwd(), connection, limits, args.expose,
                        kernel_args, font_cache=args.font_cache))
    except (SandboxError, OSError) as exc:
        report(kernel_dir, f"the sandbox could not start: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
