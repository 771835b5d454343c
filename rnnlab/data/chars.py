"""Text as characters for lesson 10: the standard library's source or the learner's own file,
a character vocabulary, and training windows. numpy only.
"""
from __future__ import annotations

import json
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np


UNKNOWN = "\ufffd"          # shown for characters the vocabulary does not know (id 0)
UNKNOWN_ID = 0             # its id: reserved, never a training target, never sampled
MIN_CHARS = 2000            # shorter texts cannot train (or test) a language model


def stdlib_dir() -> Path:
    """The folder of the running Python's standard library (its .py files are the course's text)."""
    return Path(sysconfig.get_paths()["stdlib"])


def _stdlib_files():
    for path in sorted(stdlib_dir().glob("*.py")):
        yield path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")


def stdlib_text(max_chars: int = 2_200_000) -> str:
    """Python source from the installed standard library: the top-level .py files in sorted
    order, concatenated until `max_chars` characters. Present on every machine, but the text
    differs between Python versions, so results differ a little too."""
    parts, total = [], 0
    for text in _stdlib_files():
        parts.append(text)
        total += len(text)
        if total >= max_chars:
            break
    text = "".join(parts)[:max_chars]
    if len(text) < MIN_CHARS:
        raise ValueError(f"stdlib_text: found only {len(text)} characters of Python source in {stdlib_dir()}")
    return text


def stdlib_split(max_chars: int = 2_200_000, every: int = 20):
    """(train, valid) from the standard library: every `every`-th file (from the 10th on) is held out,
    so the held-out text is a fair sample of the modules, never seen in training. Together they
    hold about `max_chars` characters."""
    train, valid, total = [], [], 0
    for i, text in enumerate(_stdlib_files()):
        (valid if i % every == every // 2 else train).append(text)
        total += len(text)
        if total >= max_chars:
            break
    if not valid or total < MIN_CHARS:
        raise ValueError(f"stdlib_split: found too little Python source in {stdlib_dir()}")
    return "".join(train), "".join(valid)


def load_text(path, min_chars: int = MIN_CHARS) -> str:
    """Read a UTF-8 text file for training, with a clear error for anything else.

    Raises FileNotFoundError for a missing file, and ValueError for a folder, an empty or too
    short file, or a binary file (NUL bytes, or bytes that are not UTF-8 text).
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"load_text: there is no file {str(p)!r} (current folder: {Path.cwd()}); "
                                "give the path of a plain-text (UTF-8) file")
    if p.is_dir():
        raise ValueError(f"load_text: {str(p)!r} is a folder; give the path of a plain-text file inside it")
    raw = p.read_bytes()
    if not raw.strip():
        raise ValueError(f"load_text: {str(p)!r} is empty; a language model needs at least {min_chars} characters")
    if b"\x00" in raw[:65536]:
        raise ValueError(f"load_text: {str(p)!r} looks like a binary file (it contains NUL bytes); "
                         "give a plain-text file (.txt, .py, .md, ...), not a PDF, image or archive")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"load_text: {str(p)!r} is not UTF-8 text (byte {exc.start} cannot be decoded); "
                         "save it as UTF-8 plain text, or it may be a binary file") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) < min_chars:
        raise ValueError(f"load_text: {str(p)!r} has only {len(text)} characters; a language model needs at least "
                         f"{min_chars} (and learns well from about 1,000,000)")
    return text


def split_text(text: str, valid_fraction: float = 0.05):
    """Split into (train, valid): the last `valid_fraction` of the text, cut at a line break, is held out."""
    if not 0 < valid_fraction < 1:
        raise ValueError(f"split_text: valid_fraction must be between 0 and 1, got {valid_fraction}")
    cut = int(len(text) * (1 - valid_fraction))
    newline = text.find("\n", cut)
    if 0 <= newline < len(text) - 1:
        cut = newline + 1
    return text[:cut], text[cut:]


@dataclass(frozen=True)
class CharVocab:
    """Characters <-> ids. Id 0 is reserved for characters the vocabulary does not know; the
    others are sorted, so the same text always gives the same ids (never list(set(text)))."""
    chars: tuple

    @classmethod
    def from_text(cls, text: str, min_count: int = 1) -> "CharVocab":
        """Every character that occurs at least `min_count` times, in sorted order, after UNKNOWN."""
        values, counts = np.unique(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), return_counts=True)
        kept = sorted(chr(v) for v, c in zip(values, counts) if c >= min_count and chr(v) != UNKNOWN)
        return cls((UNKNOWN, *kept))

    @property
    def size(self) -> int:
        return len(self.chars)

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """text -> (len(text),) int32 ids; unknown characters -> 0."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        known = np.array([ord(c) for c in self.chars[1:]], dtype=np.uint32)   # sorted by code point
        pos = np.searchsorted(known, codes)
        pos_c = np.minimum(pos, len(known) - 1)
        return np.where(known[pos_c] == codes, pos_c + 1, 0).astype(np.int32)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in np.asarray(ids).reshape(-1))

    def to_json(self) -> str:
        return json.dumps({"chars": list(self.chars)})

    @classmethod
    def from_json(cls, s: str) -> "CharVocab":
        chars = tuple(json.loads(s)["chars"])
        if not chars or chars[0] != UNKNOWN:
            raise ValueError("CharVocab.from_json: not a vocabulary written by CharVocab.to_json")
        return cls(chars)


def windows(ids, T: int, stride: int | None = None):
    """Inputs and next-character targets: X[i] = ids[s : s + T], Y[i] = ids[s + 1 : s + T + 1]
    for s = 0, stride, 2 * stride, ... Returns X, Y: (n, T) int32."""
    ids = np.asarray(ids)
    stride = T if stride is None else stride
    n = (len(ids) - 1 - T) // stride + 1
    if n < 1:
        raise ValueError(f"windows: need more than T = {T} ids, got {len(ids)}")
    starts = np.arange(n) * stride
    cols = np.arange(T)
    X = ids[starts[:, None] + cols]
    Y = ids[starts[:, None] + cols + 1]
    return X.astype(np.int32), Y.astype(np.int32)
