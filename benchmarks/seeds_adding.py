"""Lesson 06's short adding-problem race over several seeds: length 30, 3,000 training sequences, 32 units,
Adam 0.02 with clipnorm 1, at most 7 epochs, stopping once the validation MSE is below 0.005 (the
notebook's settings). Does the SimpleRNN stay near chance and do LSTM and GRU get below 0.01 for every
seed, and which gated cell gets there first?

Run: .venv/bin/python benchmarks/seeds_adding.py [--seeds 5]
Uses `race` from benchmarks/adding_race.py (the full race at length 50) with the lesson's settings.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adding_race import CELLS, race  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    print(f"adding problem, length 30, 3000 sequences, 32 units, Adam 2e-2 clipnorm 1, at most 7 epochs, "
          f"stop below 0.005; seeds 0..{args.seeds - 1}; load average {os.getloadavg()[0]:.1f}", flush=True)
    out = {c: {"mse": [], "epochs": []} for c in CELLS}
    for seed in range(args.seeds):
        rows = race(length=30, n_train=3000, lr=2e-2, budget=1e9, max_epochs=7, target=0.005, seed=seed,
                    verbose=False)
        for r in rows:
            out[r["cell"]]["mse"].append(r["val_mse"])
            out[r["cell"]]["epochs"].append(r["epochs"])
        print(f"  seed {seed}: " + ", ".join(f"{r['cell']} {r['val_mse']:.4f} ({r['epochs']} epochs)" for r in rows),
              flush=True)
    for c, r in out.items():
        print(f"{c:>9}: final validation MSE {min(r['mse']):.4f} - {max(r['mse']):.4f}, "
              f"epochs {min(r['epochs'])} - {max(r['epochs'])} (median {np.median(r['epochs']):g})")
    first = ["LSTM" if l < g else "GRU" if g < l else "tie" for l, g in zip(out["LSTM"]["epochs"], out["GRU"]["epochs"])]
    print("fewer epochs to the target, per seed:", first)
    print(f"SimpleRNN above 0.1 for every seed: {min(out['SimpleRNN']['mse']) > 0.1}; LSTM and GRU below 0.01 for "
          f"every seed: {max(out['LSTM']['mse'] + out['GRU']['mse']) < 0.01}")


if __name__ == "__main__":
    main()
