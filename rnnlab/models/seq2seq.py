"""Encoder-decoder models in Keras for lesson 09, with and without attention.

The encoder reads the source characters; the decoder writes the target one character at a
time, starting from the encoder's final state. With attention, every decoder step also looks
at all encoder outputs: Luong's dot attention (`keras.layers.Attention`, scores = decoder
state . encoder output) or Bahdanau's additive attention (`keras.layers.AdditiveAttention`).
Keras is imported inside the functions.
"""
from __future__ import annotations

import numpy as np


def _keras():
    from ..session import import_keras
    return import_keras(seed=None)


def _trunk(keras, source_vocab, target_vocab, source_len, target_len, units, embed):
    """Inputs, the GRU encoder (outputs and final state) and the GRU decoder started from that state:
    what `build` and `build_bahdanau` share (the same layers, created in the same order)."""
    L = keras.layers
    enc_in = keras.Input((source_len,), dtype="int32", name="source")
    dec_in = keras.Input((target_len,), dtype="int32", name="decoder_input")
    src = L.Embedding(source_vocab, embed, mask_zero=True, name="source_embedding")(enc_in)
    enc_out, enc_h = L.GRU(units, return_sequences=True, return_state=True, name="encoder")(src)
    tgt = L.Embedding(target_vocab, embed, name="target_embedding")(dec_in)
    dec_out = L.GRU(units, return_sequences=True, name="decoder")(tgt, initial_state=enc_h)
    return enc_in, dec_in, enc_out, enc_h, dec_out


def _source_mask(keras, enc_in):
    return keras.layers.Lambda(lambda ids: keras.ops.not_equal(ids, 0), name="source_mask")(enc_in)


def _head(keras, inputs, features, units, target_vocab):
    """The output layers on top of the decoder features, compiled."""
    L = keras.layers
    hidden = L.Dense(units, activation="tanh", name="combine")(features)
    probs = L.Dense(target_vocab, activation="softmax", name="next_char")(hidden)
    model = keras.Model(inputs, probs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    return model


def build(source_vocab: int, target_vocab: int, source_len: int, target_len: int, units: int = 64,
          embed: int = 32, attention: str | None = "dot"):
    """A GRU encoder-decoder; attention is "dot" (Luong), "additive" (Bahdanau) or None.

    Inputs: encoder ids (N, source_len), decoder input ids (N, target_len) (teacher forcing).
    Output: (N, target_len, target_vocab) probabilities. Returns (model, weights_model): the
    second maps the same inputs to the attention weights (N, target_len, source_len), or is
    None without attention.
    """
    keras = _keras()
    L = keras.layers
    enc_in, dec_in, enc_out, enc_h, dec_out = _trunk(keras, source_vocab, target_vocab, source_len, target_len,
                                                     units, embed)
    weights = None
    if attention is None:
        features = dec_out
    else:
        layer = {"dot": L.Attention, "additive": L.AdditiveAttention}[attention](name="attention")
        source_mask = _source_mask(keras, enc_in)
        context, weights = layer([dec_out, enc_out], mask=[None, source_mask], return_attention_scores=True)
        features = L.Concatenate(name="context_and_state")([context, dec_out])
    model = _head(keras, [enc_in, dec_in], features, units, target_vocab)
    weights_model = None if weights is None else keras.Model([enc_in, dec_in], weights)
    return model, weights_model


def greedy_decode(model, source_ids: np.ndarray, start_id: int, target_len: int) -> np.ndarray:
    """Write the target one character at a time, feeding back the model's own choices.

    The decoder is causal (a left-to-right GRU whose attention looks only at the encoder), so
    the output at step t depends only on decoder inputs 0..t; one batched call per step.
    Returns (N, target_len) ids.
    """
    N = len(source_ids)
    dec = np.zeros((N, target_len), dtype=np.int32)
    dec[:, 0] = start_id
    out = np.zeros((N, target_len), dtype=np.int32)
    for t in range(target_len):
        probs = np.asarray(model.predict_on_batch([source_ids, dec]))
        out[:, t] = probs[:, t].argmax(-1)
        if t + 1 < target_len:
            dec[:, t + 1] = out[:, t]
    return out


def states_model(model):
    """A model that maps the same inputs to (decoder states (N, Ty, H), encoder outputs (N, Tx, H)):
    the queries and values the attention layer works on."""
    keras = _keras()
    encoder_outputs = model.get_layer("encoder").output[0]
    return keras.Model(model.inputs, [model.get_layer("decoder").output, encoder_outputs])


def translate_dates(model, weights_model, texts, source_len: int):
    """Greedy translations of human-readable dates, and the attention weights behind them.

    Returns (list of n output strings, weights (n, 10, source_len) or None without attention).
    """
    from ..data import dates as D
    source = D.encode_source(list(texts), source_len)
    ids = greedy_decode(model, source, D.TARGET_CHARS.index(D.START), D.TARGET_LEN)
    weights = None
    if weights_model is not None:
        weights = np.asarray(weights_model.predict_on_batch([source, D.decoder_inputs(ids)]))
    return D.decode_target(ids), weights


# --------------------------------------------------------------------------------------
# Lesson 17: Bahdanau's query, teacher forcing vs free running, beam search, metrics
# --------------------------------------------------------------------------------------

def build_bahdanau(source_vocab: int, target_vocab: int, source_len: int, target_len: int, units: int = 64,
                   embed: int = 32):
    """Like `build(attention="additive")`, but the query of step t is the PREVIOUS decoder state
    s_{t-1} (the encoder's final state at t = 0), as in Bahdanau et al. (2015); Luong's query is the
    current state s_t. (In the paper the context then also enters the GRU's input; here it joins the
    output layer, as in `build`, so the two models differ only in score and query.)
    Returns (model, weights_model)."""
    keras = _keras()
    L = keras.layers
    enc_in, dec_in, enc_out, enc_h, dec_out = _trunk(keras, source_vocab, target_vocab, source_len, target_len,
                                                     units, embed)
    previous = L.Lambda(lambda hs: keras.ops.concatenate([hs[1][:, None, :], hs[0][:, :-1]], axis=1),
                        name="previous_state")([dec_out, enc_h])
    source_mask = _source_mask(keras, enc_in)
    context, weights = L.AdditiveAttention(name="attention")([previous, enc_out], mask=[None, source_mask],
                                                             return_attention_scores=True)
    features = L.Concatenate(name="context_and_state")([context, dec_out])
    return _head(keras, [enc_in, dec_in], features, units, target_vocab), keras.Model([enc_in, dec_in], weights)


def teacher_forced_predict(model, source_ids: np.ndarray, targets: np.ndarray, start_id: int) -> np.ndarray:
    """Each step's choice when the decoder reads the TRUE previous tokens (teacher forcing): (N, T) ids."""
    start = np.full((len(targets), 1), start_id, dtype=np.int32)
    dec = np.concatenate([start, np.asarray(targets, np.int32)[:, :-1]], axis=1)
    return np.asarray(model.predict_on_batch([source_ids, dec])).argmax(-1)


def accuracy_by_position(predicted: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Share of right tokens at each output position: (T,)."""
    return np.mean(np.asarray(predicted) == np.asarray(targets), axis=0)


def beam_step(model, source_row: np.ndarray, target_len: int, end_id: int = 0):
    """A `step(prefixes) -> (k, V) log-probabilities` for beam search over one source.

    Prefixes start with the start token. While a prefix has fewer than `target_len` tokens after the
    start, the model's log-probabilities are returned with the end token (id `end_id`, padding) at
    -inf, renormalised over the other tokens; after `target_len` tokens, the end token is certain (log-probability 0)."""
    src = np.asarray(source_row, np.int32)[None]

    def step(prefixes):
        k = len(prefixes)
        dec = np.zeros((k, target_len), dtype=np.int32)
        at = np.array([min(len(p), target_len) - 1 for p in prefixes])
        for i, p in enumerate(prefixes):
            dec[i, :min(len(p), target_len)] = p[:target_len]
        probs = np.asarray(model.predict_on_batch([np.repeat(src, k, axis=0), dec]), dtype=np.float64)
        with np.errstate(divide="ignore"):
            logp = np.log(probs[np.arange(k), at])
        logp[:, end_id] = -np.inf
        logp -= np.logaddexp.reduce(logp, axis=1, keepdims=True)      # renormalise without the end token
        for i, p in enumerate(prefixes):
            if len(p) - 1 >= target_len:
                logp[i] = -np.inf
                logp[i, end_id] = 0.0
        return logp
    return step


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (substitutions, insertions, deletions)."""
    from .speech import edit_distance as _ed
    return _ed(a, b)


def character_error_rate(references, hypotheses) -> float:
    """Edits (substitutions, insertions, deletions) to turn each hypothesis into its reference, summed,
    divided by the total number of reference characters."""
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(f"character_error_rate: {len(references)} references but {len(hypotheses)} hypotheses")
    return sum(edit_distance(r, h) for r, h in zip(references, hypotheses)) / max(1, sum(len(r) for r in references))


def exact_match(references, hypotheses) -> float:
    """Share of outputs identical to their reference."""
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(f"exact_match: {len(references)} references but {len(hypotheses)} hypotheses")
    return float(np.mean([r == h for r, h in zip(references, hypotheses)]))
