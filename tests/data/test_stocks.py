"""Monthly stock prices from vega_datasets (offline), your own CSV, and the leak experiments."""
import numpy as np
import pytest

from rnnlab.data import stocks


@pytest.fixture(scope="module")
def table():
    return stocks.load_stocks()


def test_local_table(table):
    prices, names, months = table
    assert names == ["MSFT", "AMZN", "IBM", "AAPL"] and prices.shape == (4, 123)
    assert months[0] == np.datetime64("2000-01") and months[-1] == np.datetime64("2010-03")
    assert not np.isnan(prices).any() and (prices > 0).all()
    allp, alln, _ = stocks.load_stocks(complete=False)
    assert "GOOG" in alln and np.isnan(allp[alln.index("GOOG")]).sum() == 55


def test_shuffled_windows_flatter_the_neighbour_model(table):
    prices, _, months = table
    split = int(np.argmax(months >= np.datetime64("2008-01")))
    honest = stocks.next_month_errors(prices, split)
    leaky = stocks.next_month_errors(prices, split, shuffle=True)
    assert honest["n_test"] == leaky["n_test"] == 4 * (123 - split)
    assert leaky["neighbours"] * 2 < honest["neighbours"]
    assert honest["neighbours"] > honest["naive"]                   # split by time, it loses to naive
    # per-stock neighbours do not change with the scaling constants
    whole = stocks.next_month_errors(prices, split, whole_series_scaling=True)
    assert whole["neighbours"] == pytest.approx(honest["neighbours"])
    assert whole["naive"] == pytest.approx(honest["naive"])


def test_naive_forecast_on_a_random_walk_is_hard_to_beat():
    r = np.random.default_rng(0)
    walk = 100 * np.exp(np.cumsum(0.05 * r.standard_normal((3, 150)), axis=1))
    out = stocks.return_forecasts(walk, 100, n_lags=3)
    zero = out["zero return (naive price)"]
    assert all(abs(v - zero) < 0.15 * zero for v in out.values())


def test_own_csv(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("symbol,date,price\nA,2020-01-01,1\nA,2020-02-01,2\nB,2020-01-01,3\nB,2020-02-01,4\n")
    prices, names, months = stocks.load_stocks(f)
    assert names == ["A", "B"] and prices.tolist() == [[1, 2], [3, 4]]
    bad = tmp_path / "bad.csv"
    bad.write_text("ticker,date,close\nA,2020-01-01,1\n")
    with pytest.raises(ValueError, match="symbol, date, price"):
        stocks.load_stocks(bad)
    gap = tmp_path / "gap.csv"
    gap.write_text("symbol,date,price\nA,2020-01-01,1\nA,2020-03-01,2\n")
    with pytest.raises(ValueError, match="not monthly"):
        stocks.load_stocks(gap)


def test_windows_scale_with_training_months_and_split_by_time(table):
    prices, _, months = table
    split = int(np.argmax(months >= np.datetime64("2008-01")))
    X, Y, scale, is_test, owner = stocks.windows(prices, split, n_in=12)
    assert X.shape == (4 * (123 - 12), 12) and Y.shape == scale.shape == is_test.shape == owner.shape
    assert is_test.sum() == 4 * (123 - split)
    # the window's last value is the month before the target: the naive forecast in dollars
    first = owner == 0
    sd = prices[0, :split].std()
    assert np.allclose(X[first][:, -1] * sd + prices[0, :split].mean(), prices[0, 11:-1])
    assert np.allclose(scale[first], sd)
    naive = np.mean(np.abs(X[is_test, -1] - Y[is_test]) * scale[is_test])
    assert naive == pytest.approx(stocks.next_month_errors(prices, split)["naive"])
    with pytest.raises(ValueError, match=r"\(stocks, months\)"):
        stocks.windows(prices[0], split)
    with pytest.raises(ValueError, match="split must lie between"):
        stocks.windows(prices, 5, n_in=12)
