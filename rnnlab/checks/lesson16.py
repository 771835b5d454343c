"""Checks of lesson 16 (real time series): seasonal_naive_day_ahead."""
import numpy as np

from ..data import energy
from . import register
from .probes import Mistake, as_result_array, close, diagnose, quiet_call, rng
from .variants import Equations, declare


def day_ahead_equations(e, load, season):
    """seasonal_naive_day_ahead as the lesson writes it, with the places a learner can slip marked."""
    load = np.asarray(load, dtype=float)
    lag = e.pick("the lag", season, right="season hours", **{
        "24 hours whatever the season": 24, "168 hours whatever the season": 168,
        "season days (24 * season hours)": 24 * season, "season // 24 hours": max(1, season // 24)})
    lag = e.shift("the lag", lag, symbol="season", fix="hour t is forecast as load[t - season]")
    out = np.full(len(load), np.nan)
    if 0 < lag < len(load):
        out[lag:] = load[:-lag]
    first = e.pick("the first days", np.nan, right="NaN (not known yet)", **{"0": 0.0})
    out[:min(max(lag, 0), len(out))] = first
    return {"forecast": e.pick("the rows", out.reshape(-1, 24), right="one row per day, reshape(D, 24)", **{
        "reshape(24, D).T (wrong axis)": lambda: out.reshape(24, -1).T})}


DAY_AHEAD_EQUATIONS = Equations(
    "seasonal_naive_day_ahead", day_ahead_equations, args=("load", "season"),
    equations={"the lag": "hour t is forecast as load[t - season], season in hours (24 or 168)",
               "the first days": "the first season // 24 days cannot be forecast: fill them with NaN",
               "the rows": "row d is day d: out.reshape(D, 24)"},
    wrap=lambda out, a: out["forecast"])


def day_probe(D=10, seed=16):
    """Hourly values of D days, every value different, so each misplaced index is recognisable."""
    r = rng(seed)
    hours = np.arange(24 * D)
    return 1000 + 300 * np.sin(2 * np.pi * hours / 24) + 10 * hours + r.uniform(0, 1, 24 * D)


def _shifted(load, lag, D=None):
    """Hour t forecast as load[t - lag] (NaN where t - lag < 0 or beyond the end), as (D, 24)."""
    out = np.full(len(load), np.nan)
    if lag > 0:
        out[lag:] = load[:-lag]
    elif lag == 0:
        out[:] = load
    else:
        out[:lag] = load[-lag:]
    return out.reshape(-1, 24)


def _wrong_forecasts(load, season):
    """(wrong value, hint) for the typical mistakes, in the order they are recognised."""
    D = len(load) // 24
    days = load.reshape(D, 24)
    out = [
        (_shifted(load, 0), "the forecast of day d is day d itself: that uses tomorrow's values, which are not "
                            "known when a day-ahead forecast is made. Use load[t - season]."),
        (_shifted(load, season - 24) if season > 24 else None,
         f"off by one day: with season={season} the forecast of hour t is load[t - season], {season // 24} days "
         f"back; you went back {season // 24 - 1}."),
        (_shifted(load, season + 24), f"off by one day: you went back {season // 24 + 1} days; with "
                                      f"season={season} the forecast of hour t is load[t - season], "
                                      f"{season // 24} days back."),
        (_shifted(load, 24) if season != 24 else None,
         f"the `season` argument is ignored: with season={season} the forecast is load[t - {season}], not the "
         "same hour yesterday (season 24 vs 168: use the argument)."),
        (_shifted(load, 168) if season != 168 else None,
         f"season 24 vs 168: the forecast went back a week (168 hours) although season={season}; use the "
         "argument."),
        (_shifted(load, 24 * season) if 24 * season < len(load) else np.full((D, 24), np.nan),
         "season is in HOURS (24 = one day, 168 = one week), not days: shift by `season` hours."),
        (_shifted(load, season // 24), "season is in HOURS: the forecast of hour t is load[t - season], not "
                                       "load[t - season // 24]."),
        (_shifted(load, -season), "the forecast looks forward in time, load[t + season]: that is tomorrow's "
                                  "value. Use load[t - season]."),
        (np.where(np.isnan(_shifted(load, season)), 0.0, _shifted(load, season)),
         "the first days are filled with 0: those days cannot be forecast yet, fill them with NaN."),
    ]
    wrong_axis = np.full(len(load), np.nan)
    wrong_axis[season:] = load[:-season]
    out.append((wrong_axis.reshape(24, D).T, "wrong axis: each ROW is one day, so reshape to (D, 24), "
                                             "reshape(-1, 24), not (24, D) then transposed."))
    return [(w, h) for w, h in out if w is not None]


@register("16.1", "seasonal_naive_day_ahead", "The seasonal-naive day-ahead forecast",
          energy.seasonal_naive_day_ahead, shapes="load (24 * D,)")
def check_seasonal_naive_day_ahead(seasonal_naive_day_ahead):
    for D, season in [(10, 24), (10, 168), (12, 48)]:
        load = day_probe(D)
        expected = energy.seasonal_naive_day_ahead(load, season)
        got = as_result_array(quiet_call(seasonal_naive_day_ahead, load, season),
                              f"seasonal_naive_day_ahead(load, {season})")
        n_nan = season // 24
        if got.shape == (D - n_nan, 24) and close(got, expected[n_nan:]):
            raise Mistake(f"the first {n_nan} day(s) were dropped: keep all D = {D} rows and fill those that "
                          "cannot be forecast with NaN, so row d is always day d.")
        if got.ndim == 1 and got.shape == (24 * D,):
            raise Mistake(f"the result is flat, shape {got.shape}: return one row per day, shape (D, 24) = "
                          f"({D}, 24).")
        if got.shape == (24, D) and D != 24:
            raise Mistake(f"the result has shape {got.shape}, (24, D): wrong axis; each ROW is one day, "
                          f"shape (D, 24) = ({D}, 24).")
        if got.shape != expected.shape:
            raise Mistake(f"with D = {D} days and season = {season}, expected shape (D, 24) = {expected.shape}, "
                          f"received {got.shape}.")
        if not close(got, expected):
            if close(np.nan_to_num(got, nan=-1.0)[n_nan:], np.nan_to_num(expected, nan=-1.0)[n_nan:]):
                if np.all(got[:n_nan] == 0):
                    raise Mistake(f"the first {n_nan} day(s) are filled with 0: those days cannot be forecast "
                                  "yet, fill them with NaN (a 0 would count as a forecast of 0 MW).")
                raise Mistake(f"the first {n_nan} day(s) should be NaN (not known yet), received "
                              f"{got[:n_nan].ravel()[:3]} ...")
            diagnose(got, expected, f"the forecast (D={D}, season={season})", DAY_AHEAD_EQUATIONS.variants(
                (load, season)).candidates("forecast", first=_wrong_forecasts(load, season)))


declare("16.1", DAY_AHEAD_EQUATIONS, lambda: [(day_probe(D), season) for D, season in [(10, 24), (10, 168), (12, 48)]])
