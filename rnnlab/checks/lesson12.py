"""Checks of lesson 12 (time series): make_windows, naive_errors, flag_anomalies."""
import numpy as np

from ..data import timeseries
from ..models import forecast
from . import register
from .numerics import Numerics
from .probes import Mistake, as_result_array, call, close, diagnose, expect_shape, rng, unpack
from .variants import Equations, declare


def windows_equations(e, series, n_in, horizon, n_train):
    """make_windows as the lesson writes it, with the places a learner can slip marked."""
    train = e.pick("the statistics", series[:n_train], right="the training part series[:n_train]", **{
        "the whole series": series, "series[n_train:]": series[n_train:],
        "series[:n_train + 1]": series[:n_train + 1], "series[:n_train - 1]": series[:n_train - 1]})
    centred = e.sum("z", {"series": series, "- mean": -e.reduce("the mean", "mean", train, axis=0,
                                                                ops=("mean", "median"))})
    z = e.mul("z", {"(series - mean)": centred, "1 / std": 1 / e.pick("std", train.std(), right="np.std",
                                                                        variance=train.var())})
    M = len(series) - n_in - horizon + 1
    X, Y = [], []
    start = e.shift("the first target", 0, fix="Y[i] = z[i + n_in : i + n_in + horizon], right after window i")
    for i in e.range("i", M, fix="M = T - n_in - horizon + 1 windows, i = 0 .. M - 1"):
        X.append(z[i:i + n_in])
        Y.append(z[i + n_in + start:i + n_in + start + horizon])
    return {"X": np.stack(X), "Y": np.stack(Y)}


WINDOW_EQUATIONS = Equations(
    "make_windows", windows_equations, args=("series", "n_in", "horizon", "n_train"),
    equations={"z": "z = (series - mean) / std with the mean and std of series[:n_train]",
               "the statistics": "mean and std of series[:n_train] only",
               "std": "z = (series - mean) / std, with std = np.std(series[:n_train])"},
    wrap=lambda out, a: (out["X"], out["Y"]))


def naive_equations(e, X, Y):
    """naive_errors as the lesson writes it, with the places a learner can slip marked."""
    last = e.take("the naive forecast", X, -1, axis=1, names={
        "right": "X[:, -1], the last value of the window", "earlier": "X[:, -2], one step too old",
        "first": "X[:, 0], the first value of the window", "mean": "the mean of the window, X.mean(axis=1)"})
    errors = e.sum("errors", {"forecast": last[:, None], "- Y": -Y}, like=Y)
    names = ("the windows M", "the steps ahead")
    mae = e.reduce("mae", "mean", e.act("mae", "abs", errors, alts=("identity", "square")), axis=0, names=names,
                   of=("abs", errors), ops=("sum", "mean", "n - 1", "median"))
    msq = e.reduce("rmse", "mean", e.act("the squared errors", "square", errors, alts=("abs", "identity")), axis=0,
                   names=names, of=("square", errors), ops=("sum", "mean", "n - 1", "median"))
    return {"mae": mae, "rmse": e.act("rmse", "sqrt", msq, alts=("identity",))}


NAIVE_EQUATIONS = Equations(
    "naive_errors", naive_equations, args=("X", "Y"),
    equations={"the naive forecast": "forecast = X[:, -1] for every step ahead",
               "errors": "errors = X[:, -1:] - Y, shape (M, horizon)",
               "mae": "mae = np.mean(np.abs(errors), axis=0)", "rmse": "rmse = np.sqrt(np.mean(errors ** 2, axis=0))",
               "the squared errors": "rmse = np.sqrt(np.mean(errors ** 2, axis=0))"},
    wrap=lambda out, a: (out["mae"], out["rmse"]))


def flag_equations(e, val_errors, test_errors, k):
    """flag_anomalies as the lesson writes it, with the places a learner can slip marked."""
    source = e.pick("the threshold", val_errors, right="the validation errors", **{
        "the test errors": test_errors, "validation and test errors together":
        lambda: np.concatenate([val_errors, test_errors])})
    typical = e.reduce("the scale", "median", e.act("the scale", "abs", source, alts=("identity", "square")),
                       axis=0, ops=("median", "mean", "max", "std"))
    threshold = e.mul("threshold", {"k": k, "1.4826": 1.4826, "median(|val_errors|)": typical})
    size = e.act("flags", "abs", test_errors, alts=("identity",))
    flags = e.pick("flags", size > threshold, right="|test_errors| > threshold", **{
        "|test_errors| < threshold": lambda: size < threshold})
    return {"threshold": threshold, "flags": flags}


FLAG_EQUATIONS = Equations(
    "flag_anomalies", flag_equations, args=("val_errors", "test_errors", "k"),
    equations={"threshold": "threshold = k * 1.4826 * np.median(np.abs(val_errors))",
               "the scale": "scale = 1.4826 * np.median(np.abs(val_errors))",
               "the threshold": "threshold = k * 1.4826 * np.median(np.abs(val_errors)), from val_errors only",
               "flags": "flags = np.abs(test_errors) > threshold"},
    wrap=lambda out, a: (out["threshold"], out["flags"]))


def _windows(z, n_in, horizon, start=0, target_shift=0, M=None):
    """Windows of an already normalised z; target_shift moves where the targets start."""
    M = len(z) - n_in - horizon + 1 if M is None else M
    X = np.stack([z[i:i + n_in] for i in range(M)])
    Y = np.stack([z[i + n_in + target_shift:i + n_in + target_shift + horizon] for i in range(M)])
    return X, Y


def window_probe():
    # training part and the rest have very different statistics, so each normalisation is recognisable
    series = np.array([3., 5., 4., 6., 8., 7., 9., 20., 24., 22., 30., 28., 35.])
    return series, 3, 2, 7


@register("12.1", "make_windows", "Normalised windows with a multi-step horizon", timeseries.make_windows)
def check_make_windows(make_windows):
    series, n_in, horizon, n_train = window_probe()
    X, Y = unpack(call(make_windows, series, n_in, horizon, n_train), "make_windows", ("X", "Y"))
    X, Y = as_result_array(X, "X"), as_result_array(Y, "Y")
    eX, eY = timeseries.make_windows(series, n_in, horizon, n_train)
    M = len(eX)
    if X.ndim == 2 and X.shape[1] == n_in and X.shape[0] != M:
        extra = X.shape[0] - M
        if extra == -1:
            raise Mistake(f"X has {X.shape[0]} windows, one too few: M = T - n_in - horizon + 1 = {M} "
                          "(the last window's targets end exactly at the end of the series).")
        if extra == horizon - 1 and horizon > 1:
            raise Mistake(f"X has {X.shape[0]} windows: the count ignores the horizon. With {horizon} targets per "
                          f"window there are M = T - n_in - horizon + 1 = {M}.")
        if extra == 1:
            raise Mistake(f"X has {X.shape[0]} windows, one too many: the last window would need a target "
                          f"beyond the end of the series; M = T - n_in - horizon + 1 = {M}.")
    if Y.ndim == 1 and Y.shape[0] == M:
        raise Mistake(f"Y has shape {Y.shape}: one value per window. Y holds all {horizon} steps ahead, "
                      "shape (M, horizon): Y[i] = z[i + n_in : i + n_in + horizon].")
    if Y.ndim == 2 and Y.shape == (M, 1) and horizon > 1:
        raise Mistake(f"Y has shape {Y.shape}: only the next value. Y holds all {horizon} steps ahead, "
                      "shape (M, horizon).")
    expect_shape(X, eX.shape, "X", "(M, n_in)")
    expect_shape(Y, eY.shape, "Y", "(M, horizon)")

    train = series[:n_train]
    norms = [
        ((series - series.mean()) / series.std(),
         "normalised with the statistics of the WHOLE series: use the mean and std of series[:n_train] only; "
         "the later values are the future, and their statistics leak into the inputs."),
        ((series - series[n_train:].mean()) / series[n_train:].std(),
         "normalised with the statistics of the part after n_train: use series[:n_train], the training part."),
        (series.copy(), "X is not normalised: subtract the training mean and divide by the training std."),
        (series - train.mean(), "the training mean is subtracted, but the result is not divided by the training std."),
        (series / train.std(), "divided by the training std, but the training mean is not subtracted first."),
        ((series - train.mean()) / train.var(), "divided by the variance: divide by the standard deviation, np.std."),
    ]
    z1 = (series - train.mean()) / train.std(ddof=1)      # the sample std is fine too
    ok = [timeseries.make_windows(series, n_in, horizon, n_train), _windows(z1, n_in, horizon)]
    if not any(close(X, a) and close(Y, b) for a, b in ok):
        for z, hint in norms:
            cX, cY = _windows(z, n_in, horizon)
            if close(X, cX):
                raise Mistake(hint)
        generated = WINDOW_EQUATIONS.variants((series, n_in, horizon, n_train))
        diagnose(X, eX, "X", generated.candidates("X", got={"X": X, "Y": Y}, first=[
            (eX[:, ::-1], "each window is reversed: keep the time order z[i : i + n_in].")]))
        z = (series - train.mean()) / train.std()
        if not close(Y, eY) and not close(Y, _windows(z1, n_in, horizon)[1]):
            _, inside = _windows(z, n_in, horizon, target_shift=-1)
            _, late = _windows(np.append(z, np.zeros(horizon)), n_in, horizon, target_shift=1, M=M)
            if close(Y, inside):
                raise Mistake("Y[i] starts with the last value of window i, so the targets overlap the inputs: "
                              "the first target is the value right after the window, z[i + n_in].")
            if close(Y[:-1], late[:-1]):
                raise Mistake("Y starts one step late: the first target of window i is z[i + n_in], "
                              "not z[i + n_in + 1].")
            if close(Y, _windows(series, n_in, horizon)[1]):
                raise Mistake("Y is not normalised: cut X and Y from the same normalised series z.")
            if close(Y, np.repeat(eY[:, :1], horizon, axis=1)):
                raise Mistake("every column of Y is the next value: Y[i] = z[i + n_in : i + n_in + horizon].")
            diagnose(Y, eY, "Y", WINDOW_EQUATIONS.variants((series, n_in, horizon, n_train)).candidates(
                "Y", got={"X": X, "Y": Y}))
    # another size, to catch constants that only fit the first probe
    series2 = rng(3).standard_normal(20).cumsum()
    X2, Y2 = unpack(call(make_windows, series2, 5, 3, 12), "make_windows", ("X", "Y"))
    eX2, eY2 = timeseries.make_windows(series2, 5, 3, 12)
    z2 = (series2 - series2[:12].mean()) / series2[:12].std(ddof=1)
    aX2, aY2 = _windows(z2, 5, 3)
    X2, Y2 = as_result_array(X2, "X"), as_result_array(Y2, "Y")
    expect_shape(X2, eX2.shape, "X (T=20, n_in=5, horizon=3)", "(M, n_in)")
    expect_shape(Y2, eY2.shape, "Y (T=20, n_in=5, horizon=3)", "(M, horizon)")
    if not ((close(X2, eX2) and close(Y2, eY2)) or (close(X2, aX2) and close(Y2, aY2))):
        generated = WINDOW_EQUATIONS.variants((series2, 5, 3, 12))
        diagnose(X2, eX2, "X (T=20, n_in=5, horizon=3)", generated.candidates("X", got={"X": X2, "Y": Y2}))
        diagnose(Y2, eY2, "Y (T=20, n_in=5, horizon=3)", generated.candidates("Y", got={"X": X2, "Y": Y2}))
    WINDOW_NUMERICS.run(make_windows)


def _window_probe(N=None, T=None, dtype=np.float64, big=False):
    series = (rng(4).standard_normal(16).cumsum() + 10).astype(dtype)
    if N == 1:                       # one window: T = n_in + horizon
        return series[:7], 4, 3, 6
    return series, 4, 3, 10


WINDOW_NUMERICS = Numerics(
    "make_windows", probe=_window_probe,
    outputs=lambda out, args: dict(zip(("X", "Y"), unpack(out, "make_windows", ("X", "Y")))),
    reference=lambda *args: dict(zip(("X", "Y"), timeseries.make_windows(*args))), tol32=1e-3,
    also=lambda series, n_in, horizon, n_train: [dict(zip(("X", "Y"), _windows(
        (series - series[:n_train].mean()) / series[:n_train].std(ddof=1), n_in, horizon)))])


def errors_probe(seed=0):
    r = rng(seed)
    X = r.standard_normal((6, 4)).cumsum(axis=1)
    Y = X[:, -1:] + r.standard_normal((6, 3)).cumsum(axis=1)
    return X, Y


@register("12.2", "naive_errors", "Error of the naive forecast, per step ahead", forecast.naive_errors)
def check_naive_errors(naive_errors):
    X, Y = errors_probe()
    out = unpack(call(naive_errors, X, Y), "naive_errors", ("mae", "rmse"))
    mae, rmse = as_result_array(out[0], "mae"), as_result_array(out[1], "rmse")
    e_mae, e_rmse = forecast.naive_errors(X, Y)
    H = Y.shape[1]
    for got, name in [(mae, "mae"), (rmse, "rmse")]:
        if got.ndim == 0:
            raise Mistake(f"{name} is a single number: average over the windows only (axis=0), "
                          f"one value per step ahead, shape (horizon,) = ({H},).")
        if got.shape == (len(X),):
            raise Mistake(f"{name} has one value per window, shape {got.shape}: average over the windows, "
                          f"axis=0, to get one value per step ahead, shape ({H},).")
    expect_shape(mae, e_mae.shape, "mae", "(horizon,)")
    expect_shape(rmse, e_rmse.shape, "rmse", "(horizon,)")
    if close(mae, e_rmse) and close(rmse, e_mae):
        raise Mistake("MAE and RMSE are swapped: return (mae, rmse), in that order.")

    def errs(guess):
        e = guess - Y
        return np.mean(np.abs(e), axis=0), np.sqrt(np.mean(e ** 2, axis=0))
    misaligned = [
        (np.repeat(X[:, :1], H, axis=1), "the forecast is the FIRST value of each window, X[:, 0]; the naive forecast "
                                           "is the most recent one, X[:, -1]."),
        (np.repeat(X[:, -2:-1], H, axis=1), "the forecast is one step too old, X[:, -2]; the naive forecast is the "
                                              "last value of the window, X[:, -1]."),
        (np.repeat(Y[:, :1], H, axis=1), "the forecast uses Y[:, 0], the first value it should predict: the naive "
                                           "forecast only knows the window, so it is X[:, -1]."),
        (np.column_stack([X[:, -1], Y[:, :-1]]), "each step's forecast is the previous TARGET, which is not known when "
                                                  "the forecast is made: use X[:, -1] for every step ahead."),
    ]
    for guess, hint in misaligned:
        w_mae, w_rmse = errs(guess)
        if close(mae, w_mae) or close(rmse, w_rmse):
            raise Mistake(hint)
    e = X[:, -1:] - Y
    generated = NAIVE_EQUATIONS.variants((X, Y))
    got = {"mae": mae, "rmse": rmse}
    diagnose(mae, e_mae, "mae", generated.candidates("mae", got=got, first=[
        (np.abs(np.mean(e, axis=0)), "mae is |mean(errors)|: take the absolute value of each error first, "
                                     "np.mean(np.abs(errors), axis=0)."),
        (np.mean(e, axis=0), "mae is the mean of the signed errors: use np.abs on each error first."),
        (-np.mean(e, axis=0), "mae is the mean of the signed errors: use np.abs on each error first."),
        (np.mean(e ** 2, axis=0), "mae holds the mean SQUARED error; MAE is the mean of |errors|."),
    ]))
    diagnose(rmse, e_rmse, "rmse", generated.candidates("rmse", got=got, first=[
        (np.mean(e ** 2, axis=0), "rmse is the mean squared error: take the square root, np.sqrt(np.mean(errors ** 2, axis=0))."),
        (e_mae, "rmse equals the MAE: square the errors, average them, then take the root (in that order)."),
        (np.sqrt(np.mean(np.abs(e), axis=0)), "rmse is the root of the MAE: square the errors before averaging."),
        (np.mean(np.sqrt(np.abs(e)), axis=0), "square, average, root: np.sqrt(np.mean(errors ** 2, axis=0))."),
    ]))
    X2, Y2 = errors_probe(seed=1)
    X2 = X2[:, :2]
    out = unpack(call(naive_errors, X2, Y2[:, :1]), "naive_errors", ("mae", "rmse"))
    diagnose(as_result_array(out[0], "mae"), forecast.naive_errors(X2, Y2[:, :1])[0], "mae (n_in=2, horizon=1)",
             NAIVE_EQUATIONS.variants((X2, Y2[:, :1])).candidates("mae"))
    NAIVE_NUMERICS.run(naive_errors)


def _naive_probe(N=None, T=None, dtype=np.float64, big=False):
    X, Y = errors_probe(seed=2)
    return X[:N or 5].astype(dtype), Y[:N or 5].astype(dtype)


NAIVE_NUMERICS = Numerics(
    "naive_errors", probe=_naive_probe,
    outputs=lambda out, args: dict(zip(("mae", "rmse"), unpack(out, "naive_errors", ("mae", "rmse")))),
    reference=lambda *args: dict(zip(("mae", "rmse"), forecast.naive_errors(*args))))


def threshold_probe():
    r = rng(5)
    val = 0.5 * r.standard_normal(200)
    val[[10, 50, 90, 130]] = [6.0, -7.0, 5.5, 8.0]           # anomalies hiding in the validation errors
    test = 1.5 * r.standard_normal(60)                       # the test period is noisier
    test[[7, 33]] = [-9.0, 10.0]
    return val, test


@register("12.3", "flag_anomalies", "An anomaly threshold fixed on validation errors", forecast.flag_anomalies)
def check_flag_anomalies(flag_anomalies):
    val, test = threshold_probe()
    k = 3.0
    out = unpack(call(flag_anomalies, val, test, k), "flag_anomalies", ("threshold", "flags"))
    threshold, flags = out
    if isinstance(threshold, np.ndarray) and threshold.ndim > 0 and threshold.size > 1:
        raise Mistake(f"threshold is an array of shape {threshold.shape}: it is one number, "
                      "k * 1.4826 * np.median(np.abs(val_errors)).")
    threshold = float(np.asarray(as_result_array(threshold, "threshold")).reshape(-1)[0])
    flags = np.asarray(flags)
    expected, e_flags = forecast.flag_anomalies(val, test, k)
    robust = lambda e: 1.4826 * np.median(np.abs(e))
    wrong = [
        (k * robust(test), "the threshold comes from the TEST errors: fix it on the validation errors, then apply it "
                           "to the test errors; tuning on the test period makes the result look better than it is."),
        (k * robust(np.concatenate([val, test])), "the threshold uses the test errors too (validation and test "
                                                  "together): compute it from val_errors only."),
        (k * np.std(test), "the threshold is k * np.std of the TEST errors: use the validation errors, and the "
                           "robust scale 1.4826 * median(|val_errors|)."),
        (k * np.std(val), "the threshold uses np.std, which the anomalies in the validation errors inflate: use the "
                          "robust scale 1.4826 * np.median(np.abs(val_errors))."),
        (k * np.median(np.abs(val)), "the factor 1.4826 is missing: scale = 1.4826 * median(|val_errors|)."),
        (k * 1.4826 * abs(np.median(val)), "median of the signed errors (near 0): take np.abs first, "
                                           "np.median(np.abs(val_errors))."),
        (k * 1.4826 * np.mean(np.abs(val)), "np.mean instead of np.median: the mean is pulled up by the anomalies."),
        (1.4826 * np.median(np.abs(val)), "the threshold is the scale alone: multiply by k."),
    ]
    if not np.isclose(threshold, expected, rtol=1e-6):
        for value, hint in wrong:
            if np.isclose(threshold, value, rtol=1e-6):
                raise Mistake(hint)
        hint = FLAG_EQUATIONS.variants((val, test, k)).explain({"threshold": np.array(threshold)})
        if hint:
            raise Mistake(hint)
        raise Mistake(f"threshold is {threshold:.4g}; expected k * 1.4826 * median(|val_errors|) = {expected:.4g}.")
    if flags.shape == val.shape and flags.shape != test.shape:
        raise Mistake(f"flags has shape {flags.shape}, one per VALIDATION error: flag the test errors, "
                      f"shape (N,) = {test.shape}.")
    expect_shape(flags, e_flags.shape, "flags", "(N,)")
    if flags.dtype != bool and not np.isin(flags, [0, 1]).all():
        raise Mistake("flags should be True/False per test error: np.abs(test_errors) > threshold.")
    flags = flags.astype(bool)
    if not np.array_equal(flags, e_flags):
        if np.array_equal(flags, test > expected):
            raise Mistake("only errors above +threshold are flagged: a reading far BELOW its forecast is anomalous "
                          "too; compare np.abs(test_errors) with the threshold.")
        if np.array_equal(flags, np.abs(test) < expected):
            raise Mistake("the comparison is reversed: flag errors LARGER than the threshold.")
        hint = FLAG_EQUATIONS.variants((val, test, k)).explain({"threshold": np.array(threshold), "flags": flags})
        if hint:
            raise Mistake(hint)
        raise Mistake(f"flags marks {int(flags.sum())} test errors; np.abs(test_errors) > threshold marks "
                      f"{int(e_flags.sum())}.")
    FLAG_NUMERICS.run(flag_anomalies)


def _flag_probe(N=None, T=None, dtype=np.float64, big=False):
    val, test = threshold_probe()
    return val.astype(dtype), test[:N or 20].astype(dtype), 3.0


FLAG_NUMERICS = Numerics(
    "flag_anomalies", probe=_flag_probe, dtypes=False,
    outputs=lambda out, args: {name: np.asarray(v, dtype=np.float64) for name, v in
                               zip(("threshold", "flags"), unpack(out, "flag_anomalies", ("threshold", "flags")))},
    reference=lambda *args: {name: np.asarray(v, dtype=np.float64) for name, v in
                             zip(("threshold", "flags"), forecast.flag_anomalies(*args))})


declare("12.1", WINDOW_EQUATIONS, lambda: [window_probe(), (rng(3).standard_normal(20).cumsum(), 5, 3, 12)])
declare("12.2", NAIVE_EQUATIONS, lambda: [errors_probe()])
declare("12.3", FLAG_EQUATIONS, lambda: [threshold_probe() + (3.0,)])
