"""A toy translation task made offline: human-readable dates to ISO dates (lesson 09).

"wednesday, 3 march 2021", "3rd of march 2021", "mar 3 2021", "03.03.2021" ... -> "2021-03-03".
Dates come from Python's `datetime` and month and weekday names from fixed English lists
(never the locale), so the same seed gives the same data on every machine. Characters are
encoded with fixed vocabularies (not `set(data)`, whose order changes between runs).
"""
from __future__ import annotations

import datetime as _dt

import numpy as np

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

PAD = "_"                                          # id 0 of both vocabularies: padding
SOURCE_CHARS = PAD + " ,./0123456789abcdefghijklmnopqrstuvwxyz"
TARGET_CHARS = PAD + "0123456789-" + ">"           # ">" starts the decoder's input
START = ">"
TARGET_LEN = 10                                    # "yyyy-mm-dd"

_src_index = {c: i for i, c in enumerate(SOURCE_CHARS)}
_tgt_index = {c: i for i, c in enumerate(TARGET_CHARS)}


def _ordinal(d: int) -> str:
    suffix = "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


FORMATS = {
    "d month yyyy": lambda t: f"{t.day} {MONTHS[t.month - 1]} {t.year}",
    "month d, yyyy": lambda t: f"{MONTHS[t.month - 1]} {t.day}, {t.year}",
    "d mon yyyy": lambda t: f"{t.day} {MONTHS[t.month - 1][:3]} {t.year}",
    "mon d yyyy": lambda t: f"{MONTHS[t.month - 1][:3]} {t.day} {t.year}",
    "dd.mm.yyyy": lambda t: f"{t.day:02d}.{t.month:02d}.{t.year}",
    "dd/mm/yy": lambda t: f"{t.day:02d}/{t.month:02d}/{t.year % 100:02d}",
    "weekday, d month yyyy": lambda t: f"{WEEKDAYS[t.weekday()]}, {t.day} {MONTHS[t.month - 1]} {t.year}",
    "the dth of month yyyy": lambda t: f"the {_ordinal(t.day)} of {MONTHS[t.month - 1]} {t.year}",
}


def random_dates(n: int, seed: int = 0, first_year: int = 1950, last_year: int = 2049):
    """n random calendar dates (datetime.date), uniform over the days of the years given."""
    r = np.random.default_rng(seed)
    start = _dt.date(first_year, 1, 1).toordinal()
    end = _dt.date(last_year, 12, 31).toordinal()
    return [_dt.date.fromordinal(int(o)) for o in r.integers(start, end + 1, size=n)]


def human_dates(n: int, seed: int = 0, formats=None):
    """Pairs (human-readable date, ISO date) in random formats, e.g. ("3rd of march 2021", "2021-03-03").

    Two-digit years ("dd/mm/yy") stand for 1950-2049, so they are unambiguous here.
    Returns two lists of n strings.
    """
    names = list(formats or FORMATS)
    unknown = [f for f in names if f not in FORMATS]
    if unknown:
        raise ValueError(f"human_dates: unknown formats {unknown}; known: {list(FORMATS)}")
    r = np.random.default_rng(seed + 1_000_003)
    which = r.integers(0, len(names), size=n)
    dates = random_dates(n, seed)
    return [FORMATS[names[k]](d) for k, d in zip(which, dates)], [d.isoformat() for d in dates]


def encode_source(texts, length: int) -> np.ndarray:
    """Character ids of each text, post-padded with 0 to `length`: (n, length) int32."""
    out = np.zeros((len(texts), length), dtype=np.int32)
    for i, text in enumerate(texts):
        if len(text) > length:
            raise ValueError(f"encode_source: text {i} {text!r} has {len(text)} characters; the model reads at "
                             f"most {length}")
        bad = sorted(set(text) - set(SOURCE_CHARS[1:]))
        if bad:
            raise ValueError(f"encode_source: text {i} {text!r} contains characters the model does not know: {bad}")
        out[i, :len(text)] = [_src_index[c] for c in text]
    return out


def encode_target(isos) -> np.ndarray:
    """Ids of ISO dates "yyyy-mm-dd": (n, 10) int32."""
    return np.array([[_tgt_index[c] for c in s] for s in isos], dtype=np.int32)


def decoder_inputs(targets: np.ndarray) -> np.ndarray:
    """Teacher forcing: the decoder reads the start symbol, then the target shifted right by one."""
    start = np.full((len(targets), 1), _tgt_index[START], dtype=np.int32)
    return np.concatenate([start, targets[:, :-1]], axis=1)


def decode_target(ids) -> list[str]:
    """ISO strings from target ids (n, 10)."""
    return ["".join(TARGET_CHARS[i] for i in row) for row in np.asarray(ids)]


def dataset(n: int, seed: int = 0, length: int = 32, formats=None):
    """Everything a seq2seq model needs: encoder ids (n, length), decoder inputs (n, 10), targets (n, 10),
    and the texts (human, iso)."""
    human, iso = human_dates(n, seed, formats)
    y = encode_target(iso)
    return encode_source(human, length), decoder_inputs(y), y, (human, iso)


# --------------------------------------------------------------------------------------
# Copying digit strings: the length experiment
# --------------------------------------------------------------------------------------

DIGIT_VOCAB = 12            # 0 padding, 1..10 the digits 0..9, 11 the decoder's start symbol


def digit_copy(n: int, max_len: int = 12, min_len: int = 2, seed: int = 0):
    """Random digit strings of lengths min_len..max_len; the target is the same string.

    An encoder-decoder without attention must squeeze the whole string into one state
    vector, so it fails as strings get longer; with attention it can look each digit up.
    Ids: 0 padding, 1..10 the digits, 11 start. Returns source (n, max_len), decoder inputs
    (n, max_len), targets (n, max_len) (the source again: padding after the string), lengths (n,).
    """
    if not 1 <= min_len <= max_len:
        raise ValueError(f"digit_copy: need 1 <= min_len <= max_len, got {min_len} and {max_len}")
    r = np.random.default_rng(seed)
    lengths = r.integers(min_len, max_len + 1, size=n)
    digits = r.integers(1, 11, size=(n, max_len)).astype(np.int32)
    source = np.where(np.arange(max_len)[None, :] < lengths[:, None], digits, 0).astype(np.int32)
    start = np.full((n, 1), DIGIT_VOCAB - 1, dtype=np.int32)
    return source, np.concatenate([start, source[:, :-1]], axis=1), source.copy(), lengths
