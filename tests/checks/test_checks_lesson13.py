"""Lesson 13 (training practice): checks name each planted mistake; the task and the trainer behave."""
import math

import numpy as np
import pytest

from rnnlab import checks
from rnnlab.data import synthetic
from rnnlab.models import training

from mistakes import assert_hint_names, planted


def early_stopping_with(compare=lambda loss, best: loss < best, stop=lambda waited, patience: waited >= patience,
                        restore=True, reset=True, save_before=False, zero_based=False):
    def fit_with_early_stopping(model, max_epochs, patience):
        best, best_epoch, best_w, waited, losses = math.inf, 0, None, 0, []
        for epoch in range(1, max_epochs + 1):
            before = model.get_weights()
            model.train_epoch()
            loss = model.val_loss()
            losses.append(loss)
            if compare(loss, best):
                best, best_epoch, best_w = loss, epoch, (before if save_before else model.get_weights())
                if reset:
                    waited = 0
            else:
                waited += 1
                if stop(waited, patience):
                    break
        if restore:
            model.set_weights(best_w)
        return (best_epoch - 1 if zero_based else best_epoch), losses
    return fit_with_early_stopping


EARLY_MISTAKES = {
    "does not restore the best weights": (early_stopping_with(restore=False), "not restored"),
    "patience off by one, too late": (early_stopping_with(stop=lambda w, p: w > p), "one too many"),
    "patience off by one, too early": (early_stopping_with(stop=lambda w, p: w >= p - 1), "one too early"),
    "counter never reset": (early_stopping_with(reset=False), "IN A ROW"),
    "weights saved before the epoch": (early_stopping_with(save_before=True), "BEFORE the best"),
    "epochs counted from 0": (early_stopping_with(zero_based=True), "count epochs from 1"),
    "ties count as improvement": (early_stopping_with(compare=lambda loss, best: loss <= best), "strictly below"),
    "never stops": (early_stopping_with(stop=lambda w, p: False), "never stopped"),
    "not a pair": (lambda model, max_epochs, patience: early_stopping_with()(model, max_epochs, patience)[0], "pair"),
}


@pytest.mark.parametrize("wrong, phrase", planted(EARLY_MISTAKES))
def test_early_stopping_check_names_the_mistake(wrong, phrase):
    assert_hint_names("13.2", wrong, phrase)


def test_early_stopping_reference_on_the_documented_example():
    model = __import__("rnnlab.checks.lesson13", fromlist=["ScriptedModel"]).ScriptedModel(
        [0.9, 0.8, 0.7, 0.6, 0.5, 0.55, 0.6, 0.65, 0.1])
    best_epoch, losses = training.fit_with_early_stopping(model, 9, 3)
    assert best_epoch == 5 and len(losses) == 8 and model.w[0] == 5


def search_with(draw_lr, draw_batch=lambda rng: int(rng.choice([64, 128, 256, 512])), seeded=True, swap=False):
    def random_search(evaluate, n_trials, seed):
        rng = np.random.default_rng(seed if seeded else None)
        out = []
        for _ in range(n_trials):
            lr, b = draw_lr(rng), draw_batch(rng)
            out.append({"lr": lr, "batch_size": b, "score": evaluate(b, lr) if swap else evaluate(lr, b)})
        return out
    return random_search


LOG = lambda rng: 10 ** rng.uniform(-4, -1)
SEARCH_MISTAKES = {
    "uniform learning rate": (search_with(lambda rng: rng.uniform(1e-4, 1e-1)), "uniformly"),
    "not seeded": (search_with(LOG, seeded=False), "not seeded"),
    "seed ignored": (lambda ev, n, seed: search_with(LOG)(ev, n, 0), "seeds 0 and 1"),
    "a grid of learning rates": (search_with(lambda rng: float(rng.choice([1e-4, 1e-3, 1e-2, 1e-1]))), "grid"),
    "natural log": (search_with(lambda rng: math.exp(rng.uniform(-4, -1))), "between 1e-4 and 1e-1"),
    "arguments swapped": (search_with(LOG, swap=True), "evaluate(lr, batch_size)"),
    "batch size not from the list": (search_with(LOG, draw_batch=lambda rng: int(rng.integers(1, 600))), "(64, 128, 256, 512)"),
    "too few trials": (lambda ev, n, seed: search_with(LOG)(ev, n - 1, seed), "trials for n_trials"),
}


@pytest.mark.parametrize("wrong, phrase", planted(SEARCH_MISTAKES))
def test_random_search_check_names_the_mistake(wrong, phrase):
    assert_hint_names("13.1", wrong, phrase)


def test_random_search_check_accepts_another_draw_order():
    def random_search(evaluate, n_trials, seed):
        rng = np.random.default_rng(seed)
        trials = []
        for _ in range(n_trials):
            b = int(rng.choice([64, 128, 256, 512]))
            lr = float(np.exp(rng.uniform(np.log(1e-4), np.log(1e-1))))
            trials.append({"lr": lr, "batch_size": b, "score": evaluate(lr, b)})
        return trials
    assert checks.evaluate("13.1", random_search).passed


def test_frequency_task_is_seeded_and_labelled_by_frequency():
    x, y = synthetic.frequency_task(200, T=20, seed=4)
    x2, y2 = synthetic.frequency_task(200, T=20, seed=4)
    assert x.shape == (200, 20, 1) and y.shape == (200,) and x.dtype == np.float32
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert 0.35 < y.mean() < 0.65
    raw, _ = synthetic.frequency_task(200, T=20, seed=4, scale=50, offset=300)
    assert np.allclose(raw, x * 50 + 300, atol=1e-3)
    clean, label = synthetic.frequency_task(400, T=200, noise=0.0, seed=0)
    # without noise, counting zero crossings recovers the label
    crossings = np.sum(np.diff(np.sign(clean[:, :, 0]), axis=1) != 0, axis=1)
    assert np.mean((crossings / 2 / 200 > 0.10) == label) > 0.95


def test_trainer_runs_are_those_of_a_fresh_model(keras):
    x, y = synthetic.frequency_task(64, T=8, seed=0)
    xv, yv = synthetic.frequency_task(32, T=8, seed=1)

    def build(units=4):
        return keras.Sequential([keras.Input((8, 1)), keras.layers.GRU(units), keras.layers.Dense(1, activation="sigmoid")])
    trainer = training.Trainer(build, x, y, xv, yv, seed=0)
    a = trainer.run(optimizer="adam", learning_rate=1e-2, epochs=3, batch_size=16)
    trainer.run(optimizer="adam", learning_rate=1e-1, epochs=2, batch_size=16)     # disturb the pooled model
    trainer._results.clear()
    b = trainer.run(optimizer="adam", learning_rate=1e-2, epochs=3, batch_size=16)
    assert a == b
    fresh = training.Trainer(build, x, y, xv, yv, seed=0).run(optimizer="adam", learning_rate=1e-2, epochs=3, batch_size=16)
    assert np.allclose(a["loss"], fresh["loss"]) and np.allclose(a["val_loss"], fresh["val_loss"])


def test_results_table_is_sorted_best_first():
    text = training.results_table([{"lr": 1e-3, "batch_size": 64, "score": 0.5},
                                   {"lr": 1e-2, "batch_size": 32, "score": 0.9}])
    lines = text.splitlines()
    assert "0.900" in lines[1] and "0.500" in lines[2]
