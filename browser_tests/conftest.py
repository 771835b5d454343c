"""Fixtures for the real-browser test: one JupyterLab server and one headless Chromium per run.

The server serves a temporary copy of lessons/ on 127.0.0.1 with its own token, its own
Jupyter config/data/runtime folders, lab settings and workspaces, and RNNLAB_PROGRESS
pointing at a temporary file, so the test never touches a learner's files or progress.
Chromium is Debian's `chromium` driven by Playwright through `executable_path` (Playwright
never downloads a browser here). Without Chromium the test is skipped with a message,
except under CI (CI=true), where that is a failure.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SERVER_START_TIMEOUT = 120      # s, a cold JupyterLab start takes 3-10 s
NEWS_OFF = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_configure(config):
    # always say why a browser test was skipped (no Chromium, lesson not written yet)
    chars = getattr(config.option, "reportchars", "") or ""
    if "s" not in chars and "a" not in chars.lower():
        config.option.reportchars = chars + "s"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)    # lets fixtures see whether the test failed
    return rep


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _missing(reason: str):
    """Skip on a learner's machine; fail under CI, where the browser test must run."""
    if _under_ci():
        pytest.fail(f"{reason} (CI=true: the browser test must run; .ci/run installs the Debian package chromium)",
                    pytrace=False)
    pytest.skip(f"{reason}; the browser test is skipped. Install it with `sudo apt-get install chromium` "
                f"(Debian/Ubuntu) to run it.")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        _missing("Chromium was not found (no `chromium` on PATH)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the Python package playwright is not installed")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_news_off() -> None:
    """The Makefile's install step writes this; write it here too when it is missing."""
    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(NEWS_OFF) + "\n", encoding="utf-8")


class LabServer:
    def __init__(self, tmp: Path, log: Path):
        self.tmp = tmp
        self.root = tmp / "root"
        self.progress = tmp / "progress.json"
        self.token = secrets.token_hex(16)
        self.log_path = log
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def _request(self, path: str, method: str = "GET", timeout: float = 5):
        req = urllib.request.Request(self.base + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()

    def start(self) -> None:
        shutil.copytree(ROOT / "lessons", self.root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        dirs = {name: self.tmp / name for name in ("config", "data", "runtime", "ipython", "settings", "workspaces")}
        for d in dirs.values():
            d.mkdir()
        (dirs["settings"] / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
        (dirs["settings"] / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps(NEWS_OFF["@jupyterlab/apputils-extension:notification"]), encoding="utf-8")
        env = dict(os.environ,
                   RNNLAB_PROGRESS=str(self.progress),
                   JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
                   JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]),
                   JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
                   TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
        env.pop("RNNLAB_STRICT", None)
        for attempt in range(3):
            self.port = _free_port()
            cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True",
                   f"--LabApp.user_settings_dir={dirs['settings']}", f"--LabApp.workspaces_dir={dirs['workspaces']}",
                   # a safety net if this process is killed before its teardown runs
                   "--ServerApp.shutdown_no_activity_timeout=900",
                   "--MappingKernelManager.cull_idle_timeout=900", "--MappingKernelManager.cull_interval=120"]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--allow-root")
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if self._request("/api/status")[0] == 200:
                        return
                except (urllib.error.URLError, ConnectionError, OSError):
                    pass
                time.sleep(0.25)
            if self.proc.poll() is None:   # still running but never answered: give up
                self.stop()
                break
            # exited (e.g. the port was taken in the meantime): try another port
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"JupyterLab did not start within {SERVER_START_TIMEOUT} s. Log tail:\n{tail}")

    def shutdown_kernel(self, kernel_id: str) -> None:
        try:
            self._request(f"/api/kernels/{kernel_id}", method="DELETE", timeout=30)
        except Exception:
            pass

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:   # the clean way: the server shuts its kernels down first
            self._request("/api/shutdown", method="POST")
        except Exception:
            pass
        for sig, wait in ((None, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            if sig is not None:
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # kernels started by the server run in their own sessions: make sure none is left
        for kernel_pid in _kernel_pids(self.tmp / "runtime"):
            try:
                os.kill(kernel_pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _kernel_pids(runtime: Path) -> list[int]:
    """Pids of processes still running an ipykernel with a connection file in `runtime`."""
    pids = []
    proc = Path("/proc")
    if not proc.is_dir():
        return pids
    for d in proc.iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmdline = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(str(runtime).encode() in part for part in cmdline) and any(b"ipykernel" in p for p in cmdline):
            pids.append(int(d.name))
    return pids


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, artifacts, chromium_path):
    _ensure_news_off()
    server = LabServer(tmp_path_factory.mktemp("lab"), artifacts / "server.log")
    server.log_path.write_bytes(b"")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(tmp_path_factory, chromium_path, lab_server):
    """A persistent Chromium context on a new, empty profile directory."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, accept_downloads=False)
        try:
            context.set_default_timeout(60_000)
            yield context
        finally:
            context.close()
