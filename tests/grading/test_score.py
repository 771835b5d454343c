"""Scoring: every hostile submission gets the right statuses in time, and the grader's verdicts
are the in-notebook checks' verdicts, across the process boundary."""
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from rnnlab import checks, grading

from submissions import (MEMORY, ROOT, SOLUTIONS, TIMEOUT, WRONG_STEP, exercise_cell, filled, hostile_submissions,
                         rows, run_cli, src, write)


@pytest.mark.parametrize("name", sorted(hostile_submissions(Path("/nonexistent")).keys()))
def test_hostile_submission_gets_the_right_statuses(hostile, name):
    expected = hostile["subs"][name][1]
    got = rows(hostile["out"])[name]
    if expected is None:
        pytest.skip(f"{name}: without Landlock its statuses depend on what it could reach; "
                    "test_escape_attempt_changes_nothing_outside_its_folder checks it")
    assert [r[6] for r in got] == expected, open(hostile["out"] / "feedback" / f"{Path(name).stem}.md").read()
    for r in got:
        assert r[4] == ("1" if r[6] == "passed" else "0")


def test_no_submission_takes_longer_than_its_timeouts(hostile):
    assert set(hostile["times"]) == set(hostile["subs"]), hostile["proc"].stderr[-2000:]
    for name, seconds in hostile["times"].items():
        # two exercises, each at most TIMEOUT, plus starting (and restarting) the sandbox
        assert seconds < 2 * TIMEOUT + 6, (name, seconds)


def test_one_bad_submission_never_changes_another_grade(hostile, tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(hostile["base"] / "subs" / "good.ipynb", alone / "good.ipynb")
    proc = run_cli([str(alone / "good.ipynb"), "--out", str(tmp_path / "out"), "--timeout", str(TIMEOUT)])
    assert proc.returncode == 0
    assert [r[1:] for r in rows(tmp_path / "out")["good.ipynb"]] == [r[1:] for r in rows(hostile["out"])["good.ipynb"]]


# --------------------------------------------------------------------------------------
# The grader gives the same verdicts as the in-notebook checks
# --------------------------------------------------------------------------------------

MISTAKES = {
    "bias_missing": {"2_1": WRONG_STEP},
    "only_array": {"2_1": SOLUTIONS["2.1"].replace("return h_next, RNNStepCache(x, h_prev, Wx, Wh, h_next)",
                                                   "return h_next")},
    "time_major": {"2_2": SOLUTIONS["2.2"].replace("return h, RNNCache(x, h0, Wx, Wh, h)",
                                                   "return h.transpose(1, 0, 2), RNNCache(x, h0, Wx, Wh, h)")},
    "crash_at_a_line": {"2_2": SOLUTIONS["2.2"].replace("    h_t = h0\n", "    h_t = h0\n    x[99]\n")},
    "in_place": {"2_1": SOLUTIONS["2.1"].replace("    h_next = np.tanh", "    x *= 1\n    x += 1\n    h_next = np.tanh")},
    "syntax_error": {"2_2": "def rnn_forward(x, h0, Wx, Wh, b)\n    return x\n"},
    "not_a_function": {"2_1": "rnn_step_forward = 42\n"},
    "stub": {"2_1": "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    raise NotImplementedError\n"},
    "solved": {},
}


def test_grader_verdicts_equal_the_in_notebook_checks(tmp_path):
    folder = tmp_path / "subs"
    write(folder, {f"{k}.ipynb": (filled(**v), None) for k, v in MISTAKES.items()})
    opts = grading.Options(timeout=10, memory_mb=MEMORY)
    reports = grading.grade(sorted(folder.glob("*.ipynb")), tmp_path / "out", jobs=2, opts=opts,
                            progress_stream=open(os.devnull, "w"))
    for rep in reports:
        cells = [(ex, src(exercise_cell(json.loads(rep.path.read_text()), ex))) for ex in ("2.1", "2.2")]
        expected = [r.line() for r in checks.evaluate_cells(cells)]
        got = [r.line for r in rep.rows]
        assert got == expected, rep.name
    by_name = {rep.name: rep for rep in reports}
    assert "(line " in by_name["crash_at_a_line.ipynb"].rows[1].line
    assert "changed its argument" in by_name["in_place.ipynb"].rows[0].line


# --------------------------------------------------------------------------------------
# Objects that are not plain data: a check's stand-in model
# --------------------------------------------------------------------------------------

EARLY_STOPPING = """import math


def fit_with_early_stopping(model, max_epochs, patience):
    best, best_epoch, best_weights = math.inf, 0, None
    val_losses = []
    for epoch in range(1, max_epochs + 1):
        model.train_epoch()
        loss = float(model.val_loss())
        val_losses.append(loss)
        if loss < best:
            best, best_epoch, best_weights = loss, epoch, model.get_weights()
        elif epoch - best_epoch >= patience:
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    return best_epoch, val_losses
"""
EARLY_STOPPING_VARIANTS = {
    "right": EARLY_STOPPING,
    "one_epoch_too_many": EARLY_STOPPING.replace("range(1, max_epochs + 1)", "range(0, max_epochs + 1)"),
    "no_restore": EARLY_STOPPING.replace("        model.set_weights(best_weights)\n", "        pass\n"),
    "swallows_the_checks_error": EARLY_STOPPING.replace(
        "        model.train_epoch()\n", "        try:\n            model.train_epoch()\n        except Exception:\n"
                                        "            break\n").replace("range(1, max_epochs + 1)", "range(0, 99)"),
    "reads_private_state": EARLY_STOPPING.replace("    val_losses = []\n", "    val_losses = []\n    model._secret\n"),
}


@pytest.mark.skipif(not any(e.id == "13.2" for e in checks.exercises(13)), reason="lesson 13 has no exercise 13.2")
def test_a_checks_stand_in_object_is_served_to_the_learner(tmp_path):
    def notebook(source):
        cell = {"cell_type": "code", "metadata": {"rnnlab": {"exercise": "13.2"}}, "outputs": [],
                "execution_count": None, "source": source}
        return {"cells": [cell], "metadata": {"rnnlab": {"lesson": "13"}}, "nbformat": 4, "nbformat_minor": 5}
    write(tmp_path / "subs", {f"{k}.ipynb": (notebook(v), None) for k, v in EARLY_STOPPING_VARIANTS.items()})
    reports = grading.grade(sorted((tmp_path / "subs").glob("*.ipynb")), tmp_path / "out", jobs=2,
                            opts=grading.Options(timeout=10, memory_mb=MEMORY), progress_stream=open(os.devnull, "w"))
    for rep in reports:
        source = EARLY_STOPPING_VARIANTS[rep.path.stem]
        got = next(r for r in rep.rows if r.exercise == "13.2")
        if rep.path.stem == "reads_private_state":       # the stand-in serves public attributes only
            assert got.status == "failed" and "AttributeError" in got.line
            continue
        assert got.line == checks.evaluate_cells([("13.2", source)])[0].line(), rep.name
    statuses = {rep.path.stem: next(r for r in rep.rows if r.exercise == "13.2").status for rep in reports}
    assert statuses["right"] == "passed" and statuses["one_epoch_too_many"] == "failed"


def _imports_keras(nb: dict) -> bool:
    return any(re.search(r"\b(keras|tensorflow)\b", src(c)) for c in nb["cells"]
               if c.get("metadata", {}).get("rnnlab", {}).get("exercise"))


def test_every_lesson_grades_across_the_process_boundary(tmp_path):
    """Solutions get full marks and unfilled lessons no points, as in-process (numpy-only exercise
    cells; Keras models crossing the boundary are tested in test_wire.py without starting TensorFlow twice)."""
    folder = tmp_path / "subs"
    folder.mkdir()
    for kind in ("solutions", "lessons"):
        for path in sorted((ROOT / kind).glob("[0-9][0-9]_*.ipynb")):
            nb = json.loads(path.read_text(encoding="utf-8"))
            if not _imports_keras(nb) and checks.exercises(int(path.name[:2])):
                shutil.copy(path, folder / f"{kind}_{path.name}")
    paths = sorted(folder.glob("*.ipynb"))
    assert len(paths) >= 6
    reports = grading.grade(paths, tmp_path / "out", jobs=2, opts=grading.Options(timeout=60, memory_mb=2048),
                            progress_stream=open(os.devnull, "w"))
    for rep in reports:
        if rep.name.startswith("solutions_"):
            assert all(r.status == "passed" for r in rep.rows), [r.line for r in rep.rows]
        else:
            assert all(r.status != "passed" for r in rep.rows), [r.line for r in rep.rows]
