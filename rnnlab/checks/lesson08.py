"""Checks of lesson 08 (deep and bidirectional RNNs): build_tagger."""
from ..models import specs
from . import register
from .probes import Mistake
from .lesson07 import build_learner_model, check_compiled, check_model_against


@register("8.1", "build_tagger", "A stacked bidirectional tagger to a specification", specs.build_tagger)
def check_build_tagger(build_tagger):
    for T, V in [(9, 4), (6, 5)]:
        model = build_learner_model(build_tagger, T, V, func="build_tagger")
        if (T, V) == (6, 5) and tuple(model.input_shape) == (None, 9, 4):
            raise Mistake("The model ignores the arguments: it always has input shape (9, 4). "
                          "Use keras.Input((T, V)) with the function's T and V.")
        ref = specs.build_tagger(T, V)
        got_kinds = [s["kind"] for s in specs.layer_specs(model)]
        if got_kinds[:2] == ["GRU", "GRU"]:
            raise Mistake("The GRUs read only left to right: wrap each one in layers.Bidirectional(...), "
                          "e.g. layers.Bidirectional(layers.GRU(32, return_sequences=True)).")
        if tuple(model.output_shape) == (None, V) and len(got_kinds) == 3:
            raise Mistake(f"The model's output shape is {(None, V)}: one answer per sequence. A tagger answers at "
                          "every step: the second Bidirectional GRU needs return_sequences=True too, so Dense "
                          f"sees (N, T, 32) and outputs (N, T, V) = {(None, T, V)}.")
        check_model_against(model, ref, T, V, func="build_tagger")
        check_compiled(model, "Adam", 1e-2, "sparse_categorical_crossentropy")
