"""Lesson 12 (time series): checks name each planted mistake; loaders and generators behave."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.models import forecast
from rnnlab.data import timeseries

from mistakes import assert_hint_names, planted



def stats(series, n_train, ddof=0):
    return np.mean(series[:n_train]), np.std(series[:n_train], ddof=ddof)


def windows_with(norm=lambda s, n: stats(s, n), count=lambda T, n_in, h: T - n_in - h + 1, shift=0, y_raw=False,
                 pad=False):
    def make_windows(series, n_in, horizon, n_train):
        mean, std = norm(series, n_train)
        z = (series - mean) / std
        if pad:     # pads the end with zeros so that every window has `horizon` targets
            series, z = np.append(series, np.zeros(horizon)), np.append(z, np.zeros(horizon))
        M = count(len(series) - (horizon if pad else 0), n_in, horizon)
        src = series if y_raw else z
        X = np.stack([z[i:i + n_in] for i in range(M)])
        Y = np.stack([src[i + n_in + shift:i + n_in + shift + horizon] for i in range(M)])
        return X, Y
    return make_windows


WINDOW_MISTAKES = {
    "full-series statistics": (windows_with(norm=lambda s, n: (s.mean(), s.std())), "WHOLE series"),
    "no normalisation": (windows_with(norm=lambda s, n: (0.0, 1.0)), "not normalised"),
    "mean only": (windows_with(norm=lambda s, n: (s[:n].mean(), 1.0)), "not divided"),
    "targets overlap inputs": (windows_with(shift=-1), "overlap the inputs"),
    "one window too few": (windows_with(count=lambda T, n_in, h: T - n_in - h), "one too few"),
    "count ignores horizon": (windows_with(count=lambda T, n_in, h: T - n_in, pad=True), "ignores the horizon"),
    "only the next value": (lambda s, n_in, h, n: (lambda X, Y: (X, Y[:, 0]))(*windows_with()(s, n_in, h, n)),
                            "one value per window"),
    "Y not normalised": (windows_with(y_raw=True), "Y is not normalised"),
    "reversed windows": (lambda s, n_in, h, n: (lambda X, Y: (X[:, ::-1], Y))(*windows_with()(s, n_in, h, n)), "reversed"),
    "not a pair": (lambda s, n_in, h, n: windows_with()(s, n_in, h, n)[0], "pair"),
}


@pytest.mark.parametrize("wrong, phrase", planted(WINDOW_MISTAKES))
def test_make_windows_check_names_the_mistake(wrong, phrase):
    assert_hint_names("12.1", wrong, phrase)


def test_make_windows_accepts_the_sample_std():
    assert checks.evaluate("12.1", windows_with(norm=lambda s, n: stats(s, n, ddof=1))).passed


def naive_with(forecast=lambda X, Y: np.repeat(X[:, -1:], Y.shape[1], axis=1), how="right"):
    def naive_errors(X, Y):
        e = forecast(X, Y) - Y
        mae, rmse = np.mean(np.abs(e), axis=0), np.sqrt(np.mean(e ** 2, axis=0))
        return {"right": (mae, rmse), "swapped": (rmse, mae), "mse": (mae, np.mean(e ** 2, axis=0)),
                "signed": (np.mean(e, axis=0), rmse), "scalar": (np.mean(np.abs(e)), np.sqrt(np.mean(e ** 2))),
                "per window": (np.mean(np.abs(e), axis=1), np.sqrt(np.mean(e ** 2, axis=1))),
                "rmse is mae": (mae, mae)}[how]
    return naive_errors


NAIVE_MISTAKES = {
    "MAE and RMSE swapped": (naive_with(how="swapped"), "swapped"),
    "MSE instead of RMSE": (naive_with(how="mse"), "square root"),
    "signed errors": (naive_with(how="signed"), "np.abs"),
    "one number": (naive_with(how="scalar"), "single number"),
    "averaged over the wrong axis": (naive_with(how="per window"), "one value per window"),
    "rmse equals mae": (naive_with(how="rmse is mae"), "square the errors"),
    "first value of the window": (naive_with(lambda X, Y: np.repeat(X[:, :1], Y.shape[1], axis=1)), "FIRST value"),
    "one step too old": (naive_with(lambda X, Y: np.repeat(X[:, -2:-1], Y.shape[1], axis=1)), "too old"),
    "uses the first target": (naive_with(lambda X, Y: np.repeat(Y[:, :1], Y.shape[1], axis=1)), "Y[:, 0]"),
    "previous target": (naive_with(lambda X, Y: np.column_stack([X[:, -1], Y[:, :-1]])), "previous TARGET"),
}


@pytest.mark.parametrize("wrong, phrase", planted(NAIVE_MISTAKES))
def test_naive_errors_check_names_the_mistake(wrong, phrase):
    assert_hint_names("12.2", wrong, phrase)


def flags_with(scale, on="val", absolute=True):
    def flag_anomalies(val_errors, test_errors, k):
        base = {"val": val_errors, "test": test_errors, "both": np.concatenate([val_errors, test_errors])}[on]
        threshold = k * scale(base)
        return threshold, (np.abs(test_errors) if absolute else test_errors) > threshold
    return flag_anomalies


robust = lambda e: 1.4826 * np.median(np.abs(e))
THRESHOLD_MISTAKES = {
    "threshold from test errors": (flags_with(robust, on="test"), "TEST errors"),
    "threshold from validation and test": (flags_with(robust, on="both"), "val_errors only"),
    "std of the test errors": (flags_with(np.std, on="test"), "TEST errors"),
    "std instead of robust": (flags_with(np.std), "inflate"),
    "no 1.4826": (flags_with(lambda e: np.median(np.abs(e))), "1.4826 is missing"),
    "median of signed errors": (flags_with(lambda e: 1.4826 * abs(np.median(e))), "np.abs first"),
    "mean instead of median": (flags_with(lambda e: 1.4826 * np.mean(np.abs(e))), "np.mean instead"),
    "only positive errors": (flags_with(robust, absolute=False), "BELOW"),
    "flags on validation": (lambda v, t, k: (k * robust(v), np.abs(v) > k * robust(v)), "VALIDATION"),
}


@pytest.mark.parametrize("wrong, phrase", planted(THRESHOLD_MISTAKES))
def test_flag_anomalies_check_names_the_mistake(wrong, phrase):
    assert_hint_names("12.3", wrong, phrase)


# ---------------------------------------------------------------- loaders and generators

def test_seattle_weather_is_read_from_the_installed_package():
    path = timeseries.local_file("seattle-weather")
    assert path.is_file() and "vega_datasets" in path.parts
    dates, temp = timeseries.load_series("temp_max")
    assert temp.shape == (1461,) and dates.shape == (1461,)
    assert str(dates[0]) == "2012-01-01" and str(dates[-1]) == "2015-12-31"
    assert -10 < temp.min() < temp.max() < 45


def test_local_file_refuses_a_data_set_that_needs_a_download():
    with pytest.raises(ValueError, match="download"):
        timeseries.local_file("sp500")


def test_load_series_reads_my_csv_and_explains_bad_files(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("day,value\n2020-01-01,1.5\n2020-01-02,2\n2020-01-03,-1\n")
    dates, v = timeseries.load_series("value", path=f, date_column="day")
    assert v.tolist() == [1.5, 2.0, -1.0] and str(dates[1]) == "2020-01-02"
    assert timeseries.load_series("value", path=f, date_column=None)[0] is None
    with pytest.raises(FileNotFoundError, match="no file"):
        timeseries.load_series("value", path=tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="no column 'temp'; its columns are day, value"):
        timeseries.load_series("temp", path=f, date_column="day")
    with pytest.raises(ValueError, match="no column 'date'.*date_column=None"):
        timeseries.load_series("value", path=f)
    g = tmp_path / "gap.csv"
    g.write_text("day,value\n2020-01-01,1\n2020-01-02,oops\n2020-01-03,2\n")
    with pytest.raises(ValueError, match="1 missing or non-numeric values .*data row 2"):
        timeseries.load_series("value", path=g, date_column="day")
    h = tmp_path / "order.csv"
    h.write_text("day,value\n2020-01-02,1\n2020-01-01,2\n2020-01-03,2\n")
    with pytest.raises(ValueError, match="not strictly increasing"):
        timeseries.load_series("value", path=h, date_column="day")


def test_make_windows_reference_layout_and_errors():
    s = np.arange(10.0)
    X, Y = timeseries.make_windows(s, 3, 2, n_train=10)
    m, sd = s.mean(), s.std()
    assert X.shape == (6, 3) and Y.shape == (6, 2)
    assert np.allclose(X * sd + m, [[i, i + 1, i + 2] for i in range(6)])
    assert np.allclose(Y * sd + m, [[i + 3, i + 4] for i in range(6)])
    with pytest.raises(ValueError, match=r"series should be 1-D with shape \(T,\)"):
        timeseries.make_windows(np.zeros((4, 2)), 1, 1, 2)
    with pytest.raises(ValueError, match="n_in \\+ horizon <= T = 10"):
        timeseries.make_windows(s, 8, 3, 5)


def test_split_windows_never_shares_a_target_between_parts():
    T, n_in, h, n_train, n_val = 50, 5, 3, 30, 40
    sp = timeseries.split_windows(T, n_in, h, n_train, n_val)
    first = np.arange(T - n_in - h + 1) + n_in
    targets = {part: set(np.concatenate([np.arange(f, f + h) for f in first[mask]])) for part, mask in sp.items()}
    assert max(targets["train"]) < n_train <= min(targets["val"])
    assert max(targets["val"]) < n_val <= min(targets["test"])
    assert not (sp["train"] & sp["val"]).any() and not (sp["val"] & sp["test"]).any()


def test_naive_errors_and_errors_agree_by_hand():
    X = np.array([[0.0, 1.0], [2.0, 4.0]])
    Y = np.array([[2.0, -1.0], [4.0, 7.0]])
    mae, rmse = forecast.naive_errors(X, Y)
    assert np.allclose(mae, [(1 + 0) / 2, (2 + 3) / 2])
    assert np.allclose(rmse, [np.sqrt(1 / 2), np.sqrt((4 + 9) / 2)])
    assert np.all(rmse >= mae)


def test_lag_regression_recovers_a_linear_rule():
    r = np.random.default_rng(0)
    X = r.standard_normal((200, 4))
    Y = X @ np.array([[1.0], [0.0], [-2.0], [0.5]]) + 3.0
    assert np.allclose(forecast.lag_regression(X, Y)(X), Y)


def test_generators_are_seeded_and_shaped():
    assert np.array_equal(timeseries.random_walk(100, seed=1), timeseries.random_walk(100, seed=1))
    assert not np.array_equal(timeseries.random_walk(100, seed=1), timeseries.random_walk(100, seed=2))
    p = timeseries.random_walk(5000, start=50, step=2.0, seed=0)
    assert p[0] == 50 and abs(np.diff(p).std() - 2.0) < 0.1
    x, truth = timeseries.sensor_with_anomalies(n_days=40, seed=3)
    x2, truth2 = timeseries.sensor_with_anomalies(n_days=40, seed=3)
    assert x.shape == truth.shape == (960,) and truth.dtype == bool
    assert np.array_equal(x, x2) and np.array_equal(truth, truth2)
    assert not truth[:48].any() and 20 <= truth.sum() <= 40


def test_robust_scale_ignores_a_few_outliers():
    e = np.random.default_rng(0).standard_normal(2000)
    assert abs(forecast.robust_scale(e) - 1) < 0.1
    e[:20] = 100.0
    assert abs(forecast.robust_scale(e) - 1) < 0.1 and e.std() > 5


def test_precision_recall_by_hand():
    flags = np.array([1, 1, 0, 0, 1], dtype=bool)
    truth = np.array([1, 0, 1, 0, 1], dtype=bool)
    assert forecast.precision_recall(flags, truth) == (2 / 3, 2 / 3)
    assert forecast.precision_recall(np.zeros(5, bool), truth) == (0.0, 0.0)
