"""Checks of lesson 01 (sequences)."""
import numpy as np

from ..data import synthetic
from . import register
from .numerics import Numerics
from .probes import Mistake, as_result_array, call, diagnose, expect_shape, unpack
from .variants import Equations, declare


def windows_equations(e, seq, k):
    """sliding_windows as the lesson writes it, with the places a learner can slip marked."""
    rows = e.range("i", len(seq) - k, fix="there are T - k windows, i = 0 .. T - k - 1")
    start = e.shift("the window start", 0, fix="X[i] = seq[i : i + k]")
    target = e.shift("the target", 0, fix="y[i] = seq[i + k], the value right after window i")
    X = np.stack([seq[i + start:i + start + k] for i in rows])
    y = np.array([seq[i + k + target] for i in rows])
    return {"X": e.pick("X", X, right="seq[i : i + k]", **{"each window reversed": lambda: X[:, ::-1]}), "y": y}


EQUATIONS = Equations("sliding_windows", windows_equations, args=("seq", "k"),
                      equations={"X": "X[i] = seq[i : i + k], T - k windows", "y": "y[i] = seq[i + k]"},
                      wrap=lambda out, a: (out["X"], out["y"]))


@register("1.1", "sliding_windows", "Windows and next-value targets", synthetic.sliding_windows)
def check_sliding_windows(sliding_windows):
    seq = np.array([1.5, 2.25, -0.5, 3.75, 0.125, -2.5])   # not whole numbers: an int buffer would show
    k = 3
    X, y = unpack(call(sliding_windows, seq, k), "sliding_windows", ("X", "y"), arrays=True,
                  about="X holds the windows, y the value that follows each window.")
    eX, ey = synthetic.sliding_windows(seq, k)
    if X.shape == (len(seq) - k + 1, k):
        raise Mistake(f"X has {X.shape[0]} windows, one too many: the last window {seq[-k:].tolist()} has no "
                      f"next value to predict, so there are T - k = {len(seq) - k} windows.")
    if X.shape == (len(seq) - k - 1, k):
        raise Mistake(f"X has {X.shape[0]} windows, one too few: range(T - k) gives T - k = {len(seq) - k} "
                      "windows (check for an extra -1).")
    expect_shape(X, eX.shape, "X", "(T - k, k)")
    for arr, name in ((X, "X"), (y, "y")):
        if not np.issubdtype(arr.dtype, np.floating):
            raise Mistake(f"{name} has dtype {arr.dtype}: the values were truncated to whole numbers. Create it "
                          "with the sequence's dtype (np.zeros(..., dtype=seq.dtype)) or build it from slices.")
    generated = EQUATIONS.variants((seq, k))
    diagnose(X, eX, "X", generated.candidates("X", got={"X": X, "y": y}, first=[
                          (eX[:, ::-1], "each window is reversed: keep the time order seq[i : i + k]."),
                          (np.stack([seq[i + 1:i + 1 + k] for i in range(len(seq) - k)]),
                           "the windows start one step late: window i is seq[i : i + k], starting at i.")]))
    expect_shape(y, ey.shape, "y", "(T - k,)")
    diagnose(y, ey, "y", generated.candidates("y", got={"X": X, "y": y}, first=[
        (eX[:, -1], "y[i] is the last value INSIDE window i; the target is the value right after it: seq[i + k]."),
        (np.append(ey[1:], np.nan), "y is shifted one step too far: the target of window i is seq[i + k]."),
        (np.append(ey[1:], 0.0), "y is shifted one step too far: the target of window i is seq[i + k]."),
    ]))

    X2, y2 = call(sliding_windows, np.arange(7.0), 1)
    diagnose(as_result_array(X2, "X"), np.arange(6.0)[:, None], "X for k = 1",
             [(np.arange(6.0), "with k = 1, X should still be 2-D: shape (T - 1, 1).")])
    NUMERICS.run(sliding_windows)


NUMERICS = Numerics(
    "sliding_windows",
    probe=lambda N=None, T=None, dtype=np.float64, big=False: (
        np.array([0.5, -1.25, 2.0, 3.5, -0.75][:(T or 4) + 1], dtype=dtype), T or 2),
    outputs=lambda out, args: dict(zip(("X", "y"), unpack(out, "sliding_windows", ("X", "y")))),
    reference=lambda *args: dict(zip(("X", "y"), synthetic.sliding_windows(*args))), batch=False, sequence=True)


declare("1.1", EQUATIONS, lambda: [(np.array([1.5, 2.25, -0.5, 3.75, 0.125, -2.5]), 3), (np.arange(7.0), 1)])
