"""Peak memory (resident set) of executing each solution notebook: what a learner's kernel needs.

Executes a copy of each solution notebook with nbclient (solutions/ is never modified), then
asks the same kernel for its peak RSS (`getrusage(RUSAGE_SELF).ru_maxrss`) and the peak of
its finished child processes (RUSAGE_CHILDREN, e.g. the doctor's TensorFlow probe). The
instructor guide in README.md quotes these figures for sizing JupyterHub / Binder.

    .venv/bin/python benchmarks/bench_lesson_memory.py [--only 00 02] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = ("import resource, json\n"
         "print('RNNLAB_PEAK', json.dumps({'self_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
         "'children_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")


def measure(path: Path, workdir: Path, timeout: int) -> dict:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}}, store_widget_state=True)
    start = time.perf_counter()
    status = "ok"
    try:
        with open(workdir / f"{path.stem}.kernel.log", "wb") as log:
            client.execute(stderr=log)
    except Exception as exc:                     # still report what we have
        status = f"{type(exc).__name__}"
    seconds = time.perf_counter() - start
    peak = {}
    for out in nb.cells[-1].get("outputs", []):
        m = re.search(r"RNNLAB_PEAK (\{.*\})", out.get("text", ""))
        if m:
            peak = json.loads(m.group(1))
    return {"notebook": path.name, "status": status, "seconds": round(seconds, 1),
            "kernel_peak_mb": round(peak.get("self_kb", 0) / 1024), "children_peak_mb": round(peak.get("children_kb", 0) / 1024)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", help="lesson numbers, e.g. 00 02")
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--json")
    args = p.parse_args(argv)
    paths = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        paths = [q for q in paths if q.name[:2] in set(args.only)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-mem-") as tmp:
        workdir = Path(tmp) / "solutions"
        shutil.copytree(ROOT / "solutions", workdir)
        os.environ["RNNLAB_PROGRESS"] = str(Path(tmp) / "progress.json")
        os.environ["RNNLAB_STRICT"] = "1"
        for path in paths:
            row = measure(workdir / path.name, workdir, args.timeout)
            rows.append(row)
            print(f"{row['notebook']:<36} kernel peak {row['kernel_peak_mb']:5d} MB  "
                  f"child processes {row['children_peak_mb']:5d} MB  {row['seconds']:6.1f} s  {row['status']}",
                  flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
