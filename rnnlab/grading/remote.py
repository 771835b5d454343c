"""Stand-ins for what lives in the other process, and exceptions carried across.

In the judge (the grader): `RemoteFunction` stands for a learner function (calling it runs the
real one in the sandbox and brings back plain data), `Opaque` for an object the sandbox cannot
send as data (it carries only its type name, so `as_result_array` rejects it: "should be a numpy
array, got AlwaysEqual"). Arrays the learner modified in place are copied back into the judge's
arguments, so `checks.call` still names in-place modification. Learner exceptions are re-raised
in the judge with their type name, message and line, so the hints are the same as in the
notebook; a check's own exception (a `Mistake` raised in a stand-in model) that comes back out
of the learner's function is re-raised as itself.

In the sandbox: `Callback` stands for a judge callable a check passes in, `JudgeObject` for an
object a check passes in (e.g. lesson 13's scripted model): the learner's code reaches its
public attributes and methods only, and they run in the judge.
"""
from __future__ import annotations

import builtins
import contextlib
import keyword
import re
import threading
import traceback

import numpy as np

from .errors import Broken, OutOfMemory, ProtocolError, Stop

_CLASSES_LOCK = threading.Lock()


# --------------------------------------------------------------------------------------
# Judge side
# --------------------------------------------------------------------------------------

class Opaque:
    """Judge-side stand-in for an object the sandbox cannot send as data (only its type name)."""

    def __init__(self, text: str = "", handle=None, fields: dict | None = None):
        self._text, self._handle, self._fields = text, handle, dict(fields or {})

    def __getattr__(self, name):
        fields = self.__dict__.get("_fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(name)

    def __repr__(self):
        return f"<{type(self).__name__} from the submission>"


_OPAQUE_CLASSES: dict[str, type] = {}


def opaque_class(name: str) -> type:
    """A subclass of Opaque named like the learner's type (so hints name it), one per name."""
    name = re.sub(r"\W", "_", name)[:80] or "object"
    if not name[0].isalpha() and name[0] != "_":
        name = "_" + name
    with _CLASSES_LOCK:
        if name not in _OPAQUE_CLASSES:
            _OPAQUE_CLASSES[name] = type(name, (Opaque,), {"__module__": "submission"})
        return _OPAQUE_CLASSES[name]


class RemoteFunction:
    """Judge-side stand-in for a learner function: calling it runs the real one in the sandbox.

    `sandbox` is the judge's handle on the sandbox (`children.Sandbox`): its codec, `request`,
    `kill` and the judge exceptions it remembers (`raised`)."""

    def __init__(self, sandbox, handle, name: str):
        self._sandbox, self._handle, self.__name__ = sandbox, handle, name

    def __repr__(self):
        return f"<submission function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        sb = self._sandbox
        blobs: list = []
        try:
            header = {"op": "call", "h": self._handle, "name": self.__name__,
                      "args": sb.codec.encode(list(args), blobs),
                      "kwargs": sb.codec.encode_more({str(k): v for k, v in kwargs.items()}, blobs)}
        except OverflowError as exc:
            raise Broken(f"grader limitation: cannot pass this argument to the submission ({exc})") from None
        sb.raised.clear()
        msg, rblobs = sb.request(header, blobs)
        if "exc" in msg:
            original = sb.raised.get(msg["exc"].get("judge"))
            if original is not None:      # the check's own exception, passed through the learner's code
                raise original
            exc = remote_exception(msg["exc"])
            if isinstance(exc, Stop):
                sb.kill()
                raise exc
            _raise_at(self.__name__, msg["exc"].get("line"), exc)
        try:
            value = sb.codec.decode(msg.get("value"), rblobs)
            after = [sb.codec.decode_more(a, rblobs) for a in msg.get("after", [])]
        except ProtocolError as exc:
            sb.kill()
            raise Broken(f"the process running this exercise sent garbage to the grader ({exc})") from None
        for original, new in zip(args, after):
            _copy_back(original, new)
        return value


def remote_exception(info: dict) -> BaseException:
    """The judge's version of an exception the learner's code raised: a builtin exception as itself,
    anything else as an exception class of the same name (never the learner's class)."""
    if info.get("memory"):
        return OutOfMemory("ran out of memory (MemoryError; the limit is the --memory option)")
    name = str(info.get("type", "Exception"))
    msg = str(info.get("msg", ""))
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == "builtins":
        try:
            return cls(msg)
        except Exception:
            pass
    return _opaque_exception(name)(msg)


_EXC_CLASSES: dict[str, type] = {}


def _opaque_exception(name: str) -> type:
    name = re.sub(r"\W", "_", name)[:80] or "Exception"
    with _CLASSES_LOCK:
        if name not in _EXC_CLASSES:
            _EXC_CLASSES[name] = type(name, (Exception,), {"__module__": "submission"})
        return _EXC_CLASSES[name]


_RAISERS: dict = {}


def _raise_at(name: str, line, exc: BaseException):
    """Raise `exc` from a frame called `name` at relative line `line`, so checks point at it."""
    if isinstance(line, int) and 2 <= line <= 5000 and name.isidentifier() and not keyword.iskeyword(name):
        key = (name, line)
        fn = _RAISERS.get(key)
        if fn is None:
            ns: dict = {}
            exec(compile(f"def {name}(exc):\n" + "\n" * (line - 2) + "    raise exc\n", "<submission>", "exec"), ns)
            fn = _RAISERS[key] = ns[name]
        fn(exc)
    raise exc


def _copy_back(original, new):
    """Apply an in-place change the learner's function made to an argument."""
    with contextlib.suppress(Exception):
        if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
            if original.shape == new.shape and original.flags.writeable:
                np.copyto(original, new, casting="unsafe")
        elif isinstance(original, dict) and isinstance(new, dict):
            original.clear()
            original.update(new)
        elif isinstance(original, list) and isinstance(new, list):
            original[:] = new
        elif isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
            original.bit_generator.state = new.bit_generator.state


# --------------------------------------------------------------------------------------
# Sandbox side
# --------------------------------------------------------------------------------------

class Callback:
    """Sandbox-side stand-in for a judge callable (e.g. a function a check passes in)."""

    def __init__(self, conn, cb_id):
        self._conn, self._id = conn, cb_id

    def __call__(self, *args, **kwargs):
        return self._conn.callback(self._id, args, kwargs)


class JudgeObject:
    """Sandbox-side stand-in for an object a check passes in: public attributes come from the judge."""

    def __init__(self, conn, oid, type_name):
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "_id", oid)
        object.__setattr__(self, "_type", type_name)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._conn.remote_getattr(self._id, name)

    def __repr__(self):
        return f"<{self._type} from the grader>"


_SANDBOX_EXC: dict[str, type] = {}


def judge_error(info: dict) -> Exception:
    """An exception raised by judge code during a callback, as the learner's code sees it."""
    name = re.sub(r"\W", "_", str(info.get("type", "Exception")))[:80] or "Exception"
    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = _SANDBOX_EXC.setdefault(name, type(name, (Exception,), {}))
    try:
        exc = cls(str(info.get("msg", "")))
    except Exception:
        exc = RuntimeError(str(info.get("msg", "")))
    exc._rnnlab_judge = info.get("token")
    return exc


def exc_info(exc: BaseException, name: str | None) -> dict:
    """An exception of the learner's code as data: type name, message, line in function `name`,
    the end of the traceback, whether it was a MemoryError, and the judge's token if it came from
    judge code."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if name and tb.tb_frame.f_code.co_name == name:
            line = tb.tb_lineno - tb.tb_frame.f_code.co_firstlineno + 1
        tb = tb.tb_next
    try:
        msg = str(exc)[:2000]
    except BaseException:
        msg = ""
    try:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4))[-3000:]
    except BaseException:
        text = ""
    return {"type": type(exc).__name__[:80], "msg": msg, "line": line, "tb": text,
            "memory": isinstance(exc, MemoryError), "judge": getattr(exc, "_rnnlab_judge", None)}
