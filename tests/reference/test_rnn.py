"""The vanilla-RNN reference: numerical gradients, Keras with copied weights, dtypes, shape errors."""
import numpy as np
import pytest

from rnnlab import reference as ref
from rnnlab.reference.gradcheck import numerical_gradient_of, relative_error


def params(N=3, T=5, D=4, H=6, seed=0, dtype=np.float64):
    r = np.random.default_rng(seed)
    return dict(x=r.standard_normal((N, T, D)).astype(dtype), h0=r.standard_normal((N, H)).astype(dtype),
                Wx=(0.5 * r.standard_normal((D, H))).astype(dtype), Wh=(0.5 * r.standard_normal((H, H))).astype(dtype),
                b=r.standard_normal(H).astype(dtype))


def test_step_forward_is_the_equation():
    p = params()
    x, h = p["x"][:, 0], p["h0"]
    h_next, cache = ref.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
    assert np.allclose(h_next, np.tanh(x @ p["Wx"] + h @ p["Wh"] + p["b"]))
    assert cache.h_next is h_next


def test_sequence_forward_equals_repeated_steps():
    p = params()
    h, _ = ref.rnn_forward(**p)
    h_t = p["h0"]
    for t in range(p["x"].shape[1]):
        h_t, _ = ref.rnn_step_forward(p["x"][:, t], h_t, p["Wx"], p["Wh"], p["b"])
        assert np.allclose(h[:, t], h_t, atol=1e-12)


def test_step_backward_matches_numerical_gradients():
    p = params(seed=1)
    x, h, Wx, Wh, b = p["x"][:, 0].copy(), p["h0"].copy(), p["Wx"], p["Wh"], p["b"]
    dh = np.random.default_rng(2).standard_normal(h.shape)
    _, cache = ref.rnn_step_forward(x, h, Wx, Wh, b)
    grads = dict(zip(["x", "h_prev", "Wx", "Wh", "b"], ref.rnn_step_backward(dh, cache)))
    f = lambda: ref.rnn_step_forward(x, h, Wx, Wh, b)[0]
    for name, arr in dict(x=x, h_prev=h, Wx=Wx, Wh=Wh, b=b).items():
        err = relative_error(grads[name], numerical_gradient_of(f, arr, dh))
        assert err < 1e-7, (name, err)


def test_sequence_backward_matches_numerical_gradients():
    p = params(seed=3)
    dh = np.random.default_rng(4).standard_normal((3, 5, 6))
    _, cache = ref.rnn_forward(**p)
    grads = dict(zip(["x", "h0", "Wx", "Wh", "b"], ref.rnn_backward(dh, cache)))
    f = lambda: ref.rnn_forward(**p)[0]
    for name in ["x", "h0", "Wx", "Wh", "b"]:
        err = relative_error(grads[name], numerical_gradient_of(f, p[name], dh))
        assert err < 1e-7, (name, err)


def test_dtype_follows_inputs_and_arguments_are_not_modified():
    for dtype in (np.float32, np.float64):
        p = params(dtype=dtype)
        before = {k: v.copy() for k, v in p.items()}
        h, cache = ref.rnn_forward(**p)
        grads = ref.rnn_backward(np.ones_like(h), cache)
        assert h.dtype == dtype and all(g.dtype == dtype for g in grads)
        h1, c1 = ref.rnn_step_forward(p["x"][:, 0], p["h0"], p["Wx"], p["Wh"], p["b"])
        assert h1.dtype == dtype
        assert all(g.dtype == dtype for g in ref.rnn_step_backward(np.ones_like(h1), c1))
        for k in p:
            assert np.array_equal(p[k], before[k])


@pytest.mark.parametrize("name, bad, message", [
    ("h0", np.zeros((6, 3)), r"h0 should have shape \(N, H\) with N = 3 from x, got \(6, 3\)"),
    ("Wx", np.zeros((6, 4)), r"Wx should have shape \(D, H\) = \(4, 6\), got \(6, 4\) \(the axes look swapped"),
    ("Wh", np.zeros((6, 5)), r"Wh should have shape \(H, H\) = \(6, 6\), got \(6, 5\)"),
    ("Wx", np.zeros((5, 6)), r"Wx should have shape \(D, H\) = \(4, 6\), got \(5, 6\)"),
    ("b", np.zeros((1, 6)), r"b should have shape \(H,\) = \(6,\), got \(1, 6\)"),
    ("x", np.zeros((3, 4)), r"x should be 3-D with shape \(N, T, D\), got 2-D"),
])
def test_shape_errors_name_expected_and_actual(name, bad, message):
    p = params()
    p[name] = bad
    with pytest.raises(ValueError, match=message):
        ref.rnn_forward(**p)


def test_time_major_input_is_named():
    p = params(N=3, T=5)
    p["x"] = np.swapaxes(p["x"], 0, 1)
    with pytest.raises(ValueError, match=r"time-major.*\(N, T, D\)"):
        ref.rnn_forward(**p)


def test_wrong_upstream_gradient_shape_is_a_clear_error():
    p = params()
    h, cache = ref.rnn_forward(**p)
    with pytest.raises(ValueError, match=r"dh should have shape \(N, T, H\) = \(3, 5, 6\), got \(3, 6, 5\)"):
        ref.rnn_backward(np.zeros((3, 6, 5)), cache)
    _, c1 = ref.rnn_step_forward(p["x"][:, 0], p["h0"], p["Wx"], p["Wh"], p["b"])
    with pytest.raises(ValueError, match=r"dh_next should have shape \(N, H\) = \(3, 6\)"):
        ref.rnn_step_backward(np.zeros((6,)), c1)


def test_simple_rnn_matches_keras_with_copied_weights(keras):
    import tensorflow as tf
    from rnnlab.models import keras_interop
    p = params(N=4, T=7, D=3, H=5, seed=7, dtype=np.float32)
    layer = keras_interop.simple_rnn_like(p["Wx"], p["Wh"], p["b"])
    out = keras_interop.run_layer(layer, p["x"], p["h0"])
    h, cache = ref.rnn_forward(**p)
    assert np.max(np.abs(out - h)) < 1e-5

    dh = np.random.default_rng(8).standard_normal(h.shape).astype(np.float32)
    x, h0 = tf.constant(p["x"]), tf.constant(p["h0"])
    with tf.GradientTape() as tape:
        tape.watch([x, h0])
        y = layer(x, initial_state=[h0])
        loss = tf.reduce_sum(y * dh)
    kgrads = tape.gradient(loss, [x, h0] + layer.trainable_weights)
    ours = ref.rnn_backward(dh, cache)
    for name, k, o in zip(["x", "h0", "Wx", "Wh", "b"], kgrads, ours):
        assert np.max(np.abs(k.numpy() - o)) < 1e-4 * (1 + np.abs(o).max()), name
