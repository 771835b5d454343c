"""Running a course (issue 19): learners by folder, --merge, the gradebook with a roster, late work,
LMS files, flags, clean feedback with Jupyter's numbering, per-lesson default timeouts."""
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rnnlab import cli
from rnnlab.session import course_root
from rnnlab.grading import batch, flags, timing
from rnnlab.grading.text import learner_traceback
from rnnlab.grading.score import _timeout_hint
from submissions import LANDLOCK, ROOT, SOLUTIONS, WRONG_STEP, filled, rows, run_cli, write

T = "4"       # --timeout in these tests


def table(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def put(path: Path, nb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


# ---------------------------------------------------------------- learners by folder

def test_learners_by_folder_and_by_file(tmp_path):
    put(tmp_path / "root" / "ann" / "lessons" / "02_hidden_state.ipynb", filled())
    put(tmp_path / "root" / "ann" / ".ipynb_checkpoints" / "02_hidden_state-checkpoint.ipynb", filled())
    put(tmp_path / "root" / "bo" / "whatever.ipynb", filled())
    put(tmp_path / "root" / "cy.ipynb", filled())
    put(tmp_path / "dee.ipynb", filled())
    found = [(p.relative_to(tmp_path).as_posix(), who) for p, who in
             batch.discover([tmp_path / "root", tmp_path / "dee.ipynb"])]
    assert found == [("root/cy.ipynb", "cy"), ("root/ann/lessons/02_hidden_state.ipynb", "ann"),
                     ("root/bo/whatever.ipynb", "bo"), ("dee.ipynb", "dee")]


def test_same_name_files_of_two_learners_stay_apart(tmp_path):
    put(tmp_path / "root" / "a" / "alice.ipynb", filled())
    put(tmp_path / "root" / "b" / "alice.ipynb", filled(**{"2_1": WRONG_STEP}))
    proc = run_cli([str(tmp_path / "root"), "--out", str(tmp_path / "out"), "--timeout", T])
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = table(tmp_path / "out" / "grades.csv")
    assert {(r[1], r[3], r[6]) for r in got[1:]} == {("a", "2.1", "passed"), ("a", "2.2", "passed"),
                                                     ("b", "2.1", "failed"), ("b", "2.2", "passed")}
    fb = tmp_path / "out" / "feedback"
    assert sorted(p.name for p in fb.iterdir()) == ["a.md", "b.md"]
    assert (fb / "a.md").read_text().splitlines()[0] == f"# Feedback for a: {tmp_path / 'root' / 'a' / 'alice.ipynb'}"
    assert (fb / "b.md").read_text().splitlines()[0] == f"# Feedback for b: {tmp_path / 'root' / 'b' / 'alice.ipynb'}"


def test_one_learner_twice_for_one_lesson_is_a_usage_error(tmp_path):
    one = put(tmp_path / "a" / "alice.ipynb", filled())
    two = put(tmp_path / "b" / "alice.ipynb", filled())
    proc = run_cli([str(one), str(two), "--out", str(tmp_path / "out"), "--timeout", T])
    assert proc.returncode == 2
    assert str(one) in proc.stderr and str(two) in proc.stderr and "'alice'" in proc.stderr
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- --merge

def test_non_empty_out_needs_merge(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    good = put(tmp_path / "alice.ipynb", filled())
    proc = run_cli([str(good), "--out", str(tmp_path / "out"), "--timeout", T])
    assert proc.returncode == 2 and "--merge" in proc.stderr and "another folder" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes.txt"]


def test_merge_replaces_only_the_learners_graded_now(tmp_path):
    subs = tmp_path / "subs"
    put(subs / "alice" / "02.ipynb", filled())
    put(subs / "bob" / "02.ipynb", filled(**{"2_1": WRONG_STEP}))
    out = tmp_path / "out"
    assert run_cli([str(subs), "--out", str(out), "--timeout", T]).returncode == 0
    alice_feedback = (out / "feedback" / "alice.md").read_text()
    late = tmp_path / "late" / "bob" / "02_resubmitted.ipynb"
    put(late, filled())                                   # bob hands in a corrected notebook
    proc = run_cli([str(tmp_path / "late"), "--out", str(out), "--timeout", T, "--merge"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = table(out / "grades.csv")
    assert got[0] == ["submission", "learner", "lesson", "exercise", "points", "max_points", "status"]
    by = {(r[1], r[3]): (r[0], r[6]) for r in got[1:]}
    assert len(got) == 5                                  # 2 learners x 2 exercises, no duplicates
    assert by[("alice", "2.1")] == (str(subs / "alice" / "02.ipynb"), "passed")
    assert by[("bob", "2.1")] == (str(late), "passed")
    assert (out / "feedback" / "alice.md").read_text() == alice_feedback
    assert "passed" in (out / "feedback" / "bob.md").read_text().split("## Exercise 2.1")[1].splitlines()[0]
    manifest = json.loads((out / "submissions.json").read_text())["submissions"]
    assert sorted(e["learner"] for e in manifest) == ["alice", "bob"]


# ---------------------------------------------------------------- flags, feedback

def test_flags_never_change_points(tmp_path):
    subs = {
        "copies_reference.ipynb": filled(**{"2_1": "from rnnlab.reference import rnn_step_forward\n"}),
        "imports_module.ipynb": filled(**{"2_2": "import rnnlab.reference as r\nrnn_forward = r.rnn_forward\n"}),
        "reads_solutions.ipynb": filled(**{"2_1": "import glob\nSEEN = glob.glob('../../solutions/*')\n"
                                                  + SOLUTIONS["2.1"]}),
        "honest.ipynb": filled(),             # imports RNNStepCache from rnnlab.reference, as the stub does
    }
    write(tmp_path / "subs", {k: (v, None) for k, v in subs.items()})
    proc = run_cli([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--timeout", T])
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = rows(tmp_path / "out")
    for name in subs:
        assert [r[6] for r in got[name]] == ["passed", "passed"], name
    manifest = {e["learner"]: e for e in json.loads((tmp_path / "out" / "submissions.json").read_text())["submissions"]}
    assert manifest["honest"]["flags"] == []
    lesson = nbformat.read(course_root() / "lessons" / "02_hidden_state.ipynb", as_version=4)
    cell = 1 + next(i for i, c in enumerate(lesson.cells)       # as Jupyter counts cells: from 1
                    if c.get("metadata", {}).get("rnnlab", {}).get("exercise") == "2.1")
    assert manifest["copies_reference"]["flags"] == [
        f"reference: exercise 2.1 (cell {cell}, line 1) imports rnnlab.reference (rnn_step_forward)"]
    assert manifest["imports_module"]["flags"][0].startswith("reference: exercise 2.2")
    assert manifest["reads_solutions"]["flags"][0].startswith("solutions: exercise 2.1")
    assert re.search(r"^copies_reference .* reference$", proc.stdout, re.M)
    assert re.search(r"^honest .* -$", proc.stdout, re.M)


@pytest.mark.skipif(not LANDLOCK, reason="the blocked attempt is seen by the sandbox's audit hook under Landlock")
def test_blocked_tampering_is_flagged(hostile):
    manifest = {e["learner"]: e for e in json.loads((hostile["out"] / "submissions.json").read_text())["submissions"]}
    escape = manifest["escape_attempt"]["flags"]
    assert any(f.startswith("tampering: tried to write solutions/02_hidden_state.ipynb") and "blocked" in f
               for f in escape), escape
    assert any(f == "solutions: opened solutions/02_hidden_state.ipynb" for f in escape), escape
    assert manifest["good"]["flags"] == [] and manifest["escape_attempt"]["points"] == 2
    assert re.search(r"^escape_attempt .* solutions, tampering$", hostile["proc"].stdout, re.M)


def test_restored_tampering_is_flagged_without_landlock(tmp_path):
    victim = ROOT / "quizzes" / "02_hidden_state.yaml"
    before = victim.read_bytes()
    tamper = f"with open({str(victim)!r}, 'ab') as f:\n    f.write(b'# tampered')\n" + SOLUTIONS["2.1"]
    write(tmp_path / "subs", {"tamper.ipynb": (filled(**{"2_1": tamper}), None)})
    env = dict(os.environ, RNNLAB_GRADE_NO_LANDLOCK="1")
    proc = subprocess.run([sys.executable, "-m", "rnnlab", "grade", str(tmp_path / "subs"), "--out",
                           str(tmp_path / "out"), "--timeout", T], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert victim.read_bytes() == before
    (entry,) = json.loads((tmp_path / "out" / "submissions.json").read_text())["submissions"]
    assert any(f.startswith("tampering: changed files outside its folder, restored: quizzes/02_hidden_state.yaml")
               for f in entry["flags"]), entry["flags"]


def test_execute_flags_a_notebook_that_does_not_run(tmp_path):
    nb = filled()
    nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "1 / 0"})
    nb["cells"] = nb["cells"][:4]            # a short notebook: the broken cell is its 4th
    for i, c in enumerate(filled()["cells"]):
        if c.get("metadata", {}).get("rnnlab", {}).get("exercise"):
            nb["cells"].append(c)
    write(tmp_path / "subs", {"breaks.ipynb": (nb, None)})
    proc = run_cli([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--execute", "--timeout", "20"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    (entry,) = json.loads((tmp_path / "out" / "submissions.json").read_text())["submissions"]
    assert entry["runs"] is False and entry["points"] == 2
    assert any(f.startswith("does not run: the notebook does not run top to bottom (stopped at cell 4)")
               for f in entry["flags"]), entry["flags"]
    assert re.search(r"^breaks .* NO  does not run$", proc.stdout, re.M), proc.stdout
    assert "No (cell 4): ZeroDivisionError" in (tmp_path / "out" / "feedback" / "breaks.md").read_text()


def test_feedback_is_clean_and_counts_like_jupyter(tmp_path):
    crash = SOLUTIONS["2.1"].replace("    h_next = np.tanh", "    q = {}['missing']\n    h_next = np.tanh")
    cell_line = crash.splitlines().index("    q = {}['missing']") + 1
    def_line = next(i for i, ln in enumerate(crash.splitlines(), 1) if ln.startswith("def rnn_step_forward"))
    write(tmp_path / "subs", {"crash.ipynb": (filled(**{"2_1": crash}), None),
                              "bad_cell.ipynb": (filled(**{"2_2": "x = 1\nraise ValueError('no')\n"}), None)})
    assert run_cli([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--timeout", T]).returncode == 0
    for name in ("crash", "bad_cell"):
        text = (tmp_path / "out" / "feedback" / f"{name}.md").read_text()
        for internal in ("rnnlab/", "site-packages", "exec(compile", sys.prefix, "/usr/lib", ".py\", line",
                         "Traceback"):
            assert internal not in text, (name, internal, text)
    text = (tmp_path / "out" / "feedback" / "crash.md").read_text()
    # the check's own line, as the notebook prints it (lines counted in the function), then the cell's line
    assert f"rnn_step_forward raised KeyError (line {cell_line - def_line + 1} of rnn_step_forward)" in text, text
    assert f"line {cell_line} of your cell, in rnn_step_forward: q = {{}}['missing']" in text
    # one line per exercise, right under its heading
    section = text.split("## Exercise 2.1 `rnn_step_forward`: failed\n\n")[1]
    assert section.splitlines()[0].startswith("Exercise 2.1 rnn_step_forward: failed. ") and section.splitlines()[1] == ""
    assert "line 2 of your cell" in (tmp_path / "out" / "feedback" / "bad_cell.md").read_text()


def test_learner_traceback_keeps_only_the_learners_frames():
    tb = ('Traceback (most recent call last):\n'
          '  File "/venv/lib/python3.11/site-packages/rnnlab/grading/sandbox.py", line 92, in _handle\n'
          '    exec(compile(msg["source"], f"<exercise {msg[\'id\']}>", "exec"), self.ns)\n'
          '  File "<exercise 2.1>", line 7, in rnn_step_forward\n'
          '    q = {}["missing"]\n'
          'KeyError: \'missing\'\n')
    assert learner_traceback(tb) == "line 7 of your cell, in rnn_step_forward: q = {}[\"missing\"]\nKeyError: 'missing'"


# ---------------------------------------------------------------- per-lesson timeouts

def test_default_timeouts_come_from_measured_times(tmp_path):
    measured = timing.measured()
    assert {"02", "05"} <= set(measured)
    assert timing.timeout_from({"1": 0.2}) == timing.FLOOR
    assert timing.timeout_from({"1": 0.2, "2": 6.4}) == 36.0          # 4 x 6.4 + 10, rounded up
    # the default of a lesson with a Keras exercise lets it finish; a numpy lesson's is short
    slowest05 = max(measured["05"].values())
    assert timing.default_timeout("05") >= 3 * slowest05
    assert timing.default_timeout("02") <= 20
    # the built lesson's metadata wins over timings.json (and the submission's metadata is never read)
    fake = tmp_path / "course"
    (fake / "lessons").mkdir(parents=True)
    nb = {"metadata": {"rnnlab": {"lesson": "05", "grade_timeout": 77}}, "cells": []}
    (fake / "lessons" / "05_lstm.ipynb").write_text(json.dumps(nb))
    assert timing.stamped_timeout("05", fake) == 77.0


def test_built_lessons_carry_their_default_timeout():
    for lesson, times in timing.measured().items():
        stamped = timing.stamped_timeout(lesson)
        if stamped is not None:                       # lessons built after timings.json was measured
            assert stamped == timing.timeout_from(times), lesson


def test_grade_uses_the_lesson_default_and_timeout_overrides(tmp_path):
    good = put(tmp_path / "alice.ipynb", filled())
    assert run_cli([str(good), "--out", str(tmp_path / "a")]).returncode == 0
    (entry,) = json.loads((tmp_path / "a" / "submissions.json").read_text())["submissions"]
    assert entry["timeout"] == timing.default_timeout("02")
    assert run_cli([str(good), "--out", str(tmp_path / "b"), "--timeout", "7"]).returncode == 0
    (entry,) = json.loads((tmp_path / "b" / "submissions.json").read_text())["submissions"]
    assert entry["timeout"] == 7.0


def test_a_slow_exercise_is_not_called_an_endless_loop():
    from rnnlab import checks
    ex = next(e for e in checks.exercises(5) if e.id == "5.4")          # the Keras exercise
    took = timing.exercise_seconds("05", "5.4")
    assert took is not None and took > 1
    slow = _timeout_hint("05", ex, 10.0 if took * 3 + 2 > 10 else took)
    assert "loop that never ends" not in slow and "larger --timeout" in slow
    ex2 = checks.exercises(2)[0]
    assert "look for a loop that never ends" in _timeout_hint("02", ex2, 15.0)


# ---------------------------------------------------------------- gradebook, roster, late, LMS

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Lesson 02 graded for 4 learners (one late, one flagged, one off the roster) on a roster of 4."""
    base = tmp_path_factory.mktemp("course")
    subs = base / "subs" / "02"
    plan = {"ann": filled(), "bo": filled(**{"2_1": WRONG_STEP}), "cy": filled(**{"2_1": "from rnnlab.reference import "
                                                                                   "rnn_step_forward\n"}),
            "zed": filled()}
    for who, nb in plan.items():
        p = put(subs / who / "02_hidden_state.ipynb", nb)
        t = 1764608400 if who != "bo" else 1764608400 + 3 * 86400      # 2025-12-01 17:00 UTC; bo 3 days later
        os.utime(p, (t, t))
    proc = run_cli([str(subs), "--out", str(base / "grades" / "02"), "--timeout", T, "--jobs", "2"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(base / "roster.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["learner", "name", "email", "section", "deadline_L02"])
        w.writerows([["ann", "Ames, Ann", "ann@example.edu", "A", "2025-12-01T18:00:00+00:00"],
                     ["bo", "Bell, Bo", "bo@example.edu", "A", "2025-12-01"],
                     ["cy", "Cole, Cy", "cy@example.edu", "B", "2025-12-01"],
                     ["dot", "Dunn, Dot", "dot@example.edu", "B", "2025-12-01"]])
    return base


def gradebook(course, *extra):
    return subprocess.run([sys.executable, "-m", "rnnlab", "gradebook", str(course / "grades" / "02"),
                           "--out", str(course / "gb.csv"), *extra], capture_output=True, text=True, timeout=300)


def test_gradebook_with_roster(course):
    proc = gradebook(course, "--roster", str(course / "roster.csv"))
    assert proc.returncode == 0, proc.stderr
    got = table(course / "gb.csv")
    assert got[0] == ["learner", "L02", "total", "max_total", "status_L02", "roster"]
    assert got[1:] == [["ann", "2", "2", "2", "ok", "yes"],
                       ["bo", "1", "1", "2", "late", "yes"],
                       ["cy", "2", "2", "2", "flagged", "yes"],
                       ["dot", "0", "0", "2", "missing", "yes"],            # on the roster, submitted nothing
                       ["zed", "2", "2", "2", "ok", "NOT ON ROSTER"]]       # listed after, marked
    assert "not on the roster: zed" in proc.stdout and "flag cy L02: reference" in proc.stdout


def test_gradebook_without_roster_has_no_late_or_missing(course):
    assert gradebook(course).returncode == 0
    got = table(course / "gb.csv")
    assert [r[0] for r in got[1:]] == ["ann", "bo", "cy", "zed"] and [r[4] for r in got[1:]] == ["ok", "ok",
                                                                                                    "flagged", "ok"]


def test_canvas_file(course):
    proc = gradebook(course, "--roster", str(course / "roster.csv"), "--lms", "canvas", "--lms-out",
                     str(course / "canvas.csv"))
    assert proc.returncode == 0, proc.stderr
    got = table(course / "canvas.csv")
    assert got[0] == ["Student", "ID", "SIS User ID", "Section", "L02"]
    assert got[1] == ["Points Possible", "", "", "", "2"]
    assert got[2:] == [["Ames, Ann", "", "ann", "A", "2"], ["Bell, Bo", "", "bo", "A", "1"],
                       ["Cole, Cy", "", "cy", "B", "2"], ["Dunn, Dot", "", "dot", "B", "0"]]
    assert "left out (not on the roster): zed" in proc.stdout


def test_moodle_file(course):
    proc = gradebook(course, "--roster", str(course / "roster.csv"), "--lms", "moodle", "--lms-out",
                     str(course / "moodle.csv"))
    assert proc.returncode == 0, proc.stderr
    assert table(course / "moodle.csv") == [["Email address", "L02"], ["ann@example.edu", "2"],
                                            ["bo@example.edu", "1"], ["cy@example.edu", "2"], ["dot@example.edu", "0"]]


def test_gradebook_usage_errors(course, tmp_path):
    assert cli.main(["gradebook", str(tmp_path), "--out", str(tmp_path / "gb.csv")]) == 2
    assert cli.main(["gradebook", str(course / "grades" / "02"), "--out", str(tmp_path / "gb.csv"),
                     "--lms", "moodle", "--lms-out", str(tmp_path / "m.csv")]) == 2       # moodle needs emails
    bad = tmp_path / "roster.csv"
    bad.write_text("name\nAnn\n")
    assert cli.main(["gradebook", str(course / "grades" / "02"), "--out", str(tmp_path / "gb.csv"),
                     "--roster", str(bad)]) == 2


def test_readme_pandas_snippet_reads_every_column_as_text(course):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = next(b for b in re.findall(r"```(?:python)?\n(.*?)```", readme, re.S) if "pd.read_csv" in b)
    assert "dtype=str" in snippet
    assert gradebook(course).returncode == 0
    grades = course / "grades" / "02" / "grades.csv"
    code = snippet.replace("grades/02/grades.csv", str(grades)).replace("gradebook.csv", str(course / "gb.csv"))
    ns = {}
    exec(compile(code, "README snippet", "exec"), ns)
    g = ns["g"]
    assert set(g["lesson"]) == {"02"} and set(g["exercise"]) == {"2.1", "2.2"}
