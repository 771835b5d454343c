"""Checks of lesson 00 (welcome): the warm-up exercise."""
import numpy as np

from ..data import synthetic
from . import register
from .numerics import Numerics
from .probes import Mistake, as_result_array, call, diagnose, expect_shape
from .variants import Equations, declare


def one_hot_equations(e, indices, vocab_size):
    """one_hot as the lesson writes it, with the places a learner can slip marked (rnnlab.checks.variants)."""
    indices = np.asarray(indices)
    T = len(indices)
    out = np.zeros((T, vocab_size))
    rows = e.pick("the rows", np.arange(T), right="np.arange(T), one per step", **{
        "every row (out[:, indices])": lambda: slice(None)})
    cols = e.shift("the column", indices, fix="out[t, indices[t]] = 1: token k goes in column k") % vocab_size
    if isinstance(rows, slice):
        out[rows, cols] = 1
    for t in e.range("t", T, fix="set out[t, indices[t]] = 1 for every step t = 0 .. T - 1"):
        out[rows[t], cols[t]] = 1
    return {"out": e.pick("out", out, right="zeros with one 1 per row", **{"its complement": lambda: 1 - out})}


EQUATIONS = Equations("one_hot", one_hot_equations, args=("indices", "vocab_size"),
                      equations={"out": "out = np.zeros((T, V)); out[np.arange(T), indices] = 1"},
                      wrap=lambda out, a: out["out"])


@register("0.1", "one_hot", "One-hot encoding of a token sequence", synthetic.one_hot)
def check_one_hot(one_hot):
    idx = np.array([2, 0, 3, 3, 1])
    V = 6
    got = as_result_array(call(one_hot, idx, V), "one_hot([2, 0, 3, 3, 1], 6)")
    expected = synthetic.one_hot(idx, V)
    if got.shape == (V, len(idx)):
        raise Mistake(f"the result has shape {got.shape} = (vocab_size, T): rows should be time steps, "
                      f"so the shape is (T, vocab_size) = {expected.shape}. Transpose, or build it as (T, V).")
    expect_shape(got, expected.shape, "one_hot([2, 0, 3, 3, 1], 6)", "(T, vocab_size)")
    broadcast = np.zeros_like(expected)
    broadcast[:, idx] = 1
    if np.array_equal(got, broadcast):
        raise Mistake("every row has a 1 in each column that appears anywhere in the sequence: set out[t, indices[t]] "
                      "for each t (or out[np.arange(T), indices] = 1), not out[:, indices].")
    if np.all(got[expected == 1] == 1) and np.any(got[expected == 0] != 0):
        raise Mistake("the 1s are in the right places but some entries that should be 0 are not: start from "
                      "np.zeros((T, vocab_size)) (np.empty leaves whatever was in memory) and set only one entry per row.")
    shifted = np.zeros_like(expected)
    shifted[np.arange(len(idx)), (idx + 1) % V] = 1
    shifted_back = np.zeros_like(expected)
    shifted_back[np.arange(len(idx)), (idx - 1) % V] = 1
    diagnose(got, expected, "one_hot([2, 0, 3, 3, 1], 6)", EQUATIONS.variants((idx, V)).candidates("out", first=[
        (np.zeros_like(expected), "every entry is 0: set out[t, indices[t]] = 1 for each step t."),
        (shifted, "each 1 sits one column too far right: token k goes in column k (Python counts from 0)."),
        (shifted_back, "each 1 sits one column too far left: token k goes in column k, not k - 1."),
        (np.ones_like(expected) - expected, "zeros and ones are the wrong way round."),
    ]))
    if not np.issubdtype(got.dtype, np.floating):
        raise Mistake(f"the values are right but the dtype is {got.dtype}: networks multiply one-hot rows "
                      "with float weights, so return floats (np.zeros(..., dtype=float)).")
    # a second probe: a token that never appears, and a single step
    got2 = as_result_array(call(one_hot, np.array([4]), 7), "one_hot([4], 7)")
    expect_shape(got2, (1, 7), "one_hot([4], 7)", "(T, vocab_size)")
    diagnose(got2, synthetic.one_hot(np.array([4]), 7), "one_hot([4], 7)",
             EQUATIONS.variants((np.array([4]), 7)).candidates("out"))
    NUMERICS.run(one_hot)


NUMERICS = Numerics(
    "one_hot", probe=lambda N=None, T=None, dtype=np.float64, big=False: (np.array([1, 4, 0, 4][:T or 4]), 5),
    outputs=lambda out, args: {"one_hot": out}, reference=lambda *args: {"one_hot": synthetic.one_hot(*args)},
    batch=False, sequence=True, dtypes=False)


declare("0.1", EQUATIONS, lambda: [(np.array([2, 0, 3, 3, 1]), 6), (np.array([4]), 7)])
