"""Lesson 15's models: DTW, the error measures, CTC target packing, and the shipped recogniser."""
import numpy as np
import pytest

from rnnlab.data import speech as sp
from rnnlab.models import speech as sm


def naive_dtw(a, b):
    D = np.full((len(a) + 1, len(b) + 1), np.inf)
    D[0, 0] = 0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            D[i, j] = np.linalg.norm(a[i - 1] - b[j - 1]) + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    return D[-1, -1] / (len(a) + len(b))


def test_dtw_costs_equal_the_textbook_recursion():
    r = np.random.default_rng(0)
    qs = [r.normal(size=(n, 3)) for n in (4, 7, 1)]
    ts = [r.normal(size=(n, 3)) for n in (5, 2, 9)]
    got = sm.dtw_costs(qs, ts)
    want = np.array([[naive_dtw(q, t) for t in ts] for q in qs])
    assert np.allclose(got, want, rtol=1e-4)


def test_dtw_ignores_a_change_of_speed():
    base = np.repeat(np.eye(4), 2, axis=0)                  # 4 "sounds", 2 frames each
    slow = np.repeat(np.eye(4), 5, axis=0)
    other = np.repeat(np.eye(4)[::-1], 2, axis=0)
    assert sm.dtw_costs([slow], [base, other])[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert list(sm.dtw_classify([slow], [base, other], ["a", "b"])) == ["a"]


def test_edit_distance_and_error_rates():
    assert sm.edit_distance([1, 2, 3], [1, 3]) == 1
    assert sm.edit_distance([1, 2, 3], [3, 2, 1]) == 2
    assert sm.edit_distance([], [4, 4]) == 2
    truths, guesses = [[1, 2, 3], [4, 5]], [[1, 2, 3], [4]]
    assert sm.digit_error_rate(truths, guesses) == pytest.approx(1 / 5)
    assert sm.string_accuracy(truths, guesses) == 0.5
    with pytest.raises(ValueError):
        sm.digit_error_rate(truths, guesses[:1])


def test_pack_targets_and_output_lengths():
    y = sm.pack_targets([np.array([0, 9]), np.array([3, 3, 3])], [5, 7])
    assert y.shape == (2, 7)
    assert list(y[0]) == [2, 5, 1, 10, 0, 0, 0] and list(y[1]) == [3, 7, 4, 4, 4, 0, 0]
    assert list(sm.output_lengths([10, 11, 1])) == [5, 6, 1]


def test_pooled_features_are_mean_and_std_per_band():
    f = np.arange(12, dtype=np.float32).reshape(4, 3)
    P = sm.pooled_features([f])
    assert np.allclose(P[0], np.concatenate([f.mean(0), f.std(0)]))


def test_ctc_model_outputs_11_scores_at_half_the_frame_rate_and_ignores_padding(keras):
    model = sm.ctc_recognizer(n_mels=32, filters=8, units=8)
    x = np.random.default_rng(0).normal(size=(1, 21, 32)).astype("float32")
    out = keras.ops.convert_to_numpy(model(x))
    assert out.shape == (1, 11, 11)
    padded = np.concatenate([x, np.zeros((1, 9, 32), np.float32)], axis=1)
    out_padded = keras.ops.convert_to_numpy(model(padded))
    assert np.allclose(out_padded[:, :11], out, atol=1e-5)      # the padding is masked in the BiGRU


def test_ctc_loss_packed_equals_keras_ctc_loss(keras):
    r = np.random.default_rng(1)
    logits = r.normal(size=(2, 12, 11)).astype("float32")
    y = sm.pack_targets([np.array([1, 1, 2]), np.array([7])], [12, 9])
    got = keras.ops.convert_to_numpy(sm.ctc_loss_packed(y, logits))
    from rnnlab import reference as ref
    assert got[0] == pytest.approx(ref.ctc_loss(logits[0], np.array([2, 2, 3])), rel=1e-4)
    assert got[1] == pytest.approx(ref.ctc_loss(logits[1, :9], np.array([8])), rel=1e-4)


def test_shipped_recognizer_loads_and_recognises_test_strings(keras):
    model, info = sm.load_recognizer()
    assert sm.SHIPPED.stat().st_size < 400e3
    assert info["epochs"] >= 1 and "train_ctc_digits.py" in info["command"]
    clips = sp.load_fsdd()
    feats, labels, _ = sp.digit_strings(clips, 40, test=True, seed=2)
    guesses, logits = sm.recognize(model, feats)
    assert sm.digit_error_rate(labels, guesses) < 0.1
    assert logits[0].shape == (sm.output_lengths([len(feats[0])])[0], 11)


def test_training_script_writes_a_loadable_model(tmp_path, keras):
    import importlib.util
    from pathlib import Path
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "train_ctc_digits.py"
    spec = importlib.util.spec_from_file_location("train_ctc_digits", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "tiny.npz"
    mod.main(["--epochs", "1", "--strings", "40", "--test-strings", "8", "--out", str(out)])
    model, info = sm.load_recognizer(out)
    assert info["epochs"] == 1 and info["strings"] == 40 and 0 <= info["digit_error_rate"]
    assert len(model.get_weights()) == len(sm.load_recognizer()[0].get_weights())
