"""The sandbox: the child process that runs a submission's exercise cells (phase 2).

Started by `children.Sandbox` as `python -P -s -m rnnlab.grading.sandbox`, in the submission's
own temporary folder; the grader never imports this module (it is the child's `__main__`).

It runs the learner's exercise cells, and nothing else of the notebook, in one namespace,
exactly like `rnnlab.checks.evaluate_cells` does in-process: each cell runs, and afterwards
the exercise's name is bound to the learner's function if it passed and to the reference
implementation otherwise. It never decides anything: it answers the judge's requests (run a
cell, call a function, bind a name) with plain data (`wire`), and the checks run in the judge.

Before any learner code runs it applies its limits, imports everything it needs, and restricts
itself with Landlock; asked for Landlock and not given it, it refuses to run. Its stdout and
stderr are /dev/null, its stdin empty: the protocol uses private copies of the pipes.
"""
from __future__ import annotations

import io
import os
import sys

import numpy as np

from .channels import BlockingChannel
from .isolation import Discard, apply_limits, landlock_restrict, readable_roots, redirect_std_fds
from .remote import exc_info, judge_error
from .wire import Codec


AUDIT: list = []      # what learner code tried outside its folder (reported with each reply; flags only)


def _audit_hook(tmp: str, course: str):
    """An audit hook (`sys.addaudithook`, cannot be removed) that records, for the instructor's flags,
    opening a file for writing (or deleting or renaming one) outside the submission's own folder,
    and opening anything under the course's solutions/ -- whether Landlock then blocked it or not."""
    tmp = os.path.realpath(tmp)
    solutions = os.path.join(os.path.realpath(course), "solutions")
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def where(path):
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            return None
        return os.path.normpath(os.path.join(tmp, path))       # relative paths are relative to the folder

    def inside(path, folder):
        return path == folder or path.startswith(folder + os.sep)

    def hook(event, args):
        if len(AUDIT) >= 20 or event not in ("open", "os.remove", "os.rename", "os.rmdir", "shutil.rmtree",
                                             "os.truncate", "os.chmod"):
            return
        path = where(args[0]) if args else None
        if path is None or inside(path, tmp) or path.startswith("/dev/") or path.startswith("/proc/"):
            return
        if event == "open":
            mode, flags = args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else 0
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                bool(isinstance(flags, int) and flags & write_flags)
            if writes:
                AUDIT.append(f"write {path}")
            elif inside(path, solutions):
                AUDIT.append(f"read {path}")
        else:
            AUDIT.append(f"{event.split('.')[-1]} {path}")

    return hook


class SandboxServer:
    """Serves the judge's requests: exec (a cell), call (a function), bind (a name); calls back
    into the judge for the callables and objects a check passed in."""

    def __init__(self, chan: BlockingChannel, references: dict):
        self.chan = chan
        self.codec = Codec("sandbox", conn=self)
        self.references = references
        self.ns = {"np": np, "__name__": "__exercise__"}

    def reply(self, body: dict, value=None, has_value=False, extra=None):
        blobs: list = []
        if AUDIT:
            body["audit"] = [str(a)[:300] for a in AUDIT[:20]]
            AUDIT.clear()
        try:
            if has_value:
                body["value"] = self.codec.encode(value, blobs)
            if extra is not None:
                body["after"] = [self.codec.encode_more(a, blobs) for a in extra]
        except BaseException as exc:      # too large, or a value that breaks while being read
            blobs = []
            body = {"op": "reply", "exc": {"type": "GraderLimit", "msg": f"the result cannot be sent to the "
                                           f"grader: {str(exc)[:200]}", "line": None, "tb": "",
                                           "memory": isinstance(exc, MemoryError)}}
        self.chan.send(body, blobs)

    def callback(self, cb_id, args, kwargs):
        blobs: list = []
        header = {"op": "callback", "id": cb_id, "args": self.codec.encode(list(args), blobs)}
        if AUDIT:
            header["audit"] = [str(a)[:300] for a in AUDIT[:20]]
            AUDIT.clear()
        header["kwargs"] = self.codec.encode_more(dict(kwargs), blobs)
        self.chan.send(header, blobs)
        return self.serve(until_return=True)

    def remote_getattr(self, oid, name):
        self.chan.send({"op": "getattr", "id": oid, "name": name})
        return self.serve(until_return=True)

    def serve(self, until_return=False):
        while True:
            msg, blobs = self.chan.recv()
            op = msg.get("op")
            if op == "return":
                if not until_return:
                    continue
                if "exc" in msg:
                    raise judge_error(msg["exc"])
                return self.codec.decode(msg.get("value"), blobs)
            if op == "quit":
                os._exit(0)
            self.handle(op, msg, blobs)

    def handle(self, op, msg, blobs):
        try:
            self._handle(op, msg, blobs)
        except (EOFError, OSError):
            raise
        except BaseException as exc:           # a bad request must not kill the sandbox silently
            self.reply({"op": "reply", "exc": exc_info(exc, None)})

    def _handle(self, op, msg, blobs):
        if op == "exec":
            name = msg["name"]
            self.ns.pop(name, None)
            try:
                exec(compile(msg["source"], f"<exercise {msg['id']}>", "exec"), self.ns)
            except BaseException as exc:
                self.reply({"op": "reply", "exc": exc_info(exc, None)})
                return
            defined = name in self.ns
            self.reply({"op": "reply", "defined": defined}, self.ns.get(name), has_value=True)
        elif op == "call":
            fn = self.codec.objects.get(msg.get("h"))
            args = self.codec.decode(msg.get("args"), blobs)
            kwargs = self.codec.decode(msg.get("kwargs"), blobs)
            try:
                out = fn(*args, **kwargs)
            except BaseException as exc:
                self.reply({"op": "reply", "exc": exc_info(exc, msg.get("name"))})
                return
            after = [a if isinstance(a, (np.ndarray, list, dict, np.random.Generator)) else None for a in args]
            self.reply({"op": "reply"}, out, has_value=True, extra=after)
        elif op == "bind":
            if msg.get("h") is not None:
                self.ns[msg["name"]] = self.codec.objects.get(msg["h"])
            else:
                self.ns[msg["name"]] = self.references.get(msg.get("id"))
            self.reply({"op": "reply"})
        else:
            self.reply({"op": "reply", "exc": {"type": "ProtocolError", "msg": f"unknown op {op!r}",
                                               "line": None, "tb": "", "memory": False}})


def main() -> None:
    """Entry point of a sandbox child (started by `children.Sandbox`)."""
    fin, fout = redirect_std_fds()
    chan = BlockingChannel(fin, fout)
    cfg, _ = chan.recv()
    apply_limits(cfg)
    from .. import checks                       # everything the sandbox needs, before Landlock
    from .. import reference                    # noqa: F401
    checks._load_all()
    references = {e.id: e.reference for e in checks.exercises()}
    abi, note = 0, ""
    if cfg.get("landlock"):
        try:
            abi = landlock_restrict([cfg["tmp"]], readable_roots(), writable_files=[os.devnull], deny_tcp=True)
        except OSError as exc:
            abi, note = 0, f"Landlock could not be applied: {exc}"
        if abi < 1:                              # asked for isolation and did not get it: refuse
            chan.send({"op": "refused", "landlock": 0, "note": note or "Landlock is not available"})
            os._exit(3)
    sys.stdout = sys.stderr = Discard()
    sys.stdin = io.StringIO("")
    sys.dont_write_bytecode = True
    from ..session import course_root
    sys.addaudithook(_audit_hook(cfg["tmp"], str(course_root())))
    chan.send({"op": "ready", "landlock": abi, "note": note})
    server = SandboxServer(chan, references)
    try:
        server.serve()
    except EOFError:
        os._exit(0)


if __name__ == "__main__":
    main()
