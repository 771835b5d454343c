"""Processes of the grader, seen from the operating system (with psutil): starting a child in its
own session and remembering it, the resident memory of a process or a tree, killing a tree, and
finding and killing what a submission left behind.

The registry of live children matters for safety: `kill_strays` finds stray processes by the
submission's token in their environment, which the grader's own sandboxes carry too, so a
registered child is never killed or reaped by it (registration happens under the same lock as
`Popen`, so even a child that dies at once is never mistaken for a stray).
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import psutil

from .options import RUN_TOKEN_ENV

_CHILDREN: set[int] = set()
_CHILDREN_LOCK = threading.Lock()
_SUBREAPER = False


# --------------------------------------------------------------------------------------
# The grader's own children
# --------------------------------------------------------------------------------------

def spawn(argv: list[str], cwd: str, env: dict) -> subprocess.Popen:
    """Start a child with pipes on stdin/stdout (the protocol), stderr discarded, in its own session
    (so its process group can be killed), with no other file descriptor inherited; registered."""
    with _CHILDREN_LOCK:                # never reaped by kill_strays, even if it dies at once
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                cwd=cwd, env=env, start_new_session=True, close_fds=True)
        _CHILDREN.add(proc.pid)
    return proc


def release(proc: subprocess.Popen) -> None:
    """Wait for a child that was killed, close its pipes and forget it."""
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)
    for f in (proc.stdin, proc.stdout):
        with contextlib.suppress(Exception):
            f.close()
    with _CHILDREN_LOCK:
        _CHILDREN.discard(proc.pid)


# --------------------------------------------------------------------------------------
# Memory and process trees
# --------------------------------------------------------------------------------------

def handle(pid: int) -> psutil.Process | None:
    """A psutil handle on `pid` (None when it is gone); keep it to measure the same process often."""
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def rss(process: int | psutil.Process | None) -> int:
    """Resident memory in bytes of a process (a pid or a handle); 0 when it is gone."""
    if isinstance(process, int):
        process = handle(process)
    if process is None:
        return 0
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def descendants(pid: int) -> list[int]:
    """Children, grandchildren... of `pid` (by parent pid: not the ones already adopted elsewhere)."""
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def tree_rss(pid: int) -> int:
    """Resident memory of `pid` and its descendants, in bytes."""
    return sum(rss(p) for p in [pid] + descendants(pid))


def kill_tree(pid: int) -> None:
    """SIGKILL to `pid`, its descendants, and the process groups they lead."""
    victims = descendants(pid)
    for p in [pid] + victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(p, signal.SIGKILL)


# --------------------------------------------------------------------------------------
# What a submission leaves behind
# --------------------------------------------------------------------------------------

def set_subreaper() -> bool:
    """Become the parent of orphaned descendants, so processes a submission detaches can be found."""
    global _SUBREAPER
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        _SUBREAPER = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0    # PR_SET_CHILD_SUBREAPER
    except Exception:
        _SUBREAPER = False
    return _SUBREAPER


def kill_strays(token: str) -> int:
    """Kill processes left behind by one submission (found by its token in their environment)."""
    killed = 0
    me = os.getpid()
    for pid in psutil.pids():         # not process_iter(): its cache is shared by the grading threads
        if pid == me:
            continue
        with _CHILDREN_LOCK:
            if pid in _CHILDREN:
                continue
        try:
            mine = psutil.Process(pid).environ().get(RUN_TOKEN_ENV) == token
        except psutil.Error:          # gone, a zombie, or not ours to read
            continue
        if mine:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
    if _SUBREAPER:                       # orphans adopted by us: reap the dead ones (never our sandboxes)
        time.sleep(0.05 if killed else 0)
        with _CHILDREN_LOCK:
            for child in psutil.Process(me).children():
                if child.pid in _CHILDREN:
                    continue
                try:
                    dead = child.status() == psutil.STATUS_ZOMBIE
                except psutil.Error:
                    continue
                if dead:
                    with contextlib.suppress(ChildProcessError, OSError):
                        os.waitpid(child.pid, os.WNOHANG)
    return killed
