"""The grader's side of its two kinds of child: `Sandbox` (phase 2: runs the exercise cells, answers
requests with data) and `run_notebook` (phase 1: the whole notebook under nbclient).

Each child starts as `python -P -s -m rnnlab.grading.sandbox` or `... .runner` in its own
temporary folder, with a clean environment, its own session, and pipes for the protocol; the
first message tells it its limits (`isolation`), which it applies to itself before any learner
code runs. The grader talks to it only through a `WatchedChannel`: every wait has a deadline
and a memory watch, and a child that breaks the protocol is killed.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from . import processes
from .channels import WatchedChannel
from .errors import Broken, Died, OutOfMemory, ProtocolError, Stop, Timeout
from .isolation import child_command, child_env
from .options import Options
from .remote import RemoteFunction
from .wire import Codec

MISSING = object()          # `Sandbox.exec_cell`: the cell ran but did not define the exercise's name


class Sandbox:
    """A sandbox child seen from the judge: start, request with a deadline, kill."""

    def __init__(self, tmp: Path, opts: Options, cpu_seconds: float, audit: list | None = None):
        self.tmp, self.opts = tmp, opts
        self.audit = audit if audit is not None else []     # what the sandbox's audit hook reported
        self.proc = processes.spawn(child_command("sandbox"), str(tmp), child_env(tmp, opts.run_token))
        self.chan = WatchedChannel(self.proc, opts.memory_mb + 64)
        self.codec = Codec("judge", conn=self)
        self.raised: dict[int, Exception] = {}
        self._raised_token = 0
        self.landlock = 0
        self.note = ""
        try:
            self.chan.send({"tmp": str(tmp), "cpu": int(cpu_seconds), "address_space_mb": opts.memory_mb,
                            "landlock": opts.landlock})
            msg, _ = self.chan.recv()
            self.landlock, self.note = int(msg.get("landlock", 0)), str(msg.get("note", ""))[:300]
            if msg.get("op") != "ready":
                raise ProtocolError(self.note)
        except (Stop, EOFError, ProtocolError, OSError) as exc:
            self.kill()
            raise Broken(f"the grader could not start an isolated process for this submission "
                         f"({type(exc).__name__}: {str(exc)[:200]})") from None

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def set_deadline(self, deadline: float):
        self.chan.deadline = deadline

    def request(self, header: dict, blobs=()):
        """Send a request; serve callbacks until the reply comes. Raises a Stop on trouble."""
        try:
            self.chan.send(header, blobs)
            while True:
                msg, rblobs = self.chan.recv()
                op = msg.get("op")
                seen = msg.get("audit")
                if isinstance(seen, list) and len(self.audit) < 50:
                    self.audit.extend(str(a)[:300] for a in seen[:20])
                if op == "reply":
                    return msg, rblobs
                if op == "callback":
                    self._serve_callback(msg, rblobs)
                    continue
                if op == "getattr":
                    self._serve_getattr(msg)
                    continue
                raise ProtocolError(f"unexpected message {str(op)[:20]!r}")
        except Timeout:
            self.kill()
            raise Timeout("") from None
        except OutOfMemory:
            self.kill()
            raise OutOfMemory(f"used more than {self.opts.memory_mb} MB of memory") from None
        except EOFError:
            raise self._death() from None
        except ProtocolError as exc:
            self.kill()
            raise Broken(f"the process running this exercise sent garbage to the grader ({exc})") from None

    def _serve_callback(self, msg, blobs):
        fn = self.codec.objects.get(msg.get("id"))
        out_blobs: list = []
        try:
            args = self.codec.decode(msg.get("args"), blobs)
            kwargs = self.codec.decode(msg.get("kwargs"), blobs)
            if fn is None or not isinstance(args, list) or not isinstance(kwargs, dict):
                raise ProtocolError("bad callback")
            value = fn(*args, **{str(k): v for k, v in kwargs.items()})
            body = {"op": "return", "value": self.codec.encode(value, out_blobs)}
        except ProtocolError:
            raise
        except Exception as exc:
            out_blobs = []
            body = {"op": "return", "exc": self._judge_exception(exc)}
        self.chan.send(body, out_blobs)

    def _judge_exception(self, exc: Exception) -> dict:
        """Remember an exception of judge code (e.g. a check's Mistake inside a stand-in model):
        if it comes back out of the learner's function, the judge re-raises this very object."""
        self._raised_token += 1
        self.raised[self._raised_token] = exc
        return {"type": type(exc).__name__, "msg": str(exc)[:500], "token": self._raised_token}

    def _serve_getattr(self, msg):
        obj = self.codec.objects.get(msg.get("id"))
        name = msg.get("name")
        out_blobs: list = []
        try:
            if obj is None or not isinstance(name, str) or name.startswith("_"):
                raise AttributeError(f"no attribute {str(name)[:50]!r}")
            body = {"op": "return", "value": self.codec.encode(getattr(obj, name), out_blobs)}
        except Exception as exc:
            out_blobs = []
            body = {"op": "return", "exc": self._judge_exception(exc)}
        self.chan.send(body, out_blobs)

    def _death(self) -> Stop:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        self.kill()
        if code is not None and code < 0:
            sig = -code
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
            why = {"SIGSEGV": "a segmentation fault", "SIGKILL": "it was killed", "SIGXCPU": "it used up its CPU time",
                   "SIGABRT": "an abort", "SIGBUS": "a bus error"}.get(name, name)
            return Died(f"the Python process running this exercise crashed ({name}: {why}); "
                        "often a ctypes call, or a library aborting when memory runs out")
        return Died(f"the Python process running this exercise exited with code {code} "
                    "(os._exit or a library that exited the process)")

    def kill(self):
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        processes.release(self.proc)

    def close(self):
        if self.alive:
            with contextlib.suppress(Exception):
                self.chan.deadline = time.monotonic() + 2
                self.chan.send({"op": "quit"})
        self.kill()

    # ------------------------------------------------------------ operations
    def exec_cell(self, ex_id: str, name: str, source: str):
        """Run a cell: (False, error info) if it raised, (True, MISSING) if it did not define `name`,
        else (True, what `name` is: a RemoteFunction for a function)."""
        msg, blobs = self.request({"op": "exec", "id": ex_id, "name": name, "source": source})
        if "exc" in msg:
            return False, msg["exc"]
        if not msg.get("defined"):
            return True, MISSING
        return True, self.codec.decode(msg.get("value"), blobs)

    def bind(self, name: str, fn=None, ex_id: str | None = None):
        """Bind `name` in the sandbox to the learner's function `fn`, or (None) to the reference of `ex_id`."""
        handle = fn._handle if isinstance(fn, RemoteFunction) else None
        self.request({"op": "bind", "name": name, "h": handle, "id": ex_id})


def run_notebook(path: Path, tmp: Path, opts: Options) -> dict:
    """Phase 1: execute the temporary copy at `path`; returns what happened (never raises)."""
    overall = opts.timeout * 10 + 30
    proc = processes.spawn(child_command("runner"), str(tmp), child_env(tmp, opts.run_token))
    # resident memory of the whole tree (the kernel too), twice a second: TensorFlow reserves far
    # more address space than it uses, so RLIMIT_AS cannot be the limit here
    chan = WatchedChannel(proc, opts.memory_mb, measure=lambda: processes.tree_rss(proc.pid), every=0.5)
    chan.deadline = time.monotonic() + overall
    try:
        chan.send({"tmp": str(tmp), "notebook": str(path), "cell_timeout": max(1, int(opts.timeout)),
                   "cpu": int(overall) + 60, "landlock": opts.landlock})
        msg, _ = chan.recv()
        result = dict(msg)
    except Timeout:
        result = {"ran": False, "why": f"the notebook did not finish within {overall:g} s"}
    except OutOfMemory:
        result = {"ran": False, "why": f"the notebook used more than {opts.memory_mb} MB of memory and was stopped"}
    except (EOFError, ProtocolError, OSError) as exc:
        result = {"ran": False, "why": f"the notebook runner stopped unexpectedly ({type(exc).__name__})"}
    finally:
        processes.kill_tree(proc.pid)
        processes.release(proc)
    result["peak_rss_mb"] = round(chan.peak / 2**20)
    return result
