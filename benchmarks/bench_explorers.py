"""Explorer update time: the compute core each slider move runs (median), and the whole redraw.

Goal: the compute core of every explorer answers in at most 50 ms. Lesson 09's attention
explorer runs the lesson's trained Keras model, so it is not measured here. The full redraw (core plus
drawing the matplotlib figure and encoding it as PNG, what the learner waits for in the
browser) is reported for information.

    .venv/bin/python benchmarks/bench_explorers.py [--json out.json]
"""
from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 50.0


def median_ms(fn, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def redraw_ms(draw, repeats: int = 7) -> float:
    """Median time of draw(fig) plus rendering the figure to PNG (as the inline backend does): what every
    slider move cost before the explorers updated their figure in place."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def once():
        fig = plt.figure(figsize=(9, 4))
        draw(fig)
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
    return median_ms(once, repeats, warmup=1)


def inplace_ms(build, updates, figsize, repeats: int = 3) -> float:
    """Median time of one explorer update as the explorers do it now: change the artists of a figure drawn
    once and redraw only them (rnnlab.viz.live.LiveFigure), PNG included. `updates` are callables
    update(artists) cycled through, each a different state, as slider moves are."""
    import matplotlib
    matplotlib.use("Agg")
    from rnnlab.viz.live import LiveFigure
    live = LiveFigure(figsize, widget=False)
    artists = live.build(build)
    live.render()
    times = []
    for _ in range(repeats):
        for update in updates:
            t0 = time.perf_counter()
            update(artists)
            live.render()
            times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


# --------------------------------------------------------------------------------------
# One entry per explorer: lesson, the explorer's name, its compute core, its redraw
# --------------------------------------------------------------------------------------

def lesson02():
    from rnnlab.viz import explorers
    x = explorers.pulse_input(20)
    rows = []
    for activation in ("tanh", "sigmoid", "relu"):
        core = lambda a=activation: explorers.stepping_states(x, 1.0, 0.9, activation=a)
        rows.append({"lesson": "02", "explorer": "show_stepping", "core": f"stepping_states ({activation})",
                     "core_ms": median_ms(core, 200)})
    states = explorers.stepping_states(x, 1.0, 0.9)
    rows[0]["redraw_ms"] = redraw_ms(lambda fig: explorers.draw_stepping(fig, x, states, 3))
    rows[0]["inplace_ms"] = inplace_ms(
        lambda fig: explorers.build_stepping(fig, x, states, 3),
        [lambda a, s=s: explorers.update_stepping(a, explorers.stepping_states(x, 1.0, s), 3 + int(10 * s))
         for s in (0.5, 0.6, 0.7, 0.8, 0.9)], (8, 3.8))
    return rows


def lesson04():
    """Lesson 04's gradient-norm explorer, once rnnlab.viz.explorers has it."""
    from rnnlab.viz import explorers
    lesson_exists = any((ROOT / "lessons").glob("04_*.ipynb"))
    core_name = next((n for n in CORES_04 if hasattr(explorers, n)), None)
    if core_name is None:
        status = ("lesson 04 exists but its explorer core is not registered in benchmarks/bench_explorers.py"
                  if lesson_exists else "not implemented yet")
        return [{"lesson": "04", "explorer": "gradient norm", "core": "-", "status": status}]
    return BENCH_04[core_name](getattr(explorers, core_name))


def _bench_gradient_norm_curve(core):
    """show_gradient_explorer: one gradient_norm_curve per update (T=60, H=32, its defaults)."""
    from rnnlab.viz import explorers
    rows = []
    for activation, radius in (("tanh", 1.0), ("sigmoid", 4.0), ("relu", 1.5)):
        fn = lambda a=activation, r=radius: core(r, a, T=60, H=32)
        rows.append({"lesson": "04", "explorer": "show_gradient_explorer",
                     "core": f"gradient_norm_curve ({activation}, scale {radius:g})", "core_ms": median_ms(fn, 50)})
    if hasattr(explorers, "draw_gradient_curve"):
        curve = core(1.0, "tanh", T=60, H=32)
        rows[0]["redraw_ms"] = redraw_ms(lambda fig: explorers.draw_gradient_curve(fig, curve, 1.0, "tanh"))
        rows[0]["inplace_ms"] = inplace_ms(
            lambda fig: explorers.build_gradient_curve(fig, curve, "tanh"),
            [lambda a, r=r: explorers.update_gradient_curve(a, core(r, "tanh", T=60, H=32), r, "tanh")
             for r in (0.8, 0.85, 0.9, 0.95, 1.0)], (8.4, 3.4))
    return rows


CORES_04: tuple[str, ...] = ("gradient_norm_curve",)    # lesson 04's compute core in rnnlab.viz.explorers
BENCH_04: dict = {"gradient_norm_curve": _bench_gradient_norm_curve}

def lesson05():
    """show_lstm_stepping: lstm_stepping over a 30-step input (its defaults), for each input kind."""
    from rnnlab.viz import explorers
    if not hasattr(explorers, "lstm_stepping"):
        return [{"lesson": "05", "explorer": "LSTM stepping", "core": "-", "status": "not implemented yet"}]
    rows = []
    for kind in ("pulse", "noise"):
        x = explorers.lstm_input(kind, 30, 1.0)
        rows.append({"lesson": "05", "explorer": "show_lstm_stepping", "core": f"lstm_stepping ({kind}, T=30)",
                     "core_ms": median_ms(lambda x=x: explorers.lstm_stepping(x, 1.0, 4), 100)})
    if hasattr(explorers, "draw_lstm_stepping"):
        states = explorers.lstm_stepping(explorers.lstm_input("pulse", 30, 1.0), 1.0, 4)
        rows[0]["redraw_ms"] = redraw_ms(lambda fig: explorers.draw_lstm_stepping(fig, states, 3))
        rows[0]["inplace_ms"] = inplace_ms(
            lambda fig: explorers.build_lstm_stepping(fig, states, 3),
            [lambda a, b=b: explorers.update_lstm_stepping(
                a, explorers.lstm_stepping(explorers.lstm_input("pulse", 30, 1.0), b, 4), 3)
             for b in (0.0, 0.25, 0.5, 0.75, 1.0)], (8.6, 5.0))
    return rows


def lesson10():
    """show_generation: 250 characters sampled from a GRU(128) character model (random weights of the
    lesson's shapes: the time does not depend on their values) plus the next-character table."""
    import string

    from rnnlab.data import chars
    from rnnlab.models import charlm
    from rnnlab.viz import explorers
    vocab = chars.CharVocab.from_text(string.printable)
    V, d, H = vocab.size, 32, 128
    r = np.random.default_rng(0)
    lm = charlm.NumpyCharGRU(E=r.standard_normal((V, d)) * 0.1, Wx=r.standard_normal((d, 3 * H)) * 0.1,
                              Wh=r.standard_normal((H, 3 * H)) * 0.1, b=np.zeros((2, 3 * H)),
                              Wy=r.standard_normal((H, V)) * 0.1, by=np.zeros(V))
    core = lambda: explorers.generation_view(lm, vocab, "class ", 0.85, n=250, seed=1)
    return [{"lesson": "10", "explorer": "show_generation", "core": "generation_view (250 characters)",
             "core_ms": median_ms(core, 15)}]


def lesson09():
    return [{"lesson": "09", "explorer": "show_attention", "core": "-",
             "status": "not measured (runs the lesson's trained Keras model; the browser test times the update)"}]


EXPLORERS = [lesson02, lesson04, lesson05, lesson09, lesson10]


def run() -> list[dict]:
    rows = []
    for bench in EXPLORERS:
        for row in bench():
            if "core_ms" in row:
                row["goal_ms"] = GOAL_MS
                row["status"] = "ok" if row["core_ms"] <= GOAL_MS else "slower than goal"
            rows.append(row)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the rows to this file")
    args = p.parse_args(argv)
    rows = run()
    for row in rows:
        if "core_ms" in row:
            extra = f", full redraw with figure {row['redraw_ms']:.0f} ms" if "redraw_ms" in row else ""
            extra += f", update in place {row['inplace_ms']:.0f} ms" if "inplace_ms" in row else ""
            print(f"lesson {row['lesson']} {row['explorer']}: {row['core']} {row['core_ms']:.2f} ms "
                  f"(goal <= {GOAL_MS:.0f}){extra}")
        else:
            print(f"lesson {row['lesson']} {row['explorer']}: {row['status']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
