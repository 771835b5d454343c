"""`import rnnlab` in a fresh process: median of several runs. Goal: at most 0.5 s.

Also checks that the import did not pull in TensorFlow.

    .venv/bin/python benchmarks/bench_import.py [--runs 7] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

GOAL_S = 0.5
# the second figure imports the modules a lesson's first cell uses, as tests/test_package.py does
PROBE = ("import sys, time\n"
         "t = time.perf_counter()\n"
         "import rnnlab\n"
         "dt = time.perf_counter() - t\n"
         "import rnnlab.checks, rnnlab.reference, rnnlab.course.quiz, rnnlab.course.progress, rnnlab.viz.explorers\n"
         "import rnnlab.data.synthetic\n"
         "dt_all = time.perf_counter() - t\n"
         "print(dt, 'tensorflow' in sys.modules, 'keras' in sys.modules, dt_all)\n")


def run(runs: int = 7) -> dict:
    times, times_all, heavy = [], [], False
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent.parent).stdout.split()
        times.append(float(out[0]))
        times_all.append(float(out[3]))
        heavy = heavy or out[1] == "True" or out[2] == "True"
    median = statistics.median(times)
    return {"median_s": median, "max_s": max(times), "runs": runs, "imports_tensorflow": heavy,
            "with_modules_median_s": statistics.median(times_all),
            "goal_s": GOAL_S,
            "status": "imports TensorFlow" if heavy else ("ok" if median <= GOAL_S else "slower than goal")}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--json", help="write the result to this file")
    args = p.parse_args(argv)
    res = run(args.runs)
    print(f"import rnnlab: median {res['median_s']:.3f} s over {res['runs']} fresh processes "
          f"(max {res['max_s']:.3f} s; goal <= {GOAL_S} s); imports TensorFlow: {res['imports_tensorflow']}")
    print(f"import rnnlab with checks, reference, quiz, progress, explorers, gradcheck, data: "
          f"median {res['with_modules_median_s']:.3f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
