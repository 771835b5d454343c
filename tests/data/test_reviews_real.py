"""Lesson 11's real reviews: the shipped 3,000 sentences (Kotzias et al., KDD 2015, CC BY 4.0) load
offline with their sites and labels, cleaning splits punctuation, negations are found, and a learner's
own file is read or refused with a clear error."""
import gzip
from pathlib import Path

import numpy as np
import pytest

from rnnlab.data import reviews


def test_shipped_reviews_are_3000_balanced_sentences_from_three_sites():
    sentences, labels, sites = reviews.real_reviews()
    assert len(sentences) == len(labels) == len(sites) == 3000
    for site in reviews.SITES:
        on = sites == site
        assert on.sum() == 1000 and labels[on].sum() == 500, site
    assert set(np.unique(labels)) == {0, 1}
    assert sentences[1] == "good case , excellent value ."          # amazon line 2, cleaned
    assert all(s == s.lower() and "\t" not in s and s for s in sentences)


def test_shipped_file_is_small_and_matches_the_upstream_text():
    p = Path(reviews.__file__).parent / "files" / "sentiment_sentences.tsv.gz"
    assert p.stat().st_size < 120_000
    with gzip.open(p, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0] == "site\tlabel\tsentence" and len(lines) == 3001
    assert lines[1].startswith("amazon\t0\tSo there is no way for me to plug it in here")


def test_docstring_carries_the_attribution():
    doc = reviews.real_reviews.__doc__
    for part in ("Kotzias", "KDD 2015", "CC BY 4.0", "UCI"):
        assert part in doc


@pytest.mark.parametrize("raw, cleaned", [
    ("Not tasty, and NOT cheap!", "not tasty , and not cheap !"),
    ("It isn't   worth it...", "it isn't worth it . . ."),
    ("Wow... Loved this place.", "wow . . . loved this place ."),
    ("don\u2019t buy", "don't buy"),
])
def test_clean_sentence_lowercases_and_splits_punctuation(raw, cleaned):
    assert reviews.clean_sentence(raw) == cleaned


@pytest.mark.parametrize("sentence, negated", [
    ("crust is not good .", True), ("it isn't worth it", True), ("never again", True),
    ("without a doubt the best", True), ("great food and good service", False), ("nothing special", True),
    ("notable acting", False),
])
def test_has_negation(sentence, negated):
    assert reviews.has_negation(sentence) == negated


def test_about_a_quarter_of_the_sentences_hold_a_negation():
    sentences, _, _ = reviews.real_reviews()
    share = np.mean([reviews.has_negation(s) for s in sentences])
    assert 0.15 < share < 0.35


def test_reads_the_learners_own_two_column_file(tmp_path):
    p = tmp_path / "mine.txt"
    p.write_text("Great phone!\t1\n\nTerrible battery.\t0\n", encoding="utf-8")
    sentences, labels, sites = reviews.real_reviews(p)
    assert sentences == ["great phone !", "terrible battery ."]
    assert labels.tolist() == [1, 0] and sites.tolist() == ["mine", "mine"]


@pytest.mark.parametrize("content, message", [
    ("Great phone!\t2\n", "line 1 .*label 0 or 1"),
    ("Great phone! 1\n", "line 1 .*sentence<TAB>label"),
    ("\n\n", "holds no sentences"),
])
def test_bad_files_get_clear_errors(tmp_path, content, message):
    p = tmp_path / "bad.txt"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        reviews.real_reviews(p)


def test_missing_file_folder_and_non_utf8(tmp_path):
    with pytest.raises(FileNotFoundError, match="there is no file"):
        reviews.real_reviews(tmp_path / "nope.txt")
    with pytest.raises(IsADirectoryError, match="folder"):
        reviews.real_reviews(tmp_path)
    p = tmp_path / "latin1.txt"
    p.write_bytes("caf\xe9 good\t1\n".encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8"):
        reviews.real_reviews(p)
