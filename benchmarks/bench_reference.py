"""numpy reference forward + backward against Keras (tf.function), same weights, same run.

For SimpleRNN, LSTM and GRU at batch 64, 100 time steps, 32 inputs, 128 units, float32:
numpy `*_forward` + `*_backward` (gradients of x, h0 and the weights) against a Keras layer
with the same weights, whose forward pass and gradients (of x and the weights) run in one
`tf.function` with a GradientTape, both after `rnnlab.setup(keras=True)` as in the lessons. Timings are interleaved (numpy, Keras, numpy, ...) so a
busy machine slows both alike; the figure is the ratio of medians. A cell missing from
rnnlab.reference is reported as "not implemented yet".

    .venv/bin/python benchmarks/bench_reference.py [--repeats 30] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np

N, T, D, H = 64, 100, 32, 128
GOAL = 0.8          # numpy time / Keras time
CELLS = {           # name: (numpy forward, numpy backward, Keras layer, gate blocks)
    "SimpleRNN": ("rnn_forward", "rnn_backward", "SimpleRNN", 1),
    "LSTM": ("lstm_forward", "lstm_backward", "LSTM", 4),
    "GRU": ("gru_forward", "gru_backward", "GRU", 3),
}


def weights(cell: str, seed: int = 0):
    r = np.random.default_rng(seed)
    k = CELLS[cell][3]
    Wx = (r.standard_normal((D, k * H)) / np.sqrt(D)).astype(np.float32)
    Wh = (r.standard_normal((H, k * H)) / np.sqrt(H)).astype(np.float32)
    if cell == "GRU":   # Keras' default reset_after=True: input and recurrent biases, (2, 3H)
        b = (0.1 * r.standard_normal((2, k * H))).astype(np.float32)
    else:
        b = (0.1 * r.standard_normal(k * H)).astype(np.float32)
    return Wx, Wh, b


def bench_cell(cell: str, keras, tf, repeats: int) -> dict:
    from rnnlab import reference as ref
    fwd_name, bwd_name, layer_name, _ = CELLS[cell]
    row = {"cell": cell, "shape": f"N={N} T={T} D={D} H={H} float32"}
    if not (hasattr(ref, fwd_name) and hasattr(ref, bwd_name)):
        row["status"] = "not implemented yet"
        return row
    fwd, bwd = getattr(ref, fwd_name), getattr(ref, bwd_name)
    r = np.random.default_rng(1)
    x = r.standard_normal((N, T, D)).astype(np.float32)
    dh = r.standard_normal((N, T, H)).astype(np.float32)
    h0 = np.zeros((N, H), np.float32)
    Wx, Wh, b = weights(cell)

    def run_numpy():
        h, cache = fwd(x, h0, Wx, Wh, b)
        return h, bwd(dh, cache)

    layer = getattr(keras.layers, layer_name)(H, return_sequences=True)
    layer.build((N, T, D))
    layer.set_weights([Wx, Wh, b])
    x_tf, dh_tf = tf.constant(x), tf.constant(dh)

    @tf.function
    def keras_step(x_in, dh_in):
        with tf.GradientTape() as tape:
            tape.watch(x_in)
            h = layer(x_in)
            loss = tf.reduce_sum(h * dh_in)
        return h, tape.gradient(loss, [x_in] + layer.trainable_variables)

    def run_keras():
        h, grads = keras_step(x_tf, dh_tf)
        return h.numpy(), [g.numpy() for g in grads]

    # warm up (tf.function tracing, BLAS threads) and check that both compute the same thing
    h_np, g_np = run_numpy()
    h_k, g_k = run_keras()
    for _ in range(2):
        run_numpy(), run_keras()
    dx_np, dWx_np = g_np[0], g_np[2]
    dx_k, dWx_k = g_k[0], g_k[1]
    rel = lambda a, c: float(np.max(np.abs(a - c)) / (np.max(np.abs(c)) + 1e-12))
    row["agree"] = bool(rel(h_np, h_k) < 1e-4 and rel(dx_np, dx_k) < 1e-3 and rel(dWx_np, dWx_k) < 1e-3)
    row["max_rel_diff"] = max(rel(h_np, h_k), rel(dx_np, dx_k), rel(dWx_np, dWx_k))

    t_np, t_k = [], []
    for _ in range(repeats):
        t0 = time.perf_counter(); run_numpy(); t_np.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); run_keras(); t_k.append(time.perf_counter() - t0)
    row["numpy_ms"] = 1e3 * statistics.median(t_np)
    row["keras_ms"] = 1e3 * statistics.median(t_k)
    row["ratio"] = row["numpy_ms"] / row["keras_ms"]
    row["goal"] = GOAL
    row["status"] = "ok" if row["ratio"] <= GOAL else "slower than goal"
    if not row["agree"]:
        row["status"] = "numpy and Keras disagree"
    return row


def run(repeats: int = 30) -> list[dict]:
    """In the configuration the lessons run: `rnnlab.setup(keras=True)` (its BLAS and TensorFlow threads)."""
    import rnnlab
    keras = rnnlab.setup(seed=0, keras=True, quiet=True)
    import tensorflow as tf
    rows = [bench_cell(cell, keras, tf, repeats) for cell in CELLS]
    try:
        from threadpoolctl import threadpool_info
        blas = sorted({i.get("num_threads") for i in threadpool_info() if i.get("user_api") == "blas"})
    except ImportError:
        blas = []
    for row in rows:
        row["setup"] = f"rnnlab.setup(): BLAS threads {blas or '?'}, TensorFlow intra-op threads " \
                       f"{tf.config.threading.get_intra_op_parallelism_threads() or 'default'}"
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--json", help="write the rows to this file")
    args = p.parse_args(argv)
    rows = run(args.repeats)
    if rows and "setup" in rows[0]:
        print(rows[0]["setup"])
    for row in rows:
        if "ratio" in row:
            print(f"{row['cell']:>9}: numpy {row['numpy_ms']:7.1f} ms, Keras {row['keras_ms']:7.1f} ms, "
                  f"ratio {row['ratio']:.2f} (goal <= {GOAL}), same results: {row['agree']}")
        else:
            print(f"{row['cell']:>9}: {row['status']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
