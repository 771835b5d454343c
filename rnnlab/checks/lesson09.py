"""Checks of lesson 09 (attention): dot_attention in numpy."""
import numpy as np

from ..reference import attention as att
from ..reference import softmax
from . import register
from .numerics import Numerics
from .probes import Mistake, as_result_array, call, diagnose, expect_shape, rng, unpack
from .variants import Equations, declare

OUT = ("context", "weights")          # what dot_attention returns
AXES = ("the batch N", "the decoder steps Ty", "the encoder positions Tx")


def attention_equations(e, queries, values, mask=None):
    """Luong's dot attention as the lesson writes it, with the places a learner can slip marked."""
    scores = queries @ values.transpose(0, 2, 1)
    scores = e.sum("the scores", {"queries @ values.transpose(0, 2, 1)": scores}, like=scores)
    H = queries.shape[-1]
    scores = e.pick("the scores", scores, right="the plain dot product (Luong's score is not scaled)", **{
        "scores / np.sqrt(H) (the Transformer's scaling)": lambda: scores / np.sqrt(H),
        "scores / H": lambda: scores / H})
    if mask is not None:
        scores = e.pick("the masked scores", np.where(mask[:, None, :], scores, -np.inf),
                        right="-inf at the padded positions", **{"the unmasked scores": scores,
                                                                   "0 at the padded positions":
                                                                   np.where(mask[:, None, :], scores, 0.0)})
    weights = e.softmax("weights", scores, axis=-1, names=AXES)
    source = e.pick("context", weights, right="the softmax weights", scores=scores)
    return {"context": source @ values, "weights": weights}


EQUATIONS = Equations(
    "dot_attention", attention_equations, args=("queries", "values", "mask"),
    equations={"the scores": "scores = queries @ values.transpose(0, 2, 1), (N, Ty, Tx)",
               "weights": "weights = softmax(scores, axis=-1): each decoder step's weights over the Tx encoder "
                          "positions sum to 1",
               "context": "context = weights @ values", "the masked scores": "scores = np.where(mask[:, None, :], "
                                                                           "scores, -np.inf) before the softmax"},
    wrap=lambda out, a: (out["context"], out["weights"]))


def _probe(N=2, Ty=3, Tx=5, H=4, scale=1.0, seed=0, dtype=np.float64):
    r = rng(seed)
    q = (scale * r.standard_normal((N, Ty, H))).astype(dtype)
    v = r.standard_normal((N, Tx, H)).astype(dtype)
    return q, v


@register("9.1", "dot_attention", "Scores, weights and context of dot attention", att.dot_attention,
          shapes="queries (N, Ty, H), values (N, Tx, H) -> context (N, Ty, H), weights (N, Ty, Tx)")
def check_dot_attention(dot_attention):
    q, v = _probe()
    N, Ty, H = q.shape
    Tx = v.shape[1]
    context, weights = unpack(call(dot_attention, q, v), "dot_attention", OUT)
    context, weights = as_result_array(context, "context"), as_result_array(weights, "weights")
    if context.shape == (N, Ty, Tx) and weights.shape == (N, Ty, H):
        raise Mistake("The two results are swapped: return (context, weights), context (N, Ty, H) first.")
    exp_c, exp_w = att.dot_attention(q, v)
    scores = q @ v.transpose(0, 2, 1)
    if weights.shape == (N, Tx, Ty):
        raise Mistake(f"Your weights have shape {weights.shape} = (N, Tx, Ty): one row per DECODER step is expected, "
                      f"(N, Ty, Tx) = {(N, Ty, Tx)}. Compute scores = queries @ values.transpose(0, 2, 1).")
    expect_shape(weights, exp_w.shape, "weights", "(N, Ty, Tx)")
    generated = EQUATIONS.variants((q, v))
    diagnose(weights, exp_w, "weights", generated.candidates("weights", got={"weights": weights}, first=[
        (softmax(scores, axis=1), "The softmax runs over the wrong axis (the decoder steps): each decoder step's "
                                   "weights over the Tx encoder positions must sum to 1, so use axis=-1."),
        (softmax(scores, axis=0), "The softmax runs over the batch axis; use the last axis (encoder positions)."),
        (np.exp(scores), "The weights are exp(scores) without the division: normalise so that each row sums to 1."),
        (scores, "The weights are the raw scores: apply the softmax over the encoder positions (last axis)."),
        (softmax(scores / np.sqrt(H), axis=-1), "You scaled the scores by 1/sqrt(H): that is the Transformer's scaled "
                                                "dot product. Luong's dot attention (and keras.layers.Attention's "
                                                "default) uses the plain dot product."),
    ]))
    expect_shape(context, exp_c.shape, "context", "(N, Ty, H)")
    diagnose(context, exp_c, "context", generated.candidates("context", first=[
        (scores @ v, "The context uses the raw scores: it is the weighted average weights @ values, with the "
                     "softmax weights."),
        (np.exp(scores) @ v, "The context uses unnormalised exp(scores): use the softmax weights."),
        (exp_w.sum(axis=-1, keepdims=True) * v.mean(axis=1, keepdims=True), "The context ignores the weights."),
    ]))
    # large scores: exp overflows unless the maximum is subtracted first
    q, v = _probe(scale=300.0, seed=1)
    with np.errstate(all="ignore"):
        context, weights = unpack(call(dot_attention, q, v), "dot_attention", OUT)
    weights = as_result_array(weights, "weights")
    if not np.all(np.isfinite(weights)):
        raise Mistake("With large scores (in the hundreds) the weights contain nan or inf: np.exp overflows. "
                      "Subtract each row's maximum score before np.exp (the softmax is unchanged by that shift).")
    diagnose(weights, att.dot_attention(q, v)[1], "weights for large scores")
    # padding: masked encoder positions get weight 0, the others still sum to 1
    q, v = _probe(seed=2)
    mask = np.array([[True, True, True, False, False], [True, True, True, True, True]])
    context, weights = unpack(call(dot_attention, q, v, mask=mask), "dot_attention", OUT)
    weights = as_result_array(weights, "weights")
    exp_c, exp_w = att.dot_attention(q, v, mask)
    plain = att.dot_attention(q, v)[1]
    zeroed = plain * mask[:, None, :]
    scores = q @ v.transpose(0, 2, 1)
    diagnose(weights, exp_w, "weights with a mask", EQUATIONS.variants((q, v, mask)).candidates("weights", first=[
        (plain, "The mask is ignored: padded encoder positions (mask False) must get weight 0. Set their scores "
                "to -inf (np.where(mask[:, None, :], scores, -np.inf)) before the softmax."),
        (softmax(scores * mask[:, None, :], axis=-1), "Multiplying the scores by the mask makes the padded "
                                                        "scores 0, and a score of 0 still gets weight: set them "
                                                        "to -inf before the softmax."),
        (zeroed, "The masked weights are 0 but the others no longer sum to 1: mask the SCORES (set them to -inf) "
                 "before the softmax, not the weights after it."),
    ]))
    diagnose(as_result_array(context, "context"), exp_c, "context with a mask",
             EQUATIONS.variants((q, v, mask)).candidates("context"))
    NUMERICS.run(dot_attention)


NUMERICS = Numerics(
    "dot_attention",
    probe=lambda N=None, T=None, dtype=np.float64, big=False: _probe(N=N or 2, Ty=T or 3, seed=4, dtype=dtype),
    outputs=lambda out, args: dict(zip(OUT, unpack(out, "dot_attention", OUT))),
    reference=lambda *args: dict(zip(OUT, att.dot_attention(*args))), sequence=True)


declare("9.1", EQUATIONS, lambda: [_probe(), _probe(seed=2) + (np.array([[True, True, True, False, False],
                                                                         [True, True, True, True, True]]),)])
