"""Lesson 04 (vanishing and exploding gradients): each planted mistake gets its hint, and the
references agree with finite differences."""
import numpy as np
import pytest

from rnnlab import reference as ref
from rnnlab.checks import lesson04 as L

from mistakes import assert_hint_names, planted


# --------------------------------------------------------------------------------------
# 4.1 clip_by_global_norm
# --------------------------------------------------------------------------------------

def clip_variant(name):
    def clip(grads, max_norm):
        variants, total = L._clip_variants(grads, max_norm)
        return variants[name], total
    return clip


CLIP_KEYWORDS = {
    "each array clipped separately": "ONE norm over all arrays",
    "always scaled": "only scale when norm > max_norm",
    "clipped by value": "clipping by value",
    "no sqrt": "square root",
    "sum of norms": "added the arrays' norms",
    "inverted scale": "upside down",
}


@pytest.mark.parametrize("wrong, phrase", planted(CLIP_KEYWORDS, build=clip_variant))
def test_clip_check_names_the_mistake(wrong, phrase):
    assert_hint_names("4.1", wrong, phrase)


def test_clip_in_place_norm_after_zero_division_and_dtype():
    def in_place(grads, max_norm):
        _, norm = L.clip_by_global_norm_reference(grads, max_norm)
        if norm > max_norm:
            for g in grads.values():
                g *= max_norm / norm
        return grads, norm
    assert_hint_names("4.1", in_place, "in place")

    def norm_after(grads, max_norm):
        clipped, norm = L.clip_by_global_norm_reference(grads, max_norm)
        return clipped, min(norm, max_norm)
    assert_hint_names("4.1", norm_after, "AFTER clipping")

    def divides_by_zero(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
        scale = min(1.0, max_norm / norm)
        return {k: (g * scale).astype(g.dtype) for k, g in grads.items()}, norm
    assert_hint_names("4.1", divides_by_zero, "divides by a zero norm")

    def float64_out(grads, max_norm):
        clipped, norm = L.clip_by_global_norm_reference(grads, max_norm)
        return {k: g.astype(np.float64) for k, g in clipped.items()}, norm
    assert_hint_names("4.1", float64_out, "dtype")

    assert_hint_names("4.1", lambda g, m: L.clip_by_global_norm_reference(g, m)[0], "pair")
    assert_hint_names("4.1", lambda g, m: (list(g.values()), 1.0), "dict")


def test_clip_reference_keeps_the_direction_and_caps_the_norm():
    grads = L.clip_probe(scale=5.0)
    clipped, norm = L.clip_by_global_norm_reference(grads, 2.0)
    flat = np.concatenate([g.ravel() for g in grads.values()])
    flat_c = np.concatenate([g.ravel() for g in clipped.values()])
    assert np.isclose(norm, np.linalg.norm(flat))
    assert np.isclose(np.linalg.norm(flat_c), 2.0)
    assert np.allclose(flat_c / 2.0, flat / norm)
    small = L.clip_probe(scale=0.01)
    same, _ = L.clip_by_global_norm_reference(small, 2.0)
    assert all(np.array_equal(same[k], small[k]) for k in small)


# --------------------------------------------------------------------------------------
# 4.2 gradient_norms
# --------------------------------------------------------------------------------------

NORM_KEYWORDS = {
    "no_derivative": "derivative is missing",
    "previous_state": "wrong step",
    "tanh_of_h": "already tanh(a)",
    "no_transpose": "transpose",
    "derivative_after": "belongs first",
    "frobenius": "Frobenius",
    "starts_at_lag_1": "shifted by one",
    "reversed": "reversed",
}


def norms_variant(mistake):
    return lambda h, Wh: L._norms_variant(h, Wh, mistake)


@pytest.mark.parametrize("wrong, phrase", planted(NORM_KEYWORDS, build=norms_variant))
def test_gradient_norms_check_names_the_mistake(wrong, phrase):
    assert_hint_names("4.2", wrong, phrase)


def test_gradient_norms_too_short_and_in_place():
    assert_hint_names("4.2", lambda h, Wh: L.gradient_norms_reference(h, Wh)[1:], "lag 0")

    def in_place(h, Wh):
        out = L.gradient_norms_reference(h, Wh)
        h **= 2
        return out
    assert_hint_names("4.2", in_place, "in place")


def test_gradient_norms_reference_is_the_norm_of_the_finite_difference_jacobian():
    r = np.random.default_rng(0)
    T, D, H = 6, 3, 4
    x = r.standard_normal((1, T, D))
    Wx, Wh, b = r.standard_normal((D, H)), 0.9 * r.standard_normal((H, H)) / 2, 0.1 * r.standard_normal(H)
    h, _ = ref.rnn_forward(x, np.zeros((1, H)), Wx, Wh, b)
    norms = L.gradient_norms_reference(h[0], Wh)
    for k in range(1, T):
        t = T - 1 - k                                       # perturb h_t, rerun steps t+1 .. T-1
        J = np.zeros((H, H))
        for j in range(H):
            plus, minus = h[:, t].copy(), h[:, t].copy()
            plus[0, j] += 1e-6
            minus[0, j] -= 1e-6
            hp, _ = ref.rnn_forward(x[:, t + 1:], plus, Wx, Wh, b)
            hm, _ = ref.rnn_forward(x[:, t + 1:], minus, Wx, Wh, b)
            J[:, j] = (hp[0, -1] - hm[0, -1]) / 2e-6
        assert np.isclose(np.linalg.norm(J, 2), norms[k], rtol=1e-6), k
    assert norms[0] == 1.0


# --------------------------------------------------------------------------------------
# 4.3 orthogonal
# --------------------------------------------------------------------------------------

ORTH_MISTAKES = {
    "no sign fix": (lambda H, rng, gain=1.0: gain * np.linalg.qr(rng.standard_normal((H, H)))[0], "np.sign(np.diag(r))"),
    "returned R": (lambda H, rng, gain=1.0: np.linalg.qr(rng.standard_normal((H, H)))[1], "upper triangular"),
    "gaussian": (lambda H, rng, gain=1.0: rng.standard_normal((H, H)), "not orthogonal"),
    "identity": (lambda H, rng, gain=1.0: np.eye(H), "identity"),
    "gain ignored": (lambda H, rng, gain=1.0: L.orthogonal_reference(H, rng), "gain is ignored"),
    "gain squared": (lambda H, rng, gain=1.0: L.orthogonal_reference(H, rng, gain ** 2), "all should be 2.5"),
    "global np.random": (lambda H, rng, gain=1.0: L.orthogonal_reference(H, np.random.default_rng(), gain),
                         "generator rng passed in"),
    "fixed seed": (lambda H, rng, gain=1.0: L.orthogonal_reference(H, np.random.default_rng(0), gain),
                   "different seeds gave the same matrix"),
    "scaled by 2": (lambda H, rng, gain=1.0: 2 * L.orthogonal_reference(H, rng, gain), "orthogonal up to a factor"),
    "float32": (lambda H, rng, gain=1.0: L.orthogonal_reference(H, rng, gain).astype(np.float32), "dtype"),
    "a vector": (lambda H, rng, gain=1.0: rng.standard_normal(H), "(H, H)"),
}


@pytest.mark.parametrize("wrong, phrase", planted(ORTH_MISTAKES))
def test_orthogonal_check_names_the_mistake(wrong, phrase):
    assert_hint_names("4.3", wrong, phrase)


def test_orthogonal_reference_is_orthogonal_and_uniformly_signed():
    rng = np.random.default_rng(0)
    Q = L.orthogonal_reference(8, rng, gain=1.5)
    assert np.allclose(Q.T @ Q, 2.25 * np.eye(8))
    firsts = [L.orthogonal_reference(3, rng)[0, 0] for _ in range(2000)]
    assert abs(np.mean(firsts)) < 0.05
