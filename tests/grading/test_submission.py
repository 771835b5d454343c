"""Reading submissions: the lesson and exercise cells, what an unreadable file gets; hidden tests."""
import json

from rnnlab import grading

from submissions import filled, notebook, rows


def test_unknown_lesson_gets_one_error_row(hostile):
    by_name = rows(hostile["out"])
    for name in ("invalid_json.ipynb", "empty.ipynb", "not_a_notebook.ipynb", "no_metadata_at_all.ipynb"):
        assert [r[1:] for r in by_name[name]] == [[name[:-6], "?", "*", "0", "0", "error"]]
    assert [r[2:4] for r in by_name["02_truncated.ipynb"]] == [["02", "2.1"], ["02", "2.2"]]


def test_lesson_and_cells_are_found_without_running_anything():
    nb = filled()
    parsed = grading.parse_submission(json.dumps(nb).encode(), "alice.ipynb")
    assert parsed.lesson == "02" and parsed.error is None
    assert [ex for ex, _, _ in parsed.cells] == ["2.1", "2.2"]
    del nb["metadata"]["rnnlab"]
    assert grading.parse_submission(json.dumps(nb).encode(), "bob.ipynb").lesson == "02"      # from the cells
    assert grading.parse_submission(b"{", "02_carol.ipynb").lesson == "02"                     # from the name


def test_hidden_tests_are_found_in_solutions_and_absent_from_lessons():
    tests = grading.load_hidden_tests()
    assert {"2.1", "2.2"} <= set(tests)
    lesson = json.dumps(notebook("lessons", "02"))
    assert "hidden_test_2_1" not in lesson and "hidden_test_2_2" not in lesson
