"""Time series for lesson 12: a real series read offline, generated series, windows and splits.

The real data is Seattle's measured daily weather, 2012-2015, from the copy of the data that
ships inside the installed `vega_datasets` package (`vega_datasets.local_data`): it is read from
disk, never downloaded. `load_series` also reads your own CSV file. The generated series are
seeded numpy: the same arguments give the same arrays. Importing this module imports numpy only
(pandas and vega_datasets load on first use).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .._shapes import as_array, expect_ndim


SEATTLE = "seattle-weather"


def local_file(name: str = SEATTLE) -> Path:
    """The path of a data file that ships inside the installed vega_datasets package.

    Raises ValueError if `name` is not among the package's local data sets (those would need a
    download, which this course never does) and FileNotFoundError if the file is missing.
    """
    from vega_datasets import local_data

    available = sorted(local_data.list_datasets())
    if name not in available:
        raise ValueError(f"local_file: {name!r} is not stored inside vega_datasets (it would need a download); "
                         f"local data sets: {', '.join(available)}")
    path = Path(getattr(local_data, name.replace("-", "_")).filepath)
    if not path.is_file():
        raise FileNotFoundError(f"local_file: vega_datasets lists {name!r} as local, but {path} is missing: "
                                "reinstall vega_datasets")
    return path


def load_series(column: str = "temp_max", path=None, date_column: str | None = "date"):
    """Read one column of a CSV file as a time series.

    Without `path`: Seattle's measured daily weather (columns date, precipitation, temp_max,
    temp_min, wind, weather), read from the installed vega_datasets package, no network.
    With `path`: your own CSV file with a header row, one row per time step, oldest first.

    Returns (dates, values): dates (T,) numpy datetime64 (None when date_column is None) and
    values (T,) float64. Raises FileNotFoundError for a missing file and ValueError for a
    missing column, non-numeric or missing values, or rows out of time order.
    """
    import pandas as pd

    source = local_file(SEATTLE) if path is None else Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"load_series: no file {str(source)!r} (looked in {source.resolve().parent})")
    frame = pd.read_csv(source)
    wanted = [column] + ([date_column] if date_column else [])
    for name in wanted:
        if name not in frame.columns:
            raise ValueError(f"load_series: {source.name} has no column {name!r}; its columns are "
                             f"{', '.join(map(str, frame.columns))}" +
                             (" (pass date_column=None if it has no dates)" if name == date_column else ""))
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(np.isnan(values))
    if bad.size:
        raise ValueError(f"load_series: column {column!r} has {bad.size} missing or non-numeric values "
                         f"(first at data row {bad[0] + 1}: {frame[column].iloc[bad[0]]!r}); fill or drop them first")
    dates = None
    if date_column:
        parsed = pd.to_datetime(frame[date_column], errors="coerce")
        if parsed.isna().any():
            row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
            raise ValueError(f"load_series: column {date_column!r} has a value that is not a date at data row "
                             f"{row + 1}: {frame[date_column].iloc[row]!r}")
        dates = parsed.to_numpy().astype("datetime64[D]")
        if np.any(np.diff(dates) <= np.timedelta64(0, "D")):
            raise ValueError(f"load_series: the dates in {date_column!r} are not strictly increasing: "
                             "sort the rows oldest first and remove duplicates")
    if len(values) < 3:
        raise ValueError(f"load_series: {source.name} has {len(values)} rows; a series needs at least 3")
    return dates, values


def _series(series, func):
    s = as_array("series", series, func)
    expect_ndim(func, "series", s, 1, "(T,)")
    return s.astype(np.float64)


def make_windows(series, n_in: int, horizon: int, n_train: int):
    """Normalise with training statistics, then cut input windows and multi-step targets.

    series: (T,). The first n_train values are the training part: z = (series - mean) / std
    with the mean and std of series[:n_train] only. Returns X: (M, n_in) with
    X[i] = z[i : i + n_in] and Y: (M, horizon) with Y[i] = z[i + n_in : i + n_in + horizon],
    the `horizon` values right after window i; M = T - n_in - horizon + 1.
    """
    s = _series(series, "make_windows")
    T = len(s)
    if n_in < 1 or horizon < 1 or n_in + horizon > T:
        raise ValueError(f"make_windows: need n_in >= 1, horizon >= 1 and n_in + horizon <= T = {T}, "
                         f"got n_in = {n_in}, horizon = {horizon}")
    if not 2 <= n_train <= T:
        raise ValueError(f"make_windows: need 2 <= n_train <= T = {T}, got n_train = {n_train}")
    z = (s - s[:n_train].mean()) / s[:n_train].std()
    M = T - n_in - horizon + 1
    view = np.lib.stride_tricks.sliding_window_view(z, n_in + horizon)[:M]
    return view[:, :n_in].copy(), view[:, n_in:].copy()


def split_windows(T: int, n_in: int, horizon: int, n_train: int, n_val: int) -> dict:
    """Which windows of make_windows belong to training, validation and test, in time order.

    Window i predicts positions i + n_in ... i + n_in + horizon - 1. Training windows have
    every target before n_train; validation windows every target in [n_train, n_val); test
    windows every target from n_val on. Windows whose targets straddle a boundary are left
    out, so no target is shared between splits. Returns {"train", "val", "test"}: boolean (M,).
    """
    if not 0 < n_train < n_val < T:
        raise ValueError(f"split_windows: need 0 < n_train < n_val < T, got {n_train}, {n_val}, {T}")
    first = np.arange(T - n_in - horizon + 1) + n_in
    last = first + horizon - 1
    return {"train": last < n_train, "val": (first >= n_train) & (last < n_val), "test": first >= n_val}


def random_walk(T: int, start: float = 100.0, step: float = 1.0, seed: int = 0) -> np.ndarray:
    """A price-like random walk: start + cumulative sum of independent N(0, step^2) moves. (T,)."""
    r = np.random.default_rng(seed)
    moves = step * r.standard_normal(T)
    moves[0] = 0.0
    return start + np.cumsum(moves)


def sensor_with_anomalies(n_days: int = 120, seed: int = 0, spikes_per_day: float = 0.5,
                          bursts_per_day: float = 0.1):
    """Hourly temperature of a machine, with injected anomalies and their truth.

    A daily load cycle (working hours, lighter at weekends) plus autocorrelated noise, then
    anomalies: single-hour spikes (+-4..8 degrees: a sensor glitch) and bursts of 2-4 hours
    running 4..7 degrees hot (overheating). Anomalies start after the first two days.
    Returns x: (24 * n_days,) float64 and is_anomaly: (24 * n_days,) bool.
    """
    r = np.random.default_rng(seed)
    T = 24 * n_days
    t = np.arange(T)
    hour, day = t % 24, t // 24
    load = np.clip(np.sin(np.pi * (hour - 6) / 12), 0, None)
    base = 60.0 + 8.0 * load * np.where(day % 7 >= 5, 0.3, 1.0)
    shocks = 0.6 * r.standard_normal(T)
    noise = np.zeros(T)
    for i in range(1, T):
        noise[i] = 0.8 * noise[i - 1] + shocks[i]
    x = base + noise
    truth = np.zeros(T, dtype=bool)
    candidates = np.arange(48, T - 6)
    n_spikes, n_bursts = int(round(spikes_per_day * n_days)), int(round(bursts_per_day * n_days))
    starts = r.choice(candidates, n_spikes + n_bursts, replace=False)
    for i in starts[:n_spikes]:
        x[i] += r.choice([-1.0, 1.0]) * r.uniform(4, 8)
        truth[i] = True
    for i in starts[n_spikes:]:
        length = int(r.integers(2, 5))
        x[i:i + length] += r.uniform(4, 7)
        truth[i:i + length] = True
    return x, truth
