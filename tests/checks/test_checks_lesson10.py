"""The checks of lesson 10 pass the reference and name each planted mistake."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.models import charlm

from mistakes import assert_hint_names, planted


def sampler(probabilities, draw="rng"):
    """A sample_next built from a (possibly wrong) probability formula and a (possibly wrong) draw."""
    def sample_next(logits, temperature, rng):
        p = probabilities(np.asarray(logits, dtype=float), temperature)
        if draw == "rng":
            return int(rng.choice(len(p), p=p)), p
        if draw == "global":
            return int(np.random.choice(len(p), p=p)), p
        if draw == "new-generator":
            return int(np.random.default_rng().choice(len(p), p=p)), p
        if draw == "argmax":
            return int(np.argmax(p)), p
        if draw == "untempered":
            return int(rng.choice(len(p), p=charlm.softmax(logits))), p
        if draw == "value":
            return rng.choice(p), p
        if draw == "swapped":
            return p, int(rng.choice(len(p), p=p))
        raise AssertionError(draw)
    return sample_next


def unstable(z, T):
    e = np.exp(z / T)
    return e / e.sum()


def stable(z, T):
    return charlm.softmax(z, T)


SAMPLE_MISTAKES = {
    "no max subtraction": (sampler(unstable), "subtract the largest"),
    "divides probabilities, renormalised": (sampler(lambda z, T: (stable(z, 1) / T) / (stable(z, 1) / T).sum()),
                                            "Dividing the probabilities"),
    "divides probabilities": (sampler(lambda z, T: stable(z, 1) / T), "dividing the probabilities"),
    "multiplies by T": (sampler(lambda z, T: stable(z * T, 1)), "multiplication"),
    "ignores T": (sampler(lambda z, T: stable(z, 1)), "no effect"),
    "no normalisation": (sampler(lambda z, T: np.exp(z / T - np.max(z / T))), "does not sum to 1"),
    "no softmax": (sampler(lambda z, T: z / T), "apply the softmax"),
    "divides probabilities, returns p without drawing": (
        lambda z, T, rng: (int(rng.integers(len(z))), charlm.softmax(z) / T), "divided the probabilities"),
    "global np.random": (sampler(stable, "global"), "rng argument was not used"),
    "new generator": (sampler(stable, "new-generator"), "rng argument was not used"),
    "argmax": (sampler(stable, "argmax"), "always returns the most likely"),
    "samples untempered": (sampler(stable, "untempered"), "not the p you return"),
    "rng.choice(p)": (sampler(stable, "value"), "rng.choice(len(p), p=p)"),
    "pair swapped": (sampler(stable, "swapped"), "wrong way round"),
    "only the index": (lambda z, T, rng: charlm.sample_next(z, T, rng)[0], "pair (index, p)"),
    "in place": (lambda z, T, rng: charlm.sample_next(z.__isub__(z.max()), T, rng), "in place"),
}


@pytest.mark.parametrize("wrong, phrase", planted(SAMPLE_MISTAKES))
def test_sample_next_check_names_the_mistake(wrong, phrase):
    assert_hint_names("10.2", wrong, phrase)


def test_sample_next_power_form_passes():
    """p ** (1 / T), normalised, is the same distribution: a correct answer must pass."""
    def sample_next(logits, temperature, rng):
        p = charlm.softmax(logits) ** (1 / temperature)
        p = p / p.sum()
        return int(rng.choice(len(p), p=p)), p
    assert checks.evaluate("10.2", sample_next).status == checks.PASSED


def bits_with(surprise, perplexity=lambda b: 2 ** b):
    def bits_per_char(probs, targets):
        probs = np.asarray(probs, dtype=np.float64)
        b = surprise(probs, np.asarray(targets))
        return b, perplexity(b)
    return bits_per_char


def p_true(probs, targets):
    return probs[np.arange(len(targets)), targets]


BITS_MISTAKES = {
    "nats": (bits_with(lambda P, t: -np.mean(np.log(p_true(P, t))), np.exp), "nats"),
    "log10": (bits_with(lambda P, t: -np.mean(np.log10(p_true(P, t)))), "base 10"),
    "sum": (bits_with(lambda P, t: -np.sum(np.log2(p_true(P, t)))), "SUM"),
    "no minus": (bits_with(lambda P, t: np.mean(np.log2(p_true(P, t)))), "minus sign"),
    "predicted char": (bits_with(lambda P, t: -np.mean(np.log2(P.max(axis=1)))), "PREDICTED"),
    "probs[targets]": (bits_with(lambda P, t: -np.mean(np.log2(P[t]))), "whole rows"),
    "probs[:, targets]": (bits_with(lambda P, t: -np.mean(np.log2(P[:, t]))), "(n, n) table"),
    "log of mean": (bits_with(lambda P, t: -np.log2(np.mean(p_true(P, t)))), "not the probabilities"),
    "perplexity exp(bits)": (bits_with(lambda P, t: -np.mean(np.log2(p_true(P, t))), np.exp), "base must match"),
    "perplexity = bits": (bits_with(lambda P, t: -np.mean(np.log2(p_true(P, t))), lambda b: b), "not the bits"),
    "perplexity 1/mean p": (lambda P, t: (charlm.bits_per_char(P, t)[0], 1 / np.mean(p_true(np.asarray(P), t))),
                            "1 / (average probability)"),
    "per-character array": (lambda P, t: (-np.log2(p_true(np.asarray(P), t)), 2.0), "one number"),
    "only bits": (lambda P, t: charlm.bits_per_char(P, t)[0], "pair (bits, perplexity)"),
    "rounds float32": (bits_with(lambda P, t: -np.mean(np.log2(np.round(p_true(P, t), 2)))), "bits"),
}


@pytest.mark.parametrize("wrong, phrase", planted(BITS_MISTAKES))
def test_bits_per_char_check_names_the_mistake(wrong, phrase):
    assert_hint_names("10.1", wrong, phrase)


def test_bits_per_char_in_nats_then_converted_passes():
    def bits_per_char(probs, targets):
        nats = -np.mean(np.log(np.asarray(probs)[np.arange(len(targets)), targets]))
        return nats / np.log(2), np.exp(nats)
    assert checks.evaluate("10.1", bits_per_char).status == checks.PASSED
