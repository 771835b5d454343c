"""Lesson 16 (real time series): the check of seasonal_naive_day_ahead passes the reference and names
each planted mistake."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.data import energy

from mistakes import assert_hint_names, planted


def naive_with(lag=lambda season: season, shape="days", fill=np.nan, drop=False, ret=True):
    """seasonal_naive_day_ahead with one planted mistake: hour t forecast as load[t - lag(season)]."""
    def seasonal_naive_day_ahead(load, season=24):
        load = np.asarray(load, dtype=float)
        s = lag(season)
        out = np.full(len(load), fill)
        if s > 0:
            out[s:] = load[:-s]
        elif s == 0:
            out[:] = load
        else:
            out[:s] = load[-s:]
        if not ret:
            return None
        if shape == "flat":
            return out
        if shape == "transposed":
            return out.reshape(24, -1).T
        if shape == "(24, D)":
            return out.reshape(-1, 24).T
        days = out.reshape(-1, 24)
        return days[season // 24:] if drop else days
    return seasonal_naive_day_ahead


MISTAKES = {
    "uses the day being forecast": (naive_with(lag=lambda s: 0), "tomorrow's values"),
    "one day too far back": (naive_with(lag=lambda s: s + 24), "off by one day"),
    "one day too recent (weekly)": (naive_with(lag=lambda s: s - 24 if s > 24 else s), "off by one day"),
    "season ignored, always 24": (naive_with(lag=lambda s: 24), "`season` argument is ignored"),
    "always a week back": (naive_with(lag=lambda s: 168), "season 24 vs 168"),
    "season read as days": (naive_with(lag=lambda s: 24 * s), "HOURS"),
    "season divided by 24": (naive_with(lag=lambda s: s // 24), "HOURS"),
    "looks forward": (naive_with(lag=lambda s: -s), "tomorrow's value"),
    "zeros instead of NaN": (naive_with(fill=0.0), "filled with 0"),
    "wrong axis in the reshape": (naive_with(shape="transposed"), "wrong axis"),
    "returns (24, D)": (naive_with(shape="(24, D)"), "wrong axis"),
    "drops the first days": (naive_with(drop=True), "dropped"),
    "flat result": (naive_with(shape="flat"), "flat"),
    "no return": (naive_with(ret=False), "return"),
}


@pytest.mark.parametrize("wrong, phrase", planted(MISTAKES))
def test_seasonal_naive_check_names_the_mistake(wrong, phrase):
    assert_hint_names("16.1", wrong, phrase)


def test_reference_and_a_different_correct_version_pass():
    assert checks.evaluate("16.1", energy.seasonal_naive_day_ahead).passed

    def by_days(load, season=24):
        days = np.asarray(load, float).reshape(-1, 24)
        back = season // 24
        out = np.full(days.shape, np.nan)
        out[back:] = days[:-back]
        return out
    assert checks.evaluate("16.1", by_days).passed


def test_not_attempted():
    def stub(load, season=24):
        raise NotImplementedError
    assert checks.evaluate("16.1", stub).status == checks.NOT_ATTEMPTED
