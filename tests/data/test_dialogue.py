"""The dialogue corpus of lesson 17: held-out slot combinations never occur in training, encoding round-trips,
unknown words become UNK, retrieval returns stored answers."""
import numpy as np
import pytest

from rnnlab.data import dialogue as dl


def test_held_out_combinations_are_only_in_the_test_set():
    train, test = dl.corpus(500, seed=0)
    assert not set(train) & set(test)
    assert all("ok ," in a for _, a in test) and len(test) == 36
    assert dl.corpus(500, seed=0) == (train, test)


def test_encode_decode_round_trip_and_unknown_words():
    ids = dl.encode(["on sunday we are closed"], dl.TARGET_LEN)
    assert dl.decode(ids) == ["on sunday we are closed"]
    assert dl.encode(["what is your name"], 8)[0, 1] == dl.INDEX[dl.UNK]
    with pytest.raises(ValueError, match="at most 3 fit"):
        dl.encode(["one two three four"], 3)


def test_dataset_shifts_the_answer_right_after_start():
    src, dec, tgt = dl.dataset([("do you sell tea", "yes , we sell tea")])
    assert dec[0, 0] == dl.INDEX[dl.START] and np.array_equal(dec[0, 1:], tgt[0, :-1])
    assert tgt[0, 5] == 0


def test_retrieval_returns_the_answer_of_the_most_overlapping_question():
    qs, ans = ["do you sell tea", "are you open on monday"], ["yes , we sell tea", "on monday we open at eight"]
    assert dl.retrieve("are you open on friday", qs, ans) == ans[1]
