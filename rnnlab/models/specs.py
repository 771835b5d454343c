"""Keras models the lessons build to a specification, and a plain description of any model.

`layer_specs(model)` lists what matters about each layer (kind, units, return_sequences,
activation, for Bidirectional the wrapped layer and merge mode), so checks can compare a
learner's model with the specification and name what differs. Keras is imported inside the
functions: importing this module stays light.
"""
from __future__ import annotations


def _keras():
    from ..session import import_keras
    return import_keras(seed=None)


def build_classifier(T: int, D: int):
    """Exercise 7.2: a stacked sequence classifier.

    keras.Input((T, D)) -> LSTM(32, return_sequences=True) -> GRU(16) -> Dense(1, sigmoid),
    compiled with Adam(learning_rate=1e-3), binary cross-entropy and accuracy.
    """
    keras = _keras()
    model = keras.Sequential([
        keras.Input((T, D)),
        keras.layers.LSTM(32, return_sequences=True),
        keras.layers.GRU(16),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model



def build_tagger(T: int, V: int):
    """Exercise 8.1: a stacked bidirectional tagger, one answer out of V per time step.

    keras.Input((T, V)) -> Bidirectional(GRU(32, return_sequences=True))
    -> Bidirectional(GRU(16, return_sequences=True)) -> Dense(V, softmax): outputs (N, T, V);
    compiled with Adam(learning_rate=1e-2), sparse categorical cross-entropy and accuracy.
    """
    keras = _keras()
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((T, V)),
        layers.Bidirectional(layers.GRU(32, return_sequences=True)),
        layers.Bidirectional(layers.GRU(16, return_sequences=True)),
        layers.Dense(V, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model

def layer_specs(model) -> list[dict]:
    """One dict per layer (the Input is not a layer here): what a specification would state."""
    specs = []
    for layer in model.layers:
        specs.append(_spec(layer))
    return specs


def _spec(layer) -> dict:
    kind = type(layer).__name__
    spec = {"kind": kind, "name": layer.name}
    if kind == "Bidirectional":
        inner = _spec(layer.forward_layer)
        spec.update(kind=f"Bidirectional({inner['kind']})", units=inner.get("units"),
                    return_sequences=inner.get("return_sequences"), merge_mode=layer.merge_mode)
        return spec
    if hasattr(layer, "units"):
        spec["units"] = layer.units
    if hasattr(layer, "return_sequences"):
        spec["return_sequences"] = bool(layer.return_sequences)
    if kind == "Dense":
        spec["activation"] = getattr(layer.activation, "__name__", str(layer.activation))
    return spec


def describe(model) -> str:
    """A short deterministic summary: one line per layer with its output shape and parameters."""
    lines = [f"input {tuple(model.input_shape)}"]
    for layer, spec in zip(model.layers, layer_specs(model)):
        extra = ", ".join(f"{k}={v}" for k, v in spec.items() if k not in ("kind", "name"))
        lines.append(f"{spec['kind']:<20} {extra:<42} -> {str(tuple(layer.output.shape)):<14} "
                     f"{layer.count_params():>6} parameters")
    lines.append(f"total {model.count_params()} parameters")
    return "\n".join(lines)


def dataset(x, y, batch_size: int = 32, shuffle: bool = False, seed: int = 0):
    """A cached tf.data pipeline for `model.fit`: the same batches as fit(x, y, batch_size=...).

    `fit` on numpy arrays re-wraps them at every epoch (tens of milliseconds); with many short
    epochs that overhead dominates. With shuffle=True the order changes every epoch, seeded.
    """
    _keras()
    import tensorflow as tf
    ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def epoch_timer():
    """A Keras callback that records the seconds since the start of training at the end of each epoch.

    After `fit(..., callbacks=[timer])`, `timer.seconds[i]` is the time at the end of epoch i + 1.
    """
    keras = _keras()

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            import time
            self._start, self.seconds = time.perf_counter(), []

        def on_epoch_end(self, epoch, logs=None):
            import time
            self.seconds.append(time.perf_counter() - self._start)

    return EpochTimer()
