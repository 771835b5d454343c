"""The long-dependency race in full: SimpleRNN vs LSTM vs GRU on the adding problem.

    .venv/bin/python benchmarks/adding_race.py [--length 50] [--train 10000] [--budget 40] [--json out.json]

The configuration of FINDINGS.md: sequences of length 50, 10,000 training and 1,000
validation sequences (rnnlab.data.synthetic.adding_problem, seeds 1 and 2), one recurrent layer of
32 units and a Dense(1) on its last state, Adam (learning rate 0.01, clipnorm 1), batches of
64 from a cached tf.data pipeline, the same Keras seed for every model. Each model trains
for at most `--budget` seconds of wall-clock time (checked after every batch) and at most
`--max-epochs` epochs, and stops early once its validation MSE is below `--target`.
Lesson 06 runs a shorter version of this race (length 30, 3,000 sequences) inside its
45-second notebook budget.

Prints, per model: the validation MSE after training, the epochs run, and the training
time; then whether LSTM and GRU got below 0.01 and the SimpleRNN stayed above 0.1
(chance, always predicting the mean 1, is 1/6). Timings depend on the machine's load,
which is printed with them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

CELLS = ("SimpleRNN", "LSTM", "GRU")


def race(length: int = 50, n_train: int = 10_000, n_val: int = 1_000, units: int = 32, batch: int = 64,
         lr: float = 1e-2, budget: float = 40.0, max_epochs: int = 100, target: float = 1e-3, seed: int = 0,
         cells=CELLS, verbose: bool = True) -> list[dict]:
    import rnnlab
    from rnnlab.data.synthetic import adding_problem
    keras = rnnlab.setup(keras=True, quiet=True)
    import tensorflow as tf

    x, y = adding_problem(n_train, length, seed=1)
    xv, yv = adding_problem(n_val, length, seed=2)
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch).cache().prefetch(2)
    val = tf.data.Dataset.from_tensor_slices((xv, yv)).batch(n_val).cache()

    class Budget(keras.callbacks.Callback):
        """Stop after `budget` seconds (checked after every batch) or once val_loss < target."""

        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            if time.perf_counter() - self.start > budget:
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if (logs or {}).get("val_loss", 1.0) < target:
                self.model.stop_training = True

    rows = []
    for name in cells:
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((length, 2)), getattr(keras.layers, name)(units), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(lr, clipnorm=1.0), loss="mse")
        start = time.perf_counter()
        hist = model.fit(train, validation_data=val, epochs=max_epochs, verbose=0, callbacks=[Budget()])
        seconds = time.perf_counter() - start
        mse = float(model.evaluate(val, verbose=0))          # after the last (possibly partial) epoch
        row = {"cell": name, "val_mse": mse, "epochs": len(hist.history["loss"]), "train_seconds": seconds,
               "val_mse_per_epoch": [float(v) for v in hist.history["val_loss"]]}
        rows.append(row)
        if verbose:
            print(f"{name:>9}: validation MSE {mse:.4f} after {row['epochs']:2d} epochs, {seconds:5.1f} s of training",
                  flush=True)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--length", type=int, default=50)
    p.add_argument("--train", type=int, default=10_000, help="training sequences")
    p.add_argument("--budget", type=float, default=40.0, help="seconds of training per model")
    p.add_argument("--max-epochs", type=int, default=100)
    p.add_argument("--target", type=float, default=1e-3, help="stop a model once its validation MSE is below this")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="write the rows to this file")
    args = p.parse_args(argv)
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"adding problem, length {args.length}, {args.train} training sequences, 32 units, Adam 1e-2 clipnorm 1, "
          f"batch 64, at most {args.budget:g} s per model; {os.cpu_count()} CPUs, load average {load}", flush=True)
    rows = race(length=args.length, n_train=args.train, budget=args.budget, max_epochs=args.max_epochs,
                target=args.target, seed=args.seed)
    mse = {r["cell"]: r["val_mse"] for r in rows}
    # the budget is checked after every batch; the last epoch's validation pass may add a fraction of a second
    within = all(r["train_seconds"] <= args.budget + 1 for r in rows)
    print(f"LSTM below 0.01: {mse['LSTM'] < 0.01}; GRU below 0.01: {mse['GRU'] < 0.01}; "
          f"SimpleRNN above 0.1: {mse['SimpleRNN'] > 0.1}; every model within the budget: {within}")
    print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
