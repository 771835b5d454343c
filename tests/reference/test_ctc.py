"""ref.ctc_loss and ref.ctc_greedy_decode: equal to keras.ops.ctc_loss / ctc_decode, and their errors."""
import itertools

import numpy as np
import pytest

from rnnlab import reference as ref


def keras_loss(keras, logits, labels, blank=0):
    out = keras.ops.ctc_loss(np.asarray(labels)[None], np.asarray(logits, np.float32)[None],
                             np.array([len(labels)]), np.array([len(logits)]), mask_index=blank)
    return float(keras.ops.convert_to_numpy(out)[0])


def keras_greedy(keras, logits, blank=0):
    decoded, _ = keras.ops.ctc_decode(np.asarray(logits, np.float32)[None], np.array([len(logits)]),
                                      strategy="greedy", mask_index=blank)
    row = keras.ops.convert_to_numpy(decoded)[0, 0]
    return [int(v) for v in row if v >= 0]


def random_case(r, T, C, L, repeats=True):
    logits = r.normal(0, 2, (T, C))
    labels = r.integers(1, C, L)
    if repeats and L >= 3:
        labels[1] = labels[0]                       # at least one repeated label
        labels[-1] = labels[-2]
    return logits, labels


@pytest.mark.parametrize("T, C, L", [(1, 3, 1), (4, 3, 2), (20, 5, 6), (60, 11, 12), (150, 11, 40), (300, 11, 60),
                                     (300, 6, 140)])
def test_ctc_loss_matches_keras_on_random_inputs_with_repeats(keras, T, C, L):
    r = np.random.default_rng(T * 31 + L)
    for _ in range(3):
        logits, labels = random_case(r, T, C, L)
        if ref.ctc.frames_needed(labels) > T:
            continue
        ours = ref.ctc_loss(logits, labels)
        assert ours == pytest.approx(keras_loss(keras, logits, labels), rel=2e-5, abs=1e-4)


def test_ctc_loss_with_another_blank_matches_keras(keras):
    r = np.random.default_rng(5)
    logits = r.normal(0, 2, (40, 6))
    labels = np.array([0, 0, 2, 1, 4, 4])           # blank is 5 here, so 0 is an ordinary label
    assert ref.ctc_loss(logits, labels, blank=5) == pytest.approx(keras_loss(keras, logits, labels, blank=5),
                                                                  rel=2e-5)


def test_ctc_loss_equals_minus_log_of_the_sum_over_every_path():
    r = np.random.default_rng(0)
    logits = r.normal(0, 1, (5, 3))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    for labels in ([1], [1, 2], [1, 1], [2, 2, 1]):
        total = 0.0
        for path in itertools.product(range(3), repeat=5):
            merged = [s for k, s in enumerate(path) if k == 0 or s != path[k - 1]]
            if [s for s in merged if s != 0] == labels:
                total += np.prod(probs[np.arange(5), path])
        assert ref.ctc_loss(logits, np.array(labels)) == pytest.approx(-np.log(total), rel=1e-10)


def test_ctc_loss_stays_finite_where_probabilities_underflow():
    r = np.random.default_rng(1)
    logits = r.normal(0, 4, (300, 11))
    loss = ref.ctc_loss(logits, np.array([3, 3, 1, 4, 1, 5, 9, 2, 6, 5, 5, 3]))
    assert np.isfinite(loss) and loss > 745          # exp(-745) is below float64's smallest number


def test_ctc_loss_ignores_a_constant_added_to_a_frame():
    r = np.random.default_rng(2)
    logits, labels = random_case(r, 30, 5, 6)
    shifted = logits + r.normal(0, 5, (30, 1))
    assert ref.ctc_loss(shifted, labels) == pytest.approx(ref.ctc_loss(logits, labels), rel=1e-10)


def test_ctc_loss_of_an_empty_label_string_is_all_blanks():
    logits = np.random.default_rng(3).normal(0, 1, (7, 4))
    lp = ref.ctc.log_softmax(logits)
    assert ref.ctc_loss(logits, np.array([], dtype=int)) == pytest.approx(-lp[:, 0].sum())


def test_ctc_loss_does_not_modify_its_arguments():
    logits, labels = random_case(np.random.default_rng(4), 12, 5, 4)
    a, b = logits.copy(), labels.copy()
    ref.ctc_loss(logits, labels)
    assert np.array_equal(a, logits) and np.array_equal(b, labels)


def test_no_alignment_in_too_few_frames_names_T_and_the_frames_needed():
    logits = np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"need at least 6 frames.*T = 4"):
        ref.ctc_loss(logits, np.array([1, 1, 2, 2]))        # shortest path 1 _ 1 2 _ 2: 6 frames
    with pytest.raises(ValueError, match=r"need at least 3 frames.*T = 2"):
        ref.ctc_loss(np.zeros((2, 5)), np.array([3, 3]))
    assert np.isfinite(ref.ctc_loss(np.zeros((3, 5)), np.array([3, 3])))


def test_a_label_equal_to_the_blank_is_an_error():
    with pytest.raises(ValueError, match="equals the blank"):
        ref.ctc_loss(np.zeros((6, 4)), np.array([1, 0, 2]))
    with pytest.raises(ValueError, match="equals the blank"):
        ref.ctc_loss(np.zeros((6, 4)), np.array([1, 3]), blank=3)


def test_bad_shapes_and_labels_are_errors():
    with pytest.raises(ValueError, match=r"\(T, C\)"):
        ref.ctc_loss(np.zeros((1, 6, 4)), np.array([1]))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        ref.ctc_loss(np.zeros((6, 4)), np.array([1, 4]))
    with pytest.raises(ValueError, match=r"\(T, C\)"):
        ref.ctc_greedy_decode(np.zeros(5))


@pytest.mark.parametrize("T", [1, 7, 50, 300])
def test_greedy_decode_matches_keras_ctc_decode(keras, T):
    r = np.random.default_rng(T)
    for blank in (0, 4):
        for _ in range(4):
            # few symbols and peaked scores: many repeats and blanks between equal labels
            logits = r.normal(0, 3, (T, 5))
            assert ref.ctc_greedy_decode(logits, blank) == keras_greedy(keras, logits, blank)


def test_greedy_decode_merges_repeats_before_dropping_blanks():
    path = [1, 1, 0, 1, 2, 2, 0, 0, 3]
    logits = np.eye(4)[path] * 5
    assert ref.ctc_greedy_decode(logits) == [1, 1, 2, 3]
    assert ref.ctc_greedy_decode(np.eye(4)[[0, 0, 0]]) == []
    out = ref.ctc_greedy_decode(logits)
    assert isinstance(out, list) and all(type(v) is int for v in out)
