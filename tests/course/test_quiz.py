"""Every quiz bank is valid; grading gives the option's own explanation."""
import copy

import pytest
import yaml

from rnnlab.course import quiz
from rnnlab.course import progress

BANKS = sorted(quiz.quiz_dir().glob("*.yaml"))


def test_there_is_a_bank_for_every_solution_notebook():
    from rnnlab.session import course_root
    lessons = {p.name[:2] for p in (course_root() / "solutions").glob("[0-9][0-9]_*.ipynb")}
    banks = {p.name[:2] for p in BANKS}
    assert lessons and lessons <= banks, f"lessons without a quiz: {sorted(lessons - banks)}"


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_bank_schema(path):
    bank = quiz.validate(yaml.safe_load(path.read_text()), path.name)
    assert bank["lesson"] == path.name[:2]
    kinds = {q["kind"] for q in bank["questions"]}
    assert len(bank["questions"]) >= 4
    assert len(kinds) >= 2, "mix question kinds"


def test_validate_rejects_a_single_choice_with_two_right_answers():
    bank = yaml.safe_load(BANKS[0].read_text())
    bad = copy.deepcopy(bank)
    q = next(q for q in bad["questions"] if q["kind"] == "single")
    for o in q["options"]:
        o["correct"] = True
    with pytest.raises(quiz.BankError, match="exactly one correct option"):
        quiz.validate(bad)
    bad = copy.deepcopy(bank)
    next(q for q in bad["questions"] if q["kind"] != "numeric")["options"][0]["explanation"] = ""
    with pytest.raises(quiz.BankError, match="explanation"):
        quiz.validate(bad)


def test_grading_each_kind():
    single = {"kind": "single", "options": [
        {"text": "a", "correct": False, "explanation": "not a"}, {"text": "b", "correct": True, "explanation": "yes b"}]}
    assert quiz.grade(single, 1) == quiz.Feedback(True, "yes b")
    assert quiz.grade(single, 0) == quiz.Feedback(False, "not a")
    assert not quiz.grade(single, None).correct
    multi = {"kind": "multiple", "options": [
        {"text": "a", "correct": True, "explanation": "A"}, {"text": "b", "correct": True, "explanation": "B"},
        {"text": "c", "correct": False, "explanation": "C"}]}
    assert quiz.grade(multi, {0, 1}).correct
    fb = quiz.grade(multi, {0, 2})
    assert not fb.correct and "b (also right): B" in fb.text and "c (ticked but wrong): C" in fb.text
    num = {"kind": "numeric", "answer": 160, "tolerance": 0.5, "explanation": "E", "hint": "H"}
    assert quiz.grade(num, "160.2").correct and quiz.grade(num, "161") == quiz.Feedback(False, "H")
    assert not quiz.grade(num, "abc").correct


def test_answer_records_progress(private_progress):
    bank = quiz.load_bank("00")
    q = bank["questions"][0]
    right = next(i for i, o in enumerate(q["options"]) if o["correct"]) if q["kind"] != "numeric" else q["answer"]
    assert quiz.answer("00", q["id"], right).correct
    assert progress.load()["quizzes"]["00"][q["id"]]["correct"] is True


def test_widget_builds_for_every_bank(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    for path in BANKS:
        quiz.show(path.name[:2])
    assert len(shown) == len(BANKS)
    box = shown[0]
    assert "rnnlab-quiz" in box._dom_classes


def test_options_are_shown_in_a_fixed_shuffled_order():
    for path in BANKS:
        for q in quiz.load_bank(path.name[:2])["questions"]:
            if q["kind"] == "numeric":
                continue
            order = quiz.display_order(q)
            assert sorted(order) == list(range(len(q["options"])))
            assert order == quiz.display_order(q)
    firsts = [quiz.display_order(q)[0] for path in BANKS for q in quiz.load_bank(path.name[:2])["questions"]
              if q["kind"] == "single"]
    assert len(set(firsts)) > 1, "the right answer (often listed first in a bank) must not always be shown first"


def test_numeric_wrong_answers_get_their_own_explanation():
    q = next(q for q in quiz.load_bank("02")["questions"] if q["id"] == "param-count")
    assert "bias" in quiz.grade(q, 130).text
    assert quiz.grade(q, 140).correct
    assert not quiz.grade(q, "a lot").correct
    single = next(q for q in quiz.load_bank("02")["questions"] if q["kind"] == "single")
    assert not quiz.grade(single, "(N, T, H)").correct      # free text never crashes
