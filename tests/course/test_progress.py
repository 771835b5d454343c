"""The progress store: atomic, locked, and nothing lost with concurrent writers."""
import json
import multiprocessing as mp
import os

from rnnlab import checks
from rnnlab.course import dashboard
from rnnlab.course import progress


def _writer(path, worker, n):
    os.environ["RNNLAB_PROGRESS"] = path
    for i in range(n):
        progress.record_quiz("02", f"w{worker}-q{i}", correct=i % 2 == 0)


def test_concurrent_writers_lose_nothing(tmp_path):
    path = str(tmp_path / "p.json")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 40)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    data = json.loads(open(path).read())
    assert len(data["quizzes"]["02"]) == 4 * 40
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_exercise_records_keep_best_status(private_progress):
    fail = checks.Result("2.1", "rnn_step_forward", "failed", "hint")
    ok = checks.Result("2.1", "rnn_step_forward", "passed")
    progress.record_exercise(fail)
    progress.record_exercise(ok)
    progress.record_exercise(fail)
    entry = progress.load()["exercises"]["2.1"]
    assert entry["status"] == "failed" and entry["best"] == "passed" and entry["attempts"] == 3


def test_unreadable_store_is_kept_aside_not_overwritten(private_progress):
    private_progress.parent.mkdir(parents=True, exist_ok=True)
    private_progress.write_text("{not json")
    progress.record_quiz("00", "q", True)
    assert json.loads(private_progress.read_text())["quizzes"]["00"]["q"]["correct"] is True
    backups = list(private_progress.parent.glob("progress.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_text() == "{not json"


def test_summary_and_table_cover_every_lesson(private_progress):
    progress.record_exercise(checks.Result("2.1", "rnn_step_forward", "passed"))
    rows = dashboard.summary()
    row = next(r for r in rows if r["lesson"] == "02")
    assert row["exercises_passed"] == 1 and row["exercises_total"] == len(checks.exercises(2))
    text = dashboard.table(rows)
    assert "02 Hidden state" in text and "total" in text


def test_progress_command_prints_table_and_json(private_progress):
    import subprocess, sys
    progress.record_quiz("00", "check-line", True)
    out = subprocess.run([sys.executable, "-m", "rnnlab", "progress", "--json"], capture_output=True, text=True,
                         env={**os.environ, "RNNLAB_PROGRESS": str(private_progress)}, check=True).stdout
    data = json.loads(out)
    assert any(r["lesson"] == "00" and r["quiz_correct"] == 1 for r in data["lessons"])
