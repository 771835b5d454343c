"""The notebook runner: the child process that runs a whole submission with nbclient (phase 1,
`--execute`), only to tell the learner whether it runs top to bottom (feedback, never points).

Started by `children.run_notebook` as `python -P -s -m rnnlab.grading.runner` in its own
temporary folder (not the one phase 2 uses: nothing it leaves behind reaches the scoring);
the grader never imports this module (it is the child's `__main__`). It applies its limits
and Landlock (reads: also `quizzes/`) before the kernel starts, so the kernel inherits both;
asked for Landlock and not given it, it does not run the notebook.
"""
from __future__ import annotations

import os
import re
import time

from ..outcomes import RAISES_TAG
from ..session import course_root
from .channels import BlockingChannel
from .isolation import apply_limits, landlock_restrict, readable_roots, redirect_std_fds


def main() -> None:
    """Entry point of the notebook runner child: nbclient on the temporary copy."""
    fin, fout = redirect_std_fds()
    chan = BlockingChannel(fin, fout)
    cfg, _ = chan.recv()
    apply_limits(cfg)
    abi, note = 0, ""
    if cfg.get("landlock"):
        try:
            extra = [str(course_root() / "quizzes")]
            abi = landlock_restrict([cfg["tmp"]], readable_roots(extra), writable_files=[os.devnull])
        except OSError as exc:
            abi, note = 0, f"Landlock could not be applied: {exc}"
        if abi < 1:
            chan.send({"op": "done", "ran": False, "why": f"not run: could not isolate it ({note})"})
            os._exit(3)
    result = {"op": "done", "landlock": abi, "note": note}
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
        nb = nbformat.read(cfg["notebook"], as_version=4)
        client = NotebookClient(nb, timeout=int(cfg["cell_timeout"]), kernel_name="python3",
                                resources={"metadata": {"path": cfg["tmp"]}}, store_widget_state=True)
        start = time.monotonic()
        try:
            client.execute()
            result.update(ran=True)
        except CellTimeoutError:
            result.update(ran=False, why=f"a cell did not finish within {cfg['cell_timeout']} s")
        except DeadKernelError:
            result.update(ran=False, why="the kernel died (a crash, os._exit, or a memory limit)")
        except CellExecutionError as exc:
            result.update(ran=False, why=f"{exc.ename}: {str(exc.evalue)[:200]}")
        result["seconds"] = round(time.monotonic() - start, 1)
        code = [c for c in nb.cells if c.cell_type == "code"]
        done = [c for c in code if c.get("execution_count")]
        result["cells"], result["executed"] = len(code), len(done)
        failed = None
        for i, c in enumerate(nb.cells):
            for o in c.get("outputs", []):
                if o.get("output_type") == "error" and RAISES_TAG not in c.metadata.get("tags", []):
                    failed = failed if failed is not None else i + 1      # as Jupyter numbers cells
        result["failed_cell"] = failed
        lines = []
        for c in code:
            for o in c.get("outputs", []):
                if o.get("output_type") == "stream":
                    lines += [ln for ln in str(o.get("text", "")).splitlines() if re.match(r"Exercise \d+\.\d+ ", ln)]
        result["check_lines"] = lines[:50]
    except Exception as exc:
        result.update(ran=False, why=f"the notebook could not be run: {type(exc).__name__}: {str(exc)[:200]}")
    chan.send(result)
    os._exit(0)


if __name__ == "__main__":
    main()
