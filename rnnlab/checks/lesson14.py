"""Checks of lesson 14 (hybrids): sample_melody, build_video_model."""
import numpy as np

from ..data import music
from . import register
from .probes import Mistake


class _Fixed:
    """next_probs that always returns the same distribution, and records what it was given."""

    def __init__(self, p):
        self.p = np.asarray(p, dtype=float)
        self.prefixes = []

    def __call__(self, notes):
        self.prefixes.append(list(np.asarray(notes).reshape(-1)) if notes is not None else None)
        return self.p.copy()


class _Counter:
    """next_probs that puts all probability on (last note + 1) % V: the melody must count up."""

    def __init__(self, V=5):
        self.V = V

    def __call__(self, notes):
        notes = list(np.asarray(notes).reshape(-1)) if notes is not None else []
        p = np.zeros(self.V)
        p[(int(notes[-1]) + 1) % self.V if notes else 2] = 1.0
        return p


def _melody(fn, next_probs, length, temperature, seed):
    out = fn(next_probs, length, temperature, seed)
    if out is None:
        raise Mistake("sample_melody returned None: did you forget to return the notes?")
    arr = np.asarray(out)
    if arr.shape != (length,):
        raise Mistake(f"sample_melody returned shape {arr.shape}; expected ({length},): one note per step.")
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            raise Mistake("the notes are floats; return integers (np.array(notes) of ints, e.g. int(rng.choice(...))).")
        raise Mistake(f"the notes should be integers (note numbers), got dtype {arr.dtype}: did you return "
                      "probabilities instead of drawn notes?")
    return arr


P = np.array([0.6, 0.3, 0.1])


def _freq(notes, V=3):
    return np.bincount(notes, minlength=V) / len(notes)


@register("14.2", "sample_melody", "Sampling a melody with a temperature", music.sample_melody)
def check_sample_melody(sample_melody):
    fixed = _Fixed(P)
    notes = _melody(sample_melody, fixed, 6, 1.0, 0)
    if len(fixed.prefixes) != 6:
        raise Mistake(f"next_probs was called {len(fixed.prefixes)} times for 6 notes: call it once per note.")
    if any(pre is None or list(pre) != list(notes[:k]) for k, pre in enumerate(fixed.prefixes)):
        raise Mistake("next_probs should receive the notes chosen so far: [] first, then [n0], [n0, n1], ... "
                      f"(got {[p if p is None else [int(v) for v in p] for p in fixed.prefixes][:3]} ...).")
    counting = _melody(sample_melody, _Counter(), 6, 1.0, 0)
    if list(counting) != [2, 3, 4, 0, 1, 2]:
        raise Mistake(f"with next_probs putting all probability on (last note + 1), the melody should be "
                      f"[2, 3, 4, 0, 1, 2], got {counting.tolist()}: append each drawn note before the next call.")

    a = _melody(sample_melody, _Fixed(P), 400, 1.0, 7)
    if len(np.unique(a)) == 1:
        raise Mistake(f"every note is {a[0]}, the most likely one: that is greedy decoding (argmax). Draw each note "
                      "at random with rng.choice(V, p=q).")
    b = _melody(sample_melody, _Fixed(P), 400, 1.0, 7)
    if not np.array_equal(a, b):
        raise Mistake("two calls with the same seed composed different melodies: draw with "
                      "rng = np.random.default_rng(seed), not np.random.")
    c = _melody(sample_melody, _Fixed(P), 400, 1.0, 8)
    if np.array_equal(a, c):
        raise Mistake("seeds 7 and 8 gave the same melody: use the seed argument, np.random.default_rng(seed).")

    n = 3000
    expected = {T: P ** (1 / T) / np.sum(P ** (1 / T)) for T in (0.5, 1.0, 2.0)}
    wrong_power = {T: P ** T / np.sum(P ** T) for T in (0.5, 2.0)}
    got = {T: _freq(_melody(sample_melody, _Fixed(P), n, T, 1)) for T in (0.5, 1.0, 2.0)}
    if np.max(np.abs(got[1.0] - P)) > 0.04:
        raise Mistake(f"at temperature 1 the notes should follow next_probs ({P.tolist()}); they came out "
                      f"{np.round(got[1.0], 2).tolist()}.")
    if np.max(np.abs(got[0.5] - wrong_power[0.5])) < 0.03 and np.max(np.abs(got[2.0] - wrong_power[2.0])) < 0.03:
        raise Mistake("the temperature works backwards: low temperatures flatten the distribution. Use "
                      "p ** (1 / temperature) (or log(p) / temperature), not p ** temperature.")
    if np.max(np.abs(got[0.5] - P)) < 0.04 and np.max(np.abs(got[2.0] - P)) < 0.04:
        raise Mistake("the temperature has no effect: reshape the probabilities, q = p ** (1 / temperature), "
                      "then q / q.sum().")
    for T in (0.5, 2.0):
        if np.max(np.abs(got[T] - expected[T])) > 0.04:
            raise Mistake(f"at temperature {T} the note frequencies are {np.round(got[T], 2).tolist()}; "
                          f"p ** (1 / T), renormalised, gives {np.round(expected[T], 2).tolist()}.")


# --------------------------------------------------------------------------------------
# Exercise 14.1: the TimeDistributed model
# --------------------------------------------------------------------------------------

def reference_video_model(frames, size, n_classes):
    """TimeDistributed CNN + LSTM: the model of exercise 14.1."""
    from ..session import import_keras
    keras = import_keras(seed=None)
    L = keras.layers
    return keras.Sequential([
        keras.Input((frames, size, size, 1)),
        L.TimeDistributed(L.Conv2D(8, 3, activation="relu")),
        L.TimeDistributed(L.MaxPooling2D(2)),
        L.TimeDistributed(L.Flatten()),
        L.LSTM(32),
        L.Dense(n_classes, activation="softmax"),
    ])


def _kind(layer) -> str:
    name = type(layer).__name__
    if name == "TimeDistributed":
        return f"TimeDistributed({type(layer.layer).__name__})"
    return name


def _layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _shape(x):
    return tuple(None if d is None else int(d) for d in x.shape)


_WHY = {
    "Conv2D": "a plain Conv2D would treat the frame axis as an image axis; wrap it, "
              "TimeDistributed(Conv2D(...)), so the same convolution runs on every frame.",
    "MaxPooling2D": "wrap the pooling in TimeDistributed too, so it pools each frame.",
    "Flatten": "a plain Flatten would merge all frames into one vector and lose the time axis; use "
               "TimeDistributed(Flatten()) to flatten each frame separately.",
}


def _compare(model, ref, where):
    got, want = [_kind(layer) for layer in _layers(model)], [_kind(layer) for layer in _layers(ref)]
    if got != want:
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                why = _WHY.get(g, "") if w == f"TimeDistributed({g})" else ""
                if not why and g.startswith("TimeDistributed(") and w == "LSTM":
                    why = "after the TimeDistributed Flatten comes the LSTM over the frames."
                raise Mistake(f"layer {i + 1} is {g}; expected {w}{where}. " + (why or f"The layers should be: {', '.join(want)}."))
        if len(got) > len(want):
            raise Mistake(f"the model has {len(got)} layers, {len(got) - len(want)} more than the specification "
                          f"({', '.join(want)}): extra {', '.join(got[len(want):])}.")
        raise Mistake(f"the model stops after {got[-1] if got else 'the input'}: {', '.join(want[len(got):])} "
                      "still missing.")
    layers, ref_layers = _layers(model), _layers(ref)
    conv, ref_conv = layers[0].layer, ref_layers[0].layer
    if conv.filters != ref_conv.filters:
        raise Mistake(f"the convolution has {conv.filters} filters; the specification says 8.")
    if tuple(conv.kernel_size) != tuple(ref_conv.kernel_size):
        raise Mistake(f"the convolution's kernel is {tuple(conv.kernel_size)}; the specification says 3 x 3.")
    if conv.get_config()["activation"] != "relu":
        raise Mistake(f"the convolution's activation is {conv.get_config()['activation']!r}; use activation=\"relu\".")
    if tuple(layers[1].layer.pool_size) != (2, 2):
        raise Mistake(f"the pooling size is {tuple(layers[1].layer.pool_size)}; use MaxPooling2D(2).")
    lstm = layers[3]
    if lstm.units != 32:
        raise Mistake(f"the LSTM has {lstm.units} units; the specification says 32.")
    if lstm.return_sequences:
        raise Mistake("the LSTM returns the whole sequence (return_sequences=True); the classifier needs only its "
                      "last state: leave return_sequences at False.")
    dense = layers[4]
    if dense.get_config()["activation"] != "softmax":
        raise Mistake(f"the last layer's activation is {dense.get_config()['activation']!r}; the classes need "
                      "activation=\"softmax\".")
    if dense.units != ref_layers[4].units:
        raise Mistake(f"the output has {dense.units} units; it needs one per class, n_classes = {ref_layers[4].units}. "
                      "Use the argument, not a fixed number.")
    if _shape(model.outputs[0]) != _shape(ref.outputs[0]):
        raise Mistake(f"the output shape is {_shape(model.outputs[0])}; expected {_shape(ref.outputs[0])}{where}.")
    if model.count_params() != ref.count_params():
        raise Mistake(f"the model has {model.count_params()} parameters; the specification gives "
                      f"{ref.count_params()}{where}.")


def _build(build_video_model, frames, size, n_classes):
    """Call the learner's builder; translate the two shape errors Keras raises for unwrapped layers."""
    try:
        return build_video_model(frames, size, n_classes)
    except (NotImplementedError, Mistake):
        raise
    except ValueError as exc:
        msg = str(exc)
        if "Kernel shape must have the same length as input" in msg:
            raise Mistake("a plain Conv2D cannot read clips of shape (frames, size, size, 1) (Keras: kernel and input "
                          "lengths differ): " + _WHY["Conv2D"]) from None
        if "expected ndim=3, found ndim=2" in msg:
            raise Mistake("the LSTM received one flat vector per clip instead of one per frame: " + _WHY["Flatten"]) from None
        raise


@register("14.1", "build_video_model", "A TimeDistributed CNN + LSTM to a specification", reference_video_model)
def check_build_video_model(build_video_model):
    for frames, size, n_classes in [(6, 12, 4), (5, 10, 3)]:
        where = f" (frames={frames}, size={size}, n_classes={n_classes})"
        model = _build(build_video_model, frames, size, n_classes)
        if model is None:
            raise Mistake("build_video_model returned None: return the model.")
        if not hasattr(model, "layers") or not hasattr(model, "count_params"):
            raise Mistake(f"build_video_model should return a keras model, got {type(model).__name__}.")
        try:
            inputs = model.inputs
        except Exception:
            inputs = None
        if not inputs:
            raise Mistake("the model has no input shape: start the Sequential with keras.Input((frames, size, size, 1)).")
        want_in = (None, frames, size, size, 1)
        if _shape(inputs[0]) != want_in:
            raise Mistake(f"the input shape is {_shape(inputs[0])}; expected {want_in}{where}: "
                          "keras.Input((frames, size, size, 1)) with the arguments.")
        _compare(model, reference_video_model(frames, size, n_classes), where)
