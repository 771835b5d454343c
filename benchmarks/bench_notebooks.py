"""Execution time of every solution notebook, one after the other, as a learner runs them.

Executes copies with nbclient (solutions/ is never modified), kernel start included, with
RNNLAB_STRICT=1 (a failing check stops the notebook and is reported) and a throw-away
progress file. Goals: no notebook over 45 s, the whole course within 5 minutes (2 cores).

    .venv/bin/python benchmarks/bench_notebooks.py [--only 02 04] [--timeout 600] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_EACH_S = 45.0
GOAL_TOTAL_S = 300.0


def execute_copy(path: Path, workdir: Path, timeout: int) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}},
                            store_widget_state=True)
    start = time.perf_counter()
    status, detail = "ok", ""
    try:
        # the kernel's own stderr (e.g. ipykernel's TCP warning) goes to a log, not the report
        with open(workdir / f"{path.stem}.kernel.log", "wb") as log:
            client.execute(stderr=log)
    except CellTimeoutError as exc:
        status, detail = "timeout", str(exc).splitlines()[0] if str(exc) else ""
    except CellExecutionError as exc:
        status = "error"
        detail = next((ln for ln in reversed(str(exc).splitlines()) if ln.strip()), "")[:200]
    except DeadKernelError as exc:
        status, detail = "kernel died", str(exc)[:200]
    seconds = time.perf_counter() - start
    row = {"notebook": path.name, "seconds": seconds, "status": status}
    if detail:
        row["detail"] = detail
    if status == "ok" and seconds > GOAL_EACH_S:
        row["status"] = "slower than goal"
    return row


def run(only=None, timeout: int = 600, progress=print) -> dict:
    paths = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if p.name[:2] in set(only)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-") as tmp:
        workdir = Path(tmp) / "solutions"
        shutil.copytree(ROOT / "solutions", workdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        saved = {k: os.environ.get(k) for k in ("RNNLAB_STRICT", "RNNLAB_PROGRESS")}
        os.environ["RNNLAB_STRICT"] = "1"
        os.environ["RNNLAB_PROGRESS"] = str(Path(tmp) / "progress.json")
        try:
            for path in paths:
                row = execute_copy(workdir / path.name, workdir, timeout)
                rows.append(row)
                progress(f"  {row['notebook']:<34} {row['seconds']:6.1f} s  {row['status']}"
                         + (f" ({row['detail']})" if row.get("detail") else ""))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    total = sum(r["seconds"] for r in rows)
    worst = max(rows, key=lambda r: r["seconds"]) if rows else None
    return {"notebooks": rows, "total_s": total, "worst": worst, "goal_each_s": GOAL_EACH_S,
            "goal_total_s": GOAL_TOTAL_S, "complete": only is None,
            "all_ok": all(r["status"] == "ok" for r in rows) and total <= GOAL_TOTAL_S}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", help="lesson numbers, e.g. 02 04")
    p.add_argument("--timeout", type=int, default=600, help="per cell, seconds")
    p.add_argument("--json", help="write the result to this file")
    args = p.parse_args(argv)
    res = run(args.only, args.timeout)
    if res["worst"]:
        print(f"total {res['total_s']:.1f} s for {len(res['notebooks'])} notebooks (goal <= {GOAL_TOTAL_S:.0f} s); "
              f"worst {res['worst']['notebook']} {res['worst']['seconds']:.1f} s (goal <= {GOAL_EACH_S:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
