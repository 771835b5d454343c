"""`python -m rnnlab robust`: do the lines nbval compares hold under another seed and thread count?

nbval compares every cell tagged `nbval-check-output` in solutions/ with the output stored when
the author executed it. A line that states the outcome of a chaotic run (an exploding loss, an
argmax between near-equal scores) matches on the author's machine and fails elsewhere. This
command executes copies of the solution notebooks under other configurations and reports every
compared line that changes, naming the notebook, the cell and both lines. The notebooks in
solutions/ are never modified.

Configurations (environment variables read by `rnnlab.setup()`):
    seed1    RNNLAB_SEED=1                                  another seed for every training run
    seedN    RNNLAB_SEED=N, for any N
    threads  RNNLAB_BLAS_THREADS=2 RNNLAB_TF_THREADS=1      numpy on 2 threads, TensorFlow on 1
    mixed    RNNLAB_SEED=2 RNNLAB_BLAS_THREADS=2 RNNLAB_TF_THREADS=1   (the one CI runs)
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .claims import mask_measured
from .outcomes import CHECK_OUTPUT_TAG as CHECK_TAG
from .session import course_root

CONFIGS: dict[str, dict[str, str]] = {
    "seed1": {"RNNLAB_SEED": "1"},
    "threads": {"RNNLAB_BLAS_THREADS": "2", "RNNLAB_TF_THREADS": "1"},
    "mixed": {"RNNLAB_SEED": "2", "RNNLAB_BLAS_THREADS": "2", "RNNLAB_TF_THREADS": "1"},
}
DEFAULT_CONFIGS = ["seed1", "threads"]


def config_env(name: str) -> dict[str, str]:
    """The variables of a named configuration; `seedN` is RNNLAB_SEED=N for any N."""
    if name in CONFIGS:
        return CONFIGS[name]
    if name.startswith("seed") and name[4:].isdigit():
        return {"RNNLAB_SEED": name[4:]}
    raise ValueError(f"unknown configuration {name!r}: use one of {', '.join(CONFIGS)} or seedN (e.g. seed7)")


@dataclass
class Difference:
    notebook: str
    cell: int            # as Jupyter counts: the first cell is cell 1
    stored: str
    got: str

    def describe(self, config: str) -> str:
        return (f"{self.notebook}, cell {self.cell} [{config}]:\n"
                f"    stored: {self.stored}\n"
                f"    got:    {self.got}")


@dataclass
class Result:
    notebook: str
    config: str
    seconds: float = 0.0
    checked_cells: int = 0
    differences: list[Difference] = field(default_factory=list)
    error: str | None = None


def output_text(cell) -> str:
    """The text of a code cell's outputs as nbval compares it (streams, text results, errors)."""
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            parts.append(out.get("data", {}).get("text/plain", ""))
        elif kind == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}\n")
    text = "".join(p if isinstance(p, str) else "".join(p) for p in parts)
    return mask_measured(text)


def compare(stored_nb, executed_nb, name: str) -> tuple[int, list[Difference]]:
    """The checked cells' lines that differ between two versions of one notebook."""
    differences, checked = [], 0
    for n, (old, new) in enumerate(zip(stored_nb.cells, executed_nb.cells), 1):
        if old.cell_type != "code" or CHECK_TAG not in old.metadata.get("tags", []):
            continue
        checked += 1
        a, b = output_text(old).splitlines(), output_text(new).splitlines()
        for i in range(max(len(a), len(b))):
            la = a[i] if i < len(a) else "<no line>"
            lb = b[i] if i < len(b) else "<no line>"
            if la != lb:
                differences.append(Difference(name, n, la, lb))
    return checked, differences


def run_one(path: str, config: str, timeout: int = 600) -> Result:
    """Execute a copy of one solution notebook under `config`; compare its checked cells."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    result = Result(path.name, config)
    stored = nbformat.read(str(path), as_version=4)
    executed = nbformat.read(str(path), as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        for key in ("RNNLAB_SEED", "RNNLAB_BLAS_THREADS", "RNNLAB_TF_THREADS"):
            env.pop(key, None)
        env.update(config_env(config))
        env.update(RNNLAB_STRICT="1", RNNLAB_PROGRESS=str(Path(tmp) / "progress.json"))
        client = NotebookClient(executed, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}},
                                store_widget_state=True)
        start = time.perf_counter()
        try:
            client.execute(env=env, stderr=subprocess.DEVNULL)   # the kernel's own start-up warnings
        except CellExecutionError as exc:
            result.error = str(exc).strip().splitlines()[-1][:300]
        except Exception as exc:  # a dead kernel, a timeout
            result.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        result.seconds = time.perf_counter() - start
    result.checked_cells, result.differences = compare(stored, executed, path.name)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnlab robust", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="solution notebooks (default: all of solutions/)")
    parser.add_argument("--config", action="append",
                        help=f"configuration to run: {', '.join(CONFIGS)} or seedN "
                             f"(repeatable; default: {' and '.join(DEFAULT_CONFIGS)})")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or sorted((course_root() / "solutions").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"rnnlab robust: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    configs = args.config or DEFAULT_CONFIGS
    for c in configs:
        try:
            config_env(c)
        except ValueError as exc:
            print(f"rnnlab robust: {exc}", file=sys.stderr)
            return 2
    jobs = [(str(p), c) for c in configs for p in paths]
    print(f"executing {len(paths)} notebook(s) under {', '.join(configs)} "
          f"({' | '.join(f'{c}: ' + ' '.join(f'{k}={v}' for k, v in config_env(c).items()) for c in configs)})",
          flush=True)
    failed = 0
    start = time.perf_counter()
    with cf.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_one, p, c, args.timeout): (p, c) for p, c in jobs}
        for future in cf.as_completed(futures):
            r = future.result()
            status = "ok" if not (r.differences or r.error) else "DIFFERS" if not r.error else "ERROR"
            print(f"[{r.config}] {r.notebook}: {r.checked_cells} checked cells, {len(r.differences)} "
                  f"line(s) differ, {r.seconds:.1f} s: {status}", flush=True)
            if r.error:
                print(f"    the notebook stopped: {r.error}")
            for d in r.differences:
                print("  " + d.describe(r.config).replace("\n", "\n  "))
            failed += bool(r.differences or r.error)
    total = len(jobs)
    print(f"{total - failed} passed, {failed} failed ({time.perf_counter() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
