"""A generated dialogue corpus for lesson 17's chatbot: a small shop's opening hours, stock and orders.

Questions and answers are lists of words made from templates with three slots: a day, an item and a
quantity. Some (quantity, item) combinations never appear in training (`held_out`): a model that
really reads the slots should still answer them. Everything is generated offline from fixed lists,
so the same call gives the same corpus on every machine. Words outside the vocabulary become "?".
"""
from __future__ import annotations

import numpy as np

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
OPENS = {"monday": "eight", "tuesday": "eight", "wednesday": "eight", "thursday": "eight", "friday": "eight",
         "saturday": "nine", "sunday": None}
ITEMS = ["bread", "milk", "eggs", "apples", "cheese", "coffee", "tea", "rice", "butter", "juice"]
QUANTITIES = ["one", "two", "three", "four", "five", "six"]

HOURS_Q = ["when do you open on {day}", "what time do you open on {day}", "are you open on {day}"]
ORDER_Q = ["i would like {q} {item}", "can i order {q} {item}", "please send {q} {item}"]
STOCK_Q = ["do you sell {item}", "have you got {item}"]

PAD, START, UNK = "_", ">", "?"
_WORDS = sorted({w for t in HOURS_Q + ORDER_Q + STOCK_Q for w in t.split() if "{" not in w}
                | set(DAYS) | set(ITEMS) | set(QUANTITIES)
                | set("on we open at eight nine are closed ok , . anything else yes sell".split()))
VOCAB = [PAD, START, UNK] + _WORDS
INDEX = {w: i for i, w in enumerate(VOCAB)}
SOURCE_LEN = 8
TARGET_LEN = 8


def answer_hours(day: str) -> str:
    hour = OPENS[day]
    return f"on {day} we are closed" if hour is None else f"on {day} we open at {hour}"


def held_out(q: str, item: str) -> bool:
    """The (quantity, item) pairs kept out of training: one in five."""
    return (QUANTITIES.index(q) + ITEMS.index(item)) % 5 == 0


def all_pairs():
    """Every (question, answer) the templates make, and whether it uses a held-out combination."""
    pairs = []
    for t in HOURS_Q:
        pairs += [(t.format(day=d), answer_hours(d), False) for d in DAYS]
    for t in ORDER_Q:
        pairs += [(t.format(q=q, item=i), f"ok , {q} {i} . anything else", held_out(q, i))
                  for q in QUANTITIES for i in ITEMS]
    for t in STOCK_Q:
        pairs += [(t.format(item=i), f"yes , we sell {i}", False) for i in ITEMS]
    return pairs


def corpus(n_train: int = 3000, seed: int = 0):
    """(train, test): train is n_train (question, answer) pairs drawn with repetition from the pairs
    without a held-out combination; test is every pair with one (never seen in training)."""
    pairs = all_pairs()
    seen = [(q, a) for q, a, h in pairs if not h]
    test = [(q, a) for q, a, h in pairs if h]
    r = np.random.default_rng(seed)
    train = [seen[k] for k in r.integers(0, len(seen), size=n_train)]
    return train, test


def encode(texts, length: int) -> np.ndarray:
    """Word ids, post-padded with 0 (PAD): (n, length) int32; unknown words become UNK."""
    out = np.zeros((len(texts), length), dtype=np.int32)
    for n, text in enumerate(texts):
        words = text.lower().split()
        if len(words) > length:
            raise ValueError(f"dialogue.encode: text {n} {text!r} has {len(words)} words; at most {length} fit")
        out[n, :len(words)] = [INDEX.get(w, INDEX[UNK]) for w in words]
    return out


def decode(ids) -> list[str]:
    """Texts from id rows, stopping at the first PAD (the end of the answer)."""
    texts = []
    for row in np.asarray(ids):
        words = []
        for i in row:
            if i == 0:
                break
            words.append(VOCAB[i])
        texts.append(" ".join(words))
    return texts


def dataset(pairs):
    """Encoder ids (n, SOURCE_LEN), decoder inputs (n, TARGET_LEN) (START, then the answer shifted
    right), targets (n, TARGET_LEN) (the answer, PAD after it: PAD marks the end)."""
    questions, answers = zip(*pairs)
    y = encode(answers, TARGET_LEN)
    start = np.full((len(y), 1), INDEX[START], dtype=np.int32)
    return encode(questions, SOURCE_LEN), np.concatenate([start, y[:, :-1]], axis=1), y


def retrieve(question: str, questions, answers) -> str:
    """Retrieval baseline: the answer of the training question sharing the most words with `question`
    (Jaccard overlap of word sets; the first one wins a tie)."""
    words = set(question.lower().split())
    best, best_score = 0, -1.0
    for k, q in enumerate(questions):
        other = set(q.split())
        score = len(words & other) / max(1, len(words | other))
        if score > best_score:
            best, best_score = k, score
    return answers[best]
