"""Move weights between the numpy reference cells and Keras layers.

Our numpy weights use Keras' own layout, so this is `set_weights` / `get_weights` with
shape checks and clear errors. Importing this module imports Keras (TensorFlow).
"""
from __future__ import annotations

import numpy as np

from .session import import_keras


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
