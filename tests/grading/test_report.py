"""What the grader writes: grades.csv with plain status names, feedback with the checks' own hints,
the summary table and the progress lines."""
import csv
import re
from pathlib import Path

import nbformat

from rnnlab.grading.options import HEADER, Report, Row
from rnnlab.grading.report import summary_table, write_outputs
from rnnlab.outcomes import Status
from rnnlab.session import course_root


def test_grades_csv_has_the_header_and_plain_status_names(tmp_path):
    statuses = list(Status)
    rows = [Row(f"2.{i}", f"f{i}", s, int(s == Status.PASSED), 1, f"Exercise 2.{i} f{i}: {s}")
            for i, s in enumerate(statuses, 1)]
    reports = [Report(Path("a/alice.ipynb"), "alice.ipynb", "02", "", rows, [], learner="a"),
               Report(Path("b/alice.ipynb"), "alice.ipynb", "02", "", rows[:1], [], learner="b")]
    write_outputs(reports, tmp_path)
    with open(tmp_path / "grades.csv", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == HEADER == ["submission", "learner", "lesson", "exercise", "points", "max_points", "status"]
    assert [r[6] for r in table[1:len(statuses) + 1]] == ["passed", "failed", "not_attempted", "error", "timeout"]
    assert {(r[0], r[1]) for r in table[1:]} == {("a/alice.ipynb", "a"), ("b/alice.ipynb", "b")}
    # same-name files of two learners: two feedback files, each titled with its learner and path
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == ["a.md", "b.md"]
    text = (tmp_path / "feedback" / "a.md").read_text()
    assert text.startswith("# Feedback for a: a/alice.ipynb")
    assert (tmp_path / "feedback" / "b.md").read_text().startswith("# Feedback for b: b/alice.ipynb")
    assert "| 2.3 | `f3` | not attempted | 0/1 |" in text and "**1 of 5 points**" in text
    assert "exercise 2.1   f1" in summary_table(reports, 1.0, 1)


def test_feedback_gives_the_checks_own_hints(hostile):
    fb = hostile["out"] / "feedback"
    text = (fb / "monkeypatch_checks.md").read_text()
    assert "Exercise 2.1 rnn_step_forward: failed. h_next is missing the bias" in text
    assert "should be a numpy array, got Anything" in (fb / "always_equal.md").read_text()
    # the notebook's own check now catches the overflowing hand-written tanh (issue 14), before any hidden test
    assert "np.exp overflows" in (fb / "hidden_test_catches_manual_tanh.md").read_text()
    assert "did not finish within 4 s" in (fb / "infinite_loop_cell.md").read_text()
    assert "SIGSEGV" in (fb / "segfault.md").read_text()
    assert "memory" in (fb / "memory_bomb.md").read_text()
    assert "not attempted" in (fb / "deleted_exercise_cell.md").read_text()
    lesson = nbformat.read(course_root() / "lessons" / "02_hidden_state.ipynb", as_version=4)
    cell = 1 + next(i for i, c in enumerate(lesson.cells)       # as Jupyter counts cells: from 1
                    if c.get("metadata", {}).get("rnnlab", {}).get("exercise") == "2.1")
    assert f"cell {cell}, which defines `rnn_step_forward`, was graded" in (fb / "cell_without_metadata.md").read_text()
    assert "lesson 02 was taken from its exercise cells" in (fb / "no_lesson_metadata.md").read_text()
    assert "not valid JSON" in (fb / "invalid_json.md").read_text()


def test_summary_table_and_progress(hostile):
    out = hostile["proc"].stdout
    assert "exercise 2.1" in out and "submissions in" in out
    assert len(re.findall(r"^graded \d+/\d+: ", hostile["proc"].stderr, re.M)) == len(hostile["subs"])
