"""The LSTM and GRU references: the equations, numerical gradients, Keras with copied weights,
dtypes, and shape errors."""
import numpy as np
import pytest

from rnnlab import reference as ref
from rnnlab.reference.gradcheck import numerical_gradient_of

LAYOUTS = ["reset_after", "reset_before"]


def sig(a):
    return 1 / (1 + np.exp(-a))


def lstm_params(N=3, T=5, D=4, H=6, seed=0, dtype=np.float64):
    r = np.random.default_rng(seed)
    return dict(x=r.standard_normal((N, T, D)).astype(dtype), h0=r.standard_normal((N, H)).astype(dtype),
                Wx=(0.5 * r.standard_normal((D, 4 * H))).astype(dtype),
                Wh=(0.5 * r.standard_normal((H, 4 * H))).astype(dtype),
                b=r.standard_normal(4 * H).astype(dtype), c0=r.standard_normal((N, H)).astype(dtype))


def gru_params(layout="reset_after", N=3, T=5, D=4, H=6, seed=0, dtype=np.float64):
    r = np.random.default_rng(seed)
    b_shape = (2, 3 * H) if layout == "reset_after" else (3 * H,)
    return dict(x=r.standard_normal((N, T, D)).astype(dtype), h0=r.standard_normal((N, H)).astype(dtype),
                Wx=(0.5 * r.standard_normal((D, 3 * H))).astype(dtype),
                Wh=(0.5 * r.standard_normal((H, 3 * H))).astype(dtype),
                b=r.standard_normal(b_shape).astype(dtype))


def lstm_step_args(p):
    return p["x"][:, 0].copy(), p["h0"].copy(), p["c0"].copy(), p["Wx"], p["Wh"], p["b"]


# --------------------------------------------------------------------------------------
# The equations
# --------------------------------------------------------------------------------------

def test_lstm_step_is_the_equation_with_gate_order_i_f_c_o():
    x, h, c, Wx, Wh, b = lstm_step_args(lstm_params())
    H = h.shape[1]
    a = x @ Wx + h @ Wh + b
    i, f, g, o = sig(a[:, :H]), sig(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sig(a[:, 3 * H:])
    h_next, c_next, cache = ref.lstm_step_forward(x, h, c, Wx, Wh, b)
    assert np.allclose(c_next, f * c + i * g, atol=1e-12)
    assert np.allclose(h_next, o * np.tanh(f * c + i * g), atol=1e-12)
    for name, gate in dict(i=i, f=f, c_tilde=g, o=o).items():
        assert np.allclose(getattr(cache, name), gate, atol=1e-12), name


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gru_step_is_the_equation_with_blocks_z_r_h(layout):
    p = gru_params(layout)
    x, h, Wx, Wh, b = p["x"][:, 0], p["h0"], p["Wx"], p["Wh"], p["b"]
    H = h.shape[1]
    b_in = b[0] if layout == "reset_after" else b
    ax = x @ Wx + b_in
    if layout == "reset_after":
        ah = h @ Wh + b[1]
        z, r = sig(ax[:, :H] + ah[:, :H]), sig(ax[:, H:2 * H] + ah[:, H:2 * H])
        hh = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    else:
        z, r = sig(ax[:, :H] + h @ Wh[:, :H]), sig(ax[:, H:2 * H] + h @ Wh[:, H:2 * H])
        hh = np.tanh(ax[:, 2 * H:] + (r * h) @ Wh[:, 2 * H:])
    h_next, cache = ref.gru_step_forward(x, h, Wx, Wh, b)
    assert np.allclose(h_next, z * h + (1 - z) * hh, atol=1e-12)
    assert cache.reset_after == (layout == "reset_after")
    assert np.allclose(cache.z, z) and np.allclose(cache.r, r) and np.allclose(cache.h_tilde, hh)


def test_lstm_sequence_equals_repeated_steps_and_c0_defaults_to_zeros():
    p = lstm_params()
    h, cache = ref.lstm_forward(**p)
    h_t, c_t = p["h0"], p["c0"]
    for t in range(p["x"].shape[1]):
        h_t, c_t, _ = ref.lstm_step_forward(p["x"][:, t], h_t, c_t, p["Wx"], p["Wh"], p["b"])
        assert np.allclose(h[:, t], h_t, atol=1e-12) and np.allclose(cache.c[:, t], c_t, atol=1e-12)
    p.pop("c0")
    h_default, _ = ref.lstm_forward(**p)
    h_zeros, _ = ref.lstm_forward(**p, c0=np.zeros_like(p["h0"]))
    assert np.array_equal(h_default, h_zeros)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gru_sequence_equals_repeated_steps(layout):
    p = gru_params(layout)
    h, _ = ref.gru_forward(**p)
    h_t = p["h0"]
    for t in range(p["x"].shape[1]):
        h_t, _ = ref.gru_step_forward(p["x"][:, t], h_t, p["Wx"], p["Wh"], p["b"])
        assert np.allclose(h[:, t], h_t, atol=1e-12)


# --------------------------------------------------------------------------------------
# Numerical gradients (float64)
# --------------------------------------------------------------------------------------

def relative_error(a, b):
    """|a - b| / (|a| + |b|) with Euclidean norms (round-off in tiny entries does not dominate)."""
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def assert_gradients(f, arrays: dict, grads: dict, upstream):
    for name, arr in arrays.items():
        err = relative_error(grads[name], numerical_gradient_of(f, arr, upstream))
        assert err < 1e-7, (name, err)


def test_lstm_step_backward_matches_numerical_gradients():
    x, h, c, Wx, Wh, b = lstm_step_args(lstm_params(seed=1))
    r = np.random.default_rng(2)
    dh, dc = r.standard_normal(h.shape), r.standard_normal(h.shape)
    _, _, cache = ref.lstm_step_forward(x, h, c, Wx, Wh, b)
    grads = dict(zip(["x", "h_prev", "c_prev", "Wx", "Wh", "b"], ref.lstm_step_backward(dh, dc, cache)))
    f = lambda: np.concatenate(ref.lstm_step_forward(x, h, c, Wx, Wh, b)[:2])
    assert_gradients(f, dict(x=x, h_prev=h, c_prev=c, Wx=Wx, Wh=Wh, b=b), grads, np.concatenate([dh, dc]))


def test_lstm_backward_matches_numerical_gradients():
    p = lstm_params(seed=3)
    dh = np.random.default_rng(4).standard_normal((3, 5, 6))
    _, cache = ref.lstm_forward(**p)
    grads = dict(zip(["x", "h0", "Wx", "Wh", "b"], ref.lstm_backward(dh, cache)))
    f = lambda: ref.lstm_forward(**p)[0]
    assert_gradients(f, {k: p[k] for k in grads}, grads, dh)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gru_step_backward_matches_numerical_gradients(layout):
    p = gru_params(layout, seed=5)
    x, h, Wx, Wh, b = p["x"][:, 0].copy(), p["h0"], p["Wx"], p["Wh"], p["b"]
    dh = np.random.default_rng(6).standard_normal(h.shape)
    _, cache = ref.gru_step_forward(x, h, Wx, Wh, b)
    grads = dict(zip(["x", "h_prev", "Wx", "Wh", "b"], ref.gru_step_backward(dh, cache)))
    assert grads["b"].shape == b.shape
    f = lambda: ref.gru_step_forward(x, h, Wx, Wh, b)[0]
    assert_gradients(f, dict(x=x, h_prev=h, Wx=Wx, Wh=Wh, b=b), grads, dh)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gru_backward_matches_numerical_gradients(layout):
    p = gru_params(layout, seed=7)
    dh = np.random.default_rng(8).standard_normal((3, 5, 6))
    _, cache = ref.gru_forward(**p)
    grads = dict(zip(["x", "h0", "Wx", "Wh", "b"], ref.gru_backward(dh, cache)))
    f = lambda: ref.gru_forward(**p)[0]
    assert_gradients(f, {k: p[k] for k in grads}, grads, dh)


def test_step_backward_chain_equals_sequence_backward():
    """Backpropagating step by step with the step functions gives the sequence gradients."""
    p = lstm_params(seed=9)
    dh = np.random.default_rng(10).standard_normal((3, 5, 6))
    _, seq_cache = ref.lstm_forward(**p)
    dx_seq, dh0_seq, dWx_seq, _, _ = ref.lstm_backward(dh, seq_cache)
    caches, h_t, c_t = [], p["h0"], p["c0"]
    for t in range(5):
        h_t, c_t, cache = ref.lstm_step_forward(p["x"][:, t], h_t, c_t, p["Wx"], p["Wh"], p["b"])
        caches.append(cache)
    dh_t, dc_t, dWx = np.zeros_like(h_t), np.zeros_like(c_t), 0
    for t in reversed(range(5)):
        dx_t, dh_t, dc_t, dWx_t, _, _ = ref.lstm_step_backward(dh[:, t] + dh_t, dc_t, caches[t])
        assert np.allclose(dx_t, dx_seq[:, t], atol=1e-12)
        dWx = dWx + dWx_t
    assert np.allclose(dh_t, dh0_seq, atol=1e-12) and np.allclose(dWx, dWx_seq, atol=1e-12)


# --------------------------------------------------------------------------------------
# dtypes, arguments untouched
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_dtype_follows_inputs_and_arguments_are_not_modified(dtype):
    p = lstm_params(dtype=dtype)
    before = {k: v.copy() for k, v in p.items()}
    h, cache = ref.lstm_forward(**p)
    grads = ref.lstm_backward(np.ones_like(h), cache)
    assert h.dtype == dtype and all(g.dtype == dtype for g in grads)
    h1, c1, sc = ref.lstm_step_forward(*lstm_step_args(p))
    assert h1.dtype == dtype and c1.dtype == dtype
    assert all(g.dtype == dtype for g in ref.lstm_step_backward(np.ones_like(h1), np.ones_like(c1), sc))
    for k in p:
        assert np.array_equal(p[k], before[k]), k


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_gru_dtype_follows_inputs_and_arguments_are_not_modified(dtype, layout):
    p = gru_params(layout, dtype=dtype)
    before = {k: v.copy() for k, v in p.items()}
    h, cache = ref.gru_forward(**p)
    grads = ref.gru_backward(np.ones_like(h), cache)
    assert h.dtype == dtype and all(g.dtype == dtype for g in grads)
    h1, sc = ref.gru_step_forward(p["x"][:, 0], p["h0"], p["Wx"], p["Wh"], p["b"])
    assert h1.dtype == dtype
    assert all(g.dtype == dtype for g in ref.gru_step_backward(np.ones_like(h1), sc))
    for k in p:
        assert np.array_equal(p[k], before[k]), k


def test_caches_have_named_fields():
    _, cache = ref.lstm_forward(**lstm_params())
    assert cache.f.shape == (3, 5, 6) and cache.c.shape == (3, 5, 6)
    _, cache = ref.gru_forward(**gru_params())
    assert cache.z.shape == (3, 5, 6) and cache.reset_after


# --------------------------------------------------------------------------------------
# Shape errors
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, bad, message", [
    ("h0", np.zeros((6, 3)), r"h0 should have shape \(N, H\) = \(3, 6\), got \(6, 3\)"),
    ("c0", np.zeros((3, 5)), r"c0 should have shape \(N, H\) = \(3, 6\), got \(3, 5\)"),
    ("Wh", np.zeros((6, 6)), r"Wh should have shape \(H, 4H\) = \(6, 24\), got \(6, 6\)"),
    ("Wx", np.zeros((4, 10)), r"Wx should have shape \(D, 4H\).*\[i, f, c, o\].*got \(4, 10\)"),
    ("Wx", np.zeros((5, 24)), r"Wx should have shape \(D, 4H\) = \(4, 24\), got \(5, 24\)"),
    ("b", np.zeros(6), r"b should have shape \(4H,\) = \(24,\), got \(6,\)"),
    ("x", np.zeros((3, 4)), r"x should be 3-D with shape \(N, T, D\), got 2-D"),
])
def test_lstm_shape_errors_name_expected_and_actual(name, bad, message):
    p = lstm_params()
    p[name] = bad
    with pytest.raises(ValueError, match=message):
        ref.lstm_forward(**p)


@pytest.mark.parametrize("name, bad, message", [
    ("h0", np.zeros((6, 3)), r"h0 should have shape \(N, H\) = \(3, 6\), got \(6, 3\)"),
    ("Wh", np.zeros((6, 24)), r"Wh should have shape \(H, 3H\) = \(6, 18\), got \(6, 24\)"),
    ("Wx", np.zeros((4, 19)), r"Wx should have shape \(D, 3H\).*\[z, r, h\].*got \(4, 19\)"),
    ("b", np.zeros((3, 18)), r"b should have shape \(2, 3H\) = \(2, 18\) \(reset_after=True.*or \(3H,\) = \(18,\).*got \(3, 18\)"),
    ("b", np.zeros(6), r"got \(6,\)"),
])
def test_gru_shape_errors_name_expected_and_actual(name, bad, message):
    p = gru_params()
    p[name] = bad
    with pytest.raises(ValueError, match=message):
        ref.gru_forward(**p)


def test_step_shape_errors():
    x, h, c, Wx, Wh, b = lstm_step_args(lstm_params())
    with pytest.raises(ValueError, match=r"lstm_step_forward: c_prev should have shape \(N, H\) = \(3, 6\), got \(6, 3\)"):
        ref.lstm_step_forward(x, h, c.T, Wx, Wh, b)
    p = gru_params("reset_before")
    with pytest.raises(ValueError, match=r"gru_step_forward: h_prev should have shape \(N, H\) = \(3, 6\), got \(3, 5\)"):
        ref.gru_step_forward(p["x"][:, 0], p["h0"][:, :5], p["Wx"], p["Wh"], p["b"])


def test_wrong_upstream_gradient_shapes_are_clear_errors():
    p = lstm_params()
    h, cache = ref.lstm_forward(**p)
    with pytest.raises(ValueError, match=r"lstm_backward: dh should have shape \(N, T, H\) = \(3, 5, 6\), got \(3, 6, 5\)"):
        ref.lstm_backward(np.zeros((3, 6, 5)), cache)
    h1, c1, sc = ref.lstm_step_forward(*lstm_step_args(p))
    with pytest.raises(ValueError, match=r"dh_next should have shape \(N, H\) = \(3, 6\), got \(6,\)"):
        ref.lstm_step_backward(np.zeros(6), np.zeros_like(c1), sc)
    with pytest.raises(ValueError, match=r"dc_next should have shape \(N, H\) = \(3, 6\), got \(3, 5, 6\)"):
        ref.lstm_step_backward(np.zeros_like(h1), np.zeros((3, 5, 6)), sc)
    p = gru_params()
    h, cache = ref.gru_forward(**p)
    with pytest.raises(ValueError, match=r"gru_backward: dh should have shape \(N, T, H\) = \(3, 5, 6\), got \(3, 5\)"):
        ref.gru_backward(np.zeros((3, 5)), cache)
    _, sc = ref.gru_step_forward(p["x"][:, 0], p["h0"], p["Wx"], p["Wh"], p["b"])
    with pytest.raises(ValueError, match=r"gru_step_backward: dh_next should have shape \(N, H\) = \(3, 6\), got \(6, 3\)"):
        ref.gru_step_backward(np.zeros((6, 3)), sc)


# --------------------------------------------------------------------------------------
# Keras with copied weights (float32): outputs to 1e-5, gradients equal GradientTape's
# --------------------------------------------------------------------------------------

def keras_gradients(layer, x, initial_state, dh):
    import tensorflow as tf
    x = tf.constant(x)
    states = [tf.constant(s) for s in initial_state]
    with tf.GradientTape() as tape:
        tape.watch([x] + states)
        y = layer(x, initial_state=states)
        loss = tf.reduce_sum(y * dh)
    grads = tape.gradient(loss, [x, states[0]] + layer.trainable_weights)
    return np.asarray(y), [g.numpy() for g in grads]


def assert_gradients_equal(kgrads, ours):
    for name, k, o in zip(["x", "h0", "Wx", "Wh", "b"], kgrads, ours):
        assert k.shape == o.shape, name
        assert np.max(np.abs(k - o)) < 1e-4 * (1 + np.abs(o).max()), name


def test_lstm_matches_keras_with_copied_weights(keras):
    from rnnlab.models import keras_interop
    p = lstm_params(N=4, T=7, D=3, H=5, seed=11, dtype=np.float32)
    layer = keras_interop.lstm_like(p["Wx"], p["Wh"], p["b"])
    assert [w.shape for w in layer.get_weights()] == [(3, 20), (5, 20), (20,)]
    h, cache = ref.lstm_forward(**p)
    out = keras_interop.run_lstm_layer(layer, p["x"], p["h0"], p["c0"])
    assert np.max(np.abs(out - h)) < 1e-5
    h_zero, _ = ref.lstm_forward(p["x"], np.zeros_like(p["h0"]), p["Wx"], p["Wh"], p["b"])
    assert np.max(np.abs(keras_interop.run_lstm_layer(layer, p["x"]) - h_zero)) < 1e-5

    dh = np.random.default_rng(12).standard_normal(h.shape).astype(np.float32)
    y, kgrads = keras_gradients(layer, p["x"], [p["h0"], p["c0"]], dh)
    assert np.max(np.abs(y - h)) < 1e-5
    assert_gradients_equal(kgrads, ref.lstm_backward(dh, cache))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gru_matches_keras_with_copied_weights(keras, layout):
    from rnnlab.models import keras_interop
    p = gru_params(layout, N=4, T=7, D=3, H=5, seed=13, dtype=np.float32)
    layer = keras_interop.gru_like(p["Wx"], p["Wh"], p["b"])
    assert layer.reset_after == (layout == "reset_after")
    h, cache = ref.gru_forward(**p)
    out = keras_interop.run_layer(layer, p["x"], p["h0"])
    assert np.max(np.abs(out - h)) < 1e-5

    dh = np.random.default_rng(14).standard_normal(h.shape).astype(np.float32)
    y, kgrads = keras_gradients(layer, p["x"], [p["h0"]], dh)
    assert np.max(np.abs(y - h)) < 1e-5
    assert_gradients_equal(kgrads, ref.gru_backward(dh, cache))


def test_weights_copy_both_ways(keras):
    from rnnlab.models import keras_interop
    layer = keras.layers.GRU(4)
    layer.build((None, None, 3))
    Wx, Wh, b = keras_interop.get_cell_weights(layer)
    assert Wx.shape == (3, 12) and Wh.shape == (4, 12) and b.shape == (2, 12)
    copy = keras_interop.gru_like(Wx, Wh, b)
    assert all(np.array_equal(a, c) for a, c in zip((Wx, Wh, b), keras_interop.get_cell_weights(copy)))
    with pytest.raises(ValueError, match=r"b should have shape \(2, 3H\)"):
        keras_interop.gru_like(Wx, Wh, b[0, :10])
    with pytest.raises(ValueError, match=r"expects weights with shapes"):
        keras_interop.set_cell_weights(keras_interop.lstm_like(np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)),
                                       np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(4))
