"""The progress dashboard: its numbers come from dashboard.summary(); the widget shows them."""
from rnnlab import checks
from rnnlab.course import progress
from rnnlab.course import dashboard


def test_rows_give_fractions_and_a_total(private_progress):
    progress.record_exercise(checks.Result("0.1", "one_hot", "passed"))
    progress.record_quiz("00", "some-question", correct=True)
    summary = dashboard.summary()
    table = dashboard.rows(summary)
    assert len(table) == len(summary) + 1 and table[-1]["lesson"] == "total"
    first = next(r for r in table if r["lesson"] == "00")
    assert first["exercises_passed"] == 1 and first["exercises_fraction"] == 1 / first["exercises_total"]
    total = table[-1]
    assert total["exercises_passed"] == sum(r["exercises_passed"] for r in summary)
    assert 0 < total["done"] < 1
    assert all(0 <= r["done"] <= 1 for r in table)


def test_a_lesson_with_nothing_to_do_is_not_a_division_by_zero():
    row = {"lesson": "99", "title": "x", "exercises_passed": 0, "exercises_total": 0, "quiz_correct": 0,
           "quiz_total": 0}
    r = dashboard.rows([row])[0]
    assert r["done"] == r["exercises_fraction"] == r["quiz_fraction"] == 0.0
    assert "<td>-</td>" in dashboard.render([r])


def test_widget_shows_every_lesson_and_refreshes(private_progress):
    box = dashboard.show()
    table = box.children[1]
    for r in dashboard.summary():
        assert f"{r['lesson']} " in table.value
    assert ">0/1<" in table.value or "0/1" in table.value
    progress.record_exercise(checks.Result("0.1", "one_hot", "passed"))
    button = box.children[2].children[0]
    button.click()
    assert "1/1" in table.value
