"""The one helper of the check tests: plant a wrong version of an exercise function, and the
check must fail it with a hint that names the mistake.

A lesson's test file declares its table of mistakes and one parametrized test per exercise:

    STEP_MISTAKES = {"forgot the bias": (wrong_fn, "missing the bias"), ...}

    @pytest.mark.parametrize("wrong, phrase", planted(STEP_MISTAKES))
    def test_rnn_step_forward_check_names_the_mistake(wrong, phrase):
        assert_hint_names("2.1", wrong, phrase)

and uses `assert_hint_names` for its one-off wrong versions too.
"""
import pytest

from rnnlab import checks


def assert_hint_names(exercise_id: str, wrong_fn, *phrases: str) -> checks.Result:
    """Exercise `exercise_id`'s check fails `wrong_fn` (a planted mistake never passes), and its
    hint contains every phrase. Returns the result, for further asserts."""
    res = checks.evaluate(exercise_id, wrong_fn)
    assert res.status == checks.FAILED, res.line()
    for phrase in phrases:
        assert phrase in res.hint, res.hint
    return res


def planted(table: dict, build=None) -> list:
    """pytest params (wrong_fn, phrase), one per entry of `table`, with the entry's name as test id.

    table: {name: (wrong_fn, phrase)}; or, with `build`, {name: phrase} and wrong_fn = build(name)
    (for families of wrong versions made by one function, e.g. `step_backward_variant(.., name)`).
    """
    if build is not None:
        table = {name: (build(name), phrase) for name, phrase in table.items()}
    return [pytest.param(fn, phrase, id=name) for name, (fn, phrase) in table.items()]
