"""Move weights between the numpy reference cells and Keras layers.

Our numpy weights use Keras' own layout, so this is `set_weights` / `get_weights` with
shape checks and clear errors. Importing this module imports Keras (TensorFlow).
"""
from __future__ import annotations

import numpy as np

from ..session import import_keras


def _keras():
    return import_keras(seed=None)


def set_cell_weights(layer, Wx, Wh, b) -> None:
    """Copy (Wx, Wh, b) into a built Keras SimpleRNN / LSTM / GRU layer."""
    expected = [tuple(w.shape) for w in layer.get_weights()]
    given = [tuple(np.shape(a)) for a in (Wx, Wh, b)]
    if expected != given:
        raise ValueError(f"{type(layer).__name__} '{layer.name}' expects weights with shapes {expected} "
                         f"(kernel, recurrent_kernel, bias), got {given}")
    layer.set_weights([np.asarray(a) for a in (Wx, Wh, b)])


def get_cell_weights(layer):
    """(Wx, Wh, b) of a built Keras recurrent layer, as numpy arrays."""
    Wx, Wh, b = layer.get_weights()
    return Wx, Wh, b


def simple_rnn_like(Wx, Wh, b, T: int | None = None, return_sequences: bool = True):
    """A Keras SimpleRNN(tanh) built for inputs of width D = Wx.shape[0], holding these weights."""
    keras = _keras()
    D, H = np.shape(Wx)
    layer = keras.layers.SimpleRNN(H, activation="tanh", return_sequences=return_sequences)
    layer.build((None, T, D))
    set_cell_weights(layer, Wx, Wh, b)
    return layer


def run_layer(layer, x, h0=None):
    """Run a Keras recurrent layer on numpy x (N, T, D), optionally from initial state h0; numpy out."""
    kwargs = {} if h0 is None else {"initial_state": [np.asarray(h0)]}
    return np.asarray(layer(np.asarray(x), **kwargs))


def lstm_like(Wx, Wh, b, T: int | None = None, return_sequences: bool = True):
    """A Keras LSTM built for inputs of width D = Wx.shape[0], holding these weights.

    Wx (D, 4H), Wh (H, 4H), b (4H,) with gate blocks [i, f, c, o], as in `reference.lstm_forward`.
    """
    keras = _keras()
    D, H4 = np.shape(Wx)
    if H4 % 4:
        raise ValueError(f"lstm_like: Wx should have shape (D, 4H) (gate blocks [i, f, c, o]), got {np.shape(Wx)}")
    layer = keras.layers.LSTM(H4 // 4, return_sequences=return_sequences)
    layer.build((None, T, D))
    set_cell_weights(layer, Wx, Wh, b)
    return layer


def gru_like(Wx, Wh, b, T: int | None = None, return_sequences: bool = True):
    """A Keras GRU built for inputs of width D = Wx.shape[0], holding these weights.

    Wx (D, 3H), Wh (H, 3H) with blocks [z, r, h~], as in `reference.gru_forward`. The shape of b
    picks the layout: (2, 3H) gives reset_after=True (Keras' default), (3H,) reset_after=False.
    """
    keras = _keras()
    D, H3 = np.shape(Wx)
    if H3 % 3:
        raise ValueError(f"gru_like: Wx should have shape (D, 3H) (blocks [z, r, h]), got {np.shape(Wx)}")
    H = H3 // 3
    if np.shape(b) not in ((2, 3 * H), (3 * H,)):
        raise ValueError(f"gru_like: b should have shape (2, 3H) = (2, {3 * H}) (reset_after=True) or "
                         f"(3H,) = ({3 * H},) (reset_after=False), got {np.shape(b)}")
    layer = keras.layers.GRU(H, reset_after=len(np.shape(b)) == 2, return_sequences=return_sequences)
    layer.build((None, T, D))
    set_cell_weights(layer, Wx, Wh, b)
    return layer


def run_lstm_layer(layer, x, h0=None, c0=None):
    """Run a Keras LSTM on numpy x (N, T, D) from initial states h0 and c0 (zeros when None); numpy out."""
    if h0 is None and c0 is None:
        return np.asarray(layer(np.asarray(x)))
    N, H = np.shape(x)[0], layer.units
    h0 = np.zeros((N, H), dtype=np.asarray(x).dtype) if h0 is None else np.asarray(h0)
    c0 = np.zeros_like(h0) if c0 is None else np.asarray(c0)
    return np.asarray(layer(np.asarray(x), initial_state=[h0, c0]))
