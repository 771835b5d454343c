"""Lesson 03's next-number experiment over several seeds: does the numpy RNN trained with Adam answer the
five held-out sequences [5, 5+d, 5+2d] (d = 1..5, never seen in training) within 0.5, and does Adam end
below plain SGD, for every seed, not only the lesson's?

Run: .venv/bin/python benchmarks/seeds_next_number.py [--seeds 5] [--steps 1500]
Same data, model (16 tanh units, read out from the last state), optimizers (SGD 0.1, Adam 0.01) and
batch size (32) as the lesson; seed s sets both the initial weights and the minibatch order.
Prints per seed the largest error on the held-out sequences and the final losses, then min - max.
"""
import argparse

import numpy as np

import rnnlab
from rnnlab import reference as ref
from rnnlab.data import synthetic
from rnnlab.models import numpy_train

SCALE = 20.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=1500)
    args = ap.parse_args()
    rnnlab.setup(quiet=True)
    seqs, nexts = synthetic.arithmetic_sequences(400, 3, start_range=(0, 20), step_range=(1, 5), seed=0)
    held_out = seqs[:, 0] == 5
    X, Y = seqs[~held_out, :, None] / SCALE, nexts[~held_out, None] / SCALE
    unseen = np.array([[5, 5 + d, 5 + 2 * d] for d in range(1, 6)], float)[:, :, None] / SCALE
    truth = np.array([5 + 3 * d for d in range(1, 6)], float)
    print(f"next number: {len(X)} training sequences, 5 held out (start 5); {args.steps} updates, batch 32; "
          f"seeds 0..{args.seeds - 1}")
    worst, adam_loss, sgd_loss = [], [], []
    for seed in range(args.seeds):
        final = {}
        for name, opt in [("sgd", numpy_train.SGD(0.1)), ("adam", numpy_train.Adam(0.01))]:
            params = numpy_train.init_params(D=1, H=16, O=1, seed=seed)
            hist = numpy_train.train(params, X, Y, opt, steps=args.steps, batch_size=32, seed=seed,
                                     backward=ref.rnn_backward, last_only=True)
            final[name] = (params, float(np.mean(hist["loss"][-100:])))
        answers = numpy_train.predict(final["adam"][0], unseen, last_only=True)[:, 0] * SCALE
        worst.append(float(np.max(np.abs(answers - truth))))
        adam_loss.append(final["adam"][1])
        sgd_loss.append(final["sgd"][1])
        print(f"  seed {seed}: Adam's largest held-out error {worst[-1]:.3f} ([5, 6, 7] -> {answers[0]:.2f}); "
              f"final loss Adam {adam_loss[-1]:.2e}, SGD {sgd_loss[-1]:.2e}")
    print(f"largest held-out error: {min(worst):.3f} - {max(worst):.3f}; every seed within 0.5: {max(worst) < 0.5}")
    print(f"final loss Adam {min(adam_loss):.1e} - {max(adam_loss):.1e}, SGD {min(sgd_loss):.1e} - {max(sgd_loss):.1e}; "
          f"Adam below SGD for every seed: {all(a < s for a, s in zip(adam_loss, sgd_loss))}")


if __name__ == "__main__":
    main()
