"""Word-level text data for lesson 11: generated sentences, vocabularies, padding.

Everything is generated from small documented grammars with a seed, so the labels are exact
and nothing is downloaded.

Sentiment grammar (`sentiment_sentences`):

    sentence  := clause                        label = polarity(clause)
               | clause "and" clause           both clauses have the same polarity; label = that polarity
               | clause "but" clause           the clauses have opposite polarities; label = polarity(2nd clause)
    clause    := subject verb ["not"] [intensifier] adjective
    subject   := "the movie" | "the film" | "the plot" | "the acting" | "the music" | "the ending" | ...
    verb      := "is" | "was"
    intensifier := "very" | "really" | "so" | "truly"      (does not change the polarity)
    adjective := positive ("good", "great", ...) | negative ("bad", "boring", ...)
    polarity(clause) = polarity(adjective), flipped by "not"

so "the plot was not very good" is negative, and "the acting is bad but the music is great" is
positive. The words alone do not decide the label: their order does.

Next-word grammar (`pet_sentences`): "the [adjective] cat is on the mat ." and the like, where
the place depends on the animal several words back (`PETS` lists the allowed places and their
probabilities, so the true next-word distribution is known).
"""
from __future__ import annotations

import numpy as np

from .._shapes import as_array

PAD, UNK = "<pad>", "<unk>"

SUBJECTS = ("the movie", "the film", "the plot", "the acting", "the music", "the ending", "the story",
            "the cast")
VERBS = ("is", "was")
INTENSIFIERS = ("very", "really", "so", "truly")
POSITIVE = ("good", "great", "wonderful", "fun", "brilliant", "moving", "clever", "charming")
NEGATIVE = ("bad", "boring", "awful", "dull", "weak", "silly", "terrible", "bland")


def _clause(r: np.random.Generator, polarity: int, p_not: float, p_intensifier: float):
    """One clause with the given polarity (1 positive, 0 negative); returns (words, negated)."""
    negated = bool(r.random() < p_not)
    adjectives = POSITIVE if (polarity == 1) != negated else NEGATIVE
    words = SUBJECTS[r.integers(len(SUBJECTS))].split() + [VERBS[r.integers(len(VERBS))]]
    if negated:
        words.append("not")
    if r.random() < p_intensifier:
        words.append(INTENSIFIERS[r.integers(len(INTENSIFIERS))])
    words.append(adjectives[r.integers(len(adjectives))])
    return words, negated


def sentiment_sentences(n: int, seed: int = 0, p_not: float = 0.3, p_intensifier: float = 0.3,
                        p_and: float = 0.2, p_but: float = 0.3):
    """Generate `n` labelled sentences from the sentiment grammar in this module's docstring.

    Returns (sentences, labels, slices): a list of n strings, labels (n,) int (1 positive,
    0 negative), and a dict of boolean (n,) arrays naming which sentences belong to which slice:
    "negated" (contains "not"), "contrast" (contains "but"), "intensified" (an intensifier), and
    "plain" (none of the three).
    """
    if n < 0:
        raise ValueError(f"sentiment_sentences: n must be >= 0, got {n}")
    if p_and + p_but > 1:
        raise ValueError(f"sentiment_sentences: p_and + p_but must be at most 1, got {p_and + p_but}")
    r = np.random.default_rng(seed)
    sentences, labels = [], np.zeros(n, dtype=np.int64)
    negated, contrast, intensified = (np.zeros(n, dtype=bool) for _ in range(3))
    for i in range(n):
        label = int(r.integers(2))
        kind = r.random()
        if kind < p_but:
            first, neg1 = _clause(r, 1 - label, p_not, p_intensifier)
            second, neg2 = _clause(r, label, p_not, p_intensifier)
            words = first + ["but"] + second
        elif kind < p_but + p_and:
            first, neg1 = _clause(r, label, p_not, p_intensifier)
            second, neg2 = _clause(r, label, p_not, p_intensifier)
            words = first + ["and"] + second
        else:
            words, neg1 = _clause(r, label, p_not, p_intensifier)
            neg2 = False
        sentences.append(" ".join(words))
        labels[i] = label
        negated[i] = neg1 or neg2
        contrast[i] = "but" in words
        intensified[i] = any(w in INTENSIFIERS for w in words)
    plain = ~(negated | contrast | intensified)
    return sentences, labels, {"negated": negated, "contrast": contrast, "intensified": intensified,
                               "plain": plain}


def sentiment_split(n_train: int, n_test: int, seed: int = 0, **grammar):
    """Training and test sets from the sentiment grammar, with no test sentence seen in training.

    Returns ((train_sentences, train_labels, train_slices), (test_sentences, test_labels,
    test_slices)) as `sentiment_sentences` returns them; the test set is drawn with seed + 1
    and sentences that also occur in the training set are dropped until n_test remain.
    """
    train = sentiment_sentences(n_train, seed, **grammar)
    seen = set(train[0])
    pool = sentiment_sentences(4 * n_test + 100, seed + 1, **grammar)
    keep = np.array([s not in seen for s in pool[0]])
    idx = np.flatnonzero(keep)[:n_test]
    if len(idx) < n_test:
        raise ValueError(f"sentiment_split: only {len(idx)} unseen test sentences; ask for fewer")
    test = ([pool[0][i] for i in idx], pool[1][idx], {k: v[idx] for k, v in pool[2].items()})
    return train, test


# Next-word grammar: animal -> (verb phrases, {place: probability})
PETS = {
    "cat": (("is on", "sleeps on", "sits on"), {"mat": 0.5, "sofa": 0.3, "bed": 0.2}),
    "dog": (("is on", "sleeps on", "sits on"), {"rug": 0.5, "floor": 0.3, "grass": 0.2}),
    "bird": (("is in", "sings in", "sits in"), {"tree": 0.6, "nest": 0.4}),
    "fish": (("is in", "swims in"), {"pond": 0.6, "bowl": 0.4}),
}
PET_ADJECTIVES = ("small", "big", "black", "white", "old", "young")


def pet_sentences(n: int, seed: int = 0, p_adjective: float = 0.4) -> list[str]:
    """`n` sentences like "the black cat is on the mat ." from the grammar in `PETS`.

    The animal is uniform; an adjective appears with probability `p_adjective`; the verb phrase is
    uniform among the animal's; the place follows the animal's probabilities. So after "the cat is
    on the" the true next-word distribution is PETS["cat"][1].
    """
    r = np.random.default_rng(seed)
    animals = sorted(PETS)
    out = []
    for _ in range(n):
        animal = animals[r.integers(len(animals))]
        verbs, places = PETS[animal]
        words = ["the"]
        if r.random() < p_adjective:
            words.append(PET_ADJECTIVES[r.integers(len(PET_ADJECTIVES))])
        words += [animal, verbs[r.integers(len(verbs))], "the"]
        names = sorted(places)
        words.append(names[r.choice(len(names), p=[places[k] for k in names])])
        words.append(".")
        out.append(" ".join(words))
    return out


def next_word_distribution(prefix: str) -> dict[str, float]:
    """The grammar's true distribution of the word after a prefix that ends just before the place,
    e.g. "the cat is on the" -> {"mat": 0.5, "sofa": 0.3, "bed": 0.2}."""
    words = prefix.lower().split()
    animals = [w for w in words if w in PETS]
    if not animals or words[-1] != "the" or len(words) < 4:
        raise ValueError(f"next_word_distribution: expected a prefix like 'the cat is on the', got {prefix!r}")
    return dict(PETS[animals[-1]][1])


# --------------------------------------------------------------------------------------
# Tokens, vocabulary, padding
# --------------------------------------------------------------------------------------

def tokenize(sentence: str) -> list[str]:
    """Lower-case words separated by white space: "The cat  sat" -> ["the", "cat", "sat"]."""
    return sentence.lower().split()


def encode_sentences(sentences, T: int, vocab: dict | None = None):
    """Turn sentences into a padded (N, T) array of word ids.

    With vocab=None a vocabulary is built from `sentences`: "<pad>" -> 0, "<unk>" -> 1, then
    every distinct word in sorted order -> 2, 3, ... (sorted, so the ids are the same on every
    run). A given vocab is used as it is (never extended): unknown words become 1.
    Each row holds the ids of the first T words, then zeros (padding at the end).
    Returns (ids, vocab): ids (N, T) int64.
    """
    if isinstance(sentences, str):
        raise TypeError("encode_sentences: sentences should be a list of strings, got one string")
    if T < 1:
        raise ValueError(f"encode_sentences: T must be >= 1, got {T}")
    tokens = [tokenize(s) for s in sentences]
    if vocab is None:
        words = sorted({w for ws in tokens for w in ws} - {PAD, UNK})
        vocab = {PAD: 0, UNK: 1, **{w: i + 2 for i, w in enumerate(words)}}
    ids = np.zeros((len(tokens), T), dtype=np.int64)
    for i, ws in enumerate(tokens):
        row = [vocab.get(w, 1) for w in ws[:T]]
        ids[i, :len(row)] = row
    return ids, vocab


def decode(ids, vocab: dict) -> str:
    """The words of one row of ids, padding dropped: decode(ids[0], vocab) -> "the movie is good"."""
    inverse = {i: w for w, i in vocab.items()}
    return " ".join(inverse.get(int(i), UNK) for i in np.asarray(ids) if int(i) != 0)


def bag_of_words(ids, vocab_size: int) -> np.ndarray:
    """Word counts per sentence, order thrown away: ids (N, T) -> (N, vocab_size) float32.
    Padding (id 0) is not counted."""
    a = as_array("ids", ids, "bag_of_words")
    if a.ndim != 2:
        raise ValueError(f"bag_of_words: ids should be 2-D with shape (N, T), got shape {a.shape}")
    counts = np.zeros((a.shape[0], vocab_size), dtype=np.float32)
    rows = np.repeat(np.arange(a.shape[0]), a.shape[1])
    np.add.at(counts, (rows, a.ravel()), 1.0)
    counts[:, 0] = 0.0
    return counts


def bigram_ids(ids, vocab_size: int) -> np.ndarray:
    """An id for every pair of adjacent words: ids (N, T) -> (N, T - 1) int64.

    The pair (a, b) gets the id vocab_size + a * vocab_size + b, so pair ids never collide with
    word ids (0 .. vocab_size - 1); a pair that touches padding gets 0. Concatenated with the word
    ids, they make a "bag of words and pairs".
    """
    a = as_array("ids", ids, "bigram_ids")
    if a.ndim != 2:
        raise ValueError(f"bigram_ids: ids should be 2-D with shape (N, T), got shape {a.shape}")
    left, right = a[:, :-1].astype(np.int64), a[:, 1:].astype(np.int64)
    return np.where((left != 0) & (right != 0), vocab_size + left * vocab_size + right, 0)


def slice_accuracy(probs, labels, mask) -> float:
    """Accuracy of a binary classifier on the sentences where mask is True.

    probs: (N,) or (N, 1) predicted probabilities of class 1 (as model.predict returns),
    labels: (N,) 0/1, mask: (N,) bool. A probability >= 0.5 predicts 1.
    Returns the fraction of the masked sentences predicted right; nan when the mask is empty.
    """
    p = np.asarray(probs, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    m = np.asarray(mask, dtype=bool).reshape(-1)
    if not (p.shape == y.shape == m.shape):
        raise ValueError(f"slice_accuracy: probs, labels and mask should all have N entries, got "
                         f"{p.shape[0]}, {y.shape[0]} and {m.shape[0]}")
    if not m.any():
        return float("nan")
    return float(np.mean((p[m] >= 0.5) == (y[m] == 1)))


def confusion_matrix(labels, predicted, n_classes: int = 2) -> np.ndarray:
    """counts[i, j] = how many sentences of true class i were predicted as class j: (n_classes, n_classes)."""
    y = np.asarray(labels).reshape(-1).astype(int)
    p = np.asarray(predicted).reshape(-1).astype(int)
    out = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(out, (y, p), 1)
    return out


# --------------------------------------------------------------------------------------
# Real review sentences (lesson 11, second half)
# --------------------------------------------------------------------------------------

SITES = ("amazon", "imdb", "yelp")
NEGATIONS = frozenset({"not", "no", "never", "nothing", "nobody", "none", "nor", "neither", "nowhere",
                       "without", "hardly", "cannot"})
_TOKEN = None


def clean_sentence(sentence: str) -> str:
    """Lower-case words and punctuation marks separated by single spaces, so `tokenize` (a plain
    split) reads them: "Not tasty, and NOT cheap!" -> "not tasty , and not cheap !". Contractions
    stay one word ("isn't")."""
    import re
    global _TOKEN
    if _TOKEN is None:
        _TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?.,;:]")
    return " ".join(_TOKEN.findall(sentence.lower().replace("\u2019", "'")))


def has_negation(sentence: str) -> bool:
    """Whether a (cleaned) sentence holds a negation word: not, no, never, nothing, without, ...
    or a contraction ending in n't (isn't, don't, wasn't, can't)."""
    return any(w in NEGATIONS or w.endswith("n't") for w in tokenize(sentence))


def real_reviews(path=None):
    """3,000 real review sentences labelled positive (1) or negative (0): 1,000 each from Amazon
    (phones and accessories), IMDb (films) and Yelp (restaurants), 500 per class per site.

    Source: the "Sentiment Labelled Sentences" data set, UCI Machine Learning Repository, CC BY 4.0;
    D. Kotzias, M. Denil, N. de Freitas, P. Smyth, "From Group to Individual Labels using Deep
    Features", KDD 2015. Shipped as rnnlab/data/files/sentiment_sentences.tsv.gz (79 KB; the original
    three files joined, one `site<TAB>label<TAB>sentence` line each, unchanged text).

    path: None for the shipped file, or your own UTF-8 text file with one `sentence<TAB>label` line
    per sentence (label 0 or 1; the upstream format), or `site<TAB>label<TAB>sentence` lines.
    Returns (sentences, labels, sites): cleaned sentences (see `clean_sentence`), labels (N,) int64,
    sites (N,) array of site names ("mine" for a two-column file).
    """
    import gzip
    from pathlib import Path
    if path is None:
        p = Path(__file__).parent / "files" / "sentiment_sentences.tsv.gz"
        with gzip.open(p, "rt", encoding="utf-8") as f:
            lines = f.read().splitlines()[1:]
        rows = [line.split("\t") for line in lines]
    else:
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"real_reviews: there is no file {str(p)!r}")
        if p.is_dir():
            raise IsADirectoryError(f"real_reviews: {str(p)!r} is a folder; give a text file")
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"real_reviews: {str(p)!r} is not UTF-8 text") from None
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("site\tlabel\t"):
                continue
            parts = line.split("\t")
            if len(parts) == 2:
                parts = ["mine", parts[1], parts[0]]
            if len(parts) != 3 or parts[1].strip() not in ("0", "1"):
                raise ValueError(f"real_reviews: line {n} of {p.name} should be 'sentence<TAB>label' with label "
                                 f"0 or 1, got {line[:80]!r}")
            rows.append(parts)
        if not rows:
            raise ValueError(f"real_reviews: {str(p)!r} holds no sentences")
    sites = np.array([r[0] for r in rows])
    labels = np.array([int(r[1]) for r in rows], dtype=np.int64)
    sentences = [clean_sentence(r[2]) for r in rows]
    return sentences, labels, sites
