"""Character-level language models for lesson 10: sampling and bits per character, n-gram
baselines, a Keras GRU model, the same GRU run in numpy for fast sampling, surprisal, and a numpy
vanilla RNN trained with the lesson 03 code.

Importing this module does not import TensorFlow; the functions that build or train a Keras
model import it when called. Train longer than a notebook allows, save, and reload:

    .venv/bin/python -m rnnlab charlm train --minutes 5 --out charlm.keras          # standard library text
    .venv/bin/python -m rnnlab charlm train --text my_book.txt --minutes 10 --out my.keras
    .venv/bin/python -m rnnlab charlm sample --model my.keras --prompt "The " --temperature 0.7
    .venv/bin/python -m rnnlab charlm eval --model my.keras --text my_book.txt

`save` writes the model (`NAME.keras`) and its vocabulary (`NAME.vocab.json`) side by side;
`load` reads both back.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import reference as ref
from ..reference.gru import gru_cell
from ..data.chars import UNKNOWN_ID, CharVocab, windows


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """softmax(logits / temperature) over the last axis, in float64."""
    return ref.softmax(np.asarray(logits, dtype=np.float64) / temperature)


def sample_next(logits, temperature, rng):
    """Draw the next character id from softmax(logits / temperature).

    logits: (V,), temperature > 0, rng: np.random.Generator (the only source of randomness).
    Returns (index, p): the sampled id (int) and the probabilities p (V,) it was drawn from.
    """
    if temperature <= 0:
        raise ValueError(f"sample_next: temperature must be > 0, got {temperature}")
    p = softmax(logits, temperature)
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


def build_model(V: int, units: int = 128, embed: int = 32, lr: float = 1e-2):
    """A character language model: ids (N, T) -> logits (N, T, V), compiled with Adam."""
    from ..session import import_keras
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


def train_steps(model, ids, steps: int, T: int = 50, batch: int = 128, seed: int = 0, progress: bool = False,
                block: int = 50):
    """Train for a fixed number of batches (deterministic for a given seed). Returns the
    training loss after each block of batches, in bits per character. progress=True keeps one
    live status line (batches done, loss, seconds) updated after every block."""
    import time
    data = training_data(ids, T, batch, seed)
    block = min(steps, block)
    losses, start, done = [], time.perf_counter(), 0
    for _ in range(math.ceil(steps / block)):
        n = min(block, steps - done)
        h = model.fit(data, steps_per_epoch=n, epochs=1, verbose=0)
        done += n
        losses.append(h.history["loss"][-1] / math.log(2))
        if progress:
            print(f"\rbatch {done:4d}/{steps}: training loss {losses[-1]:.2f} bits/char, "
                  f"{time.perf_counter() - start:4.1f} s", end="\n" if done == steps else "", flush=True)
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
    from ..session import import_keras
    keras = import_keras(seed=None)
    model = keras.models.load_model(p)
    return model, CharVocab.from_json(vp.read_text(encoding="utf-8"))


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
        xw = self.E[np.asarray(ids)] @ self.Wx + self.b[0]
        h, *_ = gru_cell(xw, h, self.Wh, self.b[1], True, self.H)      # the reference's GRU step (lesson 06)
        return h @ self.Wy + self.by, h

    def logits(self, ids) -> np.ndarray:
        """Logits after every character of one sequence: ids (T,) -> (T, V); row t predicts ids[t + 1]."""
        h, out = self.zero_state(1), []
        for i in np.asarray(ids):
            lg, h = self.step(np.array([i]), h)
            out.append(lg[0])
        return np.array(out)


def without_unknown(logits) -> np.ndarray:
    """A copy of logits (..., V) with the reserved unknown-character id (0) set to -inf, so that
    softmax gives it probability 0 and no sampler can pick it (it would print as \ufffd)."""
    out = np.array(logits, dtype=np.float64)
    out[..., UNKNOWN_ID] = -np.inf
    return out


def generate(lm, vocab: CharVocab, prompt: str, n: int = 200, temperature: float = 1.0, seed: int = 0,
             sampler=sample_next) -> str:
    """Continue `prompt` with n sampled characters (the prompt is not repeated in the result).

    lm: a NumpyCharGRU (or anything with zero_state/step); sampler(logits, temperature, rng) -> (id, p).
    The unknown-character id is never sampled: the sampler sees its logit as -inf.
    """
    rng = np.random.default_rng(seed)
    ids = vocab.encode(prompt) if prompt else np.array([vocab.encode("\n")[0]])
    h = lm.zero_state(1)
    for i in ids:
        logits, h = lm.step(np.array([i]), h)
    out = []
    for _ in range(n):
        nxt, _ = sampler(without_unknown(logits[0]), temperature, rng)
        if int(nxt) == UNKNOWN_ID:
            raise ValueError("generate: the sampler returned the unknown-character id 0, whose probability is 0; "
                             "draw with rng.choice(len(p), p=p) from p = softmax(logits / temperature)")
        out.append(int(nxt))
        logits, h = lm.step(np.array([nxt]), h)
    return vocab.decode(out)


def next_char_table(lm, vocab: CharVocab, prompt: str, temperature: float = 1.0, k: int = 8):
    """The k most likely next characters after prompt at this temperature: [(char, p), ...]
    (the distribution generate samples from: the unknown character excluded)."""
    logits = without_unknown(lm.logits(vocab.encode(prompt))[-1])
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


def _log2_softmax(logits) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    return (z - np.log(np.exp(z).sum(axis=-1, keepdims=True))) / math.log(2)


def passage_bits(lm, vocab: CharVocab, text: str, row: int = 1000, warmup: int = 50) -> np.ndarray:
    """Surprisal in bits of every character of a long text, shape (len(text),), the first one
    predicted after a line break. Fast: the text is cut into rows of `row` characters read side by
    side as one batch, each row starting `warmup` characters early so its state has some context."""
    ids = vocab.encode("\n" + text)
    n = len(text)
    starts = np.arange(0, n, row)
    L = row + warmup
    X = np.zeros((len(starts), L + 1), dtype=np.int64)        # ids; index j predicts j + 1
    keep = np.zeros((len(starts), L + 1), dtype=bool)
    for r, s in enumerate(starts):
        lo = max(s - warmup, 0)
        seg = ids[lo:min(s + row, n) + 1]
        X[r, :len(seg)] = seg
        keep[r, s - lo + 1:len(seg)] = True
    bits = np.zeros_like(X, dtype=np.float64)
    h = lm.zero_state(len(starts))
    for t in range(L):
        logits, h = lm.step(X[:, t], h)
        bits[:, t + 1] = -_log2_softmax(logits)[np.arange(len(starts)), X[:, t + 1]]
    return bits[keep]


def continuation_bits(model, vocab: CharVocab, lefts, rights, batch_size: int = 1024) -> np.ndarray:
    """Bits of -log2 P(right | left) for each pair (left, right), read in batches.

    model: the Keras model of `build_model` (fast for thousands of pairs) or a numpy model with
    zero_state/step. The left contexts are what the model has read; only the characters of `right`
    are scored. To rank corrections of one word, give every candidate the same left and right context
    around it: the candidate whose text the model finds most probable costs the fewest bits.
    """
    lefts, rights = list(lefts), list(rights)
    if len(lefts) != len(rights) or not lefts:
        raise ValueError(f"continuation_bits: need as many left contexts as right texts (got {len(lefts)} "
                         f"and {len(rights)}), at least one")
    if any(len(r) == 0 for r in rights):
        raise ValueError("continuation_bits: every right text needs at least one character")
    rows = [vocab.encode("\n" + a + b) for a, b in zip(lefts, rights)]
    first = np.array([len(a) + 1 for a in lefts])          # index of the first scored character
    last = np.array([len(r) for r in rows])                # one past the last
    X = np.zeros((len(rows), last.max()), dtype=np.int32)
    for i, r in enumerate(rows):
        X[i, :len(r)] = r
    t = np.arange(1, X.shape[1])
    scored = (t >= first[:, None]) & (t < last[:, None])   # (N, T-1): which predictions count
    total = np.zeros(len(rows))
    if hasattr(model, "predict"):
        for lo in range(0, len(rows), batch_size):
            sl = slice(lo, lo + batch_size)
            logp = _log2_softmax(model.predict(X[sl, :-1], batch_size=batch_size, verbose=0))
            picked = np.take_along_axis(logp, X[sl, 1:, None].astype(np.int64), axis=-1)[..., 0]
            total[sl] = -np.sum(np.where(scored[sl], picked, 0.0), axis=1)
        return total
    h = model.zero_state(len(rows))
    for j in range(X.shape[1] - 1):
        logits, h = model.step(X[:, j], h)
        on = scored[:, j]
        if on.any():
            total[on] -= _log2_softmax(logits[on])[np.arange(on.sum()), X[on, j + 1]]
    return total


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
