"""Grading throughput: N copies of lesson 02 filled from its solutions, graded with --jobs J.

Each copy is lessons/02_hidden_state.ipynb with the exercise cells replaced by the solutions'
(what a learner who solved everything hands in), saved under a different name. Reports the
wall-clock time of the whole `python -m rnnlab grade` run and per submission.

    .venv/bin/python benchmarks/bench_grading.py [--copies 30] [--jobs 2] [--execute]
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def filled_lesson(lesson: str = "02") -> dict:
    def load(folder):
        return json.loads(next((ROOT / folder).glob(f"{lesson}_*.ipynb")).read_text(encoding="utf-8"))

    def exercise(cell):
        return cell.get("metadata", {}).get("rnnlab", {}).get("exercise")

    solved = {exercise(c): c["source"] for c in load("solutions")["cells"] if exercise(c)}
    nb = load("lessons")
    for c in nb["cells"]:
        if exercise(c):
            c["source"] = solved[exercise(c)]
    return nb


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=30)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--lesson", default="02")
    p.add_argument("--execute", action="store_true", help="also run each whole notebook (phase 1)")
    args = p.parse_args(argv)
    nb = json.dumps(filled_lesson(args.lesson))
    with tempfile.TemporaryDirectory(prefix="rnnlab-gradebench-") as tmp:
        subs = Path(tmp) / "submissions"
        subs.mkdir()
        for i in range(args.copies):
            (subs / f"learner{i:02d}.ipynb").write_text(nb, encoding="utf-8")
        cmd = [sys.executable, "-m", "rnnlab", "grade", str(subs), "--out", str(Path(tmp) / "grades"),
               "--jobs", str(args.jobs)] + (["--execute"] if args.execute else [])
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        with open(Path(tmp) / "grades" / "grades.csv", newline="") as f:
            statuses = [r["status"] for r in csv.DictReader(f)]
    print(proc.stdout.splitlines()[-3] if proc.returncode == 0 else proc.stderr[-2000:])
    print(f"{args.copies} copies of lesson {args.lesson}, --jobs {args.jobs}{' --execute' if args.execute else ''}: "
          f"{seconds:.1f} s in all, {seconds / args.copies:.2f} s per submission (wall clock), "
          f"{statuses.count('passed')}/{len(statuses)} exercises passed; exit status {proc.returncode}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
