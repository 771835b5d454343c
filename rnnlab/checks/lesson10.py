"""Checks of lesson 10 (text generation): sample_next and bits_per_char."""
import numpy as np

from ..models import charlm
from . import register
from .probes import Mistake, as_number, as_result_array, diagnose, expect_shape, quiet_call, unpack
from .variants import Equations, declare


def sample_equations(e, logits, temperature, rng=None):
    """The probabilities sample_next draws from, with the places a learner can slip marked."""
    z = e.pick("z", logits / temperature, right="logits / temperature", **{
        "logits * temperature": lambda: logits * temperature, "logits - temperature": lambda: logits - temperature,
        "the logits alone": logits})
    return {"p": e.softmax("p", z, axis=-1)}


SAMPLE_EQUATIONS = Equations(
    "sample_next", sample_equations, args=("logits", "temperature", "rng"),
    equations={"z": "z = logits / temperature, then p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()",
               "p": "p = np.exp(z - z.max()) / np.exp(z - z.max()).sum(), with z = logits / temperature"},
    wrap=lambda out, a: (int(a[2].choice(len(out["p"]), p=out["p"] / out["p"].sum()))
                         if np.all(np.isfinite(out["p"])) and np.all(out["p"] >= 0) else 0, out["p"]))


def bits_equations(e, probs, targets):
    """bits_per_char as the lesson writes it, with the places a learner can slip marked."""
    n = len(targets)
    rows = e.shift("the row index", np.arange(n), fix="p_true = probs[np.arange(n), targets]")
    picked = np.zeros(probs.shape, dtype=bool)
    picked[rows % n, e.shift("targets", targets, fix="p_true = probs[np.arange(n), targets]") % probs.shape[1]] = True
    logs = e.pick("the surprise", np.log2(probs), right="np.log2 (bits)", **{
        "np.log (nats)": lambda: np.log(probs), "np.log10": lambda: np.log10(probs)})
    table = e.sum("the surprise", {"-log2(p_true)": np.where(picked, -logs, 0.0)})
    per_char = e.reduce("the surprise of character t", "sum", table, axis=1,
                        names=("the characters n", "the vocabulary V"))
    bits = e.reduce("bits", "mean", per_char, axis=0, names=("the characters n",))
    ppl = e.pick("perplexity", 2.0 ** bits, right="2 ** bits", **{
        "np.exp(bits)": lambda: np.exp(bits), "10 ** bits": lambda: 10.0 ** bits, "2 ** -bits": lambda: 2.0 ** -bits,
        "the bits themselves": bits})
    return {"bits": bits, "perplexity": ppl}


BITS_EQUATIONS = Equations(
    "bits_per_char", bits_equations, args=("probs", "targets"),
    equations={"bits": "bits = np.mean(-np.log2(probs[np.arange(n), targets])), the mean over the n characters",
               "the surprise": "bits = np.mean(-np.log2(p_true)) with p_true = probs[np.arange(n), targets]",
               "the surprise of character t": "-np.log2(probs[t, targets[t]]), one entry per row",
               "perplexity": "perplexity = 2 ** bits"},
    wrap=lambda out, a: (float(out["bits"]), float(out["perplexity"])))


def _unpack_sample(out, V):
    """(index, p) from sample_next's pair, naming a swapped pair, a probability for an index, a bad index."""
    index, p = unpack(out, "sample_next", ("index", "p"))
    if isinstance(index, np.ndarray) and index.ndim == 1 and np.ndim(p) == 0:
        raise Mistake("the pair is the wrong way round: return (index, p), the sampled index first.")
    if isinstance(index, (float, np.floating)) and not float(index).is_integer():
        raise Mistake(f"index is {index}, a probability, not a position: rng.choice(p) picks one of the values "
                      "of p; rng.choice(len(p), p=p) picks an index with those probabilities.")
    if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
        if isinstance(index, np.ndarray) and index.size == 1 and np.issubdtype(index.dtype, np.integer):
            index = int(index.reshape(-1)[0])
        else:
            raise Mistake(f"index should be one integer (the id of the sampled character), got "
                          f"{type(index).__name__}.")
    if not 0 <= int(index) < V:
        raise Mistake(f"index {index} is outside 0 .. {V - 1}: it must be a position in logits.")
    p = as_result_array(p, "p")
    return int(index), p


def _refused(exc):
    msg = str(exc)
    if "non-negative" in msg or "negative" in msg:
        raise Mistake("rng.choice refused p: it has negative entries, so it is not a probability distribution; "
                      "apply the softmax to logits / temperature.") from None
    if "sum to 1" in msg:
        raise Mistake("rng.choice refused p: it does not sum to 1. Divide np.exp(z) by its sum, with "
                      "z = logits / temperature (dividing the probabilities by the temperature breaks the sum).") from None
    raise exc


@register("10.2", "sample_next", "Sampling with a temperature", charlm.sample_next)
def check_sample_next(sample_next):
    logits = np.log(np.array([0.6, 0.3, 0.09, 0.01]))
    V, T = len(logits), 0.5
    rng = np.random.default_rng(0)
    try:
        index, p = _unpack_sample(quiet_call(sample_next, logits, T, rng), V)
    except ValueError as exc:
        _refused(exc)
    expect_shape(p, (V,), "p", "(V,)")
    expected = charlm.softmax(logits, T)
    plain = charlm.softmax(logits)
    if np.all(np.isfinite(p)) and abs(p.sum() - 1) > 1e-6:
        if np.allclose(p * T, plain):
            raise Mistake("you divided the probabilities by the temperature; divide the LOGITS: "
                          "softmax(logits / temperature).")
        if np.allclose(p / p.sum(), expected):
            raise Mistake(f"p sums to {p.sum():.3g}, not 1: divide np.exp(...) by its sum.")
        raise Mistake(f"p sums to {p.sum():.3g}; probabilities must sum to 1 (divide by the sum of the exponentials).")
    diagnose(p, expected, "p", SAMPLE_EQUATIONS.variants((logits, T, None)).candidates("p", first=[
        (plain, "p is the plain softmax(logits): the temperature had no effect. (Dividing the probabilities by "
                "the temperature and normalising again cancels out.) Divide the LOGITS: softmax(logits / temperature)."),
        (charlm.softmax(logits * T), "the temperature is applied as a multiplication; divide: logits / temperature "
                                      "(a temperature below 1 must make the distribution sharper)."),
        (charlm.softmax(logits - T), "the temperature was subtracted; divide the logits by it: logits / temperature."),
        (logits / T, "p is logits / temperature: apply the softmax to get probabilities."),
    ]))
    # large logits: exp overflows unless the maximum is subtracted first
    big = np.array([1000.0, 999.0, 990.0, 0.0])
    try:
        _, p_big = _unpack_sample(quiet_call(sample_next, big, 1.0, np.random.default_rng(1)), V)
    except ValueError as exc:
        if "nan" in str(exc).lower() or "probabilities" in str(exc).lower():
            raise Mistake("with large logits (1000) np.exp overflows to inf and p becomes nan: subtract the largest "
                          "logit first (z - z.max()); the softmax does not change.") from None
        raise
    if not np.all(np.isfinite(p_big)):
        raise Mistake("with large logits (1000) np.exp overflows to inf and p becomes nan: subtract the largest "
                      "logit first (z - z.max()); the softmax does not change.")
    diagnose(p_big, charlm.softmax(big), "p for logits [1000, 999, 990, 0]")
    # the samples follow p
    r = np.random.default_rng(3)
    draws = np.array([_unpack_sample(quiet_call(sample_next, logits, T, r), V)[0] for _ in range(3000)])
    freq = np.bincount(draws, minlength=V) / len(draws)
    if np.all(draws == np.argmax(logits)):
        raise Mistake("sample_next always returns the most likely character: draw at random with "
                      "rng.choice(len(p), p=p) (argmax gives the same text every time, and loops).")
    if np.max(np.abs(freq - expected)) > 0.04:
        if np.max(np.abs(freq - plain)) < 0.04:
            raise Mistake("the samples follow softmax(logits), not the p you return: sample from the tempered p.")
        raise Mistake(f"the samples do not follow p: over 3000 draws the frequencies were {np.round(freq, 2)} but p "
                      f"is {np.round(expected, 2)}. Draw with rng.choice(len(p), p=p).")
    # the given rng must be the only source of randomness (checked last: argmax does not use it either)
    r = np.random.default_rng(2)
    before = r.bit_generator.state
    quiet_call(sample_next, logits, 1.0, r)
    if r.bit_generator.state == before:
        raise Mistake("the rng argument was not used, so a seed does not reproduce the text: draw with "
                      "rng.choice(len(p), p=p), not np.random.choice or a new generator.")



def _unpack_bits(out):
    names = ("bits", "perplexity")
    values = unpack(out, "bits_per_char", names)
    return [as_number(v, n, "an average over the characters") for v, n in zip(values, names)]


@register("10.1", "bits_per_char", "Bits per character and perplexity", charlm.bits_per_char)
def check_bits_per_char(bits_per_char):
    r = np.random.default_rng(0)
    n, V = 6, 5
    probs = r.dirichlet(np.ones(V), size=n)
    targets = (probs.argmax(axis=1) + 1 + r.integers(0, V - 1, n)) % V     # never the most likely character
    bits, ppl = _unpack_bits(quiet_call(bits_per_char, probs, targets))
    e_bits, e_ppl = charlm.bits_per_char(probs, targets)
    p_true = probs[np.arange(n), targets]
    generated = BITS_EQUATIONS.variants((probs, targets))
    got = {"bits": np.array(bits), "perplexity": np.array(ppl)}
    diagnose(np.array(bits), np.array(e_bits), "bits", generated.candidates("bits", got=got, first=[
        (np.array(-np.mean(np.log(p_true))), "that is in nats (natural log); bits use log base 2: np.log2, "
                                             "or divide by np.log(2)."),
        (np.array(-np.mean(np.log10(p_true))), "that uses log base 10; bits use log base 2 (np.log2)."),
        (np.array(-np.sum(np.log2(p_true))), "that is the SUM over the characters; bits per character is the "
                                             "mean (np.mean)."),
        (np.array(np.mean(np.log2(p_true))), "bits came out negative: the surprise is -log2(p), with a minus sign."),
        (np.array(-np.mean(np.log2(probs.max(axis=1)))), "you used the probability of the PREDICTED (most likely) "
                                                         "character; use the probability of the TRUE one: "
                                                         "probs[np.arange(n), targets]."),
        (np.array(-np.mean(np.log2(probs[targets]))), "probs[targets] picks whole rows; pick one entry per row: "
                                                      "probs[np.arange(n), targets]."),
        (np.array(-np.mean(np.log2(probs[:, targets]))), "probs[:, targets] is an (n, n) table; pick one entry per "
                                                         "row: probs[np.arange(n), targets]."),
        (np.array(-np.log2(np.mean(p_true))), "average the surprises, not the probabilities: "
                                              "np.mean(-np.log2(p_true)), in that order."),
        (np.array(-np.mean(np.log2(probs))), "you averaged over every entry of probs; use only the true "
                                             "characters' probabilities: probs[np.arange(n), targets]."),
    ]))
    diagnose(np.array(ppl), np.array(e_ppl), "perplexity", generated.candidates("perplexity", got=got, first=[
        (np.array(np.exp(e_bits)), "perplexity = 2 ** bits: the base must match the log (np.exp goes with nats)."),
        (np.array(10 ** e_bits), "perplexity = 2 ** bits: the base must match the log."),
        (np.array(e_bits), "perplexity is not the bits themselves: it is 2 ** bits."),
        (np.array(1 / np.mean(p_true)), "perplexity is 2 ** (average bits), not 1 / (average probability)."),
        (np.array(2 ** -e_bits), "perplexity is 2 ** bits (bits are already positive), not 2 ** -bits."),
    ]))
    # a perfect model: no surprise at all, perplexity 1
    bits0, ppl0 = _unpack_bits(quiet_call(bits_per_char, np.eye(3), np.arange(3)))
    diagnose(np.array([bits0, ppl0]), np.array([0.0, 1.0]), "(bits, perplexity) of a perfect model")
    # float32 probabilities, as Keras returns them
    bits32, _ = _unpack_bits(quiet_call(bits_per_char, probs.astype(np.float32), targets))
    if abs(bits32 - e_bits) > 1e-4:
        raise Mistake("with float32 probabilities (what Keras returns) the bits change: compute as above, "
                      "without rounding the probabilities.")


def _probes_101():
    r = np.random.default_rng(0)
    n, V = 6, 5
    probs = r.dirichlet(np.ones(V), size=n)
    return [(probs, (probs.argmax(axis=1) + 1 + r.integers(0, V - 1, n)) % V)]


declare("10.1", BITS_EQUATIONS, _probes_101)
declare("10.2", SAMPLE_EQUATIONS, lambda: [(np.log(np.array([0.6, 0.3, 0.09, 0.01])), 0.5, np.random.default_rng(0))])
