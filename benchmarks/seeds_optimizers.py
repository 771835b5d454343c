"""Lesson 13's optimizer comparison over several seeds, with more SGD settings than the lesson has room for:
is plain SGD at learning rate 0.05 slow for every seed, and does a larger rate or momentum fix it?

Run: .venv/bin/python benchmarks/seeds_optimizers.py [--seeds 5] [--epochs 15]
Same task (frequency of 20 noisy sine samples, 512 training and 512 validation sequences), model
(GRU(16) + sigmoid) and batches (64, shuffled with the seed) as the lesson; seed s sets the initial
weights and the batch order. Prints, per optimizer setting, the best validation accuracy within the
epochs (min / median / max over the seeds) and the first epoch at which it reaches 90%.
"""
import argparse
import os

import numpy as np

import rnnlab
from rnnlab.data import synthetic

SETTINGS = {                      # name: (optimizer class, keyword arguments)
    "sgd 0.05 (the lesson's)": ("SGD", dict(learning_rate=0.05)),
    "sgd 0.5": ("SGD", dict(learning_rate=0.5)),
    "sgd 0.05, momentum 0.9": ("SGD", dict(learning_rate=0.05, momentum=0.9)),
    "sgd 0.5, momentum 0.9": ("SGD", dict(learning_rate=0.5, momentum=0.9)),
    "rmsprop 3e-3 (the lesson's)": ("RMSprop", dict(learning_rate=3e-3)),
    "adam 1e-2 (the lesson's)": ("Adam", dict(learning_rate=1e-2)),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    keras = rnnlab.setup(keras=True, quiet=True)
    import tensorflow as tf
    T = 20
    x, y = synthetic.frequency_task(512, T=T, seed=0)
    xv, yv = synthetic.frequency_task(512, T=T, seed=1)
    val = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(512).cache()
    print(f"frequency task, GRU(16), batch 64, {args.epochs} epochs, seeds 0..{args.seeds - 1}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for name, (cls, kw) in SETTINGS.items():
        best, first90 = [], []
        for seed in range(args.seeds):
            keras.utils.set_random_seed(seed)
            model = keras.Sequential([keras.Input((T, 1)), keras.layers.GRU(16),
                                      keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer=getattr(keras.optimizers, cls)(**kw), loss="binary_crossentropy",
                          metrics=["accuracy"])
            train = tf.data.Dataset.from_tensor_slices((x, y)).cache().shuffle(512, seed=seed).batch(64)
            acc = model.fit(train, validation_data=val, epochs=args.epochs, verbose=0).history["val_accuracy"]
            best.append(max(acc))
            reached = [i + 1 for i, a in enumerate(acc) if a >= 0.9]
            first90.append(reached[0] if reached else None)
        never = sum(e is None for e in first90)
        epochs = sorted(e for e in first90 if e is not None)
        reach = (f"90% at epoch {epochs[0]} - {epochs[-1]}" if epochs else "90% never reached") + \
                (f", never for {never} of {args.seeds} seeds" if epochs and never else "")
        print(f"{name:>28}: best validation accuracy {min(best):.3f} / {np.median(best):.3f} / {max(best):.3f} "
              f"(min / median / max); {reach}", flush=True)


if __name__ == "__main__":
    main()
