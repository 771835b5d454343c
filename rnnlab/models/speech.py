"""Speech models of lesson 15: digit classifiers (recurrent, pooled, DTW templates) and a CTC recogniser.

Keras is imported inside the builders, so `import rnnlab.models.speech` stays light.

    model = digit_classifier(n_mels=32, units=32, bidirectional=True)   # GRU over masked log-mel frames
    X = pooled_features(feats)                                          # mean and std per band: (N, 2F)
    pred = dtw_classify(test_feats, template_feats, template_digits)    # nearest template under DTW
    ctc = ctc_recognizer(n_mels=32)                                     # Conv1D + BiGRU -> 11 logits per frame
    ctc.compile(optimizer="adam", loss=ctc_loss_packed)                 # y = pack_targets(labels, lengths)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

BLANK = 0                      # CTC symbol 0 is the blank; digit d is symbol d + 1
N_SYMBOLS = 11
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "files" / "ctc_digits.npz"


# --------------------------------------------------------------------------------------
# Isolated digits
# --------------------------------------------------------------------------------------

def digit_classifier(n_mels: int = 32, units: int = 32, bidirectional: bool = True, n_classes: int = 10):
    """Masking -> (Bidirectional) GRU(units) -> Dense(n_classes, softmax) over log-mel frames (N, T, n_mels);
    padded frames (all zeros) are masked, so a clip's answer does not depend on how much padding follows."""
    import keras
    rnn = keras.layers.GRU(units)
    return keras.Sequential([
        keras.Input((None, n_mels)),
        keras.layers.Masking(0.0),
        keras.layers.Bidirectional(rnn) if bidirectional else rnn,
        keras.layers.Dense(n_classes, activation="softmax"),
    ])


def pooled_features(feats: list) -> np.ndarray:
    """Order-free summary of each clip: the mean and standard deviation of every band over its frames, (N, 2F).
    Give it log-mel features BEFORE per-utterance normalisation (after it, every mean is 0 and every std 1)."""
    return np.stack([np.concatenate([f.mean(axis=0), f.std(axis=0)]) for f in feats]).astype(np.float32)


def pooled_classifier(n_in: int = 64, n_classes: int = 10, hidden: int = 64):
    """A non-recurrent baseline: Dense(hidden, relu) -> Dense(n_classes, softmax) on pooled features."""
    import keras
    return keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(hidden, activation="relu"),
                             keras.layers.Dense(n_classes, activation="softmax")])


def dtw_costs(queries: list, templates: list) -> np.ndarray:
    """Dynamic-time-warping cost of every query against every template: (len(queries), len(templates)).

    Frame distance: Euclidean. A path goes from (0, 0) to (end, end) by steps (1, 0), (0, 1) or (1, 1);
    the cost is the summed distance along the cheapest path, divided by the two lengths' sum. All pairs
    are computed at once: the loops run over frames, numpy over pairs."""
    Q, M = len(queries), len(templates)
    lq = np.array([len(q) for q in queries])
    lt = np.array([len(t) for t in templates])
    F = queries[0].shape[1]
    A = np.zeros((Q, lq.max(), F), np.float32)
    B = np.zeros((M, lt.max(), F), np.float32)
    for i, q in enumerate(queries):
        A[i, : len(q)] = q
    for j, t in enumerate(templates):
        B[j, : len(t)] = t
    # squared distances |a|^2 + |b|^2 - 2 a.b for every pair of frames: (Q, M, Tq, Tt)
    a2 = (A ** 2).sum(-1)
    b2 = (B ** 2).sum(-1)
    d = a2[:, None, :, None] + b2[None, :, None, :] - 2 * np.einsum("qif,mjf->qmij", A, B)
    d = np.sqrt(np.maximum(d, 0))
    D = np.full((Q, M, lq.max() + 1, lt.max() + 1), np.inf, np.float32)
    D[:, :, 0, 0] = 0
    for i in range(1, lq.max() + 1):
        prev = D[:, :, i - 1]
        best = np.minimum(prev[:, :, 1:], prev[:, :, :-1]) + d[:, :, i - 1]     # from above / diagonal
        row = D[:, :, i]
        for j in range(1, lt.max() + 1):
            row[:, :, j] = np.minimum(best[:, :, j - 1], row[:, :, j - 1] + d[:, :, i - 1, j - 1])
    cost = D[np.arange(Q)[:, None], np.arange(M)[None, :], lq[:, None], lt[None, :]]
    return cost / (lq[:, None] + lt[None, :])


def dtw_classify(queries: list, templates: list, template_labels, chunk: int = 50) -> np.ndarray:
    """The label of each query's nearest template under DTW (1-nearest neighbour)."""
    template_labels = np.asarray(template_labels)
    out = []
    for k in range(0, len(queries), chunk):
        out.append(template_labels[dtw_costs(queries[k: k + chunk], templates).argmin(axis=1)])
    return np.concatenate(out)


# --------------------------------------------------------------------------------------
# Connected digits with CTC
# --------------------------------------------------------------------------------------

def _drop_mask_layer():
    import keras

    class DropMask(keras.layers.Layer):
        """Passes its input through and ends the mask there."""
        def call(self, x, mask=None):
            return x + 0.0              # a new tensor: the input tensor carries the mask with it

        def compute_mask(self, x, mask=None):
            return None
    return DropMask


def _DropMask(**kw):
    return _drop_mask_layer()(**kw)


def ctc_recognizer(n_mels: int = 32, filters: int = 64, units: int = 64):
    """Conv1D(filters, 5, stride 2) -> Bidirectional GRU(units) -> Dense(11): per-frame CTC logits
    (symbol 0 = blank, d + 1 = digit d) at half the input's frame rate (20 ms per output frame).
    Padding frames (all zeros) are masked in the GRU, so the backward direction starts at the real end."""
    import keras
    inp = keras.Input((None, n_mels))
    # two zero frames on each side, then "valid": frame k of the output always covers input frames 2k-2 .. 2k+2,
    # however much padding follows ("same" would shift the frames by one when the padded length is even)
    h = keras.layers.ZeroPadding1D(2)(inp)
    h = keras.layers.Conv1D(filters, 5, strides=2, padding="valid", activation="relu")(h)
    mask = keras.layers.Lambda(lambda x: keras.ops.any(keras.ops.not_equal(x, 0), axis=-1)[:, ::2],
                               name="frame_mask")(inp)
    h = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True))(h, mask=mask)
    logits = keras.layers.Dense(N_SYMBOLS)(h)
    # drop the mask from the output: the CTC loss gets the lengths itself (y packed by pack_targets)
    logits = _DropMask(name="logits")(logits)
    return keras.Model(inp, logits, name="ctc_digits")


def output_lengths(lengths, stride: int = 2) -> np.ndarray:
    """Frames after the strided convolution: ceil(length / stride)."""
    return -(-np.asarray(lengths) // stride)


def pack_targets(labels: list, out_lengths, max_labels: int = 5) -> np.ndarray:
    """One array for model.fit's y: column 0 the label count, column 1 the output frames, then the
    symbols (digit + 1), zero-padded: (N, 2 + max_labels) (wider if a string is longer)."""
    L = max([max_labels] + [len(lab) for lab in labels])
    y = np.zeros((len(labels), 2 + L), np.int32)
    for i, lab in enumerate(labels):
        y[i, 0], y[i, 1] = len(lab), out_lengths[i]
        y[i, 2: 2 + len(lab)] = np.asarray(lab) + 1
    return y


def ctc_loss_packed(y_true, y_pred):
    """keras.ops.ctc_loss on targets packed by `pack_targets` (Keras passes y as one tensor)."""
    import keras
    ops = keras.ops
    y_true = ops.cast(y_true, "int32")
    return ops.ctc_loss(y_true[:, 2:], y_pred, y_true[:, 0], y_true[:, 1], mask_index=BLANK)


def ctc_decode_batch(logits, out_lengths) -> list:
    """Greedy decoding with keras.ops.ctc_decode: a list of digit arrays (symbols - 1, padding dropped)."""
    import keras
    decoded, _ = keras.ops.ctc_decode(logits, np.asarray(out_lengths, np.int32), strategy="greedy",
                                      mask_index=BLANK)
    decoded = keras.ops.convert_to_numpy(decoded)[0]
    return [row[row >= 0] - 1 for row in decoded]


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (substitutions, insertions, deletions)."""
    a, b = list(a), list(b)
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def digit_error_rate(truths: list, guesses: list) -> float:
    """Edit operations needed to turn every guess into its truth, divided by the number of true digits."""
    if len(truths) != len(guesses):
        raise ValueError(f"{len(truths)} truths but {len(guesses)} guesses")
    return sum(edit_distance(t, g) for t, g in zip(truths, guesses)) / max(1, sum(len(t) for t in truths))


def string_accuracy(truths: list, guesses: list) -> float:
    """Share of strings recognised exactly."""
    return float(np.mean([list(t) == list(g) for t, g in zip(truths, guesses)]))


def save_weights(model, path: str | Path = SHIPPED, **info) -> Path:
    """The model's weights (and a few facts about its training) in one small npz."""
    ws = model.get_weights()
    np.savez_compressed(path, n=np.array(len(ws)), **{f"w{i}": w for i, w in enumerate(ws)},
                        **{f"info_{k}": np.array(v) for k, v in info.items()})
    return Path(path)


def load_recognizer(path: str | Path = SHIPPED, n_mels: int = 32):
    """The shipped CTC recogniser (trained by benchmarks/train_ctc_digits.py) and its training facts."""
    with np.load(path) as z:
        ws = [z[f"w{i}"] for i in range(int(z["n"]))]
        info = {k[5:]: z[k].item() if z[k].ndim == 0 else z[k] for k in z.files if k.startswith("info_")}
    units = ws[2].shape[1] // 3 if len(ws) > 2 else 64
    model = ctc_recognizer(n_mels, filters=ws[0].shape[2], units=units)
    model.set_weights(ws)
    return model, info


def length_batches(feats: list, labels: list, batch_size: int = 32, seed: int = 0, stride: int = 2):
    """A keras PyDataset of (X, y) batches of strings of similar length (less padding to compute), the
    batches in a new random order every epoch. X (B, T_batch, F) zero-padded, y packed by `pack_targets`."""
    import keras

    order = np.argsort([len(f) for f in feats], kind="stable")
    groups = [order[k: k + batch_size] for k in range(0, len(order), batch_size)]

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.rng = np.random.default_rng(seed)
            self.perm = self.rng.permutation(len(groups))

        def __len__(self):
            return len(groups)

        def __getitem__(self, k):
            idx = groups[self.perm[k]]
            T = max(len(feats[i]) for i in idx)
            X = np.zeros((len(idx), T, feats[0].shape[1]), np.float32)
            for r, i in enumerate(idx):
                X[r, : len(feats[i])] = feats[i]
            lens = output_lengths([len(feats[i]) for i in idx], stride)
            return X, pack_targets([labels[i] for i in idx], lens)

        def on_epoch_end(self):
            self.perm = self.rng.permutation(len(groups))

    return Batches()


def recognize(model, feats: list, batch_size: int = 64) -> tuple:
    """Greedy transcripts of every string (list of digit arrays) and its per-frame logits (list of
    (frames_i / 2, 11)). All strings are padded to one length (the padding is masked), so the model is
    traced once."""
    X = np.zeros((len(feats), max(len(f) for f in feats), feats[0].shape[1]), np.float32)
    for i, f in enumerate(feats):
        X[i, : len(f)] = f
    lg = model.predict(X, batch_size=batch_size, verbose=0)
    lens = output_lengths([len(f) for f in feats])
    return ctc_decode_batch(lg, lens), [lg[i, : n] for i, n in enumerate(lens)]
