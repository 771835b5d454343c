"""Processes: trees are found and killed, memory is measured, and what a submission leaves behind
is killed, never the grader's own children."""
import os
import subprocess
import sys
import time

import psutil

from rnnlab import grading
from rnnlab.grading import processes
from rnnlab.grading.options import RUN_TOKEN_ENV

from submissions import MEMORY, SOLUTIONS, TIMEOUT, filled, write

SLEEPER = [sys.executable, "-c", "import subprocess, sys, time; "
           "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"]


def _wait_for(condition, seconds=10.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _token(pid):
    try:
        return psutil.Process(pid).environ().get(RUN_TOKEN_ENV)
    except psutil.Error:
        return None


def test_a_tree_is_found_measured_and_killed():
    proc = subprocess.Popen(SLEEPER, start_new_session=True)
    try:
        assert _wait_for(lambda: len(processes.descendants(proc.pid)) == 1)
        grandchild = processes.descendants(proc.pid)[0]
        assert processes.tree_rss(proc.pid) > processes.rss(proc.pid) > 0
        processes.kill_tree(proc.pid)
        assert proc.wait(timeout=10) < 0
        assert _wait_for(lambda: processes.rss(grandchild) == 0)
    finally:
        processes.kill_tree(proc.pid)
    assert processes.descendants(proc.pid) == [] and processes.rss(proc.pid) == 0


def test_strays_are_killed_but_never_the_graders_own_children(tmp_path):
    token = f"rnnlab-test-strays-{os.getpid()}"
    env = dict(os.environ, **{RUN_TOKEN_ENV: token})
    stray = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], env=env)
    own = processes.spawn([sys.executable, "-c", "import time; time.sleep(60)"], str(tmp_path), env)
    try:
        # once each has exec'd: before that, its environment is still the test's
        assert _wait_for(lambda: _token(stray.pid) == token and _token(own.pid) == token)
        assert processes.kill_strays(token) == 1
        assert stray.wait(timeout=10) < 0
        assert own.poll() is None
    finally:
        stray.kill()
        own.kill()
        processes.release(own)


def test_detached_processes_are_killed(tmp_path):
    sub = filled(**{"2_1": "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\n"
                           + SOLUTIONS["2.1"]})
    write(tmp_path / "subs", {"detach.ipynb": (sub, None)})
    opts = grading.Options(timeout=TIMEOUT, memory_mb=MEMORY, run_token="rnnlab-test-detach")
    reports = grading.grade([tmp_path / "subs" / "detach.ipynb"], tmp_path / "out", opts=opts,
                            progress_stream=open(os.devnull, "w"))
    assert [r.status for r in reports[0].rows] == ["passed", "passed"]
    time.sleep(0.5)
    left = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                env = open(f"/proc/{entry}/environ", "rb").read()
            except OSError:
                continue
            if b"RNNLAB_GRADE_RUN=rnnlab-test-detach" in env:
                state = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    left.append(entry)
    assert not left
