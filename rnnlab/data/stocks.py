"""Monthly stock prices (lesson 16): real prices, offline, and the leaks that flatter a model; numpy only.

The prices are the `stocks` table of the `vega_datasets` package (installed with the course, read from
the package's local copy, nothing downloaded): monthly closing prices in US dollars of MSFT, AMZN, IBM,
GOOG and AAPL, January 2000 to March 2010 (GOOG from August 2004). The vega_datasets package is MIT licensed;
the table comes from the Vega project's example data sets (github.com/vega/vega-datasets, BSD-3-Clause).

Your own file: `load_stocks("my.csv")` reads a CSV with the columns symbol, date, price (one row per
symbol and month, dates like 2000-01-01).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


def _table(path):
    if path is None:
        from vega_datasets import data
        frame = data.stocks()
        return list(zip(frame["symbol"], frame["date"].astype(str), frame["price"]))
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no file {path}: give a CSV with the columns symbol, date, price")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    missing = [c for c in ("symbol", "date", "price") if c not in header]
    if missing:
        raise ValueError(f"{path} lacks the column(s) {missing}: expected symbol, date, price; received {header}")
    i = [header.index(c) for c in ("symbol", "date", "price")]
    return [(r[i[0]], r[i[1]], float(r[i[2]])) for r in rows[1:] if r]


def load_stocks(path: str | Path | None = None, complete: bool = True):
    """Monthly prices as (prices (S, T) float, names list of S symbols, months (T,) datetime64[M]).

    complete=True keeps only the symbols with a price in every month (drops GOOG for the shipped table);
    complete=False keeps all, with NaN before a symbol's first month.
    """
    table = _table(path)
    months = np.array(sorted({str(d)[:7] for _, d, _ in table}), dtype="datetime64[M]")
    names = list(dict.fromkeys(s for s, _, _ in table))
    steps = np.diff(months).astype(int)
    if len(steps) and not np.all(steps == 1):
        k = int(np.argmax(steps != 1))
        raise ValueError(f"the prices are not monthly without gaps: {months[k]} is followed by {months[k + 1]}")
    prices = np.full((len(names), len(months)), np.nan)
    pos = {m: j for j, m in enumerate(months.astype(str))}
    for s, d, p in table:
        prices[names.index(s), pos[str(d)[:7]]] = float(p)
    if complete:
        keep = ~np.isnan(prices).any(axis=1)
        prices, names = prices[keep], [n for n, k in zip(names, keep) if k]
    return prices, names, months


def windows(prices, split, n_in=12, shuffle=False, whole_series_scaling=False, seed=0):
    """Windows of n_in scaled monthly prices and the next month, for all stocks stacked.

    Returns X (N, n_in), Y (N,), scale (N,) (the stock's std, to turn errors back into dollars), is_test
    (N,) bool and owner (N,) (the stock's row). Scaling: each stock's training months (before `split`), or
    all its months (whole_series_scaling=True, a leak). Test windows: target month >= split, or a random set
    of the same size (shuffle=True, the other leak).
    """
    prices = np.asarray(prices, float)
    if prices.ndim != 2:
        raise ValueError(f"prices should be (stocks, months); received shape {prices.shape}")
    if not n_in < split < prices.shape[1]:
        raise ValueError(f"split must lie between n_in ({n_in}) and the number of months ({prices.shape[1]}); "
                         f"received {split}")
    X, Y, scale, is_test, owner = [], [], [], [], []
    r = np.random.default_rng(seed)
    for s, p in enumerate(prices):
        ref = p if whole_series_scaling else p[:split]
        mu, sd = ref.mean(), ref.std()
        z = (p - mu) / sd
        T = len(p)
        X.append(np.stack([z[i:i + n_in] for i in range(T - n_in)]))
        Y.append(z[n_in:])
        scale.append(np.full(T - n_in, sd))
        t = np.arange(n_in, T)
        if shuffle:
            test = np.zeros(T - n_in, bool)
            test[r.choice(T - n_in, int((t >= split).sum()), replace=False)] = True
        else:
            test = t >= split
        is_test.append(test)
        owner.append(np.full(T - n_in, s))
    return tuple(map(np.concatenate, (X, Y, scale, is_test, owner)))


def next_month_errors(prices, split, n_in=12, shuffle=False, whole_series_scaling=False, k=2, seed=0):
    """Forecast next month's price from the last n_in months, per stock; returns MAE in dollars.

    Returns {"naive", "linear", "neighbours": mean absolute error over the test windows, "n_test"}.
    Test windows: those whose target month is >= split (shuffle=False) or a random set of the same size
    (shuffle=True, the leak). Scaling: mean and std of the training months of each stock, or of all its
    months (whole_series_scaling=True, the other leak). The linear model is shared by the stocks; the
    neighbour model averages the next values of the k closest training windows of the same stock.
    """
    X, Y, scale, te, owner = windows(prices, split, n_in, shuffle, whole_series_scaling, seed)
    tr = ~te
    A = np.column_stack([X, np.ones(len(X))])
    w = np.linalg.lstsq(A[tr], Y[tr], rcond=None)[0]
    pred = {"naive": X[:, -1], "linear": A @ w, "neighbours": np.full(len(Y), np.nan)}
    for s in np.unique(owner):
        q, base = te & (owner == s), tr & (owner == s)
        dist = ((X[q][:, None, :] - X[base][None, :, :]) ** 2).sum(-1)
        pred["neighbours"][q] = Y[base][np.argsort(dist, axis=1)[:, :k]].mean(axis=1)
    out = {name: float(np.mean(np.abs(p[te] - Y[te]) * scale[te])) for name, p in pred.items()}
    out["n_test"] = int(te.sum())
    return out


def return_forecasts(prices, split, n_lags=3):
    """Next month's log return from the last n_lags returns: MAE of zero, the training mean, and a linear
    regression shared by the stocks (fitted on targets before `split`, scored on targets from `split` on)."""
    R = np.diff(np.log(np.asarray(prices, float)), axis=1)      # R[:, j] is the return into month j + 1
    X, Y, t = [], [], []
    for row in R:
        for j in range(n_lags, len(row)):
            X.append(row[j - n_lags:j])
            Y.append(row[j])
            t.append(j + 1)
    X, Y, t = np.array(X), np.array(Y), np.array(t)
    tr, te = t < split, t >= split
    A = np.column_stack([X, np.ones(len(X))])
    w = np.linalg.lstsq(A[tr], Y[tr], rcond=None)[0]
    return {"zero return (naive price)": float(np.mean(np.abs(Y[te]))),
            "training mean return": float(np.mean(np.abs(Y[te] - Y[tr].mean()))),
            f"linear on {n_lags} past returns": float(np.mean(np.abs(A[te] @ w - Y[te])))}
