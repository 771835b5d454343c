"""Checks of lesson 04 (vanishing and exploding gradients).

4.1 clip_by_global_norm, 4.2 gradient_norms (|dh_T/dh_{T-k}| against the lag k),
4.3 orthogonal (an orthogonal initialiser).
"""
import copy

import numpy as np

from .. import reference as ref
from . import register
from .numerics import Numerics
from .probes import Mistake, as_result_array, close, diagnose, expect_dtype, expect_shape, rng, unpack
from .variants import Equations, declare


def clip_equations(e, grads, max_norm):
    """clip_by_global_norm as the lesson writes it, with the places a learner can slip marked."""
    squares = np.array([np.sum(e.act("each g**2", "square", g, alts=("abs", "identity"))) for g in grads.values()])
    total = e.reduce("the global norm", "sum", squares, axis=0, names=("the arrays",),
                     ops=("sum", "mean", "max", "first"))
    norm = e.act("the global norm", "sqrt", total, alts=("identity",))
    over = e.pick("the condition", norm > max_norm, right="norm > max_norm", **{
        "no condition (always scaling)": True, "norm < max_norm": lambda: norm < max_norm})
    scale = e.pick("the scale", e.mul("the scale", {"max_norm": max_norm, "1 / norm": 1 / norm}),
                   right="max_norm / norm", **{"norm / max_norm": lambda: norm / max_norm}) if over else 1.0
    out = {f"clipped[{k!r}]": g * scale for k, g in grads.items()}
    out["norm"] = e.pick("the returned norm", norm, right="the norm before clipping", **{
        "the norm after clipping": lambda: norm * scale})
    return out


CLIP_EQUATIONS = Equations(
    "clip_by_global_norm", clip_equations, args=("grads", "max_norm"),
    equations={"the global norm": "norm = sqrt(sum over all arrays of np.sum(g**2)), one number for all arrays",
               "each g**2": "norm = sqrt(sum over all arrays of np.sum(g**2))",
               "the condition": "scale only when norm > max_norm", "the scale": "g * (max_norm / norm)",
               "the returned norm": "return (clipped, norm) with the norm before clipping"},
    wrap=lambda out, a: ({k: out[f"clipped[{k!r}]"] for k in a[0]}, float(out["norm"])))


# --------------------------------------------------------------------------------------
# 4.1 clip_by_global_norm
# --------------------------------------------------------------------------------------

def clip_by_global_norm_reference(grads, max_norm):
    """Scale every gradient by the same factor so that their global norm is at most max_norm.

    grads: {name: array}. global norm = sqrt(sum over all arrays of sum(g**2)).
    Returns (clipped, norm): a new dict (the inputs are not modified) and the norm BEFORE clipping.
    """
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))
    scale = max_norm / norm if norm > max_norm else 1.0
    return {k: g * np.asarray(scale, dtype=g.dtype) for k, g in grads.items()}, norm


def clip_probe(scale=1.0, dtype=np.float64, seed=0):
    r = rng(seed)
    return {"Wx": (scale * r.standard_normal((3, 4))).astype(dtype),
            "Wh": (scale * r.standard_normal((4, 4))).astype(dtype),
            "b": (scale * r.standard_normal(4)).astype(dtype)}


def _clip_variants(grads, max_norm):
    norms = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
    total = float(np.sqrt(sum(n ** 2 for n in norms.values())))
    variants = {
        "each array clipped separately": {k: g * min(1.0, max_norm / norms[k]) for k, g in grads.items()},
        "always scaled": {k: g * (max_norm / total) for k, g in grads.items()},
        "clipped by value": {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()},
        "no sqrt": {k: g * min(1.0, max_norm / total ** 2) for k, g in grads.items()},
        "sum of norms": {k: g * min(1.0, max_norm / sum(norms.values())) for k, g in grads.items()},
        "inverted scale": {k: g * (total / max_norm if total > max_norm else 1.0) for k, g in grads.items()},
    }
    return variants, total


CLIP_HINTS = {
    "each array clipped separately": "each array was clipped by its own norm; global-norm clipping computes ONE norm "
                                     "over all arrays, sqrt(sum of every g**2), and scales all of them by the same "
                                     "factor, so the direction of the whole gradient is kept.",
    "always scaled": "the gradients were scaled even though their global norm was below max_norm: only scale when "
                     "norm > max_norm, otherwise return them unchanged.",
    "clipped by value": "that is clipping by value (np.clip on each entry), which changes the gradient's direction; "
                        "scale every array by max_norm / norm instead.",
    "no sqrt": "the norm is missing its square root: norm = sqrt(sum over all arrays of np.sum(g**2)).",
    "sum of norms": "you added the arrays' norms; the global norm is sqrt(sum of the squared norms), the norm of "
                    "all entries taken together.",
    "inverted scale": "the scale factor is upside down: multiply by max_norm / norm (which is below 1).",
}


def _call_clip(fn, grads, max_norm):
    copies = {k: v.copy() for k, v in grads.items()}
    given = dict(grads)
    out = fn(given, max_norm)
    for k in grads:
        if not np.array_equal(grads[k], copies[k]):
            raise Mistake("your function modified the gradient arrays in place (e.g. `g *= scale`): the caller's "
                          "arrays must not change; build a new dict of new arrays (g * scale).")
    if set(given) != set(grads):
        raise Mistake("your function changed the dict it was given (added or removed keys): return a new dict.")
    clipped, norm = unpack(out, "clip_by_global_norm", ("clipped", "norm"))
    if not isinstance(clipped, dict):
        raise Mistake(f"the first value returned should be a dict {{name: array}} like grads, got a "
                      f"{type(clipped).__name__}.")
    if set(clipped) != set(grads):
        raise Mistake(f"the clipped dict has keys {sorted(clipped)}; expected the same keys as grads {sorted(grads)}.")
    try:
        norm = float(norm)
    except (TypeError, ValueError):
        raise Mistake(f"the second value returned should be the global norm (a number), got a "
                      f"{type(norm).__name__}.") from None
    return {k: as_result_array(clipped[k], f"clipped[{k!r}]") for k in grads}, norm


def _diagnose_clip(got, expected, variants, what, generated=None, norm=None):
    for k in expected:
        expect_shape(got[k], expected[k].shape, f"{what}[{k!r}]")
    if all(close(got[k], expected[k], 1e-7) for k in expected):
        return
    for name, wrong in variants.items():
        if all(close(got[k], wrong[k], 1e-7) for k in expected) and not all(
                close(wrong[k], expected[k], 1e-7) for k in expected):
            raise Mistake(CLIP_HINTS[name])
    seen = {f"clipped[{k!r}]": got[k] for k in expected}
    if norm is not None:
        seen["norm"] = np.asarray(norm)
    hint = generated.explain(seen) if generated is not None else None
    if hint:
        raise Mistake(hint)
    k = next(k for k in expected if not close(got[k], expected[k], 1e-7))
    diagnose(got[k], expected[k], f"{what}[{k!r}]")


@register("4.1", "clip_by_global_norm", "Clipping by global norm", clip_by_global_norm_reference)
def check_clip_by_global_norm(clip_by_global_norm):
    max_norm = 1.5
    # Above the threshold: every array scaled by the same factor.
    grads = clip_probe(scale=2.0)
    got, norm = _call_clip(clip_by_global_norm, grads, max_norm)
    expected, true_norm = clip_by_global_norm_reference(grads, max_norm)
    variants, _ = _clip_variants(grads, max_norm)
    _diagnose_clip(got, expected, variants, "clipped", CLIP_EQUATIONS.variants((grads, max_norm)), norm)
    if not np.isclose(norm, true_norm, rtol=1e-7):
        if np.isclose(norm, max_norm, rtol=1e-7):
            raise Mistake("the returned norm is the norm AFTER clipping (max_norm); return the norm before "
                          "clipping, so training logs show how large the gradients really were.")
        if np.isclose(norm, true_norm ** 2, rtol=1e-7):
            raise Mistake("the returned norm is the sum of squares; take its square root.")
        raise Mistake(f"the returned norm is {norm:.6g}; the global norm of these gradients is {true_norm:.6g}: "
                      "sqrt of the sum of every squared entry of every array.")
    # Below the threshold: unchanged.
    grads = clip_probe(scale=0.05, seed=1)
    got, norm = _call_clip(clip_by_global_norm, grads, max_norm)
    expected, true_norm = clip_by_global_norm_reference(grads, max_norm)
    variants, _ = _clip_variants(grads, max_norm)
    _diagnose_clip(got, expected, variants, "clipped (norm below max_norm)", CLIP_EQUATIONS.variants((grads, max_norm)),
                   norm)
    # All zero: nothing to clip, and no division by zero.
    zeros = {k: np.zeros_like(v) for k, v in clip_probe().items()}
    with np.errstate(divide="raise", invalid="raise"):
        try:
            got, norm = _call_clip(clip_by_global_norm, zeros, max_norm)
        except (ZeroDivisionError, FloatingPointError):
            raise Mistake("with all-zero gradients your function divides by a zero norm: compute the scale only "
                          "when norm > max_norm.") from None
    if any(not np.all(np.isfinite(g)) or np.any(g != 0) for g in got.values()) or norm != 0:
        raise Mistake("all-zero gradients should come back as zeros, with norm 0.")
    # Another max_norm, and float32 stays float32.
    grads = clip_probe(scale=3.0, dtype=np.float32, seed=2)
    got, norm = _call_clip(clip_by_global_norm, grads, 0.5)
    expected, _ = clip_by_global_norm_reference(grads, 0.5)
    for k in grads:
        expect_dtype(got[k], np.float32, f"clipped[{k!r}]")
    _diagnose_clip(got, expected, _clip_variants(grads, 0.5)[0], "clipped (max_norm = 0.5)",
                   CLIP_EQUATIONS.variants((grads, 0.5)), norm)
    CLIP_NUMERICS.run(clip_by_global_norm)


def _clip_outputs(out, args):
    clipped, norm = unpack(out, "clip_by_global_norm", ("clipped", "norm"))
    if not isinstance(clipped, dict):
        raise Mistake(f"the first value returned should be a dict {{name: array}} like grads, got a "
                      f"{type(clipped).__name__}.")
    return {**{f"clipped[{k!r}]": clipped.get(k) for k in args[0]}, "norm": np.asarray(float(norm))}


def _clip_reference(grads, max_norm):
    clipped, norm = clip_by_global_norm_reference(grads, max_norm)
    return {**{f"clipped[{k!r}]": v for k, v in clipped.items()}, "norm": np.asarray(norm)}


CLIP_NUMERICS = Numerics(
    "clip_by_global_norm", batch=False, outputs=_clip_outputs, reference=_clip_reference,
    probe=lambda N=None, T=None, dtype=np.float64, big=False: (clip_probe(scale=3.0, dtype=dtype, seed=4), 1.0))


# --------------------------------------------------------------------------------------
# 4.2 gradient_norms
# --------------------------------------------------------------------------------------

def gradient_norms_reference(h, Wh):
    """|dh_{T-1} / dh_{T-1-k}| (spectral norm) for k = 0 .. T-1, for the states h (T, H) of one sequence
    of a tanh RNN with recurrent weights Wh (H, H). norms[0] = 1 (lag 0: the identity)."""
    T, H = h.shape
    G = np.eye(H)
    norms = np.empty(T)
    norms[0] = 1.0
    for k in range(1, T):
        G = (G * (1 - h[T - k] ** 2)) @ Wh.T
        norms[k] = np.linalg.norm(G, 2)
    return norms


def _norms_variant(h, Wh, mistake):
    T, H = h.shape
    G = np.eye(H)
    out = [1.0]
    steps = range(1, T + 1) if mistake == "starts_at_lag_1" else range(1, T)
    for k in steps:
        d = {"no_derivative": 1.0, "previous_state": 1 - h[T - k - 1] ** 2 if T - k - 1 >= 0 else 1.0,
             "tanh_of_h": 1 - np.tanh(h[T - k]) ** 2}.get(mistake, 1 - h[T - k] ** 2)
        if mistake == "no_transpose":
            G = (G * d) @ Wh
        elif mistake == "derivative_after":
            G = (G @ Wh.T) * d
        else:
            G = (G * d) @ Wh.T
        out.append(np.linalg.norm(G, "fro") if mistake == "frobenius" else np.linalg.norm(G, 2))
    out = np.array(out)
    if mistake == "starts_at_lag_1":
        out = out[1:]
    if mistake == "reversed":
        out = gradient_norms_reference(h, Wh)[::-1]
    return out


NORM_HINTS = {
    "no_derivative": "the tanh derivative is missing: each step back multiplies by diag(1 - h_s**2) as well as "
                     "by Wh.T: G = (G * (1 - h[s]**2)) @ Wh.T.",
    "previous_state": "the derivative is taken at the wrong step: going back through step s uses 1 - h[s]**2, the "
                      "output of that step, not 1 - h[s - 1]**2.",
    "tanh_of_h": "h is already tanh(a): the derivative is 1 - h[s]**2, not 1 - np.tanh(h[s])**2.",
    "no_transpose": "Wh needs its transpose: going back one step is G = (G * (1 - h[s]**2)) @ Wh.T, the same "
                    "product as dh_prev = da @ Wh.T in rnn_step_backward.",
    "derivative_after": "the derivative is applied after the product with Wh.T; it belongs first: "
                        "(G * (1 - h[s]**2)) @ Wh.T, as da = dh * (1 - h**2) comes before da @ Wh.T.",
    "frobenius": "that is the Frobenius norm (np.linalg.norm(G)); use the spectral norm, the largest singular value: "
                 "np.linalg.norm(G, 2).",
    "starts_at_lag_1": "the array is shifted by one: norms[0] is lag 0, dh_{T-1}/dh_{T-1} = the identity, whose "
                       "norm is 1; norms[k] is lag k.",
    "reversed": "the array is reversed: norms[k] is the lag k (k steps back from the last state), so norms[0] = 1.",
}


def norms_equations(e, h, Wh):
    """gradient_norms as the lesson writes it, with the places a learner can slip marked."""
    T, H = h.shape
    G = np.eye(H)
    norms = [1.0]
    back = e.T("Wh.T", Wh.T, what="Wh is used without its transpose", fix="G = (G * (1 - h[s]**2)) @ Wh.T")
    for k in e.range("k", T, start=1, fix="k = 1 .. T - 1, with norms[0] = 1 for lag 0"):
        s = e.shift("the step s", T - k, fix="going back through step s = T - k uses 1 - h[s]**2")
        d = e.deriv("the step back", "tanh", h[s], out_name="h[s]", fix="G = (G * (1 - h[s]**2)) @ Wh.T")
        G = e.alt("the step back", e.matmul("the step back", G * d, back), {
            "the derivative is applied after the product with Wh.T; it belongs first: (G * (1 - h[s]**2)) @ Wh.T, "
            "as da = dh * (1 - h**2) comes before da @ Wh.T.": lambda G=G, d=d: (G @ back) * d})
        norms.append(e.pick("norms[k]", np.linalg.norm(G, 2), right="the spectral norm np.linalg.norm(G, 2)", **{
            "the Frobenius norm np.linalg.norm(G)": lambda G=G: np.linalg.norm(G),
            "the infinity norm np.linalg.norm(G, np.inf)": lambda G=G: np.linalg.norm(G, np.inf),
            "the 1-norm np.linalg.norm(G, 1)": lambda G=G: np.linalg.norm(G, 1),
            "the smallest singular value": lambda G=G: np.linalg.svd(G, compute_uv=False)[-1]}))
    return {"norms": np.array(norms)}


NORMS_EQUATIONS = Equations(
    "gradient_norms", norms_equations, args=("h", "Wh"),
    equations={"the step back": "G = (G * (1 - h[s]**2)) @ Wh.T for s = T-1 down to T-k",
               "norms[k]": "norms[k] = np.linalg.norm(G, 2)"},
    wrap=lambda out, a: out["norms"])


def norms_probe(T=6, H=4, seed=0, scale=1.0):
    r = rng(seed)
    x = r.standard_normal((1, T, 3))
    Wx = r.standard_normal((3, H))
    Wh = scale * r.standard_normal((H, H)) / np.sqrt(H)
    b = 0.1 * r.standard_normal(H)
    h, _ = ref.rnn_forward(x, np.zeros((1, H)), Wx, Wh, b)
    return h[0], Wh


@register("4.2", "gradient_norms", "Gradient norm against the time lag", gradient_norms_reference)
def check_gradient_norms(gradient_norms):
    for T, H, seed, scale in [(6, 4, 0, 1.3), (9, 5, 1, 0.8)]:
        h, Wh = norms_probe(T, H, seed, scale)
        h_copy, Wh_copy = h.copy(), Wh.copy()
        got = as_result_array(gradient_norms(h_copy, Wh_copy), "norms")
        if not (np.array_equal(h, h_copy) and np.array_equal(Wh, Wh_copy)):
            raise Mistake("gradient_norms changed h or Wh in place: compute into new arrays.")
        expected = gradient_norms_reference(h, Wh)
        what = f"norms (T={T}, H={H})"
        if got.shape == (T - 1,):
            raise Mistake(f"{what} has {T - 1} entries; expected T = {T}: lag 0 (the identity, norm 1) up to lag T-1.")
        expect_shape(got, (T,), what, "(T,)")
        diagnose(got, expected, what, NORMS_EQUATIONS.variants((h, Wh)).candidates("norms", first=[
            (_norms_variant(h, Wh, m), hint) for m, hint in NORM_HINTS.items()]), tol=1e-7)
    NORMS_NUMERICS.run(gradient_norms)


def _norms_probe(N=None, T=None, dtype=np.float64, big=False):
    h, Wh = norms_probe(T or 5, 3, 2, 1.1)
    if big:
        h = np.sign(h) * (1 - 1e-12 * np.abs(h))      # saturated states: 1 - h**2 is tiny, not 0
    return h.astype(dtype), Wh.astype(dtype)


NORMS_NUMERICS = Numerics(
    "gradient_norms", probe=_norms_probe, batch=False, sequence=True,
    outputs=lambda out, args: {"norms": out}, reference=lambda *args: {"norms": gradient_norms_reference(*args)},
    saturate="saturated states (|h| just below 1)", tol=1e-7)


# --------------------------------------------------------------------------------------
# 4.3 orthogonal
# --------------------------------------------------------------------------------------

def orthogonal_reference(H, rng, gain=1.0):
    """A random orthogonal (H, H) matrix times gain, uniformly distributed (Saxe et al. 2014):
    Q from the QR decomposition of a standard normal matrix, columns signed by diag(R)."""
    q, r = np.linalg.qr(rng.standard_normal((H, H)))
    return gain * q * np.sign(np.diag(r))


def orthogonal_equations(e, H, rng, gain=1.0):
    """orthogonal as the lesson writes it, with the places a learner can slip marked (rng is copied)."""
    rng = copy.deepcopy(rng)
    A = rng.standard_normal((H, H))
    q, r = np.linalg.qr(A)
    Q = e.pick("Q", q, right="q of q, r = np.linalg.qr(A)", r=r, A=A)
    return {"Q": e.mul("Q", {"gain": gain, "q": Q, "np.sign(np.diag(r))": np.sign(np.diag(r))})}


ORTH_EQUATIONS = Equations("orthogonal", orthogonal_equations, args=("H", "rng", "gain"),
                           equations={"Q": "Q = gain * q * np.sign(np.diag(r)) with q, r = np.linalg.qr(A)"},
                           wrap=lambda out, a: out["Q"])


def _orth(fn, H, seed, gain=None):
    r = np.random.default_rng(seed)
    out = fn(H, r) if gain is None else fn(H, r, gain=gain)
    return as_result_array(out, "the matrix")


@register("4.3", "orthogonal", "Orthogonal initialisation", orthogonal_reference)
def check_orthogonal(orthogonal):
    H = 5
    Q = _orth(orthogonal, H, 0)
    if Q.shape == (H,):
        raise Mistake(f"the result has shape {Q.shape}; an (H, H) = ({H}, {H}) matrix is needed.")
    expect_shape(Q, (H, H), "the matrix", "(H, H)")
    expect_dtype(Q, np.float64, "the matrix")
    if np.allclose(Q, np.eye(H)):
        raise Mistake("that is the identity, the identity initialisation (Le et al. 2015); the orthogonal "
                      "initialisation is a RANDOM rotation: Q from np.linalg.qr of a random normal matrix.")
    sv = np.linalg.svd(Q, compute_uv=False)
    if not np.allclose(sv, 1.0, atol=1e-8):
        if np.allclose(Q, np.triu(Q)):
            raise Mistake("the matrix is upper triangular: that is R from np.linalg.qr; return Q (q, r = np.linalg.qr(A)).")
        if np.allclose(sv, sv[0], rtol=1e-6):
            raise Mistake(f"every singular value is {sv[0]:.4g}: orthogonal up to a factor. With the default gain=1.0 "
                          "the singular values must all be 1.")
        hint = ORTH_EQUATIONS.variants((H, np.random.default_rng(0)), pairs=False).explain({"Q": Q})
        if hint:
            raise Mistake(hint)
        raise Mistake(f"the matrix is not orthogonal (its singular values run from {sv.min():.3g} to {sv.max():.3g}; "
                      "all should be 1): take Q from q, r = np.linalg.qr(A) of a random normal matrix A.")
    if not np.array_equal(Q, _orth(orthogonal, H, 0)):
        raise Mistake("two calls with generators of the same seed gave different matrices: draw every random "
                      "number from the generator rng passed in (rng.standard_normal), not from np.random.")
    if np.allclose(Q, _orth(orthogonal, H, 1)):
        raise Mistake("generators with different seeds gave the same matrix: draw the random matrix from rng "
                      "(rng.standard_normal((H, H))).")
    Q2 = _orth(orthogonal, 3, 2, gain=2.5)
    sv = np.linalg.svd(Q2, compute_uv=False)
    if not np.allclose(sv, 2.5, atol=1e-8):
        if np.allclose(sv, 1.0, atol=1e-8):
            raise Mistake("gain is ignored: with gain=2.5 every singular value should be 2.5; multiply Q by gain.")
        raise Mistake(f"with gain=2.5 the singular values are {np.round(sv, 3)}; all should be 2.5 (gain * Q).")
    # Uniformly random: the first entry is positive or negative equally often.
    r = np.random.default_rng(3)
    first = np.array([as_result_array(orthogonal(3, r), "the matrix")[0, 0] for _ in range(300)])
    if abs(first.mean()) > 0.15:
        raise Mistake(f"over 300 draws Q[0, 0] averages {first.mean():.2f} instead of about 0: the Q of np.linalg.qr "
                      "has a sign bias (LAPACK's sign convention makes Q[0, 0] always negative). Fix the signs so the "
                      "rotation is uniformly random: q * np.sign(np.diag(r)).")


declare("4.1", CLIP_EQUATIONS, lambda: [(clip_probe(scale=2.0), 1.5), (clip_probe(scale=0.05, seed=1), 1.5),
                                        (clip_probe(scale=3.0, dtype=np.float32, seed=2), 0.5)])
declare("4.2", NORMS_EQUATIONS, lambda: [norms_probe(6, 4, 0, 1.3), norms_probe(9, 5, 1, 0.8)])
declare("4.3", ORTH_EQUATIONS, lambda: [(5, np.random.default_rng(0), 1.0)])
