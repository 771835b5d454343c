"""Checks of lesson 07 (RNNs in Keras): to_rnn_input, build_classifier, pad_and_mask.

`check_model_against` is shared with lesson 08: it builds the learner's model and compares
layer types, units, return_sequences, activations, output shape and parameter count with the
specification's model, naming the first thing that differs.
"""
import numpy as np

from ..data import batching
from ..models import specs
from . import register
from .numerics import Numerics
from .probes import (Mistake, as_result_array, call, diagnose, expect_dtype, expect_shape, rng,
                     unpack)
from .variants import Equations, declare


def to_rnn_input_equations(e, table, T):
    """to_rnn_input as the lesson writes it, with the places a learner can slip marked."""
    N = table.shape[0]
    D = table.shape[1] // T
    x = e.pick("x", table.reshape(N, D, T).transpose(0, 2, 1), right="table.reshape(N, D, T) then the last two "
               "axes swapped", **{"table.reshape(N, T, D)": lambda: table.reshape(N, T, D),
                                  "the axes swapped with .T": lambda: table.reshape(N, D, T).T.transpose(1, 0, 2)})
    return {"x": e.pick("the time order", x, right="the table's column order", **{
        "the time steps reversed": lambda: x[:, ::-1], "the features reversed": lambda: x[:, :, ::-1]})}


TO_RNN_EQUATIONS = Equations("to_rnn_input", to_rnn_input_equations, args=("table", "T"),
                             equations={"x": "x[n, t, d] = table[n, d * T + t]: reshape to (N, D, T), then "
                                             "np.transpose(..., (0, 2, 1))",
                                        "the time order": "x[n, t, d] = table[n, d * T + t]"},
                             wrap=lambda out, a: out["x"])


def pad_equations(e, seqs, value=0.0):
    """pad_and_mask as the lesson writes it, with the places a learner can slip marked."""
    lengths = [len(s) for s in seqs]
    T = e.pick("T_max", max(lengths), right="the longest length", **{"the first sequence's length": lengths[0]})
    fill = e.pick("the padding value", value, right="value", **{"0": 0.0})
    x = np.full((len(seqs), T, seqs[0].shape[1]), fill, dtype=seqs[0].dtype)
    mask = np.zeros((len(seqs), T), dtype=bool)
    for i, s in enumerate(seqs):
        L = min(len(s), T)
        start = e.pick("where sequence i goes", 0, right="the start of the row (post-padding)", **{
            "the end of the row (pre-padding)": T - L})
        x[i, start:start + L] = s[:L]
        mask[i] = (np.arange(T) >= start) & (np.arange(T) < start + e.shift("the mask's length", L, symbol="T_i",
                                                                           fix="mask[i] = np.arange(T_max) < T_i"))
    return {"x": x, "mask": e.pick("mask", mask, right="True at the real steps",
                                   **{"the inverted mask": lambda: ~mask,
                                      "True everywhere (no padding marked)": lambda: np.ones_like(mask)})}


PAD_EQUATIONS = Equations("pad_and_mask", pad_equations, args=("seqs", "value"),
                          equations={"x": "x[i, :T_i] = seqs[i], value everywhere after",
                                     "mask": "mask[i] = np.arange(T_max) < T_i, True at the real steps"},
                          wrap=lambda out, a: (out["x"], out["mask"]))


# --------------------------------------------------------------------------------------
# 7.1 to_rnn_input
# --------------------------------------------------------------------------------------

@register("7.1", "to_rnn_input", "Reshape a table into (samples, timesteps, features)", batching.to_rnn_input,
          shapes="table (N, T * D) grouped by feature -> x (N, T, D)")
def check_to_rnn_input(to_rnn_input):
    N, T, D = 2, 4, 3
    table = np.arange(N * T * D, dtype=np.float64).reshape(N, T * D) + 1
    expected = batching.to_rnn_input(table, T)
    x = as_result_array(call(to_rnn_input, table, T), "x")
    if x.shape == (N, D, T):
        raise Mistake(f"Your x has shape {x.shape} = (samples, features, timesteps). Keras reads axis 1 as time: "
                      f"it must be (samples, timesteps, features) = {(N, T, D)}. Swap the last two axes "
                      "(np.transpose(x, (0, 2, 1))).")
    if x.shape == (T, N, D):
        raise Mistake(f"Your x has shape {x.shape} = (timesteps, samples, features): Keras is batch-major, "
                      f"(samples, timesteps, features) = {(N, T, D)}.")
    expect_shape(x, expected.shape, "x", "(N, T, D)")
    diagnose(x, expected, "x", TO_RNN_EQUATIONS.variants((table, T)).candidates("x", first=[
        (table.reshape(N, T, D), "reshape(N, T, D) alone scrambles the values: the table's columns are grouped "
                                 "by feature (all T steps of feature 0 first), so reshape to (N, D, T) first, "
                                 "then swap the last two axes."),
        (table.reshape(N, D, T).transpose(0, 2, 1)[:, ::-1], "the time steps are reversed: keep column order, "
                                                            "x[n, t, d] = table[n, d * T + t]."),
        (table.reshape(N, D, T).transpose(0, 2, 1)[:, :, ::-1], "the features are in reverse order: "
                                                               "x[n, t, d] = table[n, d * T + t]."),
    ]))
    # one feature: (N, T) -> (N, T, 1); and float32 stays float32
    uni = rng(1).standard_normal((3, 5)).astype(np.float32)
    x1 = as_result_array(call(to_rnn_input, uni, 5), "x for a one-feature table")
    if x1.shape == (3, 5):
        raise Mistake("With one feature x must still be 3-D: (N, T, 1), not (N, T). Keras needs the features axis.")
    expect_shape(x1, (3, 5, 1), "x for a one-feature table (N=3, T=5, D=1)", "(N, T, D)")
    diagnose(x1, uni[:, :, None], "x for a one-feature table")
    expect_dtype(x1, np.float32, "x")
    # T != 4 must follow the argument
    wide = rng(2).standard_normal((2, 12))
    x2 = as_result_array(call(to_rnn_input, wide, 6), "x")
    if x2.shape != (2, 6, 2):
        raise Mistake(f"With T = 6 and 12 columns x should have shape (2, 6, 2), got {x2.shape}: compute D "
                      "from the table, D = table.shape[1] // T, instead of a fixed number.")
    diagnose(x2, batching.to_rnn_input(wide, 6), "x (N=2, T=6, D=2)",
             TO_RNN_EQUATIONS.variants((wide, 6)).candidates("x"))
    TO_RNN_NUMERICS.run(to_rnn_input)


TO_RNN_NUMERICS = Numerics(
    "to_rnn_input",
    probe=lambda N=None, T=None, dtype=np.float64, big=False: (
        rng(5).standard_normal((N or 3, 2 * (T or 4))).astype(dtype), T or 4),
    outputs=lambda out, args: {"x": out}, reference=lambda *args: {"x": batching.to_rnn_input(*args)}, sequence=True)


# --------------------------------------------------------------------------------------
# 7.2 build_classifier (and the model comparison lesson 08 reuses)
# --------------------------------------------------------------------------------------

def build_learner_model(fn, *args, func="build_model"):
    """Call the learner's builder; translate Keras' stacking error into the mistake behind it."""
    try:
        model = fn(*args)
    except ValueError as exc:
        msg = str(exc)
        if "expected ndim=3, found ndim=2" in msg:
            raise Mistake("Keras refused to stack the layers: a recurrent layer received 2-D input (N, units). "
                          "Every recurrent layer that feeds another recurrent layer needs return_sequences=True, "
                          "so it passes the whole sequence (N, T, units) on.") from None
        raise
    if model is None:
        raise Mistake(f"{func} returned None: did you forget `return model`?")
    import keras
    if not isinstance(model, keras.Model):
        raise Mistake(f"{func} should return a keras model (keras.Sequential([...])), got {type(model).__name__}.")
    try:
        model.input_shape
    except (AttributeError, ValueError):
        raise Mistake("The model has no input shape yet: start it with keras.Input((T, D)).") from None
    return model


def _short(spec):
    return spec["kind"] + (f"({spec['units']})" if spec.get("units") is not None else "")


def check_model_against(model, ref_model, T, D, func="build_model"):
    """Compare the learner's built model with the specification's; raise Mistake naming the difference."""
    got_in, want_in = tuple(model.input_shape), tuple(ref_model.input_shape)
    if got_in != want_in:
        if got_in == (None, D, T):
            raise Mistake(f"The model's input shape is {got_in} = (batch, features, timesteps); it must be "
                          f"(batch, timesteps, features): keras.Input((T, D)) = keras.Input({(T, D)}).")
        raise Mistake(f"The model's input shape is {got_in}; expected {want_in}: use keras.Input((T, D)) "
                      "with the T and D passed to the function.")
    got, want = specs.layer_specs(model), specs.layer_specs(ref_model)
    if [g["kind"] for g in got] != [w["kind"] for w in want]:
        g_txt = " -> ".join(_short(s) for s in got) or "(no layers)"
        w_txt = " -> ".join(_short(s) for s in want)
        raise Mistake(f"The layers are {g_txt}; the specification is {w_txt}.")
    for i, (g, w) in enumerate(zip(got, want), 1):
        where = f"Layer {i} ({w['kind']})"
        if g.get("units") != w.get("units"):
            raise Mistake(f"{where} has {g.get('units')} units; the specification says {w.get('units')}.")
        if g.get("return_sequences") != w.get("return_sequences"):
            if w.get("return_sequences"):
                raise Mistake(f"{where} needs return_sequences=True: the layer after it must receive one output "
                              "per time step, (N, T, units), not only the last one.")
            raise Mistake(f"{where} should return only its last output (return_sequences=False, the default): "
                          "the classifier answers once per sequence.")
        if g.get("merge_mode") != w.get("merge_mode"):
            raise Mistake(f"{where} merges the two directions with merge_mode={g.get('merge_mode')!r}; "
                          f"the specification says {w.get('merge_mode')!r}.")
        if g.get("activation") != w.get("activation"):
            raise Mistake(f"{where} uses activation {g.get('activation')!r}; the specification says "
                          f"{w.get('activation')!r}.")
    got_out, want_out = tuple(model.output_shape), tuple(ref_model.output_shape)
    if got_out != want_out:
        raise Mistake(f"The model's output shape is {got_out}; expected {want_out}.")
    if model.count_params() != ref_model.count_params():
        raise Mistake(f"The model has {model.count_params()} parameters; the specification gives "
                      f"{ref_model.count_params()} (a layer option such as use_bias differs).")


def _loss_name(loss):
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__


def check_compiled(model, optimizer: str, learning_rate: float, loss: str):
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        raise Mistake(f"The model is not compiled: call model.compile(optimizer=..., loss={loss!r}, ...) "
                      "before returning it.")
    name = type(model.optimizer).__name__
    if name != optimizer:
        raise Mistake(f"The optimizer is {name}; the specification says {optimizer}.")
    lr = float(np.asarray(model.optimizer.learning_rate))
    if abs(lr - learning_rate) > 1e-3 * learning_rate:
        raise Mistake(f"The learning rate is {lr:g}; the specification says {learning_rate:g}.")
    got = _loss_name(model.loss)
    if got != loss:
        why = ""
        if got == "categorical_crossentropy" and loss == "sparse_categorical_crossentropy":
            why = " The labels are integers (one class index per step), not one-hot rows: use the sparse version."
        raise Mistake(f"The loss is {got!r}; the specification says {loss!r}.{why}")


@register("7.2", "build_classifier", "A stacked model to a specification", specs.build_classifier)
def check_build_classifier(build_classifier):
    for T, D in [(7, 3), (5, 2)]:
        model = build_learner_model(build_classifier, T, D, func="build_classifier")
        if (T, D) == (5, 2) and tuple(model.input_shape) == (None, 7, 3):
            raise Mistake("The model ignores the arguments: it always has input shape (7, 3). "
                          "Use keras.Input((T, D)) with the function's T and D.")
        check_model_against(model, specs.build_classifier(T, D), T, D, func="build_classifier")
        check_compiled(model, "Adam", 1e-3, "binary_crossentropy")


# --------------------------------------------------------------------------------------
# 7.3 pad_and_mask
# --------------------------------------------------------------------------------------

def _ragged(dtype=np.float64):
    r = rng(3)
    seqs = [r.standard_normal((3, 2)), r.standard_normal((5, 2)), r.standard_normal((2, 2))]
    seqs[1][1] = 0.0          # a real step that happens to equal the padding value
    return [s.astype(dtype) for s in seqs]


def _pre_padded(seqs, value):
    T = max(len(s) for s in seqs)
    x = np.full((len(seqs), T, seqs[0].shape[1]), value)
    for i, s in enumerate(seqs):
        x[i, T - len(s):] = s
    return x


OUT_73, ABOUT_73 = ("x", "mask"), "x is the padded batch, mask the mask of real steps."


@register("7.3", "pad_and_mask", "Pad a ragged batch and build its mask", batching.pad_and_mask,
          shapes="seqs[i] (T_i, D) -> x (N, T_max, D), mask (N, T_max)")
def check_pad_and_mask(pad_and_mask):
    seqs = _ragged()
    exp_x, exp_mask = batching.pad_and_mask(seqs)
    out = unpack(pad_and_mask([s.copy() for s in seqs]), "pad_and_mask", OUT_73, about=ABOUT_73)
    x = as_result_array(out[0], "x")
    N, T, D = exp_x.shape
    if x.shape == (N, len(seqs[0]), D):
        raise Mistake(f"Your x has shape {x.shape}: T must be the LONGEST length ({T}), not the first sequence's.")
    expect_shape(x, exp_x.shape, "x", "(N, T_max, D)")
    generated = PAD_EQUATIONS.variants((seqs, 0.0))
    diagnose(x, exp_x, "x", generated.candidates("x", first=[
        (_pre_padded(seqs, 0.0), "the padding is at the front (pre-padding): this exercise pads at the end "
                                 "(post), x[i, :T_i] = seqs[i], so step t of every sequence sits at x[:, t]."),
    ]))
    mask = np.asarray(out[1])
    if mask.shape == (N, T, D):
        raise Mistake(f"Your mask has shape {mask.shape}: one flag per time step, (N, T_max) = {(N, T)}, not one per feature.")
    expect_shape(mask, exp_mask.shape, "mask", "(N, T_max)")
    if mask.dtype != bool:
        raise Mistake(f"Your mask has dtype {mask.dtype}; make it boolean (True at real steps), e.g. "
                      "np.arange(T_max) < length.")
    if np.array_equal(mask, ~exp_mask):
        raise Mistake("The mask is inverted: True must mark the REAL steps (Keras skips the False ones).")
    if np.array_equal(mask, np.any(exp_x != 0.0, axis=-1)):
        raise Mistake("The mask marks a real step as padding: sequence 1 has a genuine all-zero step. Build the "
                      "mask from the lengths (t < T_i), not by comparing x with the padding value.")
    diagnose(mask, exp_mask, "mask", generated.candidates("mask", first=[
        (_pre_padded([np.ones((len(s), 1)) for s in seqs], 0.0)[..., 0] > 0,
         "the mask marks the front of each row: with post-padding the real steps come first."),
    ]))
    # another padding value; float32 stays float32
    seqs32 = _ragged(np.float32)
    out = unpack(pad_and_mask([s.copy() for s in seqs32], value=-1.0), "pad_and_mask", OUT_73, about=ABOUT_73)
    x = as_result_array(out[0], "x")
    exp_x, _ = batching.pad_and_mask(seqs32, value=-1.0)
    diagnose(x, exp_x, "x with value=-1", PAD_EQUATIONS.variants((seqs32, -1.0)).candidates("x", first=[
        (batching.pad_and_mask(seqs32)[0], "the padding ignores `value`: fill the empty steps with value "
                                           "(np.full(..., value)), not always 0."),
        (_pre_padded(seqs32, -1.0), "the padding is at the front (pre-padding); pad at the end (post)."),
    ]))
    expect_dtype(x, np.float32, "x")
    PAD_NUMERICS.run(pad_and_mask)


def _pad_probe(N=None, T=None, dtype=np.float64, big=False):
    seqs = [s[:T] for s in _ragged(dtype)[:N or 3]] if T else _ragged(dtype)[:N or 3]
    return [s.copy() for s in seqs], -2.0


PAD_NUMERICS = Numerics(
    "pad_and_mask", probe=_pad_probe, sequence=True,
    outputs=lambda out, args: {k: np.asarray(v, dtype=np.float64) if k == "mask" else v
                               for k, v in zip(OUT_73, unpack(out, "pad_and_mask", OUT_73, about=ABOUT_73))},
    reference=lambda *args: {k: np.asarray(v, dtype=np.float64) if k == "mask" else v
                             for k, v in zip(OUT_73, batching.pad_and_mask(*args))})


declare("7.1", TO_RNN_EQUATIONS, lambda: [(np.arange(24, dtype=np.float64).reshape(2, 12) + 1, 4),
                                          (rng(2).standard_normal((2, 12)), 6)])
declare("7.3", PAD_EQUATIONS, lambda: [(_ragged(), 0.0), (_ragged(np.float32), -1.0)])
