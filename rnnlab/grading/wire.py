"""The wire between the judge (the grader) and a sandbox: values as plain data, never code or pickles.

`Codec` turns a value into a JSON tree plus a list of byte blobs, and back; one per side of a
connection (`channels` moves the frames). What crosses: None, bool, int, float, complex, str,
tuples, lists, dicts, numpy arrays and scalars of numeric, bool or string dtype (rebuilt with
`np.frombuffer` after checking dtype, shape and byte count), the course's own dataclasses
(rebuilt from their fields), numpy Generators (their state), references to functions on the
other side (a check may pass a callback; a learner may return a closure), objects a check
passes in (e.g. lesson 13's scripted model: the learner's code reaches their public attributes
and methods, which run in the judge; a check's `Mistake` raised there comes back out as itself)
and Keras models (as the bytes of a `.keras` file, configuration and weights, rebuilt with
`safe_mode=True` so no Python code from the file runs). Anything else the learner returns
arrives as an opaque stand-in that carries only its type name (`remote.Opaque`).

Consequences: monkeypatching `rnnlab.checks`, `np.allclose` or builtins (in an exercise cell
or anywhere else), objects whose `==` is always true, ndarray subclasses, or printing "passed"
change nothing, because the code that decides runs in a process the learner's code never
touched and sees only bytes it validated itself.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import tempfile
import threading
import types

import numpy as np

from ..session import import_keras
from .errors import Broken, ProtocolError
from .remote import Callback, JudgeObject, Opaque, RemoteFunction, opaque_class

MAX_FRAME = 64 * 2**20                 # largest message accepted from a sandbox
MAX_NODES = 200_000                    # most parts of one message
_ND, _GENERIC, _GENERATOR = np.ndarray, np.generic, np.random.Generator
_KINDS = "biufcUS"                     # array dtypes that cross: numbers, bool, strings (never objects)


def _check_dtype(text) -> np.dtype:
    if not isinstance(text, str) or len(text) > 16:
        raise ProtocolError("bad dtype")
    try:
        dt = np.dtype(text)
    except TypeError:
        raise ProtocolError("bad dtype") from None
    if dt.kind not in _KINDS or dt.fields is not None or dt.hasobject or dt.subdtype is not None:
        raise ProtocolError("dtype not allowed")
    return dt


class Codec:
    """Encode values to (JSON tree, blobs) and back; one per side of a connection.

    side "sandbox": functions and unknown objects become handles into `objects`.
    side "judge": judge callables become callbacks; handles from the sandbox become
    RemoteFunction / Opaque stand-ins.
    """

    def __init__(self, side: str, conn=None):
        self.side = side
        self.conn = conn
        self.objects: dict[int, object] = {}
        self._next = 1

    def _keep(self, obj) -> int:
        h = self._next
        self._next += 1
        self.objects[h] = obj
        return h

    # ---------------------------------------------------------------- encode
    def encode(self, value, blobs: list) -> object:
        """The first (or only) value of a message: the size limits count from here."""
        self._nodes = 0
        self._bytes = 0
        return self._enc(value, blobs, 0)

    def encode_more(self, value, blobs: list) -> object:
        """Another value of the same message (e.g. the keyword arguments after `encode(args)`)."""
        return self._enc(value, blobs, 0)

    def _blob(self, data: bytes, blobs: list) -> int:
        self._bytes += len(data)
        if self._bytes > MAX_FRAME:
            raise OverflowError(f"more than {MAX_FRAME // 2**20} MB of data")
        blobs.append(data)
        return len(blobs) - 1

    def _enc(self, v, blobs, depth):
        self._nodes += 1
        if depth > 40 or self._nodes > MAX_NODES:
            raise OverflowError("the value is nested too deeply or has too many parts")
        if v is None or v is True or v is False:
            return v
        t = type(v)
        if t is int:
            return v if -2**62 < v < 2**62 else {"$": "bigint", "v": str(v)}
        if t is float:
            return v
        if t is str:
            if len(v) > 2**20:
                raise OverflowError("a string of more than a million characters")
            return v
        if isinstance(v, _ND):
            a = np.asarray(v)
            dt = a.dtype
            if dt.kind in _KINDS and dt.fields is None and not dt.hasobject and dt.subdtype is None:
                return {"$": "nd", "dtype": dt.str, "shape": list(a.shape),
                        "b": self._blob(np.ascontiguousarray(a).tobytes(), blobs)}
            return {"$": "objarr", "shape": list(a.shape)}
        if isinstance(v, _GENERIC):
            dt = v.dtype
            if dt.kind in _KINDS and dt.fields is None:
                return {"$": "np", "dtype": dt.str, "b": self._blob(np.asarray(v).tobytes(), blobs)}
            return self._opaque(v)
        if t is tuple or t is list:
            return {"$": t.__name__, "v": [self._enc(x, blobs, depth + 1) for x in v]}
        if t is dict:
            keys, vals = [], []
            for k, x in v.items():
                keys.append(self._enc(k, blobs, depth + 1))
                vals.append(self._enc(x, blobs, depth + 1))
            return {"$": "dict", "k": keys, "v": vals}
        if t is complex:
            return {"$": "complex", "v": [v.real, v.imag]}
        if isinstance(v, _GENERATOR):
            return {"$": "rng", "bg": type(v.bit_generator).__name__, "state": _jsonable(v.bit_generator.state)}
        if isinstance(v, (RemoteFunction, Opaque)) and self.side == "judge":
            return {"$": "ref", "h": v._handle}
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            cls = type(v)
            return {"$": "dc", "cls": f"{cls.__module__}:{cls.__qualname__}",
                    "f": {f.name: self._enc(getattr(v, f.name, None), blobs, depth + 1)
                          for f in dataclasses.fields(v)}}
        if isinstance(v, tuple) and hasattr(t, "_fields"):      # namedtuple
            return {"$": "nt", "cls": f"{t.__module__}:{t.__qualname__}", "fields": [str(f) for f in t._fields],
                    "v": [self._enc(x, blobs, depth + 1) for x in v]}
        if isinstance(v, bool):
            return bool(v)
        if isinstance(v, int):
            return self._enc(int(v), blobs, depth)
        if isinstance(v, float):
            return float(v)
        if isinstance(v, str):
            return self._enc(str.__str__(v), blobs, depth)
        if _is_keras_model(v):
            return {"$": "keras", "type": type(v).__name__[:80], "b": self._blob(_keras_bytes(v), blobs)}
        if callable(v):
            if self.side == "judge":
                return {"$": "cb", "id": self._keep(v)}
            name = getattr(v, "__name__", type(v).__name__)
            return {"$": "fn", "h": self._keep(v), "name": str(name)[:100] if isinstance(name, str) else "?"}
        return self._opaque(v)

    def _opaque(self, v):
        if self.side == "judge":          # e.g. a stand-in model a check passes: its public attributes are served
            return {"$": "jobj", "id": self._keep(v), "type": type(v).__name__[:80]}
        try:
            text = repr(v)[:200]
        except BaseException:
            text = "?"
        return {"$": "obj", "type": type(v).__name__[:80], "repr": text, "h": self._keep(v)}

    # ---------------------------------------------------------------- decode
    def decode(self, tree, blobs: list):
        """The first (or only) value of a message: the size limits count from here."""
        self._nodes = 0
        return self._dec(tree, blobs, 0)

    def decode_more(self, tree, blobs: list):
        """Another value of the same message."""
        return self._dec(tree, blobs, 0)

    def _dec(self, t, blobs, depth):
        self._nodes += 1
        if depth > 42 or self._nodes > MAX_NODES:
            raise ProtocolError("too deep")
        if t is None or isinstance(t, (bool, int, float, str)):
            return t
        if not isinstance(t, dict):
            raise ProtocolError(f"unexpected {type(t).__name__}")
        tag = t.get("$")
        if tag == "nd":
            dt = _check_dtype(t.get("dtype"))
            shape = t.get("shape")
            if (not isinstance(shape, list) or len(shape) > 32
                    or not all(type(s) is int and 0 <= s < 2**40 for s in shape)):
                raise ProtocolError("bad shape")
            blob = self._get_blob(t, blobs)
            if int(np.prod(shape, dtype=object)) * dt.itemsize != len(blob):
                raise ProtocolError("array size does not match its data")
            return np.frombuffer(blob, dtype=dt).reshape(shape).copy()
        if tag == "np":
            dt = _check_dtype(t.get("dtype"))
            blob = self._get_blob(t, blobs)
            if len(blob) != dt.itemsize:
                raise ProtocolError("bad scalar")
            return np.frombuffer(blob, dtype=dt)[0]
        if tag == "objarr":
            shape = t.get("shape")
            if not isinstance(shape, list) or not all(type(s) is int and 0 <= s < 2**20 for s in shape):
                raise ProtocolError("bad shape")
            if int(np.prod(shape, dtype=object)) > 10**6:
                shape = [0]
            return np.full(shape, None, dtype=object)
        if tag in ("tuple", "list"):
            items = t.get("v")
            if not isinstance(items, list):
                raise ProtocolError("bad sequence")
            out = [self._dec(x, blobs, depth + 1) for x in items]
            return tuple(out) if tag == "tuple" else out
        if tag == "dict":
            keys, vals = t.get("k"), t.get("v")
            if not isinstance(keys, list) or not isinstance(vals, list) or len(keys) != len(vals):
                raise ProtocolError("bad dict")
            out = {}
            for k, v in zip(keys, vals):
                key = self._dec(k, blobs, depth + 1)
                try:
                    out[key] = self._dec(v, blobs, depth + 1)
                except TypeError:
                    raise ProtocolError("unhashable key") from None
            return out
        if tag == "bigint":
            try:
                return int(str(t.get("v"))[:5000])
            except ValueError:
                raise ProtocolError("bad int") from None
        if tag == "complex":
            v = t.get("v")
            if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v)):
                raise ProtocolError("bad complex")
            return complex(v[0], v[1])
        if tag == "rng":
            return _make_generator(t.get("bg"), t.get("state"))
        if tag == "dc":
            fields = t.get("f")
            if not isinstance(fields, dict):
                raise ProtocolError("bad dataclass")
            values = {str(k)[:100]: self._dec(v, blobs, depth + 1) for k, v in fields.items()}
            return self._rebuild(str(t.get("cls", "")), values)
        if tag == "nt":
            items = t.get("v")
            if not isinstance(items, list):
                raise ProtocolError("bad namedtuple")
            values = [self._dec(x, blobs, depth + 1) for x in items]
            cls = _resolve_class(str(t.get("cls", "")), import_ok=self.side == "sandbox")
            if cls is not None and isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields"):
                with contextlib.suppress(Exception):
                    return cls(*values)
            return tuple(values)
        if tag == "ref" and self.side == "sandbox":
            h = t.get("h")
            if h not in self.objects:
                raise ProtocolError("unknown handle")
            return self.objects[h]
        if tag == "cb" and self.side == "sandbox":
            return Callback(self.conn, t.get("id"))
        if tag == "jobj" and self.side == "sandbox":
            return JudgeObject(self.conn, t.get("id"), str(t.get("type", "object")))
        if tag == "keras":
            return _load_keras(self._get_blob(t, blobs), judge=self.side == "judge")
        if tag == "fn" and self.side == "judge":
            name = t.get("name") if isinstance(t.get("name"), str) else "?"
            return RemoteFunction(self.conn, t.get("h"), name[:100])
        if tag == "obj" and self.side == "judge":
            return opaque_class(str(t.get("type", "object")))(str(t.get("repr", ""))[:200], t.get("h"))
        raise ProtocolError(f"unknown tag {str(tag)[:20]!r}")

    def _get_blob(self, t, blobs) -> bytes:
        i = t.get("b")
        if type(i) is not int or not 0 <= i < len(blobs):
            raise ProtocolError("bad blob index")
        return blobs[i]

    def _rebuild(self, qualified: str, values: dict):
        cls = _resolve_class(qualified, import_ok=self.side == "sandbox")
        if cls is not None and dataclasses.is_dataclass(cls) and isinstance(cls, type):
            names = {f.name for f in dataclasses.fields(cls)}
            if set(values) == names:
                obj = cls.__new__(cls)
                for k, v in values.items():
                    object.__setattr__(obj, k, v)
                return obj
        if self.side == "judge":
            return opaque_class(qualified.rpartition(":")[2] or "object")("", None, values)
        return types.SimpleNamespace(**values)


def _jsonable(state):
    """A bit generator's state as JSON (its ints can be larger than 2**64)."""
    if isinstance(state, dict):
        return {"$": "dict", "k": list(state.keys()), "v": [_jsonable(v) for v in state.values()]}
    if isinstance(state, (int, np.integer)) and not isinstance(state, bool):
        return {"$": "bigint", "v": str(int(state))}
    if isinstance(state, np.ndarray):
        return {"$": "list", "v": [_jsonable(x) for x in state.tolist()]}
    return state


def _plain(t):
    if isinstance(t, dict):
        if t.get("$") == "dict":
            return {k: _plain(v) for k, v in zip(t["k"], t["v"])}
        if t.get("$") == "bigint":
            return int(t["v"])
        if t.get("$") == "list":
            return [_plain(x) for x in t["v"]]
    return t


def _make_generator(name, state):
    bit_generators = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM, "MT19937": np.random.MT19937,
                      "Philox": np.random.Philox, "SFC64": np.random.SFC64}
    if name not in bit_generators:
        raise ProtocolError("unknown bit generator")
    bg = bit_generators[name]()
    try:
        bg.state = _plain(state)
    except (TypeError, ValueError, KeyError):
        raise ProtocolError("bad generator state") from None
    return np.random.Generator(bg)


def _resolve_class(qualified: str, import_ok: bool):
    """A class by 'module:qualname', only from rnnlab (judge: only modules already imported)."""
    mod, _, qual = qualified.partition(":")
    if not (mod == "rnnlab" or mod.startswith("rnnlab.")) or not qual or "<" in qual:
        return None
    module = sys.modules.get(mod)
    if module is None and import_ok:
        with contextlib.suppress(Exception):
            import importlib
            module = importlib.import_module(mod)
    obj = module
    for part in qual.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


# ---------------------------------------------------------------- Keras models
def _is_keras_model(v) -> bool:
    keras = sys.modules.get("keras")
    model = getattr(keras, "Model", None) if keras is not None else None
    return isinstance(model, type) and isinstance(v, model)


def _keras_bytes(model) -> bytes:
    """A Keras model as the bytes of a .keras file (configuration JSON and weights: data, not code)."""
    fd, path = tempfile.mkstemp(suffix=".keras", dir=os.environ.get("TMPDIR") or None)
    os.close(fd)
    try:
        model.save(path)
        with open(path, "rb") as f:
            return f.read()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


_KERAS_LOCK = threading.Lock()


def _load_keras(data: bytes, judge: bool):
    """Rebuild a Keras model from .keras bytes with safe_mode=True (no Python code from the file runs)."""
    with _KERAS_LOCK:
        keras = import_keras(seed=None)
        fd, path = tempfile.mkstemp(suffix=".keras")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            return keras.saving.load_model(path, compile=True, safe_mode=True)
        except Exception as exc:
            if judge:
                raise Broken(f"the Keras model it returned could not be rebuilt by the grader "
                             f"({type(exc).__name__}: {str(exc)[:200]})") from None
            raise
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
