"""The glossary of the course's last notebook (99_faq_glossary), searchable from code and a widget.

The notebook's markdown table is the one source: `entries()` reads it, so the text a learner reads
and what `lookup("gate")` or `search_box()` finds never drift apart. A row is
`| **term** | what it means | [05](05_lstm.ipynb), [06](06_gru.ipynb) |`.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

NOTEBOOK = "99_faq_glossary.ipynb"
_ROW = re.compile(r"^\|\s*\*\*(?P<term>[^*]+)\*\*\s*\|(?P<meaning>.+)\|(?P<lessons>[^|]+)\|\s*$")
_LESSON = re.compile(r"\[(\d\d)\]\((\d\d_[a-z0-9_]+\.ipynb)\)")


@dataclass(frozen=True)
class Entry:
    term: str
    meaning: str
    lessons: tuple[str, ...]     # "05", ...
    files: tuple[str, ...]       # "05_lstm.ipynb", ...


def notebook_path(root: Path | None = None) -> Path:
    """lessons/99_faq_glossary.ipynb, or the solution when lessons/ is missing."""
    from ..session import course_root
    root = course_root() if root is None else Path(root)
    for folder in ("lessons", "solutions"):
        path = root / folder / NOTEBOOK
        if path.exists():
            return path
    raise FileNotFoundError(f"the glossary notebook {NOTEBOOK} is in neither {root / 'lessons'} nor "
                            f"{root / 'solutions'}")


def parse(markdown: str) -> list[Entry]:
    """Every glossary row of a markdown text, in its order."""
    out = []
    for line in markdown.splitlines():
        m = _ROW.match(line.strip())
        if not m:
            continue
        links = _LESSON.findall(m.group("lessons"))
        if not links:
            raise ValueError(f"glossary row {m.group('term')!r} links no lesson: {line.strip()}")
        out.append(Entry(m.group("term").strip(), m.group("meaning").strip(),
                         tuple(n for n, _ in links), tuple(f for _, f in links)))
    return out


def entries(path: Path | None = None) -> list[Entry]:
    path = notebook_path() if path is None else Path(path)
    nb = nbformat.read(path, as_version=4)
    return parse("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))


def lookup(text: str, items: list[Entry] | None = None) -> list[Entry]:
    """Entries whose term contains `text` (case-insensitive) first, then those whose meaning does."""
    if not isinstance(text, str):
        raise TypeError(f"lookup: give a word to search for as a string, got {type(text).__name__}")
    items = entries() if items is None else items
    needle = text.strip().lower()
    if not needle:
        return list(items)
    by_term = [e for e in items if needle in e.term.lower()]
    by_meaning = [e for e in items if e not in by_term and needle in e.meaning.lower()]
    return by_term + by_meaning


def _code(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def table_html(items: list[Entry]) -> str:
    if not items:
        return "<p>No term matches. Try a shorter word.</p>"
    def links(e):
        return ", ".join(f'<a href="{f}">{n}</a>' for n, f in zip(e.lessons, e.files))
    rows = "".join(
        f"<tr><td style='text-align:left'><b>{html.escape(e.term)}</b></td>"
        f"<td style='text-align:left'>{_code(e.meaning)}</td>"
        f"<td style='text-align:left'>{links(e)}</td></tr>" for e in items)
    return (f"<p>{len(items)} term{'s' if len(items) != 1 else ''}</p><table><thead><tr><th>term</th>"
            f"<th>what it means</th><th>lesson</th></tr></thead><tbody>{rows}</tbody></table>")


def search_widget():
    """A text box that filters the glossary as you type, above the matching table (ipywidgets)."""
    import ipywidgets as widgets
    items = entries()
    box = widgets.Text(placeholder="type a word, e.g. gate", description="search",
                       continuous_update=True, layout=widgets.Layout(width="22em"))
    out = widgets.HTML(table_html(items))

    def update(change):
        out.value = table_html(lookup(change["new"], items))

    box.observe(update, names="value")
    ui = widgets.VBox([box, out])
    ui.add_class("rnnlab-glossary")
    return ui


def search_box() -> None:
    """Show `search_widget()` in the notebook."""
    from IPython.display import display
    display(search_widget())
