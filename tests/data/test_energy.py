"""The shipped Seattle City Light demand, your own CSV with clear errors, and the day-ahead helpers."""
import numpy as np
import pytest

from rnnlab.data import energy


@pytest.fixture(scope="module")
def scl():
    return energy.load_demand()


def test_shipped_file_is_small_and_complete(scl):
    assert energy.SCL_FILE.stat().st_size < 400_000
    assert len(scl) == 35064
    assert scl.utc[0] == np.datetime64("2015-07-02T00") and np.all(np.diff(scl.utc).astype(int) == 1)
    # raw demand is missing exactly where the screening says MISSING; cleaned demand is never missing
    assert np.array_equal(np.isnan(scl.raw), scl.category == "MISSING")
    assert not np.isnan(scl.cleaned).any()
    assert (scl.raw[scl.category == "NEG_OR_ZERO"] <= 0).all()
    assert {"OKAY", "MISSING", "NEG_OR_ZERO", "DELTA", "IDENTICAL_RUN"} <= set(scl.category)


def test_local_days_are_whole_days_from_local_midnight(scl):
    dates, where = energy.local_days(scl)
    assert where.shape == (len(dates), 24)
    local_hour = (scl.utc[where] + np.timedelta64(energy.UTC_OFFSET, "h")).astype(int) % 24
    assert np.array_equal(local_hour, np.tile(np.arange(24), (len(dates), 1)))
    assert np.all(np.diff(dates).astype(int) == 1)


def test_seasonal_naive_uses_only_earlier_days():
    load = np.arange(24 * 9, dtype=float)
    day = energy.seasonal_naive_day_ahead(load, 24)
    week = energy.seasonal_naive_day_ahead(load, 168)
    assert day.shape == week.shape == (9, 24)
    assert np.isnan(day[0]).all() and np.isnan(week[:7]).all() and not np.isnan(week[7:]).any()
    assert np.array_equal(day[3], load[48:72]) and np.array_equal(week[8], load[24:48])
    last = energy.last_hour_day_ahead(load)
    assert np.isnan(last[0]).all() and (last[5] == load[5 * 24 - 1]).all()
    with pytest.raises(ValueError, match="multiple of 24"):
        energy.seasonal_naive_day_ahead(load, 12)
    with pytest.raises(ValueError, match=r"\(24 \* D,\)"):
        energy.seasonal_naive_day_ahead(load[:30], 24)


def test_calendar_and_holidays():
    h = energy.us_holidays([2019])
    assert np.datetime64("2019-07-04") in h and np.datetime64("2019-11-28") in h     # Thanksgiving
    assert np.datetime64("2019-05-27") in h and np.datetime64("2019-01-21") in h     # Memorial, MLK
    f = energy.calendar_features(np.array(["2019-07-04", "2019-07-06"], dtype="datetime64[D]"))
    assert f.shape == (2, 8) and f[0, 3] == 1 and f[0, 7] == 1 and f[1, 5] == 1 and f[1, 7] == 0


def test_errors_and_scores():
    mae, mape = energy.mae_mape(np.array([1100.0, 450.0, np.nan]), np.array([1000.0, 500.0, 700.0]))
    assert mae == pytest.approx(75.0) and mape == pytest.approx(10.0)
    flags = np.array([True, True, False, True, False])
    cat = np.array(["MISSING", "OKAY", "DELTA", "DELTA", "OKAY"])
    p, r, rows = energy.precision_recall_by_category(flags, cat)
    assert p == pytest.approx(2 / 3) and r == pytest.approx(2 / 3)
    assert dict((n, rec) for n, _, _, rec, _ in rows) == {"DELTA": 0.5, "MISSING": 1.0}


def test_own_csv(tmp_path):
    good = tmp_path / "mine.csv"
    good.write_text("time,demand\n2020-01-01 00:00,10\n2020-01-01 01:00,\n2020-01-01 02:00,12\n")
    d = energy.load_demand(good)
    assert len(d) == 3 and np.isnan(d.raw[1]) and list(d.category) == ["OKAY", "MISSING", "OKAY"]
    gap = tmp_path / "gap.csv"
    gap.write_text("time,demand\n2020-01-01T00,10\n2020-01-01T03,11\n")
    with pytest.raises(ValueError, match="not hourly.*3 hours apart"):
        energy.load_demand(gap)
    nodemand = tmp_path / "nodemand.csv"
    nodemand.write_text("time,temperature\n2020-01-01T00,10\n")
    with pytest.raises(ValueError, match="no demand column"):
        energy.load_demand(nodemand)
    notime = tmp_path / "notime.csv"
    notime.write_text("when,demand\n2020-01-01T00,10\n")
    with pytest.raises(ValueError, match="no time column"):
        energy.load_demand(notime)
    with pytest.raises(FileNotFoundError):
        energy.load_demand(tmp_path / "absent.csv")
