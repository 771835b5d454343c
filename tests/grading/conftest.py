import json
import os

import pytest

from submissions import grade_hostile_batch, hostile_submissions


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """The hostile batch, graded once per test run (xdist workers share it through a lock file)."""
    import fcntl
    import types
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    root = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    base = root / "hostile-batch"
    with open(root / "hostile-batch.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / "result.json"
        if not done.exists():
            base.mkdir(exist_ok=True)
            done.write_text(json.dumps(grade_hostile_batch(base)))
        result = json.loads(done.read_text())
    proc = types.SimpleNamespace(returncode=result["returncode"], stdout=result["stdout"], stderr=result["stderr"])
    return dict(base=base, subs=hostile_submissions(base / "outside.txt"), hashes=result["hashes"], proc=proc,
                out=base / "out", times=result["times"], outside=base / "outside.txt",
                repo_before=result["repo_before"])
