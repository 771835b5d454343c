"""`python -m rnnlab doctor`: a report a learner can paste into a question."""
from __future__ import annotations

import importlib.metadata as md
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGES = ["rnnlab", "numpy", "matplotlib", "ipywidgets", "jupyterlab", "jupyterlab_widgets",
            "ipykernel", "keras", "tensorflow-cpu", "tensorflow", "nbval", "pytest", "PyYAML"]


def _version(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
        return f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        return "unknown"


def _tensorflow_probe(timeout: int = 120) -> tuple[bool, str]:
    """Import TensorFlow in a fresh process the way the notebooks do; report time and any stderr."""
    code = ("import rnnlab, time; t = time.perf_counter(); rnnlab.session.quiet_environment(); "
            "import tensorflow as tf; print(f'{tf.__version__} {time.perf_counter() - t:.1f}')")
    try:
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"import took over {timeout} s"
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        return False, f"import failed: {last}"
    version, seconds = p.stdout.split()
    noise = [l for l in p.stderr.splitlines() if l.strip()]
    if noise:
        return False, f"TensorFlow {version} imports in {seconds} s but prints {len(noise)} log line(s): {noise[0][:100]}"
    return True, f"TensorFlow {version} imports quietly in {seconds} s"


def _store_probe() -> tuple[bool, str]:
    from .course import progress
    path = progress.store_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".doctor-", delete=True):
            pass
        return True, f"progress store writable: {path}"
    except OSError as exc:
        return False, f"progress store NOT writable: {path} ({exc}); set RNNLAB_PROGRESS to a writable file"


def venv_note(root: Path | None = None, prefix: str | None = None) -> str | None:
    """A plain sentence when this Python is not the course's .venv (None when it is, or there is none)."""
    root = root or Path(__file__).resolve().parent.parent
    venv = root / ".venv"
    prefix = Path(prefix or sys.prefix).resolve()
    if not venv.is_dir() or prefix == venv.resolve():
        return None
    return (f"this is not the course's Python: you ran {sys.executable}, but `make lab` installed the course "
            f"into {venv}. Run `make doctor` in {root}, or `{venv}/bin/python -m rnnlab doctor`; in "
            f"JupyterLab started by `make lab` notebooks already use the course's Python.")


def report(check_tensorflow: bool = True) -> tuple[bool, str]:
    lines, ok = [], True
    outside = venv_note()
    lines.append(f"rnnlab doctor  ({time.strftime('%Y-%m-%d %H:%M')})")
    lines.append(f"python      {platform.python_version()} ({sys.executable})")
    lines.append(f"platform    {platform.platform()} {platform.machine()}")
    lines.append(f"cpu cores   {os.cpu_count()}    memory {_memory_gib()}")
    for name in PACKAGES:
        v = _version(name)
        if v:
            lines.append(f"{name:<19} {v}")
    if outside:
        ok = False
        lines.append("PROBLEM     " + outside)
    if not _version("tensorflow-cpu") and not _version("tensorflow"):
        ok = False
        if outside:
            lines.append("PROBLEM     TensorFlow is not installed in this Python (it is in the course's .venv: see above)")
        else:
            lines.append("PROBLEM     TensorFlow is not installed: run `make lab` (or pip install -r requirements.txt)")
    if not _version("jupyterlab_widgets"):
        ok = False
        lines.append("PROBLEM     jupyterlab_widgets (the ipywidgets front end) is missing: sliders will not show")
    else:
        lines.append("ok          ipywidgets front end (jupyterlab_widgets) installed")
    root = Path(__file__).resolve().parent.parent
    if not (root / "quizzes").is_dir():
        lines.append(f"note        no quizzes/ folder next to the package ({root}); set RNNLAB_ROOT to the course folder")
    good, msg = _store_probe()
    ok &= good
    lines.append(("ok          " if good else "PROBLEM     ") + msg)
    if check_tensorflow and (_version("tensorflow-cpu") or _version("tensorflow")):
        good, msg = _tensorflow_probe()
        ok &= good
        lines.append(("ok          " if good else "PROBLEM     ") + msg)
    lines.append("all good" if ok else "some problems above: paste this report when you ask for help")
    return ok, "\n".join(lines)
