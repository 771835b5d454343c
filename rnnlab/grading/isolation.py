"""Limits and isolation of the grader's children (no containers): rlimits, Landlock, the folders a
child may read, its environment and command line. The children apply these to themselves, before
any learner code runs.

Every child (sandbox, notebook runner and its kernel) gets: its own temporary folder as
working directory, HOME and TMPDIR; a clean environment; its own session (process group);
RLIMIT_AS = `--memory` MB for the sandbox (a memory bomb gets MemoryError, status `error`;
the notebook runner is watched by resident memory instead, because TensorFlow reserves far
more address space than it uses); RLIMIT_CPU; RLIMIT_FSIZE 64 MB; no core dumps. Wall-clock
time: `--timeout` seconds per exercise (its cell, its check and its hidden tests; status
`timeout`, the sandbox is killed and a fresh one replays the cells that had passed) and per
notebook cell in phase 1 (the whole notebook gets 10x that). Output is discarded (the
sandbox's stdout/stderr are /dev/null), so gigabytes of prints cost nothing. A crash
(segfault, `os._exit`, killed by a limit) is status `error` for that exercise only.

Where the kernel supports Landlock (Linux 5.13+; this is checked at run time), every child
also restricts itself before any learner code runs: it may write only inside its temporary
folder (and /dev/null); it may read only the Python installation, the virtualenv, system
libraries, the `rnnlab` package and (phase 1) `quizzes/`, so it cannot read `solutions/`,
`lessons/` or other learners' submissions; on ABI 4+ the sandbox gets no TCP; on ABI 6+ it
cannot signal processes outside itself (the grader, other submissions). Landlock also stops
it from ptrace-ing or reading /proc/<pid>/mem of the grader.

Without Landlock (macOS, old kernels, some container runtimes) a submission runs with the
grader's user rights: it can read and write whatever that user can. The grader then falls
back to detection (`batch.CourseGuard`): it grades one submission at a time (whatever
`--jobs` says), keeps the course files (`rnnlab/`, `solutions/`, `lessons/`, `quizzes/`) and
the submissions in memory, compares them after every submission, restores anything changed
and marks that submission's rows `error`. It cannot stop such a submission from reading your
files, using the network or killing the grader: for untrusted work without Landlock, grade in
a container.

Not prevented even with Landlock: network access in phase 1 (the kernel talks TCP to
nbclient), reading world-readable system files, a flaw in Keras' safe-mode loader (the one
place where the judge parses something richer than arrays), calling the course's own reference
implementation from an exercise (`from rnnlab.reference import rnn_forward`: the same as
copying from solutions/, a matter of honesty, not isolation), CPU use by processes a
submission detaches (RLIMIT_CPU ends them; the grader kills the ones it can still find).
"""
from __future__ import annotations

import io
import os
import signal
import sys
from pathlib import Path

from .options import RUN_TOKEN_ENV

FILE_SIZE_LIMIT = 64 * 2**20           # RLIMIT_FSIZE of every child
RNNLAB_DIR = Path(__file__).resolve().parent.parent      # the rnnlab package the grader runs

_LL_EXECUTE, _LL_WRITE_FILE, _LL_READ_FILE, _LL_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_LL_TRUNCATE, _LL_IOCTL_DEV = 1 << 14, 1 << 15
_LL_FILE_RIGHTS = _LL_EXECUTE | _LL_WRITE_FILE | _LL_READ_FILE | _LL_TRUNCATE | _LL_IOCTL_DEV


# --------------------------------------------------------------------------------------
# Landlock
# --------------------------------------------------------------------------------------

def landlock_abi() -> int:
    """The Landlock ABI version of this kernel (0: not available)."""
    if not sys.platform.startswith("linux") or os.uname().machine not in ("x86_64", "aarch64", "riscv64"):
        return 0
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        abi = libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
        return max(int(abi), 0)
    except Exception:
        return 0


def landlock_restrict(writable: list[str], readable: list[str], writable_files=(), deny_tcp=False) -> int:
    """Restrict this process (and its future children) with Landlock; returns the ABI used.

    Writes (create, delete, write, truncate, rename, link, mknod) are allowed only below
    `writable`; reads and execution only below `writable` + `readable`.
    """
    import ctypes
    abi = landlock_abi()
    if abi < 1:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    handled = (1 << 13) - 1                      # ABI 1: bits 0..12
    if abi >= 2:
        handled |= 1 << 13                       # REFER
    if abi >= 3:
        handled |= _LL_TRUNCATE
    if abi >= 5:
        handled |= _LL_IOCTL_DEV

    class Ruleset(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("fd", ctypes.c_int32)]

    attr = Ruleset(handled, 0, 0)
    size = 8
    if abi >= 4 and deny_tcp:
        attr.net = 0b11                          # BIND_TCP | CONNECT_TCP, with no port allowed
        size = 16
    if abi >= 6:
        attr.scoped = 0b11                       # abstract unix sockets and signals stay inside
        size = 24
    rfd = libc.syscall(ctypes.c_long(444), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if rfd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    read_rights = (_LL_EXECUTE | _LL_READ_FILE | _LL_READ_DIR | (_LL_IOCTL_DEV if abi >= 5 else 0)) & handled

    def allow(path: str, rights: int):
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not os.path.isdir(path):
                rights &= _LL_FILE_RIGHTS
            rule = PathBeneath(rights & handled, fd)
            if libc.syscall(ctypes.c_long(445), ctypes.c_int(rfd), ctypes.c_int(1), ctypes.byref(rule),
                            ctypes.c_uint32(0)) < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        finally:
            os.close(fd)

    try:
        for p in readable:
            allow(p, read_rights)
        for p in writable_files:
            allow(p, handled)
        for p in writable:
            allow(p, handled)
        if libc.prctl(38, 1, 0, 0, 0) != 0:      # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(ctypes.c_long(446), ctypes.c_int(rfd), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(rfd)
    return abi


def readable_roots(extra=()) -> list[str]:
    """What a child may read: Python, the virtualenv, system folders, the rnnlab package, `extra`
    (never solutions/, lessons/ or other submissions)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable)),
             "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev"}
    roots |= {str(RNNLAB_DIR)}                                 # the rnnlab package
    roots |= {p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}   # import_dir() in children
    roots |= set(extra)
    out = set()
    for r in roots:
        if r and os.path.exists(r):
            out.add(r)
            out.add(os.path.realpath(r))
    return sorted(out)


# --------------------------------------------------------------------------------------
# Resource limits and standard streams (in the child)
# --------------------------------------------------------------------------------------

def apply_limits(cfg: dict) -> None:
    """rlimits of this process: no core dumps, FILE_SIZE_LIMIT, and the CPU seconds and address
    space in `cfg` ("cpu", "address_space_mb") when given."""
    import resource

    def limit(which, soft, hard=None):
        hard = soft if hard is None else hard
        try:
            cur_soft, cur_hard = resource.getrlimit(which)
            if cur_hard != resource.RLIM_INFINITY:
                hard = min(hard, cur_hard)
                soft = min(soft, hard)
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass

    limit(resource.RLIMIT_CORE, 0)
    limit(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)          # over-long writes fail with EFBIG instead
    if cfg.get("cpu"):
        limit(resource.RLIMIT_CPU, int(cfg["cpu"]), int(cfg["cpu"]) + 5)
    if cfg.get("address_space_mb"):
        limit(resource.RLIMIT_AS, int(cfg["address_space_mb"]) * 2**20)


def redirect_std_fds() -> tuple[int, int]:
    """Keep private copies of stdin/stdout for the protocol; point fds 0-2 at /dev/null."""
    fin, fout = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    return fin, fout


class Discard(io.TextIOBase):
    """sys.stdout/sys.stderr of a sandbox: accepts anything, keeps nothing."""

    def writable(self):
        return True

    def write(self, s):
        return len(s) if isinstance(s, str) else 0

    def flush(self):
        pass


# --------------------------------------------------------------------------------------
# How the grader starts a child
# --------------------------------------------------------------------------------------

_IMPORT_DIR: list[str] = []


def import_dir() -> str:
    """A folder holding only a link to this rnnlab package, for the children's PYTHONPATH.

    Children (and the kernel a notebook runner starts) must import the same rnnlab as the
    grader, even when the virtualenv's editable rnnlab is another checkout. The package's
    parent folder (the course root) will not do: Landlock refuses to list it (solutions/ lives
    there, so it is not readable), and Python then finds no rnnlab in it. This folder exposes
    the package alone; it is made once per grader process and removed at exit.
    """
    if not _IMPORT_DIR:
        import atexit
        import shutil
        import tempfile
        folder = tempfile.mkdtemp(prefix="rnnlab-import-")
        os.symlink(RNNLAB_DIR, os.path.join(folder, "rnnlab"))
        atexit.register(shutil.rmtree, folder, True)
        _IMPORT_DIR.append(folder)
    return _IMPORT_DIR[0]


def child_env(tmp: Path, token: str) -> dict:
    """A clean environment: the child's folder as HOME and TMPDIR, one BLAS thread, the run token."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LD_LIBRARY_PATH")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update({
        "HOME": str(tmp), "TMPDIR": str(tmp), "MPLCONFIGDIR": str(tmp / ".matplotlib"),
        "IPYTHONDIR": str(tmp / ".ipython"), "JUPYTER_RUNTIME_DIR": str(tmp / ".jupyter-runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp / ".jupyter"), "JUPYTER_DATA_DIR": str(tmp / ".jupyter-data"),
        "RNNLAB_PROGRESS": str(tmp / "progress.json"), "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2",
        "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow",
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
        # the child (`-m rnnlab.grading.<module>`) and the kernel a notebook runner starts import the
        # same rnnlab as the grader, even when the virtualenv's own (editable) rnnlab is another checkout
        "PYTHONPATH": import_dir(),
        RUN_TOKEN_ENV: token,
    })
    return env


def child_command(module: str) -> list[str]:
    """`python -P -s -m rnnlab.grading.<module>`: found through PYTHONPATH (see `child_env`).

    -P: the working directory (the submission's temporary folder, where its code may write
    `numpy.py` or `json.py`) is not put on sys.path; -s: no user site-packages."""
    return [sys.executable, "-P", "-s", "-m", f"{__package__}.{module}"]
