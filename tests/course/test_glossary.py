"""The FAQ and glossary notebook: enough terms, each taught where it says, searchable."""
import re

import nbformat
import pytest

from rnnlab.course import glossary
from rnnlab.session import course_root

SOLUTION = course_root() / "solutions" / glossary.NOTEBOOK
# where the glossary's wording differs from the lesson's, the phrase the lesson really uses
ALIASES = {
    "activation function": ["activation"],
    "batch-major layout": ["(n, t, d)", "(samples, timesteps, features)"],
    "one-hot encoding": ["one-hot"],
    "orthogonal initialisation": ["orthogonal"],
    "unrolling": ["unroll"],
    "weight sharing": ["same weights", "shared"],
    "luong attention": ["luong"],
    "elman network": ["elman"],
    "jordan network": ["jordan"],
    "bahdanau attention": ["bahdanau"],
    "sequence to sequence": ["encoder-decoder", "sequence-to-sequence"],
    "precision and recall": ["precision"],
    "anomaly": ["anomal"],
    "layer normalisation": ["layer normali", "layernormalization"],
    "log-mel spectrogram": ["log-mel"],
    "mel scale": ["mel"],
    "spectrogram": ["spectrogram"],
    "blank": ["blank"],
    "day-ahead forecast": ["day-ahead"],
    "data leak": ["leak"],
}


def _lesson_texts():
    texts = {}
    for path in (course_root() / "solutions").glob("[0-9][0-9]_*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        texts[path.name] = "\n".join(c.source for c in nb.cells).lower()
    return texts


def _phrases(term):
    term = term.lower()
    inside = re.findall(r"\(([^)]+)\)", term)
    base = re.sub(r"\s*\([^)]*\)", "", term).strip()
    return [base, *inside, *ALIASES.get(base, [])]


def test_the_glossary_has_at_least_60_terms_each_linked_to_a_lesson():
    entries = glossary.entries(SOLUTION)
    assert len(entries) >= 60
    assert len({e.term.lower() for e in entries}) == len(entries), "a term is defined twice"
    assert all(e.lessons and e.meaning for e in entries)


def test_every_term_is_used_in_each_lesson_it_links_to():
    texts = _lesson_texts()
    wrong = []
    for e in glossary.entries(SOLUTION):
        for name in e.files:
            if name not in texts:
                wrong.append(f"{e.term}: links {name}, which does not exist")
            elif not any(p in texts[name] for p in _phrases(e.term)):
                wrong.append(f"{e.term}: {name} never says {_phrases(e.term)}")
    assert not wrong, "\n".join(wrong)


def test_every_faq_link_points_to_an_existing_lesson():
    nb = nbformat.read(SOLUTION, as_version=4)
    names = {p.name for p in (course_root() / "solutions").glob("[0-9][0-9]_*.ipynb")}
    links = set(re.findall(r"\]\((\d\d_[a-z0-9_]+\.ipynb)\)", "\n".join(c.source for c in nb.cells)))
    assert links and links <= names, sorted(links - names)


def test_lookup_finds_terms_before_meanings_and_is_case_insensitive():
    items = glossary.parse("| **gate** | a soft switch | [05](05_lstm.ipynb) |\n"
                           "| **forget gate** | keeps the cell | [05](05_lstm.ipynb), [06](06_gru.ipynb) |\n"
                           "| **GRU** | has an update gate | [06](06_gru.ipynb) |")
    assert [e.term for e in glossary.lookup("GATE", items)] == ["gate", "forget gate", "GRU"]
    assert glossary.lookup("forget", items)[0].lessons == ("05", "06")
    assert glossary.lookup("zzz", items) == []
    with pytest.raises(TypeError, match="string"):
        glossary.lookup(5, items)


def test_a_row_without_a_lesson_link_is_an_error():
    with pytest.raises(ValueError, match="links no lesson"):
        glossary.parse("| **gate** | a soft switch | lesson five |")


def test_search_box_filters_as_you_type():
    pytest.importorskip("ipywidgets")
    ui = glossary.search_widget()
    box, out = ui.children
    box.value = "cell state"
    assert "<b>cell state</b>" in out.value and "<b>GRU</b>" not in out.value
    box.value = "qqqq"
    assert "No term matches" in out.value
