"""Hourly electricity demand (lesson 16): Seattle City Light, offline, and your own CSV; numpy only.

The shipped file `files/eia_scl.csv.gz` (240 KB) holds 35,064 hours, 2015-07-02 00:00 to
2019-08-31 23:00 UTC, of Seattle City Light (SCL), one balancing authority of the US grid:

    utc          hour in UTC, e.g. 2015-07-02T00
    raw_mw       demand as reported to the U.S. EIA (Form-930), MW; empty where nothing was reported
    category     the data set authors' screening of raw_mw: OKAY, MISSING, NEG_OR_ZERO, DELTA, SINGLE_DELTA,
                 IDENTICAL_RUN, ANOMALOUS_REGION, LOCAL_DEM_DOWN, LOCAL_DEM_UP, GLOBAL_DEM, GLOBAL_DEM_PLUS_MINUS
                 (rule-based, not ground truth)
    cleaned_mw   the authors' cleaned demand (flagged hours imputed), MW
    forecast_mw  SCL's own day-ahead demand forecast, MW; empty where missing

Source and licence: T. Ruggles and D. Farnham, EIA Cleaned Hourly Electricity Demand Data, Zenodo,
doi 10.5281/zenodo.3517197, CC BY 4.0; raw data: U.S. Energy Information Administration, Form EIA-930.
Values are rounded to whole MW (they are whole MW in the source except for a few cleaned values).

Your own file: `load_demand("my.csv")` reads any CSV with a time column (`utc`, `time`, `date_time`
or `datetime`, one row per hour, ISO format) and a demand column (`raw_mw`, `demand`, `load` or
`cleaned_mw`); the other columns are optional.
"""
from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILES = Path(__file__).parent / "files"
SCL_FILE = FILES / "eia_scl.csv.gz"
UTC_OFFSET = -8          # Seattle local STANDARD time (UTC-8), used all year so every day has 24 hours

TIME_COLUMNS = ("utc", "time", "date_time", "datetime")
DEMAND_COLUMNS = ("raw_mw", "demand", "load", "cleaned_mw")


@dataclass
class Demand:
    """One balancing authority's hourly series; arrays of equal length T (NaN where missing)."""
    utc: np.ndarray            # datetime64[h]
    raw: np.ndarray            # float MW
    category: np.ndarray       # str
    cleaned: np.ndarray        # float MW
    forecast: np.ndarray       # float MW

    def __len__(self):
        return len(self.utc)


def _number(v: str) -> float:
    v = v.strip()
    if v in ("", "EMPTY", "MISSING", "nan", "NaN"):
        return np.nan
    return float(v)


def load_demand(path: str | Path = SCL_FILE) -> Demand:
    """Read the shipped Seattle City Light file, or your own hourly CSV (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no file {path}: give the path of a CSV with an hourly time column and a demand column")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2:
        raise ValueError(f"{path} has no data rows: expected a header line and one row per hour.")
    header = [h.strip().lower() for h in rows[0]]
    tcol = next((header.index(c) for c in TIME_COLUMNS if c in header), None)
    if tcol is None:
        raise ValueError(f"{path} has no time column: expected one of {TIME_COLUMNS}, received columns {header}.")
    found = [c for c in DEMAND_COLUMNS if c in header]
    if not found:
        raise ValueError(f"{path} has no demand column: expected one of {DEMAND_COLUMNS}, received columns {header}.")
    col = {name: header.index(name) for name in header}
    body = [r for r in rows[1:] if r]
    try:
        utc = np.array([r[tcol].strip().replace(" ", "T")[:13] for r in body], dtype="datetime64[h]")
    except ValueError as err:
        raise ValueError(f"{path}: a time value is not an ISO date and hour like 2019-01-01T05 ({err}).") from None
    step = np.diff(utc).astype(int)
    if len(step) and not np.all(step == 1):
        k = int(np.argmax(step != 1))
        raise ValueError(f"{path} is not hourly: rows {k + 1} and {k + 2} ({utc[k]} and {utc[k + 1]}) are "
                         f"{step[k]} hours apart; expected one row per hour, in order, with no gaps "
                         "(leave the demand empty for a missing hour).")

    def column(name, fallback):
        if name in col:
            return np.array([_number(r[col[name]]) for r in body])
        return fallback

    demand = column(found[0], None)
    raw = column("raw_mw", demand)
    cleaned = column("cleaned_mw", raw)
    forecast = column("forecast_mw", np.full(len(body), np.nan))
    category = (np.array([r[col["category"]].strip() for r in body]) if "category" in col
                else np.where(np.isnan(raw), "MISSING", "OKAY"))
    return Demand(utc, raw, category, cleaned, forecast)


# Days: the series as a (days, 24) table in local standard time

def local_days(d: Demand, offset: int = UTC_OFFSET):
    """Cut the series into whole local days: returns (dates (D,) datetime64[D], index (D, 24)) where
    index[i, h] is the position in `d` of hour h (local standard time) of day dates[i]."""
    local = d.utc + np.timedelta64(offset, "h")
    first = int(np.argmax(local.astype("datetime64[h]").astype(int) % 24 == 0))
    D = (len(d) - first) // 24
    index = first + np.arange(D * 24).reshape(D, 24)
    dates = local[index[:, 0]].astype("datetime64[D]")
    return dates, index


def seasonal_naive_day_ahead(load: np.ndarray, season: int = 24) -> np.ndarray:
    """Day-ahead seasonal-naive forecast (exercise 16.1).

    load: (24 * D,) hourly values, starting at hour 0 of day 0. The forecast of day d is made at the
    end of day d - 1, so it may use hours before 24 * d only. With a season of `season` hours (a
    multiple of 24: 24 = same hour yesterday, 168 = same hour last week) the forecast of hour t is
    load[t - season]. Returns (D, 24); rows whose value is not known yet (the first season // 24 days)
    are NaN.
    """
    load = np.asarray(load, dtype=float)
    if load.ndim != 1 or len(load) % 24:
        raise ValueError(f"load should be hourly values of whole days, shape (24 * D,); received shape {load.shape}")
    if season <= 0 or season % 24:
        raise ValueError(f"season should be a positive multiple of 24 hours (24 or 168); received {season}")
    out = np.full(len(load), np.nan)
    out[season:] = load[:-season]
    return out.reshape(-1, 24)


def last_hour_day_ahead(load: np.ndarray) -> np.ndarray:
    """Day-ahead 'last known hour': every hour of day d is forecast as hour 23 of day d - 1. (D, 24)."""
    days = np.asarray(load, dtype=float).reshape(-1, 24)
    out = np.full(days.shape, np.nan)
    out[1:] = days[:-1, -1:]
    return out


# Calendar

def us_holidays(years) -> np.ndarray:
    """US federal holidays (observed on the nearest weekday) for the given years, datetime64[D]."""
    def nth(year, month, weekday, n):      # n-th weekday (Mon = 0) of a month; n = -1 for the last
        first = np.datetime64(f"{year}-{month:02d}-01")
        days = first + np.arange(31)
        days = days[days.astype("datetime64[M]") == first.astype("datetime64[M]")]
        hits = days[((days.astype(int) - 4) % 7) == weekday]      # 1970-01-01 was a Thursday (3)
        return hits[n]

    out = []
    for y in years:
        for fixed in (f"{y}-01-01", f"{y}-07-04", f"{y}-11-11", f"{y}-12-25"):
            day = np.datetime64(fixed)
            wd = (day.astype(int) - 4) % 7
            out.append(day + (-1 if wd == 5 else 1 if wd == 6 else 0))
        out += [nth(y, 1, 0, 2), nth(y, 2, 0, 2), nth(y, 5, 0, -1), nth(y, 9, 0, 0), nth(y, 10, 0, 1),
                nth(y, 11, 3, 3)]
    return np.array(sorted(out), dtype="datetime64[D]")


def calendar_features(dates: np.ndarray) -> np.ndarray:
    """(D, 8): one-hot day of week (Mon..Sun) and a US federal holiday flag, for each date."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    weekday = (dates.astype(int) - 4) % 7
    years = np.unique(dates.astype("datetime64[Y]").astype(int) + 1970)
    holiday = np.isin(dates, us_holidays(years))
    return np.column_stack([np.eye(7)[weekday], holiday]).astype(float)


# Errors and anomaly scores

def mae_mape(forecast: np.ndarray, actual: np.ndarray):
    """MAE (same unit) and MAPE (%) over the entries where both are known."""
    f, a = np.asarray(forecast, float).ravel(), np.asarray(actual, float).ravel()
    ok = ~np.isnan(f) & ~np.isnan(a) & (a != 0)
    e = f[ok] - a[ok]
    return float(np.mean(np.abs(e))), float(100 * np.mean(np.abs(e) / np.abs(a[ok])))


def precision_recall_by_category(flags: np.ndarray, category: np.ndarray, normal: str = "OKAY"):
    """Score anomaly flags against the category labels. Returns (precision, recall, rows) where
    precision = flagged hours with a non-normal label / flagged hours, recall = flagged non-normal hours /
    non-normal hours, and rows = [(category, hours, flagged, recall, share of flags)] per label."""
    flags, category = np.asarray(flags, bool), np.asarray(category)
    bad = category != normal
    precision = float((flags & bad).sum() / max(flags.sum(), 1))
    recall = float((flags & bad).sum() / max(bad.sum(), 1))
    rows = []
    for name in sorted(set(category[bad].tolist()), key=lambda c: (-int((category == c).sum()), c)):
        m = category == name
        rows.append((name, int(m.sum()), int((flags & m).sum()), float((flags & m).sum() / m.sum()),
                     float((flags & m).sum() / max(flags.sum(), 1))))
    return precision, recall, rows
