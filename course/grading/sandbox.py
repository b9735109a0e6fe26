"""Grading kernels in a sandbox: student code cannot reach the reference, the grades or the host.

Threat model
------------
nbgrader runs the hidden tests in the student's own kernel, after the student's code, with the
grader's privileges (DESIGN.md section 4, "Threats"). Without isolation, student code can read
the reference implementation by path (`<root>/solutions/`, or the git history in `<root>/.git`),
rewrite anyone's scores in `<root>/gradebook.db` with sqlite3, read other students' submissions
and feedback, plant a symlink in its own `autograded/` folder through which the grader (root) later
writes, fill the disk or the memory, leave processes running that attack the kernels graded after
it, and, when grading runs as root, do anything root can. Comparing results outside the kernel
(`course.grading.compare`) protects the scoring itself; this module is the operating-system layer
that keeps the kernel away from everything else.

When grading runs as root, nbgrader starts every kernel through the kernelspec `course-sandbox`,
whose command is `python -I -m course.grading.sandbox --course-root ROOT ... -f CONNECTION_FILE`.
That launcher (root, working directory = `autograded/<student>/<assignment>/`) does, in order:

1. New mount, PID and IPC namespaces (`unshare(2)`). Mounts below exist only for this kernel. The
   kernel is PID 1 of its own PID namespace: it sees (`/proc`), signals and ptraces only its own
   processes, never other kernels graded at the same time; and when it ends, Linux kills every
   process it started, so nothing lingers to attack later kernels. The host network
   namespace is kept: the kernel talks to the grader over 127.0.0.1 TCP.
2. A new root file system (a tmpfs the kernel is `chroot`ed into) that holds only what a kernel
   needs: /usr, /etc, /bin, /sbin, /lib* read-only; the interpreter's prefixes (venv and base
   installation, e.g. one directory below /root/.pyenv) read-only; the `course` package read-only;
   a minimal /dev; a fresh /proc; a fresh, size-limited /tmp and /dev/shm. Everything else does not
   exist for the kernel: the course root with `solutions/`, `gradebook.db` (and its -journal/-wal),
   `grades.csv`, `.git`, `source/`, `submitted/`, `feedback/` and other students' `autograded/`
   folders; the rest of /root; /home; other mounts. A list of what to *show* instead of a list of
   what to *hide* also covers secrets nobody thought of (the git history holds every solution).
   The launcher refuses to start if any read-only path would contain the course root.
3. The kernel's working directory is a private, size-limited tmpfs holding a copy of the
   submission folder (regular files, folders and symlinks; nothing is followed). Student code can
   write there as usual, but it cannot change the real `autograded/` folder the grader (root)
   later writes into (no symlink planted for root to follow), nor fill the disk.
4. The connection file is copied to a private tmpfs readable only by the kernel user.
5. Privileges dropped with `setpriv`: uid/gid 65534 (nobody), no supplementary groups, empty
   capability bounding and inheritable sets, no_new_privs (no setuid binary or file capability
   can give privileges back), and SIGKILL when the launcher dies.
6. Resource limits: CPU seconds (soft = hard, so the kernel is killed when they are used up; a
   PID-1 process ignores SIGXCPU), address space (a memory bomb raises MemoryError), file size
   (a huge write fails with an error), processes/threads of the kernel user, no core dumps.
7. A clean environment: PATH, HOME=/tmp, TMPDIR, LANG (LC_ALL, LC_CTYPE, TZ if set),
   MPLCONFIGDIR=/tmp/mpl (pre-seeded with the grader's matplotlib font cache, so no "building the
   font cache" message on stderr), PYTHONDONTWRITEBYTECODE=1, one BLAS/OpenMP thread,
   JPY_PARENT_PID=1 (ipykernel prints no console banner and polls no parent); no PYTHONPATH, no
   MPLBACKEND (ipykernel then selects the inline backend), nothing else of the grader's
   environment (tokens, paths).
8. The launcher itself runs with `python -I`: a `course.py` or `course/` in the student's folder
   (its working directory) can never be imported by the root-owned launcher.

The launcher stays alive outside the namespaces as a small supervisor: it ignores SIGINT (the
kernel gets it directly, in the same process group, for nbgrader's interrupt on timeout), turns
SIGTERM/SIGHUP into SIGKILL of the kernel (PID 1 ignores signals it has no handler for), and exits
with the kernel's status. Any failure before the kernel starts is printed to stderr as
`course-sandbox: <reason>` and exits with status 2; nbgrader then reports that the kernel died.

Not covered: the network (student code can open connections, e.g. to 127.0.0.1); the total memory
and CPU of many processes (limits are per process, at most `processes` of them, and the tmpfs
folders are memory outside RLIMIT_AS); RLIMIT_NPROC is per user, so a fork bomb in one kernel can
keep another kernel graded at the same time from starting threads (until the bomb's kernel is
shut down). A container or a cgroup (memory.max, pids.max) gives hard totals.

Grader side: `available()` tells whether the sandbox works here; `install_kernelspec()` writes
the kernelspec into a fresh directory for JUPYTER_PATH; `kernel_config()` makes nbgrader's Execute
use it; `course.grading.isolation.grading_setup()` does all three around a grading run.
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import functools
import json
import math
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator

KERNEL_NAME = "course-sandbox"
KERNEL_UID = KERNEL_GID = 65534           # nobody / nogroup
MiB = 1024 * 1024
PREFIX = "course-sandbox: "

# Read-only system paths of the sandbox (symlinks, as in merged-/usr systems, are recreated).
SYSTEM_PATHS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
# Host directories, one of which the new root is built on (covering it in the private mount
# namespace only); the first that holds nothing the sandbox needs is taken.
SCRATCH_CANDIDATES = ("/srv", "/media", "/mnt", "/opt", "/boot", "/home", "/var")
CONNECTION_DIR = "/run/kernel"
CONNECTION_FILE = CONNECTION_DIR + "/connection.json"
MPL_DIR = "/tmp/mpl"

# Linux constants (linux/sched.h, linux/mount.h): not exposed by Python 3.11's os module.
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID = 0x00020000, 0x08000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME = 1 << 18, 1 << 21
# Mount flags a remount must keep (they may be locked); statvfs reports them as f_flag bits.
KEPT_FLAGS = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
              os.ST_NOATIME: MS_NOATIME, os.ST_NODIRATIME: MS_NODIRATIME,
              os.ST_RELATIME: MS_RELATIME}


#: Passed on to the kernel: no frontend, so sliders draw their figure once (course.widgets).
HEADLESS = "COURSE_HEADLESS"


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one grading kernel.

    cpu_seconds: CPU time of the kernel process (all its threads) over its whole life; the kernel
        is killed when it is used up. A normal notebook needs a few seconds; the per-cell timeout
        and the submission budget act first, this is the backstop (e.g. for busy threads).
    memory_mb: address space per process (RLIMIT_AS). An idle kernel with numpy, scipy and
        matplotlib maps ~1.2 GB, so 3072 leaves ~1.8 GB for student data.
    file_mb: largest file a kernel may write; also the free space of its working directory.
    processes: processes and threads of the kernel user (RLIMIT_NPROC counts every process of uid
        65534 on the machine, so kernels graded at the same time share it); a sandboxed kernel
        runs ~11 threads.
    tmp_mb: size of the kernel's /tmp (memory-backed) and, a quarter of it, of /dev/shm.
    """

    cpu_seconds: int = 300
    memory_mb: int = 3072
    file_mb: int = 100
    processes: int = 64
    tmp_mb: int = 256

    @classmethod
    def from_budget(cls, budget: float | None) -> "Limits":
        """Limits for a wall-clock budget per submission (seconds; None: the defaults).

        The CPU limit is a backstop behind the budget: a single-threaded kernel uses at most
        its wall time, so the budget (a clear "time budget used up" in the cell) comes first.
        """
        if budget is None:
            return cls()
        return cls(cpu_seconds=max(10, math.ceil(budget) + 60))

    def __str__(self) -> str:
        return (f"CPU {self.cpu_seconds} s, memory {self.memory_mb} MB, files {self.file_mb} MB, "
                f"{self.processes} processes, /tmp {self.tmp_mb} MB")


# Below these a kernel cannot even start (an idle kernel maps ~1.2 GB and runs ~11 threads).
MINIMUM_LIMITS = {"cpu_seconds": 1, "memory_mb": 1024, "file_mb": 1, "processes": 16,
                  "tmp_mb": 1}


class SandboxError(RuntimeError):
    """The sandbox cannot be built; the message says why."""


# ================================================================================================
# Grader side
# ================================================================================================

def _course_package_dir() -> Path:
    import course
    return Path(course.__file__).resolve().parent


def _font_cache_dir() -> str | None:
    """The grader's matplotlib cache folder (font list built now if missing); None if no
    matplotlib."""
    try:
        import matplotlib
        import matplotlib.font_manager  # noqa: F401  (builds the font list cache if missing)
        return matplotlib.get_cachedir()
    except Exception:
        return None


def kernel_argv(root: Path | str, limits: Limits = Limits()) -> list[str]:
    """The kernelspec command: the launcher of this module with the course root and limits."""
    argv = [sys.executable, "-I", "-m", "course.grading.sandbox",
            "--course-root", str(Path(root).resolve()),
            "--cpu-seconds", str(limits.cpu_seconds), "--memory-mb", str(limits.memory_mb),
            "--file-mb", str(limits.file_mb), "--processes", str(limits.processes),
            "--tmp-mb", str(limits.tmp_mb), "--expose", str(_course_package_dir())]
    cache = _font_cache_dir()
    if cache:
        argv += ["--font-cache", cache]
    return argv + ["-f", "{connection_file}"]


def install_kernelspec(root: Path | str, limits: Limits = Limits(),
                       directory: Path | str | None = None) -> Path:
    """Write the `course-sandbox` kernelspec; return the data directory to put on JUPYTER_PATH.

    `directory` defaults to a new temporary directory, which the caller removes when done.
    """
    data = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="course-kernels-"))
    spec_dir = data / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": kernel_argv(root, limits),
            "display_name": "Python 3 (course grading sandbox)",
            "language": "python",
            "interrupt_mode": "signal",
            "metadata": {"debugger": False}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return data


def kernel_config(root: Path | str | None = None, limits: Limits | None = None):
    """nbgrader config that runs notebooks in the `course-sandbox` kernel.

    The course root and limits are baked into the kernelspec (`install_kernelspec`); they are
    accepted here so both calls read alike.
    """
    from traitlets.config import Config

    config = Config()
    config.Execute.kernel_name = KERNEL_NAME
    return config


@functools.lru_cache(maxsize=1)
def available() -> tuple[bool, str]:
    """(True, description) if kernels can be sandboxed here, else (False, reason).

    True only as root on Linux with `setpriv` and a successful probe: the launcher builds a real
    sandbox around a throw-away course folder and runs a small Python check in it (~0.2 s).
    """
    if not sys.platform.startswith("linux"):
        return False, f"needs Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return False, "grading does not run as root (the sandbox needs root to build it)"
    if not shutil.which("setpriv"):
        return False, "setpriv (util-linux) not found"
    try:
        probe = subprocess.run([sys.executable, "-I", "-m", "course.grading.sandbox", "--probe"],
                               capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"probe failed: {exc}"
    if probe.returncode != 0 or "sandbox-ok" not in probe.stdout:
        lines = [ln for ln in (probe.stderr + probe.stdout).splitlines() if ln.strip()]
        return False, "probe failed: " + (lines[-1] if lines else f"exit {probe.returncode}")
    return True, f"uid {KERNEL_UID}, private file system"


# ================================================================================================
# Launcher side: everything below runs as root in the launcher process and its forked child.
# ================================================================================================

@dataclasses.dataclass
class Plan:
    """What the sandbox of one kernel contains; checked before anything is mounted."""

    root: str                  # course root (resolved)
    workdir: str               # the kernel's working directory (resolved), copied privately
    connection: bytes          # contents of the connection file
    limits: Limits
    readonly: list[str]        # host directories shown read-only at the same path
    links: dict[str, str]      # top-level symlinks to recreate (/bin -> usr/bin)
    command: list[str]         # what setpriv runs, as the kernel user, inside the sandbox
    font_cache: str | None = None
    setpriv: str = "setpriv"


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
    so the kernel (and the probe) see the venv's packages, not only the base installation's."""
    return os.path.join(os.path.realpath(os.path.dirname(sys.executable)),
                        os.path.basename(sys.executable))


def plan(course_root: str, workdir: str, connection: bytes, limits: Limits, exposed: list[str],
         kernel_args: list[str], font_cache: str | None = None,
         command: list[str] | None = None) -> Plan:
    """Check the request and describe the sandbox; raise SandboxError with a clear reason."""
    if os.geteuid() != 0:
        raise SandboxError("must run as root (it mounts file systems and changes user)")
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
    setpriv = shutil.which("setpriv")
    if not setpriv:
        raise SandboxError("setpriv (util-linux) not found")
    python = _interpreter()
    for program in (os.path.realpath(setpriv), os.path.realpath(python)):
        if not any(_inside(program, path) for path in readonly):
            raise SandboxError(f"{program} lies outside the sandbox's read-only paths")
    if command is None:
        command = [python, "-m", "ipykernel_launcher", "-f", CONNECTION_FILE, *kernel_args]
    return Plan(root=root, workdir=workdir, connection=connection, limits=limits,
                readonly=readonly, links=links, command=command,
                font_cache=font_cache if font_cache and os.path.isdir(font_cache) else None,
                setpriv=setpriv)


# ----- system calls ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    libc.unshare.argtypes = [ctypes.c_int]
    return libc


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def unshare(flags: int) -> None:
    if _libc().unshare(flags) != 0:
        raise SandboxError(f"unshare failed: {os.strerror(ctypes.get_errno())}")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    if _libc().mount(_bytes(source), _bytes(target), _bytes(fstype), flags, _bytes(data)) != 0:
        what = fstype or source or "remount"
        raise SandboxError(f"mount {what} on {target} failed: "
                           f"{os.strerror(ctypes.get_errno())}")


def _mount_points_below(path: str) -> list[str]:
    """Mount points at or below `path` in this mount namespace (parents first)."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as info:
        for line in info:
            point = line.split()[4]
            for code in ("\\040", "\\011", "\\012", "\\134"):
                point = point.replace(code, chr(int(code[1:], 8)))
            if _inside(point, path):
                found.append(point)
    return sorted(set(found), key=len)


def bind_readonly(source: str, target: str) -> None:
    """Show the tree `source` (with its sub-mounts) read-only, nosuid and nodev at `target`."""
    mount(source, target, None, MS_BIND | MS_REC)
    for point in _mount_points_below(target):
        kept = os.statvfs(point).f_flag
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
        flags |= sum(ms for st, ms in KEPT_FLAGS.items() if kept & st)
        mount(None, point, None, flags)


def tmpfs(target: str, size: int, mode: str, uid: int = 0, gid: int = 0,
          inodes: int = 16384, flags: int = MS_NOSUID | MS_NODEV) -> None:
    """A fresh memory file system of at most `size` bytes at `target`."""
    mount("tmpfs", target, "tmpfs", flags,
          f"size={max(size, 65536)},nr_inodes={inodes},mode={mode},uid={uid},gid={gid}")


# ----- building the sandbox ---------------------------------------------------------------------

def _scratch_dir(plan_: Plan) -> str:
    """A host directory on which the new root can be built without hiding anything it needs."""
    sources = [*plan_.readonly, plan_.workdir, "/dev", "/proc"]
    if plan_.font_cache:
        sources.append(os.path.realpath(plan_.font_cache))
    for candidate in SCRATCH_CANDIDATES:
        if (os.path.isdir(candidate) and not os.path.islink(candidate)
                and not any(_inside(s, candidate) or _inside(candidate, s) for s in sources)):
            return candidate
    raise SandboxError(f"no free directory among {', '.join(SCRATCH_CANDIDATES)} to build the "
                       "sandbox root on")


def _tree_size(folder: str) -> int:
    """Bytes (whole pages) of the regular files below `folder`, not following symlinks."""
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            info = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(info.st_mode):
                total += -(-info.st_size // 4096) * 4096
    return total


def copy_private(source: str, target: str, uid: int, gid: int) -> None:
    """Copy regular files, folders and symlinks (as links) from `source` into `target`, owned
    by uid/gid. Nothing is followed; FIFOs, devices and sockets are skipped."""
    for entry in os.scandir(source):
        dest = os.path.join(target, entry.name)
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), dest)
        elif entry.is_dir(follow_symlinks=False):
            os.mkdir(dest, 0o755)
            copy_private(entry.path, dest, uid, gid)
        elif entry.is_file(follow_symlinks=False):
            shutil.copyfile(entry.path, dest, follow_symlinks=False)
            os.chmod(dest, stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) | 0o600)
        else:
            continue
        os.chown(dest, uid, gid, follow_symlinks=False)


def _make_dirs(path: str) -> None:
    os.makedirs(path, mode=0o755, exist_ok=True)


def _build_dev(new: str, shm_size: int) -> None:
    """A minimal /dev: harmless character devices, the usual symlinks and a private /dev/shm."""
    dev = new + "/dev"
    _make_dirs(dev)
    tmpfs(dev, 65536, "0755", inodes=64, flags=MS_NOSUID | MS_NOEXEC)
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            open(f"{dev}/{name}", "w").close()
            mount("/dev/" + name, f"{dev}/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    os.mkdir(dev + "/shm")
    tmpfs(dev + "/shm", shm_size, "1777")


def _seed_font_cache(font_cache: str | None, target: str) -> None:
    """Copy matplotlib's font list, so the kernel need not rebuild it (slow, and it says so on
    stderr, which scores a test cell 0)."""
    if not font_cache:
        return
    for entry in os.scandir(font_cache):
        if entry.name.startswith("fontlist") and entry.is_file(follow_symlinks=False):
            dest = os.path.join(target, entry.name)
            shutil.copyfile(entry.path, dest)
            os.chown(dest, KERNEL_UID, KERNEL_GID)


def build(plan_: Plan) -> None:
    """Build the new root, chroot into it and enter the private working directory.

    Runs as root in the new mount namespace, as PID 1 of the new PID namespace.
    """
    limits = plan_.limits
    new = _scratch_dir(plan_)
    tmpfs(new, 4 * MiB, "0755", inodes=4096)
    for link, target in plan_.links.items():
        os.symlink(target, new + link)
    # Parents before children: /tmp before a working directory below /tmp, and so on.
    steps: list[tuple[str, Callable[[str], None]]] = [
        (path, functools.partial(bind_readonly, path)) for path in plan_.readonly]
    steps.append(("/tmp", lambda at: tmpfs(at, limits.tmp_mb * MiB, "1777")))
    steps.append((plan_.workdir, lambda at: tmpfs(
        at, _tree_size(plan_.workdir) + limits.file_mb * MiB, "0700", KERNEL_UID, KERNEL_GID)))
    for path, step in sorted(steps, key=lambda s: (s[0].count("/"), s[0])):
        _make_dirs(new + path)
        step(new + path)
    copy_private(plan_.workdir, new + plan_.workdir, KERNEL_UID, KERNEL_GID)
    _build_dev(new, limits.tmp_mb * MiB // 4)
    _make_dirs(new + "/proc")
    mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _make_dirs(new + CONNECTION_DIR)
    tmpfs(new + CONNECTION_DIR, 65536, "0700", KERNEL_UID, KERNEL_GID, inodes=16)
    with open(new + CONNECTION_FILE, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as handle:
        handle.write(plan_.connection)
    os.chown(new + CONNECTION_FILE, KERNEL_UID, KERNEL_GID)
    _make_dirs(new + MPL_DIR)
    os.chown(new + MPL_DIR, KERNEL_UID, KERNEL_GID)
    _seed_font_cache(plan_.font_cache, new + MPL_DIR)
    mount(None, new, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(new)
    os.chroot(".")
    os.chdir(plan_.workdir)


def set_limits(limits: Limits) -> None:
    """Resource limits, inherited by the kernel (soft = hard: the kernel cannot raise them)."""
    for which, value in ((resource.RLIMIT_CPU, limits.cpu_seconds),
                         (resource.RLIMIT_AS, limits.memory_mb * MiB),
                         (resource.RLIMIT_FSIZE, limits.file_mb * MiB),
                         (resource.RLIMIT_NPROC, limits.processes),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))


def kernel_environment(python: str, parent: dict[str, str] | os._Environ) -> dict[str, str]:
    """The kernel's complete environment: nothing of the grader's except locale and time zone."""
    env = {"PATH": f"{os.path.dirname(python)}:/usr/local/bin:/usr/bin:/bin",
           "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": parent.get("LANG") or "C.UTF-8",
           "MPLCONFIGDIR": MPL_DIR, "PYTHONDONTWRITEBYTECODE": "1",
           # One thread each: RLIMIT_NPROC counts threads, and grading runs in parallel.
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           # "Started by a client" for ipykernel (no console banner on stdout), and no parent
           # poller: the launcher is outside the PID namespace; --pdeathsig covers its death.
           "JPY_PARENT_PID": "1"}
    env.update({k: parent[k] for k in ("LC_ALL", "LC_CTYPE", "TZ", HEADLESS) if parent.get(k)})
    return env


def drop_privileges_argv(plan_: Plan) -> list[str]:
    return [plan_.setpriv, f"--reuid={KERNEL_UID}", f"--regid={KERNEL_GID}", "--clear-groups",
            "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all",
            "--pdeathsig=SIGKILL", "--", *plan_.command]


def enter(plan_: Plan) -> None:
    """In the child: build the sandbox, set limits, drop privileges and exec the kernel."""
    build(plan_)
    set_limits(plan_.limits)
    os.execve(plan_.setpriv, drop_privileges_argv(plan_),
              kernel_environment(plan_.command[0], os.environ))


def supervise(pid: int, limits: Limits) -> int:
    """Wait for the kernel (PID 1 of its namespace); return an exit status for jupyter_client."""
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the kernel receives it itself
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, stop)
    _, status, usage = os.wait4(pid, 0)
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if not stopping:
            cpu = usage.ru_utime + usage.ru_stime
            why = (f"it used up its CPU limit of {limits.cpu_seconds} s"
                   if signum == signal.SIGKILL and cpu >= limits.cpu_seconds - 0.5 else
                   f"{signal.Signals(signum).name}")
            print(f"{PREFIX}kernel killed: {why}", file=sys.stderr, flush=True)
        return 128 + signum
    return os.WEXITSTATUS(status)


def run(plan_: Plan) -> int:
    """Create the namespaces, start the sandboxed kernel in a child and wait for it."""
    unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC)
    mount(None, "/", None, MS_REC | MS_PRIVATE)      # no mount leaks back to the host
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            enter(plan_)
        except BaseException as exc:                  # report and never return into the parent
            reason = str(exc) if isinstance(exc, SandboxError) else f"{type(exc).__name__}: {exc}"
            print(f"{PREFIX}{reason}", file=sys.stderr, flush=True)
        os._exit(2)
    return supervise(pid, plan_.limits)


# ----- command line ---------------------------------------------------------------------------

# Run by the probe as the kernel user: identity, PID namespace, hidden course root, `course`.
PROBE_CODE = ("import os, course; "
              f"assert (os.getuid(), os.getgid(), os.getpid()) == ({KERNEL_UID}, {KERNEL_GID}, 1); "
              "assert not os.path.exists({secret!r}); print('sandbox-ok')")


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
        return run(plan_)
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
    try:
        if args.probe:
            return probe(limits, args.expose or [str(_course_package_dir())])
        if not args.course_root or not args.connection_file:
            raise SandboxError("--course-root and -f CONNECTION_FILE are required")
        try:
            connection = Path(args.connection_file).read_bytes()
        except OSError as exc:
            raise SandboxError(f"cannot read the connection file: {exc}") from exc
        return run(plan(args.course_root, os.getcwd(), connection, limits, args.expose,
                        kernel_args, font_cache=args.font_cache))
    except SandboxError as exc:
        print(f"{PREFIX}{exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
