"""The batch: every submission gets rows and feedback, submissions are never modified, usage errors
exit 2 without writing anything."""
import hashlib
import json
from pathlib import Path

import pytest

from submissions import filled, rows


def test_hostile_batch_runs_and_writes_every_row(hostile):
    assert hostile["proc"].returncode == 0, hostile["proc"].stderr[-2000:]
    by_name = rows(hostile["out"])
    assert set(by_name) == set(hostile["subs"])
    for name in hostile["subs"]:
        assert (hostile["out"] / "feedback" / f"{Path(name).stem}.md").is_file()


def test_submissions_are_byte_identical_after_grading(hostile):
    for name, digest in hostile["hashes"].items():
        assert hashlib.sha256((hostile["base"] / "subs" / name).read_bytes()).hexdigest() == digest, name


def test_usage_errors_exit_2(tmp_path):
    from rnnlab import cli
    good = tmp_path / "good.ipynb"
    good.write_text(json.dumps(filled()))
    assert cli.main(["grade", str(tmp_path / "missing.ipynb"), "--out", str(tmp_path / "o")]) == 2
    assert cli.main(["grade", str(good), "--out", str(tmp_path / "o"), "--jobs", "0"]) == 2
    assert cli.main(["grade", str(good), "--out", str(tmp_path / "o"), "--timeout", "0"]) == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["grade", str(good)])                   # --out missing
    assert exc.value.code == 2
    assert not (tmp_path / "o").exists()
