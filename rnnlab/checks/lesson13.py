"""Checks of lesson 13 (training practice): fit_with_early_stopping, random_search."""
import math

import numpy as np

from ..models import training
from . import register
from .probes import Mistake, unpack


class ScriptedModel:
    """A stand-in model whose validation losses follow a script; its weights are [epoch]."""

    def __init__(self, losses):
        self.losses = list(losses)
        self.epoch = 0
        self.w = np.zeros(1)
        self.set_calls = 0

    def train_epoch(self):
        if self.epoch >= len(self.losses):
            raise Mistake(f"train_epoch was called {self.epoch + 1} times, more than max_epochs = "
                          f"{len(self.losses)}: loop over range(1, max_epochs + 1).")
        self.epoch += 1
        self.w = np.array([float(self.epoch)])

    def val_loss(self):
        if self.epoch == 0:
            raise Mistake("val_loss was called before the first train_epoch: train an epoch, then measure it.")
        return self.losses[self.epoch - 1]

    def get_weights(self):
        return [self.w.copy()]

    def set_weights(self, weights):
        self.set_calls += 1
        self.w = np.array(weights[0], dtype=float).reshape(1).copy()


def _expected(losses, patience):
    model = ScriptedModel(losses)
    best_epoch, val_losses = training.fit_with_early_stopping(model, len(losses), patience)
    return best_epoch, len(val_losses)


def _run(fn, losses, patience):
    model = ScriptedModel(losses)
    out = fn(model, len(losses), patience)
    best_epoch, val_losses = unpack(out, "fit_with_early_stopping", ("best_epoch", "val_losses"))
    if not isinstance(val_losses, (list, tuple, np.ndarray)):
        raise Mistake(f"val_losses should be a list with one loss per epoch, got {type(val_losses).__name__}.")
    try:
        best_epoch = int(best_epoch)
    except (TypeError, ValueError):
        raise Mistake(f"best_epoch should be an epoch number, got {best_epoch!r}.") from None
    return model, best_epoch, [float(v) for v in val_losses]


# best at epoch 5; epochs 2 and 4 are worse but followed by improvements (the count must restart);
# epochs 6-8 do not improve, so patience 3 stops after epoch 8; epoch 10 would improve again.
PROBE = [0.9, 0.95, 0.7, 0.75, 0.5, 0.55, 0.52, 0.58, 0.6, 0.45, 0.3, 0.2]


@register("13.2", "fit_with_early_stopping", "Early stopping that restores the best weights",
          training.fit_with_early_stopping)
def check_fit_with_early_stopping(fit_with_early_stopping):
    patience = 3
    model, best_epoch, val_losses = _run(fit_with_early_stopping, PROBE, patience)
    want_best, want_len = _expected(PROBE, patience)            # 5, 8
    ran = model.epoch
    if len(val_losses) != ran:
        raise Mistake(f"val_losses has {len(val_losses)} entries but {ran} epochs ran: append the validation "
                      "loss after every epoch.")
    if ran == want_len + 1:
        raise Mistake(f"training ran {ran} epochs, one too many: with the best at epoch {want_best} and patience "
                      f"{patience}, stop after epoch {want_best + patience} (stop when epoch - best_epoch >= patience).")
    if ran == want_len - 1:
        raise Mistake(f"training stopped after {ran} epochs, one too early: with the best at epoch {want_best} and "
                      f"patience {patience}, epochs {want_best + 1} to {want_best + patience} run before stopping.")
    if ran == 6:
        raise Mistake("training stopped after epoch 6: the count of epochs without improvement must restart at "
                      "every improvement (patience counts epochs IN A ROW without improvement).")
    if ran == len(PROBE):
        raise Mistake(f"training never stopped (all {ran} epochs ran): stop after `patience` epochs in a row "
                      "without improvement.")
    if ran != want_len:
        raise Mistake(f"training ran {ran} epochs; with these losses and patience {patience} it should stop after "
                      f"epoch {want_len}.")
    if best_epoch == want_best - 1:
        raise Mistake(f"best_epoch is {best_epoch}: count epochs from 1 (the best here is epoch {want_best}).")
    if best_epoch != want_best:
        raise Mistake(f"best_epoch is {best_epoch}; the lowest validation loss came at epoch {want_best}.")
    if model.set_calls == 0:
        raise Mistake(f"the best weights are not restored: the model keeps the weights of epoch {ran}, "
                      f"{ran - want_best} epochs past the best. Call model.set_weights(best_weights) before returning.")
    if model.w[0] == want_best - 1:
        raise Mistake("the restored weights are those of the epoch BEFORE the best: call model.get_weights() after "
                      "train_epoch() and val_loss() of the improving epoch.")
    if model.w[0] != want_best:
        raise Mistake(f"after returning, the model holds the weights of epoch {model.w[0]:g}; it should hold those "
                      f"of the best epoch, {want_best}.")
    if not np.allclose(val_losses, PROBE[:ran]):
        raise Mistake("val_losses should hold model.val_loss() of each epoch, in order.")

    # a tie is not an improvement; and a run that never stops still restores the best
    tie = [0.9, 0.5, 0.5, 0.6, 0.7]
    model, best_epoch, _ = _run(fit_with_early_stopping, tie, 2)
    if best_epoch == 3:
        raise Mistake("a loss EQUAL to the best counted as an improvement: improve only when strictly below (<).")
    if best_epoch != 2 or model.epoch != 4:
        raise Mistake(f"with losses {tie} and patience 2, the best is epoch 2 and training stops after epoch 4; "
                      f"got best_epoch {best_epoch} after {model.epoch} epochs.")
    falling = [0.9, 0.8, 0.7, 0.6]
    model, best_epoch, val_losses = _run(fit_with_early_stopping, falling, 2)
    if model.epoch != 4 or len(val_losses) != 4:
        raise Mistake(f"with the loss falling every epoch, all max_epochs = 4 epochs should run; {model.epoch} did.")
    if best_epoch != 4 or model.w[0] != 4:
        raise Mistake("when the last epoch is the best, best_epoch is max_epochs and its weights stay in the model.")


class _Evaluate:
    """A deterministic stand-in for a training run: score from (lr, batch_size)."""

    def __init__(self):
        self.calls = []

    def __call__(self, lr, batch_size):
        if isinstance(lr, (int, np.integer)) and lr in training.BATCH_SIZES:
            raise Mistake(f"evaluate was called with lr = {lr} and batch_size = {batch_size}: pass them in the order "
                          "evaluate(lr, batch_size).")
        self.calls.append((float(lr), batch_size))
        return 1.0 - abs(math.log10(float(lr)) + 2.5) / 3 - float(batch_size) / 10000


def _trials(fn, n, seed):
    ev = _Evaluate()
    out = fn(ev, n, seed)
    if not isinstance(out, (list, tuple)):
        raise Mistake(f"random_search should return a list of trials, got {type(out).__name__}.")
    if len(out) != n:
        raise Mistake(f"random_search returned {len(out)} trials for n_trials = {n}.")
    for t in out:
        if not isinstance(t, dict) or not {"lr", "batch_size", "score"} <= set(t):
            raise Mistake('each trial should be a dict {"lr": lr, "batch_size": batch_size, "score": score}, got '
                          f"{t!r}"[:200] + ".")
    if len(ev.calls) != n:
        raise Mistake(f"evaluate was called {len(ev.calls)} times for {n} trials: call it once per trial.")
    return out, ev


@register("13.1", "random_search", "Seeded random search, log-uniform learning rate", training.random_search)
def check_random_search(random_search):
    trials, ev = _trials(random_search, 5, seed=0)
    for t, (lr, batch_size) in zip(trials, ev.calls):
        if not math.isclose(float(t["lr"]), lr) or t["batch_size"] != batch_size:
            raise Mistake("the lr and batch_size stored in a trial differ from those passed to evaluate in that trial.")
        if not math.isclose(float(t["score"]), ev(lr, batch_size)):
            raise Mistake("a trial's score is not what evaluate(lr, batch_size) returned for it.")
    sizes = [t["batch_size"] for t in trials]
    if any(u not in training.BATCH_SIZES for u in sizes):
        raise Mistake(f"batch_size must be drawn from {training.BATCH_SIZES}; got {sizes}.")
    lrs = np.array([float(t["lr"]) for t in trials])
    if np.any(lrs < 1e-4 * (1 - 1e-9)) or np.any(lrs > 1e-1 * (1 + 1e-9)):
        raise Mistake(f"learning rates must lie between 1e-4 and 1e-1; got {np.round(lrs, 6).tolist()}. "
                      "Draw the exponent: lr = 10 ** rng.uniform(-4, -1).")
    again, _ = _trials(random_search, 5, seed=0)
    if [t["lr"] for t in again] != [t["lr"] for t in trials] or [t["batch_size"] for t in again] != sizes:
        raise Mistake("two searches with the same seed tried different settings: the search is not seeded. "
                      "Draw everything from rng = np.random.default_rng(seed).")
    other, _ = _trials(random_search, 5, seed=1)
    if [t["lr"] for t in other] == [t["lr"] for t in trials]:
        raise Mistake("seeds 0 and 1 gave the same trials: use the seed argument, np.random.default_rng(seed).")
    many, _ = _trials(random_search, 300, seed=123)
    lrs = np.array([float(t["lr"]) for t in many])
    if len(np.unique(lrs)) < 50:
        raise Mistake(f"only {len(np.unique(lrs))} different learning rates in 300 trials: that is a grid. Draw a new "
                      "value for every trial, lr = 10 ** rng.uniform(-4, -1).")
    decades = np.histogram(np.log10(lrs), bins=[-4, -3, -2, -1])[0] / len(lrs)
    if decades[0] < 0.05 and decades[2] > 0.7:
        raise Mistake(f"{decades[2]:.0%} of the learning rates lie above 0.01 and {decades[0]:.0%} below 0.001: "
                      "they are sampled uniformly. Sample the exponent instead (log-uniform): "
                      "lr = 10 ** rng.uniform(-4, -1), so each factor of 10 is equally likely.")
    if np.any(decades < 0.2) or np.any(decades > 0.47):
        raise Mistake(f"the learning rates fall in [1e-4, 1e-3), [1e-3, 1e-2), [1e-2, 1e-1] in proportions "
                      f"{np.round(decades, 2).tolist()}; log-uniform sampling gives about 1/3 each.")
    counts = {u: sum(t["batch_size"] == u for t in many) for u in training.BATCH_SIZES}
    if min(counts.values()) < 40:
        raise Mistake(f"in 300 trials the batch sizes were drawn {counts} times: draw them evenly with "
                      f"rng.choice({list(training.BATCH_SIZES)}).")
