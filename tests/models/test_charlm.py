"""Lesson 10's text tools: loaders (the standard library and the learner's own file), the character
vocabulary, n-gram baselines, sampling, bits per character, the numpy GRU sampler (same numbers as
Keras), save/load, the numpy vanilla RNN's gradients, surprisal HTML and the command line."""
import os
import subprocess
import sys

import numpy as np
import pytest

from rnnlab.reference import gradcheck
from rnnlab.models import charlm
from rnnlab.data import chars
from rnnlab.viz import plots
from rnnlab.models import numpy_train


SAMPLE = ("def add(a, b):\n    return a + b\n\n" * 40) + "class Thing:\n    pass\n" * 40


# -- loaders ---------------------------------------------------------------------------

def test_load_text_reads_the_learners_own_file(tmp_path):
    p = tmp_path / "mine.txt"
    p.write_bytes(("Caf\u00e9 au lait.\r\n" * 300).encode("utf-8"))
    text = chars.load_text(p)
    assert text.startswith("Caf\u00e9 au lait.\n") and "\r" not in text
    assert len(text) == 300 * len("Caf\u00e9 au lait.\n")


def test_load_text_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="there is no file .*nope.txt"):
        chars.load_text(tmp_path / "nope.txt")


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"   \n\n", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20, "binary"),
    (b"caf\xe9 " * 1000, "not UTF-8"),
    (b"short text", "has only 10 characters"),
])
def test_load_text_rejects_empty_binary_and_short_files(tmp_path, content, message):
    p = tmp_path / "f.txt"
    p.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        chars.load_text(p)


def test_load_text_rejects_a_folder(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        chars.load_text(tmp_path)


def test_stdlib_text_is_python_source_of_the_requested_size():
    text = chars.stdlib_text(300_000)
    assert len(text) == 300_000
    assert "def " in text and "import " in text
    assert chars.stdlib_text(300_000) == text


def test_stdlib_split_holds_out_whole_files():
    train, valid = chars.stdlib_split(600_000, every=5)
    assert len(valid) > 10_000 and len(train) > 3 * len(valid)
    assert valid[:2000] not in train


def test_split_text_cuts_at_a_line_break():
    train, valid = chars.split_text("line\n" * 1000, 0.1)
    assert train + valid == "line\n" * 1000
    assert valid.startswith("line") and train.endswith("\n")
    with pytest.raises(ValueError, match="between 0 and 1"):
        chars.split_text("abc", 1.5)


# -- vocabulary and windows -------------------------------------------------------------

def test_vocab_is_sorted_stable_and_maps_unknown_to_zero():
    v = chars.CharVocab.from_text("hello world")
    assert v.chars == (chars.UNKNOWN, " ", "d", "e", "h", "l", "o", "r", "w")
    assert chars.CharVocab.from_text("dlrow olleh") == v
    ids = v.encode("hello?")
    assert ids.tolist() == [4, 3, 5, 5, 6, 0] and ids.dtype == np.int32
    assert v.decode(ids) == "hello" + chars.UNKNOWN
    assert chars.CharVocab.from_json(v.to_json()) == v


def test_vocab_min_count_and_non_ascii():
    v = chars.CharVocab.from_text("aaab\u00e9\u00e9\u00e9\u4e2d", min_count=2)
    assert v.chars == (chars.UNKNOWN, "a", "\u00e9")
    assert v.encode("b\u4e2da").tolist() == [0, 0, 1]


def test_windows_are_shifted_by_one():
    X, Y = chars.windows(np.arange(12), 4)
    assert X.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]] and Y.tolist() == [[1, 2, 3, 4], [5, 6, 7, 8]]
    with pytest.raises(ValueError, match="more than T"):
        chars.windows(np.arange(3), 4)


# -- probabilities ----------------------------------------------------------------------

def test_softmax_is_stable_and_sample_next_follows_the_temperature():
    assert np.allclose(charlm.softmax(np.array([1000.0, 1000.0])), [0.5, 0.5])
    logits = np.log(np.array([0.6, 0.3, 0.1]))
    rng = np.random.default_rng(0)
    draws = np.array([charlm.sample_next(logits, 0.5, rng)[0] for _ in range(4000)])
    expected = np.array([0.36, 0.09, 0.01]) / 0.46
    assert np.allclose(np.bincount(draws, minlength=3) / 4000, expected, atol=0.03)
    i1, p1 = charlm.sample_next(logits, 2.0, np.random.default_rng(5))
    i2, p2 = charlm.sample_next(logits, 2.0, np.random.default_rng(5))
    assert i1 == i2 and np.allclose(p1, p2) and np.isclose(p1.sum(), 1)
    with pytest.raises(ValueError, match="temperature"):
        charlm.sample_next(logits, 0.0, rng)


def test_bits_per_char_of_a_uniform_model_is_log2_V():
    probs = np.full((10, 8), 1 / 8)
    bits, ppl = charlm.bits_per_char(probs, np.arange(10) % 8)
    assert bits == pytest.approx(3.0) and ppl == pytest.approx(8.0)


def test_ngram_probabilities_sum_to_one_and_unigram_matches_counts():
    train = np.array([0, 1, 2, 3, 1, 2, 1, 2, 3, 0, 1, 1, 2])
    V = 4
    for order in (2, 3, 4):
        context = train[-(order - 1):]
        total = sum(2 ** -charlm.ngram_bits(train, np.append(context, c), order, V) for c in range(V))
        assert total == pytest.approx(1.0)
    counts = np.bincount(train, minlength=V) + 1
    test = np.array([1, 2, 0])
    assert charlm.ngram_bits(train, test, 1, V) == pytest.approx(-np.mean(np.log2(counts[test] / counts.sum())))


def test_longer_ngrams_win_on_repetitive_text():
    v = chars.CharVocab.from_text(SAMPLE)
    ids = v.encode(SAMPLE)
    bits = [charlm.ngram_bits(ids[:1500], ids[1500:], n, v.size) for n in (1, 2, 3, 5)]
    assert bits == sorted(bits, reverse=True)
    assert bits[-1] < 0.5


# -- numpy vanilla RNN (lesson 03 code) ------------------------------------------------

def test_numpy_rnn_loss_gradients_match_numerical():
    r = np.random.default_rng(0)
    V, H, N, T = 5, 4, 2, 3
    params = charlm.numpy_rnn_init(V, H, seed=1)
    x, y = r.integers(0, V, (N, T)), r.integers(0, V, (N, T))
    h0 = 0.1 * r.standard_normal((N, H))
    _, grads, _ = charlm.numpy_rnn_loss(params, x, y, h0)
    for name, value in params.items():
        num = gradcheck.numerical_gradient(lambda: charlm.numpy_rnn_loss(params, x, y, h0)[0], value)
        assert gradcheck.relative_error(grads[name], num) < 1e-7, name


def test_numpy_rnn_learns_a_repetitive_text_quickly():
    v = chars.CharVocab.from_text(SAMPLE)
    ids = v.encode(SAMPLE)
    params = charlm.numpy_rnn_init(v.size, 32, seed=0)
    opt = numpy_train.Adam(lr=1e-2)
    losses = []
    for _ in range(4):
        h = np.zeros((8, 32))
        for x, y in charlm.numpy_rnn_streams(ids, 8, 16):
            loss, grads, h = charlm.numpy_rnn_loss(params, x, y, h)
            opt.step(params, grads)
            losses.append(loss)
    assert np.mean(losses[-5:]) < 0.5 * np.log(v.size)
    text = charlm.generate(charlm.NumpyCharRNN(params), v, "def ", 40, 0.5, seed=0)
    assert len(text) == 40 and set(text) <= set(v.chars)


# -- surprisal HTML -------------------------------------------------------------------

def test_surprisal_html_escapes_and_needs_one_value_per_character():
    html = plots.surprisal_html("a<b\n", [0.0, 12.0, 6.0, 1.0])
    assert "&lt;" in html and "rgba(220, 38, 38, 1.00)" in html and "rgba(220, 38, 38, 0.50)" in html
    with pytest.raises(ValueError, match="one value per character"):
        plots.surprisal_html("abc", [1.0, 2.0])


# -- Keras model -----------------------------------------------------------------------

def test_numpy_gru_matches_the_keras_model_and_save_load_round_trips(keras, tmp_path):
    v = chars.CharVocab.from_text(SAMPLE)
    model = charlm.build_model(v.size, units=16, embed=8)
    losses = charlm.train_steps(model, v.encode(SAMPLE), steps=5, T=20, batch=8)
    assert len(losses) == 1 and np.isfinite(losses[0])
    ids = v.encode("def add(a, b):\n")
    keras_logits = np.asarray(model(ids[None]))[0]
    lm = charlm.NumpyCharGRU.from_keras(model)
    assert np.max(np.abs(lm.logits(ids) - keras_logits)) < 1e-4
    path = charlm.save(model, v, tmp_path / "m.keras")
    assert charlm.vocab_path(path).name == "m.vocab.json"
    model2, v2 = charlm.load(path)
    assert v2 == v
    assert np.allclose(np.asarray(model2(ids[None]))[0], keras_logits, atol=1e-6)
    bits = charlm.surprisal(lm, v, "def add")
    assert bits.shape == (7,) and np.all(bits >= 0)
    assert len(charlm.generate(lm, v, "def", 25, 0.8, seed=1)) == 25
    table = charlm.next_char_table(lm, v, "def", 1.0, k=3)
    assert len(table) == 3 and table[0][1] >= table[1][1] >= table[2][1]
    with pytest.raises(ValueError, match=".keras"):
        charlm.save(model, v, tmp_path / "m.h5")
    with pytest.raises(FileNotFoundError, match="no model file"):
        charlm.load(tmp_path / "missing.keras")


def run_cli(*args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
    return subprocess.run([sys.executable, "-m", "rnnlab", "charlm", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def test_cli_names_a_bad_text_file_without_a_traceback(tmp_path):
    p = run_cli("train", "--text", "nope.txt", "--minutes", "0.01", cwd=tmp_path)
    assert p.returncode == 2 and "there is no file 'nope.txt'" in p.stderr and "Traceback" not in p.stderr
    (tmp_path / "empty.txt").write_text("")
    p = run_cli("train", "--text", "empty.txt", cwd=tmp_path)
    assert p.returncode == 2 and "is empty" in p.stderr


def test_cli_trains_on_the_learners_file_saves_and_samples(tmp_path):
    (tmp_path / "mine.txt").write_text(SAMPLE * 3)
    p = run_cli("train", "--text", "mine.txt", "--minutes", "0.01", "--block", "3", "--units", "16",
                "--batch", "16", "--seq", "20", "--out", "m.keras", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "saved m.keras" in p.stdout and (tmp_path / "m.keras").exists() and (tmp_path / "m.vocab.json").exists()
    p = run_cli("sample", "--model", "m.keras", "--prompt", "def ", "--chars", "30", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.startswith("def ") and len(p.stdout) >= 34, p.stderr
    p = run_cli("eval", "--model", "m.keras", "--text", "mine.txt", cwd=tmp_path)
    assert p.returncode == 0 and "held-out bits per character" in p.stdout, p.stderr


# -- explorer core (lesson 10) -----------------------------------------------------------

def test_generation_explorer_core_follows_the_temperature_and_the_seed():
    from rnnlab.viz import explorers
    v = chars.CharVocab.from_text(SAMPLE)
    lm = charlm.NumpyCharRNN(charlm.numpy_rnn_init(v.size, 16, seed=0))
    cold = explorers.generation_view(lm, v, "def ", 0.2, n=50, seed=0)
    hot = explorers.generation_view(lm, v, "def ", 2.0, n=50, seed=0)
    assert len(cold["text"]) == 50 and cold["entropy"] < hot["entropy"]
    ps = [p for _, p in cold["next"]]
    assert ps == sorted(ps, reverse=True) and len(ps) == 8
    assert explorers.generation_view(lm, v, "def ", 0.2, n=50, seed=0)["text"] == cold["text"]
    html = explorers.generation_html("a<b", cold)
    assert "<b>a&lt;b</b>" in html and "entropy" in html


class _FavoursUnknown:
    """A character model whose favourite next character is the reserved unknown id 0."""
    def __init__(self, V):
        self.V = V

    def zero_state(self, N=1):
        return np.zeros((N, 1))

    def step(self, ids, h):
        logits = np.zeros((len(ids), self.V))
        logits[:, chars.UNKNOWN_ID] = 3.0          # e^3 / (e^3 + V - 1): the single most likely id
        return logits, h

    def logits(self, ids):
        return np.array([self.step(np.array([i]), None)[0][0] for i in ids])


@pytest.mark.parametrize("temperature", [1.05, 3.0])
def test_generation_never_samples_the_unknown_character(temperature):
    v = chars.CharVocab.from_text(SAMPLE)
    fake = _FavoursUnknown(v.size)
    assert charlm.softmax(fake.step(np.array([1]), None)[0][0])[chars.UNKNOWN_ID] > 0.3
    text = charlm.generate(fake, v, "def ", 3000, temperature, seed=0)
    assert len(text) == 3000 and chars.UNKNOWN not in text
    ids = v.encode(text)
    assert len(np.unique(ids)) > v.size // 2            # the other characters are still sampled
    # a random, untrained model at a high temperature, through the explorer's core and the CLI's generate
    from rnnlab.viz import explorers
    lm = charlm.NumpyCharRNN(charlm.numpy_rnn_init(v.size, 16, seed=0))
    view = explorers.generation_view(lm, v, "def ", temperature, n=3000, seed=1)
    assert chars.UNKNOWN not in view["text"]
    assert chars.UNKNOWN not in [c for c, _ in view["next"]]
    assert chars.UNKNOWN not in [c for c, _ in charlm.next_char_table(fake, v, "def ", temperature)]


def test_generation_names_a_sampler_that_returns_the_unknown_id():
    v = chars.CharVocab.from_text(SAMPLE)
    bad = lambda logits, temperature, rng: (0, np.full(len(logits), 1 / len(logits)))
    with pytest.raises(ValueError, match="unknown-character id 0"):
        charlm.generate(_FavoursUnknown(v.size), v, "def ", 10, 1.0, sampler=bad)


def test_continuation_bits_through_keras_equals_the_numpy_gru_and_progress_is_one_line(keras, capsys):
    v = chars.CharVocab.from_text(SAMPLE)
    model = charlm.build_model(v.size, units=16, embed=8)
    losses = charlm.train_steps(model, v.encode(SAMPLE), steps=6, T=20, batch=8, progress=True, block=2)
    assert len(losses) == 3
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.count("\r") == 3 and "batch    6/6" in out
    lm = charlm.NumpyCharGRU.from_keras(model)
    lefts, rights = ["def add(a, b):\n    ret", "class Th", ""], ["urn a + b", "ing:", "def"]
    via_keras = charlm.continuation_bits(model, v, lefts, rights, batch_size=2)
    via_numpy = charlm.continuation_bits(lm, v, lefts, rights)
    assert np.allclose(via_keras, via_numpy, atol=1e-3)
    assert np.isclose(via_numpy[1], charlm.surprisal(lm, v, "ing:", "\nclass Th").sum())
