"""Training practice (lesson 13): a fast trainer for many runs, early stopping, random search.

Importing this module imports numpy only; `Trainer` imports Keras when it is created.
"""
from __future__ import annotations

import math

import numpy as np


OPTIMIZERS = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam"}


class Trainer:
    """Train one Keras model per configuration on one data set, without re-tracing each time.

    Keras spends about a second tracing every new model before its first step, more than a short
    run itself takes. The trainer builds and compiles each distinct configuration once (the
    `build(**arch)` function you pass, an optimizer name, clipping), keeps all its initial
    variables, and before every run restores them, zeroes the optimizer's state and sets the
    learning rate. So every run starts exactly like a freshly built model whose initial weights
    come from `seed`: two runs of the same configuration give the same curves, and the trainer
    remembers them instead of training again.
    """

    def __init__(self, build, x_train, y_train, x_val, y_val, seed: int = 0,
                 loss: str = "binary_crossentropy", metrics=("accuracy",)):
        from ..session import import_keras
        self.keras = import_keras(seed=None)
        self.build, self.seed, self.loss, self.metrics = build, seed, loss, list(metrics)
        self.data = (x_train, y_train, x_val, y_val)
        self._pool = {}
        self._results = {}

    def model(self, optimizer: str = "adam", learning_rate: float = 1e-2, clipnorm=None, clipvalue=None, **arch):
        """A compiled model in its initial state, ready to fit."""
        key = (optimizer, clipnorm, clipvalue, tuple(sorted(arch.items())))
        if key not in self._pool:
            keras = self.keras
            keras.utils.set_random_seed(self.seed)
            model = self.build(**arch)
            cls = getattr(keras.optimizers, OPTIMIZERS[optimizer.lower()])
            model.compile(optimizer=cls(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue),
                          loss=self.loss, metrics=self.metrics)
            self._pool[key] = (model, [v.numpy() for v in model.variables])
        model, initial = self._pool[key]
        for v, value in zip(model.variables, initial):
            v.assign(value)
        opt = model.optimizer
        for v in opt.variables:
            if v is not opt._learning_rate:
                v.assign(np.zeros(v.shape, dtype=v.dtype))
        opt.learning_rate = learning_rate
        return model

    def datasets(self, batch_size: int = 64, passes: int = 1, data=None):
        """(training, validation) tf.data pipelines; the training order is shuffled with `seed`."""
        import tensorflow as tf
        x, y, xv, yv = self.data if data is None else data
        train = tf.data.Dataset.from_tensor_slices((x, y)).cache().repeat(passes)
        train = train.shuffle(len(x) * passes, seed=self.seed).batch(batch_size)
        val = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(len(xv)).cache()
        return train, val

    def run(self, epochs: int = 15, batch_size: int = 64, passes: int = 1, data=None, callbacks=None,
            **config) -> dict:
        """Train a fresh copy of the configuration; returns the Keras history as a dict of lists.

        config: optimizer ("sgd", "rmsprop", "adam"), learning_rate, clipnorm, clipvalue, and the
        keyword arguments of `build`. `passes` > 1 makes each epoch several passes over the data
        (fewer, larger epochs on a tiny data set). `data` = (x_train, y_train, x_val, y_val)
        replaces the data for this run.
        """
        key = (epochs, batch_size, passes, tuple(sorted(config.items())))
        if data is None and not callbacks and key in self._results:
            return {k: list(v) for k, v in self._results[key].items()}   # same configuration: same curves
        model = self.model(**config)
        train, val = self.datasets(batch_size, passes, data)
        history = model.fit(train, validation_data=val, epochs=epochs, verbose=0, callbacks=callbacks or [])
        result = {k: [float(v) for v in vals] for k, vals in history.history.items()}
        if data is None and not callbacks:
            self._results[key] = {k: list(v) for k, v in result.items()}
        return result


def fit_with_early_stopping(model, max_epochs: int, patience: int):
    """Train until the validation loss has not improved for `patience` epochs; restore the best.

    model: anything with train_epoch(), val_loss() -> float, get_weights(), set_weights(w).
    Epochs count from 1. An epoch improves when its validation loss is strictly below the best
    so far. After `patience` epochs in a row without improvement, stop. Before returning, the
    weights of the best epoch are put back. Returns (best_epoch, val_losses), val_losses a list
    with one value per epoch that ran.
    """
    best, best_epoch, best_weights = math.inf, 0, None
    val_losses = []
    for epoch in range(1, max_epochs + 1):
        model.train_epoch()
        loss = float(model.val_loss())
        val_losses.append(loss)
        if loss < best:
            best, best_epoch, best_weights = loss, epoch, model.get_weights()
        elif epoch - best_epoch >= patience:
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    return best_epoch, val_losses


LOG10_LR = (-4.0, -1.0)
BATCH_SIZES = (64, 128, 256, 512)


def random_search(evaluate, n_trials: int, seed: int):
    """Random search over the learning rate (log-uniform in [1e-4, 1e-1]) and the batch size.

    For each trial draw lr = 10 ** u with u uniform in [-4, -1], and batch_size from
    (64, 128, 256, 512), using np.random.default_rng(seed); score = evaluate(lr, batch_size).
    Returns a list of dicts {"lr": float, "batch_size": int, "score": float}, one per trial,
    in the order they ran.
    """
    rng = np.random.default_rng(seed)
    trials = []
    for _ in range(n_trials):
        lr = float(10 ** rng.uniform(*LOG10_LR))
        batch_size = int(rng.choice(BATCH_SIZES))
        trials.append({"lr": lr, "batch_size": batch_size, "score": float(evaluate(lr, batch_size))})
    return trials


def results_table(trials, key: str = "score") -> str:
    """Trials as a text table, best score first."""
    rows = sorted(trials, key=lambda t: -t[key])
    lines = [f"{'lr':>9} {'batch_size':>10} {key:>7}"]
    lines += [f"{t['lr']:9.2g} {t['batch_size']:10d} {t[key]:7.3f}" for t in rows]
    return "\n".join(lines)


class EpochModel:
    """The interface of fit_with_early_stopping around a Keras model and its data."""

    def __init__(self, model, train, val):
        self.model, self.train, self.val = model, train, val

    def train_epoch(self):
        self.model.fit(self.train, epochs=1, verbose=0)

    def val_loss(self) -> float:
        return float(self.model.evaluate(self.val, verbose=0, return_dict=True)["loss"])

    def get_weights(self):
        return self.model.get_weights()

    def set_weights(self, weights):
        self.model.set_weights(weights)
