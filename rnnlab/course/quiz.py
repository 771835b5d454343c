"""Quizzes: question banks in quizzes/NN_slug.yaml, shown as ipywidgets with instant feedback.

Bank format (validated by `validate`, tested for every bank):

    lesson: "02"
    title: Hidden state
    questions:
      - id: state-shape            # unique within the bank
        kind: single               # single | multiple | numeric
        prompt: What is the shape of h_t?
        options:                   # single / multiple: two or more options
          - text: (N, H)
            correct: true
            explanation: One row per sequence in the batch, one column per hidden unit.
          - text: (H, N)
            correct: false
            explanation: ...
      - id: param-count
        kind: numeric
        prompt: How many parameters ...?
        answer: 160
        tolerance: 0               # absolute
        explanation: D*H + H*H + H = ...
        hint: optional, shown after a wrong numeric answer
        wrong_answers:             # optional: common wrong numbers and what they mean
          - answer: 130
            explanation: That leaves out the bias b (H numbers).

Options are shown in a fixed shuffled order per question (so the right one is not always
first); grading uses the bank's own option indices.
The answers stay in the bank file and in Python; the notebook only shows the widgets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..session import course_root

KINDS = ("single", "multiple", "numeric")


class BankError(ValueError):
    pass


def quiz_dir() -> Path:
    import os
    env = os.environ.get("RNNLAB_QUIZZES")
    return Path(env) if env else course_root() / "quizzes"


@dataclass(frozen=True)
class LessonInfo:
    number: int
    key: str       # "02"
    slug: str      # "02_hidden_state"
    title: str
    question_ids: tuple


def bank_path(lesson) -> Path:
    key = f"{int(lesson):02d}" if str(lesson).isdigit() else str(lesson)
    found = sorted(quiz_dir().glob(f"{key}_*.yaml"))
    if not found:
        raise FileNotFoundError(f"no quiz bank for lesson {key} in {quiz_dir()}")
    return found[0]


_TEXT = {"type": "string", "pattern": r"\S"}
_NUMBER = {"type": "number"}
_OPTION = {"type": "object", "required": ["text", "correct", "explanation"],
           "properties": {"text": _TEXT, "correct": {"type": "boolean"}, "explanation": _TEXT}}
_QUESTION = {
    "type": "object",
    "required": ["id", "prompt", "kind"],
    "properties": {"id": _TEXT, "prompt": _TEXT, "kind": {"enum": list(KINDS)}},
    "allOf": [
        {"if": {"properties": {"kind": {"const": "numeric"}}},
         "then": {"required": ["answer", "tolerance", "explanation"], "not": {"required": ["options"]},
                  "properties": {"answer": _NUMBER, "tolerance": {"type": "number", "minimum": 0},
                                 "explanation": _TEXT,
                                 "wrong_answers": {"type": ["array", "null"], "items": {
                                     "type": "object", "required": ["answer", "explanation"],
                                     "properties": {"answer": _NUMBER, "explanation": {"type": "string"}}}}}},
         "else": {"required": ["options"],
                  "properties": {"options": {"type": "array", "minItems": 2, "items": _OPTION}}}},
    ],
}
SCHEMA = {   # a quiz bank, quizzes/NN_slug.yaml (JSON Schema, draft 2020-12)
    "type": "object",
    "required": ["lesson", "title", "questions"],
    "properties": {
        "lesson": {"type": "string", "pattern": r"^[0-9]{2}$"},
        "title": {"type": "string"},
        "questions": {"type": "array", "minItems": 3, "items": _QUESTION},
    },
}


def _where(path) -> str:
    """'question 3, option 2' from a JSON Schema error path like ['questions', 2, 'options', 1]."""
    parts, it = [], iter(path)
    for key in it:
        if key in ("questions", "options", "wrong_answers"):
            index = next(it, None)
            if index is not None:
                parts.append(f"{key[:-1].replace('_', ' ')} {index + 1}")
        else:
            parts.append(repr(key))
    return ", ".join(parts)


def validate(bank, source: str = "bank") -> dict:
    """Raise BankError naming the first problem; return the bank.

    The structure is checked against `SCHEMA` (jsonschema); what a schema cannot say well is
    checked here: unique question ids and option texts, and how many options are correct.
    """
    import jsonschema

    def fail(msg):
        raise BankError(f"{source}: {msg}")

    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(bank), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = _where(e.path)
        fail(f"{where + ': ' if where else ''}{e.message}")
    seen = set()
    for q in bank["questions"]:
        where = f"question {q['id']!r}"
        if q["id"] in seen:
            fail(f"{where}: duplicate id")
        seen.add(q["id"])
        if q["kind"] == "numeric":
            continue
        texts = [o["text"] for o in q["options"]]
        if len(set(texts)) != len(texts):
            fail(f"{where}: duplicate option text {next(t for t in texts if texts.count(t) > 1)!r}")
        n_right = sum(o["correct"] for o in q["options"])
        if q["kind"] == "single" and n_right != 1:
            fail(f"{where}: a single-choice question needs exactly one correct option, has {n_right}")
        if q["kind"] == "multiple" and n_right < 1:
            fail(f"{where}: a multiple-choice question needs at least one correct option")
    return bank


@lru_cache(maxsize=None)
def _load_cached(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as f:
        try:
            bank = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise BankError(f"{Path(path).name} is not valid YAML: {exc}") from None
    return validate(bank, source=Path(path).name)


def load_bank(lesson) -> dict:
    path = bank_path(lesson)
    return _load_cached(str(path), path.stat().st_mtime)


def lessons() -> list[LessonInfo]:
    out = []
    for path in sorted(quiz_dir().glob("[0-9][0-9]_*.yaml")):
        bank = _load_cached(str(path), path.stat().st_mtime)
        out.append(LessonInfo(int(bank["lesson"]), bank["lesson"], path.stem, bank["title"],
                              tuple(q["id"] for q in bank["questions"])))
    return out


@dataclass(frozen=True)
class Feedback:
    correct: bool
    text: str


def grade(question: dict, response) -> Feedback:
    """Grade one response: an option index (single), a set of indices (multiple) or a number."""
    kind = question["kind"]
    if kind == "numeric":
        try:
            value = float(response)
        except (TypeError, ValueError):
            return Feedback(False, "Enter a number.")
        if math.isnan(value):
            return Feedback(False, "Enter a number.")
        ok = abs(value - question["answer"]) <= question["tolerance"] + 1e-12
        text = question["explanation"]
        if not ok:
            known = [w for w in question.get("wrong_answers", []) or []
                     if abs(value - w["answer"]) <= question["tolerance"] + 1e-12]
            text = known[0]["explanation"] if known else question.get("hint") or "Not this number; try again."
        return Feedback(ok, text)
    opts = question["options"]
    if kind == "single":
        try:
            index = int(response)
        except (TypeError, ValueError):
            return Feedback(False, "Choose one option (give its number, counting from 0).")
        if not 0 <= index < len(opts):
            return Feedback(False, "Choose one option.")
        o = opts[index]
        return Feedback(o["correct"], o["explanation"])
    try:
        chosen = set(int(i) for i in (response or ()))
    except (TypeError, ValueError):
        return Feedback(False, "Tick the options by their numbers, counting from 0.")
    if not chosen:
        return Feedback(False, "Tick every option you think is right.")
    right = {i for i, o in enumerate(opts) if o["correct"]}
    ok = chosen == right
    lines = []
    for i, o in enumerate(opts):
        if (i in chosen) != o["correct"]:
            mark = "ticked but wrong" if i in chosen else "also right"
            lines.append(f"{o['text']} ({mark}): {o['explanation']}")
    if ok:
        lines = [f"{opts[i]['text']}: {opts[i]['explanation']}" for i in sorted(right)]
        return Feedback(True, "\n".join(lines))
    return Feedback(False, "\n".join(lines))


def display_order(question: dict) -> list[int]:
    """A fixed shuffled order of the options (the same on every run, different per question)."""
    import random
    import zlib
    order = list(range(len(question.get("options", []))))
    random.Random(zlib.crc32(question["id"].encode())).shuffle(order)
    return order


def answer(lesson, question_id: str, response, record: bool = True) -> Feedback:
    """Grade a response without widgets (and store it in the progress file)."""
    bank = load_bank(lesson)
    q = next((q for q in bank["questions"] if q["id"] == question_id), None)
    if q is None:
        raise KeyError(f"lesson {bank['lesson']} has no question {question_id!r}")
    fb = grade(q, response)
    if record:
        from . import progress
        progress.record_quiz(bank["lesson"], question_id, fb.correct)
    return fb


def show(lesson):
    """Display lesson's quiz as widgets: each question with a Check button and instant feedback."""
    import html
    import ipywidgets as w
    from IPython.display import display

    bank = load_bank(lesson)
    score = {}
    header = w.HTML()

    def update_header():
        header.value = (f"<b>Quiz: {html.escape(bank['title'])}</b> &nbsp; "
                        f"{sum(score.values())} of {len(bank['questions'])} right")

    boxes = []
    for n, q in enumerate(bank["questions"], 1):
        prompt = w.HTMLMath(f"<b>{n}.</b> {html.escape(q['prompt'])}")
        if q["kind"] == "single":
            order = display_order(q)
            inp = w.RadioButtons(options=[(q["options"][i]["text"], i) for i in order], value=None,
                                 layout=w.Layout(width="auto"))
            get = lambda inp=inp: inp.value
        elif q["kind"] == "multiple":
            order = display_order(q)
            inp = w.VBox([w.Checkbox(description=q["options"][i]["text"], value=False, indent=False,
                                     layout=w.Layout(width="auto")) for i in order])
            get = lambda inp=inp, order=order: {order[j] for j, c in enumerate(inp.children) if c.value}
        else:
            inp = w.Text(placeholder="a number", layout=w.Layout(width="12em"))
            get = lambda inp=inp: inp.value
        button = w.Button(description="Check", button_style="primary", layout=w.Layout(width="7em"))
        feedback = w.HTML()
        button.add_class("rnnlab-quiz-check")
        feedback.add_class("rnnlab-quiz-feedback")

        def on_click(_, q=q, get=get, feedback=feedback):
            fb = grade(q, get())
            score[q["id"]] = fb.correct
            colour, word = ("#1a7f37", "Right.") if fb.correct else ("#b42318", "Not quite.")
            body = html.escape(fb.text).replace("\n", "<br>")
            feedback.value = f"<span style='color:{colour}'><b>{word}</b></span> {body}"
            update_header()
            try:
                from . import progress
                progress.record_quiz(bank["lesson"], q["id"], fb.correct)
            except Exception:
                pass

        button.on_click(on_click)
        boxes.append(w.VBox([prompt, inp, w.HBox([button]), feedback],
                            layout=w.Layout(margin="0 0 12px 0")))
    update_header()
    box = w.VBox([header] + boxes)
    box.add_class("rnnlab-quiz")
    display(box)
    return None
