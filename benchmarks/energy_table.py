"""Lesson 16's numbers over several seeds: the day-ahead error table (MAE, MAPE on 2019-01-01..06-30) of
every baseline, the GRU (with and without calendar features) and Seattle City Light's own forecast; the
anomaly detector's precision and recall per category; the stock results.

Run: .venv/bin/python benchmarks/energy_table.py [--seeds 3]
Runs the code cells of solutions/16_real_time_series.ipynb themselves (figures, checks and the quiz left
out), once per seed with RNNLAB_SEED set, so the numbers are the lesson's and not a copy of its code.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "solutions" / "16_real_time_series.ipynb"

REPORT = r'''
import json as _json
_out = {"table": table | {n: energy.mae_mape(forecasts[n][test], load[test]) for n in
                          ("linear + calendar", "GRU + calendar")},
        "anomaly": {"precision": precision, "recall": recall, "rows": by_category},
        "stocks": {"next month": result, "leaks": {f"{'shuffled' if a else 'by time'}, "
                                                  f"{'all months' if b else 'training months'}": v
                                                  for (a, b), v in rows.items()},
                   "returns": returns}}
print("@@" + _json.dumps(_out))
'''


def script() -> str:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    parts = ["import matplotlib\nmatplotlib.use('Agg')"]
    for c in cells:
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        if c["cell_type"] != "code" or "show_quiz(" in src and "import" not in src:
            continue
        if "plt.subplots" in src or "check(\"16.1\"" in src:
            continue
        parts.append(src)
    return "\n\n".join(parts) + REPORT


def run(seed: int) -> dict:
    env = dict(os.environ, RNNLAB_SEED=str(seed), TF_CPP_MIN_LOG_LEVEL="3")
    res = subprocess.run([sys.executable, "-c", script()], cwd=ROOT, env=env, capture_output=True, text=True)
    line = [l for l in res.stdout.splitlines() if l.startswith("@@")]
    if res.returncode or not line:
        raise SystemExit(f"seed {seed} failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}")
    return json.loads(line[0][2:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    print(f"lesson 16, seeds 0..{args.seeds - 1}; load average {os.getloadavg()[0]:.1f}", flush=True)
    runs = [run(s) for s in range(args.seeds)]
    print("\nday-ahead, Seattle City Light, test 2019-01-01..2019-06-30 (cleaned demand)")
    print(f"{'forecast':>22} {'MAE (MW)':>18} {'MAPE (%)':>18}")
    for name in runs[0]["table"]:
        mae = [r["table"][name][0] for r in runs]
        mape = [r["table"][name][1] for r in runs]
        spread = lambda v, f: f"{min(v):{f}}" if max(v) - min(v) < 1e-9 else f"{min(v):{f}}-{max(v):{f}}"
        print(f"{name:>22} {spread(mae, '.1f'):>18} {spread(mape, '.2f'):>18}")
    a = runs[0]["anomaly"]
    print(f"\nanomalies (raw demand, k = 5; no seed involved): precision {a['precision']:.2f}, recall {a['recall']:.2f}")
    for name, hours, found, rec, share in a["rows"]:
        print(f"{name:>22}: {found:3d} of {hours:3d} found (recall {rec:.2f}), {share:.2f} of the flags")
    s = runs[0]["stocks"]
    print("\nstocks (MSFT, AMZN, IBM, AAPL; test 2008-01..2010-03; no seed involved), MAE in $:")
    print("  next month:", {k: round(v, 2) for k, v in s["next month"].items()})
    for k, v in s["leaks"].items():
        print(f"  {k:>28}:", {m: round(x, 2) for m, x in v.items()})
    print("  returns, MAE per month:", {k: f"{100 * v:.2f} %" for k, v in s["returns"].items()})


if __name__ == "__main__":
    main()
