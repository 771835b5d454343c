"""Lesson 08's depth experiment over several seeds: does a 2-layer GRU(16) learn sliding parity in fewer
epochs than one GRU(16) and than one wider GRU(27) with about as many parameters?

Run: .venv/bin/python benchmarks/seeds_depth.py [--seeds 5] [--epochs 6]
Prints, per model, the first epoch whose training accuracy reaches 95% (min / median / max over the seeds)
and the final test accuracy range, with the same data and settings as the lesson.
"""
import argparse

import numpy as np

import rnnlab
from rnnlab.data import synthetic
from rnnlab.models import specs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=6)
    args = ap.parse_args()
    keras = rnnlab.setup(keras=True)
    layers = keras.layers
    x, y = synthetic.sliding_parity(2000, T=12, k=3, seed=0)
    xt, yt = synthetic.sliding_parity(1000, T=12, k=3, seed=1)
    candidates = {"1 x GRU(16)": [16], "2 x GRU(16)": [16, 16], "1 x GRU(27)": [27]}
    out = {name: {"epoch95": [], "test": []} for name in candidates}
    for seed in range(args.seeds):
        for name, units in candidates.items():
            keras.utils.set_random_seed(seed)
            net = keras.Sequential([keras.Input((12, 1))] + [layers.GRU(u, return_sequences=True) for u in units]
                                   + [layers.Dense(1, activation="sigmoid")])
            net.compile(optimizer=keras.optimizers.Adam(2e-2), loss="binary_crossentropy", metrics=["accuracy"])
            acc = net.fit(specs.dataset(x, y, batch_size=128, shuffle=True), epochs=args.epochs, verbose=0
                          ).history["accuracy"]
            reached = [i + 1 for i, a in enumerate(acc) if a >= 0.95]
            out[name]["epoch95"].append(reached[0] if reached else np.inf)
            out[name]["test"].append(float(np.mean((np.asarray(net(xt))[..., 0] > 0.5) == yt)))
    print(f"sliding parity, {args.seeds} seeds (0..{args.seeds - 1}), {args.epochs} epochs; "
          "first epoch with training accuracy >= 95% (inf: never)")
    for name, r in out.items():
        e = r["epoch95"]
        print(f"  {name}: epochs {e}  (median {np.median(e)}); test accuracy {min(r['test']):.3f} - {max(r['test']):.3f}")


if __name__ == "__main__":
    main()
