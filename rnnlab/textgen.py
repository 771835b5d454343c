"""Character-level language models for lesson 10: text, vocabulary, n-gram baselines, a Keras GRU
model, fast numpy sampling, surprisal, and a numpy vanilla RNN trained with the lesson 03 code.

Importing this module does not import TensorFlow; the functions that build or train a Keras
model import it when called.

Text comes from the Python standard library installed on this machine (`stdlib_text`) or from
any UTF-8 text file (`load_text`). Train longer than a notebook allows, save, and reload:

    python -m rnnlab.textgen train --minutes 5 --out charlm.keras            # standard library text
    python -m rnnlab.textgen train --text my_book.txt --minutes 10 --out my.keras
    python -m rnnlab.textgen sample --model my.keras --prompt "The " --temperature 0.7
    python -m rnnlab.textgen eval --model my.keras --text my_book.txt

`save` writes the model (`NAME.keras`) and its vocabulary (`NAME.vocab.json`) side by side;
`load` reads both back.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import reference as ref

UNKNOWN = "\ufffd"          # shown for characters the vocabulary does not know (id 0)
MIN_CHARS = 2000            # shorter texts cannot train (or test) a language model


# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Probabilities, sampling and bits (the references of exercises 10.1 and 10.2)
# --------------------------------------------------------------------------------------

def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Numerically stable softmax of logits / temperature over the last axis."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sample_next(logits, temperature, rng):
    """Draw the next character id from softmax(logits / temperature).

    logits: (V,), temperature > 0, rng: np.random.Generator (the only source of randomness).
    Returns (index, p): the sampled id (int) and the probabilities p (V,) it was drawn from.
    """
    if temperature <= 0:
        raise ValueError(f"sample_next: temperature must be > 0, got {temperature}")
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max()
    p = np.exp(z) / np.exp(z).sum()
    return int(rng.choice(len(p), p=p)), p


def bits_per_char(probs, targets):
    """Average surprise of the true characters, and the perplexity.

    probs: (n, V), row t = the predicted distribution of character t; targets: (n,) the true ids.
    Returns (bits, perplexity): bits = mean of -log2 probs[t, targets[t]]; perplexity = 2 ** bits.
    """
    probs = np.asarray(probs)
    targets = np.asarray(targets)
    p_true = probs[np.arange(len(targets)), targets]
    bits = float(-np.mean(np.log2(p_true)))
    return bits, float(2.0 ** bits)


# --------------------------------------------------------------------------------------
# n-gram baselines
# --------------------------------------------------------------------------------------

def _codes(ids: np.ndarray, k: int, start: int, V: int) -> np.ndarray:
    """Integer code of the k ids before each position start .. len(ids)-1."""
    n = len(ids) - start
    code = np.zeros(n, dtype=np.int64)
    for j in range(k):
        code = code * V + ids[start - k + j:start - k + j + n]
    return code


def ngram_bits(train_ids, test_ids, order: int, V: int, discount: float = 0.75) -> float:
    """Bits per character of an n-gram model on test_ids.

    order 1 is the add-one unigram; higher orders interpolate with absolute discounting:
    P(c | h) = max(n(h, c) - d, 0) / n(h) + d * m(h) / n(h) * P(c | shorter h), where n counts in
    the training text and m(h) is the number of distinct characters seen after h. Contexts never
    seen fall back to the shorter context. Positions 0 .. order-2 of test_ids are context only.
    """
    train = np.asarray(train_ids, dtype=np.int64)
    test = np.asarray(test_ids, dtype=np.int64)
    if order < 1:
        raise ValueError(f"ngram_bits: order must be >= 1, got {order}")
    if float(V) ** order > 2.0 ** 62:
        raise ValueError(f"ngram_bits: V ** order = {V}**{order} is too large for integer context codes")
    start = order - 1
    if len(test) <= start or len(train) <= order:
        raise ValueError(f"ngram_bits: an order-{order} model needs more than {order} training and "
                         f"{start} test ids, got {len(train)} and {len(test)}")
    counts = np.bincount(train, minlength=V) + 1.0
    p = (counts / counts.sum())[test[start:]]
    target = test[start:]
    for k in range(1, order):
        ctx = _codes(train, k, k, V)
        pairs = ctx * V + train[k:]
        uctx, nctx = np.unique(ctx, return_counts=True)
        upair, npair = np.unique(pairs, return_counts=True)
        _, ncont = np.unique(upair // V, return_counts=True)         # aligned with uctx (same sorted set)
        tctx = _codes(test, k, start, V)
        i = np.minimum(np.searchsorted(uctx, tctx), len(uctx) - 1)
        seen = uctx[i] == tctx
        n_h = np.where(seen, nctx[i], 0).astype(np.float64)
        m_h = np.where(seen, ncont[i], 0).astype(np.float64)
        tpair = tctx * V + target
        j = np.minimum(np.searchsorted(upair, tpair), len(upair) - 1)
        n_hc = np.where(upair[j] == tpair, npair[j], 0).astype(np.float64)
        safe = np.maximum(n_h, 1.0)
        p = np.where(seen, np.maximum(n_hc - discount, 0) / safe + discount * m_h / safe * p, p)
    return float(-np.mean(np.log2(p)))


# --------------------------------------------------------------------------------------
# Keras model: Embedding -> GRU -> Dense (logits)
# --------------------------------------------------------------------------------------

def build_model(V: int, units: int = 128, embed: int = 32, lr: float = 1e-2):
    """A character language model: ids (N, T) -> logits (N, T, V), compiled with Adam."""
    from .session import import_keras
    keras = import_keras(seed=None)
    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(V, embed),
        keras.layers.GRU(units, return_sequences=True),
        keras.layers.Dense(V),
    ], name="char_gru")
    model.compile(optimizer=keras.optimizers.Adam(lr, clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def training_data(ids, T: int = 50, batch: int = 128, seed: int = 0):
    """An endless, shuffled, cached tf.data pipeline of (X, Y) batches of windows of length T."""
    import tensorflow as tf
    X, Y = windows(ids, T)
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).cache()
    return ds.shuffle(len(X), seed=seed, reshuffle_each_iteration=True).batch(batch, drop_remainder=True).repeat()


def train_steps(model, ids, steps: int, T: int = 50, batch: int = 128, seed: int = 0):
    """Train for a fixed number of batches (deterministic for a given seed). Returns the
    training loss after each block of batches, in bits per character."""
    data = training_data(ids, T, batch, seed)
    block = min(steps, 50)
    losses = []
    for _ in range(math.ceil(steps / block)):
        h = model.fit(data, steps_per_epoch=block, epochs=1, verbose=0)
        losses.append(h.history["loss"][-1] / math.log(2))
    return losses


def evaluate_bits(model, ids, T: int = 500) -> float:
    """Bits per character of the model on ids, read in windows of T characters (each from a zero state)."""
    X, Y = windows(ids, min(T, len(ids) - 1))
    return float(model.evaluate(X, Y, batch_size=64, verbose=0) / math.log(2))


def vocab_path(model_path) -> Path:
    p = Path(model_path)
    return p.with_name(p.name[:-len(p.suffix)] + ".vocab.json" if p.suffix else p.name + ".vocab.json")


def save(model, vocab: CharVocab, path) -> Path:
    """Write the model to `path` (must end in .keras) and its vocabulary next to it."""
    p = Path(path)
    if p.suffix != ".keras":
        raise ValueError(f"save: the model file name must end in .keras, got {str(p)!r}")
    p.parent.mkdir(parents=True, exist_ok=True)
    model.save(p)
    vocab_path(p).write_text(vocab.to_json(), encoding="utf-8")
    return p


def load(path):
    """Read a model saved with `save`: returns (model, vocab)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"load: there is no model file {str(p)!r}; train one with "
                                f"python -m rnnlab.textgen train --out {p.name}")
    vp = vocab_path(p)
    if not vp.exists():
        raise FileNotFoundError(f"load: the vocabulary {str(vp)!r} is missing; save writes it next to the model")
    from .session import import_keras
    keras = import_keras(seed=None)
    model = keras.models.load_model(p)
    return model, CharVocab.from_json(vp.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------
# numpy inference: the same GRU, one character at a time, without TensorFlow's overhead
# --------------------------------------------------------------------------------------

def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


@dataclass
class NumpyCharGRU:
    """The weights of a `build_model` model, run step by step in numpy (Keras' GRU equations,
    reset_after=True, gate blocks [z, r, h])."""
    E: np.ndarray      # (V, d) embedding
    Wx: np.ndarray     # (d, 3H) kernel
    Wh: np.ndarray     # (H, 3H) recurrent kernel
    b: np.ndarray      # (2, 3H) input bias, recurrent bias
    Wy: np.ndarray     # (H, V)
    by: np.ndarray     # (V,)

    @classmethod
    def from_keras(cls, model) -> "NumpyCharGRU":
        E, Wx, Wh, b, Wy, by = [np.asarray(w, dtype=np.float64) for w in model.get_weights()]
        return cls(E, Wx, Wh, b, Wy, by)

    @property
    def H(self) -> int:
        return self.Wh.shape[0]

    def zero_state(self, N: int = 1) -> np.ndarray:
        return np.zeros((N, self.H))

    def step(self, ids, h):
        """ids (N,), h (N, H) -> (logits (N, V), new h (N, H))."""
        H = self.H
        gx = self.E[np.asarray(ids)] @ self.Wx + self.b[0]
        gh = h @ self.Wh + self.b[1]
        z = _sigmoid(gx[:, :H] + gh[:, :H])
        r = _sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
        cand = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
        h = z * h + (1 - z) * cand
        return h @ self.Wy + self.by, h

    def logits(self, ids) -> np.ndarray:
        """Logits after every character of one sequence: ids (T,) -> (T, V); row t predicts ids[t + 1]."""
        h, out = self.zero_state(1), []
        for i in np.asarray(ids):
            lg, h = self.step(np.array([i]), h)
            out.append(lg[0])
        return np.array(out)


def generate(lm, vocab: CharVocab, prompt: str, n: int = 200, temperature: float = 1.0, seed: int = 0,
             sampler=sample_next) -> str:
    """Continue `prompt` with n sampled characters (the prompt is not repeated in the result).

    lm: a NumpyCharGRU (or anything with zero_state/step); sampler(logits, temperature, rng) -> (id, p).
    """
    rng = np.random.default_rng(seed)
    ids = vocab.encode(prompt) if prompt else np.array([vocab.encode("\n")[0]])
    h = lm.zero_state(1)
    for i in ids:
        logits, h = lm.step(np.array([i]), h)
    out = []
    for _ in range(n):
        nxt, _ = sampler(logits[0], temperature, rng)
        out.append(int(nxt))
        logits, h = lm.step(np.array([nxt]), h)
    return vocab.decode(out)


def next_char_table(lm, vocab: CharVocab, prompt: str, temperature: float = 1.0, k: int = 8):
    """The k most likely next characters after prompt at this temperature: [(char, p), ...]."""
    logits = lm.logits(vocab.encode(prompt))[-1]
    p = softmax(logits, temperature)
    top = np.argsort(p)[::-1][:k]
    return [(vocab.chars[i], float(p[i])) for i in top]


def surprisal(lm, vocab: CharVocab, text: str, context: str = "\n") -> np.ndarray:
    """Bits of surprise of every character of text: -log2 P(text[t] | context + text[:t]), shape (len(text),)."""
    ids = vocab.encode(context + text)
    p = softmax(lm.logits(ids[:-1]))
    c = len(vocab.encode(context))
    rows = np.arange(c - 1, len(ids) - 1)
    return -np.log2(p[rows, ids[c:]])


def surprisal_html(text: str, bits, vmax: float = 12.0, title: str = "") -> str:
    """HTML: each character on a background from white (0 bits) to red (vmax bits or more);
    hover shows the bits. Line breaks are kept."""
    import html
    bits = np.asarray(bits, dtype=np.float64)
    if len(bits) != len(text):
        raise ValueError(f"surprisal_html: need one value per character: {len(text)} characters, {len(bits)} values")
    spans = []
    for ch, b in zip(text, bits):
        a = float(np.clip(b / vmax, 0, 1))
        shown = "\u21b5\n" if ch == "\n" else html.escape(ch)
        spans.append(f'<span title="{html.escape(repr(ch))}: {b:.1f} bits" '
                     f'style="background: rgba(220, 38, 38, {a:.2f})">{shown}</span>')
    head = f"<div style='margin-bottom:4px'>{html.escape(title)}</div>" if title else ""
    return (f"<div class='rnnlab-surprisal'>{head}<pre style='font-size:14px; line-height:1.5; margin:0'>"
            + "".join(spans) + "</pre><div style='font-size:11px; color:#555'>white: expected (0 bits) "
            f"&nbsp;&rarr;&nbsp; red: surprising ({vmax:g} bits or more)</div></div>")


# --------------------------------------------------------------------------------------
# A numpy vanilla RNN language model, trained with rnn_forward / rnn_backward (lesson 03)
# --------------------------------------------------------------------------------------

def numpy_rnn_init(V: int, H: int = 128, seed: int = 0) -> dict:
    """Parameters of a vanilla RNN language model: Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,)."""
    r = np.random.default_rng(seed)
    q, _ = np.linalg.qr(r.standard_normal((H, H)))
    return {"Wx": r.standard_normal((V, H)) * 0.1, "Wh": 0.9 * q, "b": np.zeros(H),
            "Wy": r.standard_normal((H, V)) / np.sqrt(H), "by": np.zeros(V)}


def numpy_rnn_loss(params: dict, x_ids, y_ids, h0, forward=None, backward=None):
    """Loss and gradients of the numpy RNN language model on one batch.

    x_ids, y_ids: (N, T) int, the input characters and the next characters; h0: (N, H).
    The inputs are one-hot (N, T, V); forward/backward default to rnnlab.reference.rnn_forward /
    rnn_backward (pass the learner's own from lesson 03). Returns (loss in nats per character,
    grads with the same keys as params, the last hidden state (N, H) to carry to the next batch).
    """
    forward = forward or ref.rnn_forward
    backward = backward or ref.rnn_backward
    Wy, by = params["Wy"], params["by"]
    V = Wy.shape[1]
    x = np.eye(V)[x_ids]                                   # (N, T, V) one-hot
    h, cache = forward(x, h0, params["Wx"], params["Wh"], params["b"])
    p = softmax(h @ Wy + by)                               # (N, T, V)
    N, T = y_ids.shape
    n_i, t_i = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
    loss = float(-np.mean(np.log(p[n_i, t_i, y_ids])))
    dlogits = p.copy()
    dlogits[n_i, t_i, y_ids] -= 1
    dlogits /= N * T
    H = h.shape[-1]
    grads = {"Wy": h.reshape(-1, H).T @ dlogits.reshape(-1, V), "by": dlogits.sum(axis=(0, 1))}
    _, _, grads["Wx"], grads["Wh"], grads["b"] = backward(dlogits @ Wy.T, cache)
    return loss, grads, h[:, -1]


def numpy_rnn_streams(ids, N: int, T: int):
    """Cut ids into N parallel streams and yield (x, y) batches (N, T) that continue each other,
    so the hidden state can be carried from one batch to the next (truncated BPTT)."""
    ids = np.asarray(ids)
    L = (len(ids) - 1) // N
    if L < T:
        raise ValueError(f"numpy_rnn_streams: {len(ids)} ids are too few for {N} streams of length {T}")
    base = np.arange(N)[:, None] * L
    for s in range(0, L - T + 1, T):
        cols = s + np.arange(T)
        yield ids[base + cols], ids[base + cols + 1]


class NumpyCharRNN:
    """Step a trained numpy vanilla RNN language model (params from numpy_rnn_init) for sampling."""

    def __init__(self, params: dict):
        self.p = params

    def zero_state(self, N: int = 1):
        return np.zeros((N, self.p["Wh"].shape[0]))

    def step(self, ids, h):
        h = np.tanh(self.p["Wx"][np.asarray(ids)] + h @ self.p["Wh"] + self.p["b"])
        return h @ self.p["Wy"] + self.p["by"], h

    def logits(self, ids):
        h, out = self.zero_state(1), []
        for i in np.asarray(ids):
            lg, h = self.step(np.array([i]), h)
            out.append(lg[0])
        return np.array(out)


# --------------------------------------------------------------------------------------
# Command line: train longer than a notebook allows, sample, evaluate
# --------------------------------------------------------------------------------------

def _split_for(args):
    """(train, valid) text: the learner's file split at its end, or the standard library's held-out files
    (the same split as lesson 10, whose held-out text is its first 100,000 characters)."""
    return split_text(load_text(args.text)) if args.text else stdlib_split(args.max_chars)


def _train(args) -> int:
    train_text, valid_text = _split_for(args)      # a bad file is named before Keras loads (5-7 s)
    from .session import import_keras
    import_keras(seed=args.seed)
    out = Path(args.out)
    if args.resume and out.exists():
        model, vocab = load(out)
        print(f"resuming {out}")
    else:
        vocab = CharVocab.from_text(train_text, min_count=args.min_count)
        model = build_model(vocab.size, units=args.units, lr=args.lr)
    train_ids, valid_ids = vocab.encode(train_text), vocab.encode(valid_text)
    print(f"text: {len(train_text):,} training and {len(valid_text):,} held-out characters, "
          f"vocabulary {vocab.size}; training for {args.minutes:g} minutes")
    data = training_data(train_ids, args.seq, args.batch, args.seed)
    best = float("inf")
    start = time.perf_counter()
    steps = 0
    while time.perf_counter() - start < 60 * args.minutes:
        model.fit(data, steps_per_epoch=args.block, epochs=1, verbose=0)
        steps += args.block
        bits = evaluate_bits(model, valid_ids)
        note = ""
        if bits < best:
            best = bits
            save(model, vocab, out)
            note = f"  saved {out}"
        else:                      # no progress on held-out text: smaller steps
            lr = max(float(model.optimizer.learning_rate.numpy()) / 2, 1e-4)
            model.optimizer.learning_rate.assign(lr)
            note = f"  learning rate -> {lr:.2g}"
        print(f"{time.perf_counter() - start:6.0f} s  {steps:6d} batches  held-out {bits:.3f} bits/char{note}",
              flush=True)
    lm = NumpyCharGRU.from_keras(load(out)[0])
    print("sample:", repr(generate(lm, vocab, "\n", 200, 0.7, args.seed)))
    return 0


def _sample(args) -> int:
    model, vocab = load(args.model)
    lm = NumpyCharGRU.from_keras(model)
    print(args.prompt + generate(lm, vocab, args.prompt, args.chars, args.temperature, args.seed))
    return 0


def _eval(args) -> int:
    _, valid_text = _split_for(args)
    model, vocab = load(args.model)
    print(f"held-out bits per character: {evaluate_bits(model, vocab.encode(valid_text)):.3f}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rnnlab.textgen", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train a character GRU; save the best model on held-out text, halve the "
                                      "learning rate whenever held-out bits stop falling")
    tr.add_argument("--text", help="a UTF-8 text file (default: the Python standard library's source)")
    tr.add_argument("--max-chars", type=int, default=2_200_000, help="characters of standard library text")
    tr.add_argument("--minutes", type=float, default=5.0)
    tr.add_argument("--out", default="charlm.keras")
    tr.add_argument("--units", type=int, default=128)
    tr.add_argument("--lr", type=float, default=1e-2)
    tr.add_argument("--seq", type=int, default=50, help="training window length T")
    tr.add_argument("--batch", type=int, default=128)
    tr.add_argument("--block", type=int, default=200, help="batches between held-out evaluations")
    tr.add_argument("--min-count", type=int, default=1, help="rarer characters become the unknown id 0")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--resume", action="store_true", help="continue training the model in --out")
    sa = sub.add_parser("sample", help="generate text from a saved model")
    sa.add_argument("--model", default="charlm.keras")
    sa.add_argument("--prompt", default="def ")
    sa.add_argument("--temperature", type=float, default=0.7)
    sa.add_argument("--chars", type=int, default=400)
    sa.add_argument("--seed", type=int, default=0)
    ev = sub.add_parser("eval", help="held-out bits per character of a saved model")
    ev.add_argument("--model", default="charlm.keras")
    ev.add_argument("--text")
    ev.add_argument("--max-chars", type=int, default=2_200_000)
    args = ap.parse_args(argv)
    try:
        return {"train": _train, "sample": _sample, "eval": _eval}[args.command](args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
