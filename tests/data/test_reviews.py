"""The word-level data of lesson 11: grammars give exact labels, encoding is stable, helpers are honest."""
import numpy as np
import pytest

from rnnlab.data import reviews as dt


def grammar_label(sentence):
    """An independent reading of the grammar: the clause after "but" decides; "not" flips."""
    clauses = sentence.split(" but ")
    words = clauses[-1].split(" and ")[0].split()
    polarity = 1 if words[-1] in dt.POSITIVE else 0
    return 1 - polarity if "not" in words else polarity


def test_sentiment_labels_follow_the_grammar():
    sentences, labels, slices = dt.sentiment_sentences(2000, seed=3)
    assert [grammar_label(s) for s in sentences] == labels.tolist()
    for s, neg, con in zip(sentences, slices["negated"], slices["contrast"]):
        assert neg == ("not" in s.split()) and con == ("but" in s.split())
    assert 0.4 < labels.mean() < 0.6
    for name in ("negated", "contrast", "intensified", "plain"):
        assert 0.05 < slices[name].mean() < 0.95, name


def test_and_sentences_agree_and_but_sentences_disagree():
    sentences, _, _ = dt.sentiment_sentences(1000, seed=1)
    for s in sentences:
        for joiner, same in ((" and ", True), (" but ", False)):
            if joiner in s:
                a, b = (grammar_label(c) for c in s.split(joiner))
                assert (a == b) == same, s


def test_sentiment_is_seeded():
    assert dt.sentiment_sentences(50, seed=7)[0] == dt.sentiment_sentences(50, seed=7)[0]
    assert dt.sentiment_sentences(50, seed=7)[0] != dt.sentiment_sentences(50, seed=8)[0]


def test_sentiment_split_test_sentences_are_unseen():
    (train, ytr, _), (test, yte, slices) = dt.sentiment_split(500, 200, seed=0)
    assert len(test) == 200 and yte.shape == (200,) and slices["negated"].shape == (200,)
    assert not set(train) & set(test)


def test_bad_sentiment_arguments_are_named():
    with pytest.raises(ValueError, match="p_and"):
        dt.sentiment_sentences(10, p_and=0.6, p_but=0.6)
    with pytest.raises(ValueError, match="n must be"):
        dt.sentiment_sentences(-1)


def test_pet_sentences_follow_the_grammar_and_its_probabilities():
    sentences = dt.pet_sentences(4000, seed=0)
    cat_places = []
    for s in sentences:
        words = s.split()
        assert words[0] == "the" and words[-1] == "." and words[-3] == "the"
        animal = next(w for w in words if w in dt.PETS)
        assert words[-2] in dt.PETS[animal][1]
        if animal == "cat":
            cat_places.append(words[-2])
    freq = {p: cat_places.count(p) / len(cat_places) for p in dt.PETS["cat"][1]}
    for place, p in dt.next_word_distribution("the cat is on the").items():
        assert abs(freq[place] - p) < 0.05


def test_next_word_distribution_rejects_other_prefixes():
    assert dt.next_word_distribution("the small dog sleeps on the") == dt.PETS["dog"][1]
    with pytest.raises(ValueError, match="the cat is on the"):
        dt.next_word_distribution("the cat is")


def test_encode_sentences_builds_a_sorted_vocabulary_and_pads_at_the_end():
    ids, vocab = dt.encode_sentences(["b a", "c a b d"], 3)
    assert vocab == {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3, "c": 4, "d": 5}
    assert ids.tolist() == [[3, 2, 0], [4, 2, 3]] and ids.dtype == np.int64
    ids2, vocab2 = dt.encode_sentences(["A z"], 3, vocab)
    assert ids2.tolist() == [[2, 1, 0]] and vocab2 is vocab and "z" not in vocab
    assert dt.decode(ids[1], vocab) == "c a b"


def test_encode_sentences_vocabulary_does_not_depend_on_sentence_order():
    s = dt.sentiment_sentences(100, seed=0)[0]
    assert dt.encode_sentences(s, 5)[1] == dt.encode_sentences(s[::-1], 5)[1]


def test_encode_sentences_rejects_a_single_string_and_bad_T():
    with pytest.raises(TypeError, match="list of strings"):
        dt.encode_sentences("the movie is good", 5)
    with pytest.raises(ValueError, match="T must be"):
        dt.encode_sentences(["a"], 0)


def test_bag_of_words_counts_words_and_ignores_padding_and_order():
    ids = np.array([[2, 3, 2, 0], [3, 2, 2, 0]])
    bow = dt.bag_of_words(ids, 5)
    assert bow.tolist() == [[0, 0, 2, 1, 0], [0, 0, 2, 1, 0]]
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        dt.bag_of_words(np.array([1, 2]), 5)


def test_bigram_ids_distinguish_order_and_skip_padding():
    V = 5
    a = dt.bigram_ids(np.array([[2, 3, 0]]), V)
    b = dt.bigram_ids(np.array([[3, 2, 0]]), V)
    assert a.tolist() == [[V + 2 * V + 3, 0]] and b.tolist() == [[V + 3 * V + 2, 0]]
    assert a.min() == 0 and a.max() < V + V * V


def test_slice_accuracy_and_confusion_matrix():
    probs = np.array([0.9, 0.1, 0.6, 0.4])
    labels = np.array([1, 1, 0, 0])
    assert dt.slice_accuracy(probs, labels, np.array([True, True, False, False])) == 0.5
    assert np.isnan(dt.slice_accuracy(probs, labels, np.zeros(4, bool)))
    with pytest.raises(ValueError, match="N entries"):
        dt.slice_accuracy(probs, labels[:3], np.ones(4, bool))
    assert dt.confusion_matrix(labels, probs >= 0.5).tolist() == [[1, 1], [1, 1]]


def test_a_unigram_bag_of_words_gets_negated_clauses_wrong_and_pairs_help():
    """The lesson's claims: order-free features fail on "not"; adjacent pairs see "not good" (but not
    "not very good"), so they help only partly."""
    (tr, ytr, _), (te, yte, sl) = dt.sentiment_split(2000, 300, seed=0, p_and=0.0, p_but=0.0)
    x, vocab = dt.encode_sentences(tr, 8)
    xt, _ = dt.encode_sentences(te, 8, vocab)
    V = len(vocab)

    def fit_predict(F, Ft, n):
        w = np.zeros(n)
        b = 0.0
        for _ in range(300):
            p = 1 / (1 + np.exp(-(w[F].sum(1) + b)))
            w -= np.bincount(F.ravel(), weights=np.repeat(p - ytr, F.shape[1]), minlength=n) / len(ytr)
            w[0] = 0
            b -= np.mean(p - ytr)
        return 1 / (1 + np.exp(-(w[Ft].sum(1) + b)))

    uni = fit_predict(x, xt, V)
    pairs = fit_predict(np.hstack([x, dt.bigram_ids(x, V)]), np.hstack([xt, dt.bigram_ids(xt, V)]), V + V * V)
    neg = sl["negated"]
    assert dt.slice_accuracy(uni, yte, neg) < 0.2
    assert dt.slice_accuracy(uni, yte, sl["plain"]) == 1.0
    assert dt.slice_accuracy(pairs, yte, neg) > dt.slice_accuracy(uni, yte, neg) + 0.2
    assert dt.slice_accuracy(pairs, yte, neg) < 0.8
