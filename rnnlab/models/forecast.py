"""Forecasts and anomaly flags for lesson 12, in numpy: the naive baselines, errors, linear
regression on lags, and thresholds on forecast errors.
"""
from __future__ import annotations

import numpy as np

from .._shapes import as_array, expect_ndim, fmt


def naive_errors(X, Y):
    """MAE and RMSE of the naive forecast "every future value equals the last one seen".

    X: (M, n_in) input windows, Y: (M, horizon) the values that follow. The forecast for every
    step ahead is X[:, -1]. Returns (mae, rmse), each (horizon,): one error per step ahead,
    averaged over the M windows.
    """
    X = as_array("X", X, "naive_errors")
    Y = as_array("Y", Y, "naive_errors")
    expect_ndim("naive_errors", "X", X, 2, "(M, n_in)")
    expect_ndim("naive_errors", "Y", Y, 2, "(M, horizon)")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"naive_errors: X {fmt(X.shape)} and Y {fmt(Y.shape)} need the same number of windows M")
    return errors(Y, np.repeat(X[:, -1:], Y.shape[1], axis=1))


def errors(Y, P):
    """(mae, rmse) per step ahead of forecasts P against the truth Y, both (M, horizon)."""
    Y, P = np.asarray(Y, dtype=np.float64), np.asarray(P, dtype=np.float64)
    if Y.shape != P.shape:
        raise ValueError(f"errors: the forecasts have shape {fmt(P.shape)}, the truth {fmt(Y.shape)}")
    e = P - Y
    return np.mean(np.abs(e), axis=0), np.sqrt(np.mean(e ** 2, axis=0))


def lag_regression(X, Y):
    """Least-squares linear forecaster: Y ~ X @ W + c. Returns a function X -> forecasts."""
    A = np.column_stack([X.reshape(len(X), -1), np.ones(len(X))])
    W, *_ = np.linalg.lstsq(A, Y, rcond=None)
    return lambda Xn: np.column_stack([Xn.reshape(len(Xn), -1), np.ones(len(Xn))]) @ W


def error_table(results: dict, horizons, unit: str = "") -> str:
    """A text table: one row per model, MAE and RMSE at the chosen steps ahead (1-based).

    results: {name: (mae, rmse)} with arrays indexed by step ahead - 1.
    """
    heads = [f"MAE {h}d" for h in horizons] + [f"RMSE {h}d" for h in horizons]
    width = max(len(n) for n in results) + 2
    lines = ["".ljust(width) + "".join(h.rjust(9) for h in heads) + (f"   ({unit})" if unit else "")]
    for name, (mae, rmse) in results.items():
        cells = [mae[h - 1] for h in horizons] + [rmse[h - 1] for h in horizons]
        lines.append(name.ljust(width) + "".join(f"{c:9.2f}" for c in cells))
    return "\n".join(lines)


ROBUST = 1.4826   # median(|e|) * 1.4826 equals the standard deviation for Gaussian errors


def robust_scale(errors) -> float:
    """A standard deviation that a few huge errors cannot inflate: 1.4826 * median(|errors|)."""
    return float(ROBUST * np.median(np.abs(np.asarray(errors, dtype=np.float64))))


def flag_anomalies(val_errors, test_errors, k: float):
    """Threshold fixed on validation errors, applied to test errors.

    val_errors: (V,), test_errors: (N,) forecast errors. threshold = k * 1.4826 *
    median(|val_errors|); flags = |test_errors| > threshold. Returns (threshold, flags (N,) bool).
    """
    v = as_array("val_errors", val_errors, "flag_anomalies")
    e = as_array("test_errors", test_errors, "flag_anomalies")
    expect_ndim("flag_anomalies", "val_errors", v, 1, "(V,)")
    expect_ndim("flag_anomalies", "test_errors", e, 1, "(N,)")
    threshold = k * robust_scale(v)
    return threshold, np.abs(e) > threshold


def precision_recall(flags, truth):
    """precision = flagged points that are anomalies / flagged points;
    recall = anomalies that were flagged / anomalies. Both (N,) bool. 0 when undefined."""
    f, t = np.asarray(flags, dtype=bool), np.asarray(truth, dtype=bool)
    if f.shape != t.shape:
        raise ValueError(f"precision_recall: flags {fmt(f.shape)} and truth {fmt(t.shape)} differ in shape")
    hits = int(np.sum(f & t))
    return (hits / f.sum() if f.sum() else 0.0), (hits / t.sum() if t.sum() else 0.0)
