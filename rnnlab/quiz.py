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

from .session import course_root

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


def validate(bank, source: str = "bank") -> dict:
    """Raise BankError naming the first problem; return the bank."""
    def fail(msg):
        raise BankError(f"{source}: {msg}")

    if not isinstance(bank, dict):
        fail("the top level should be a mapping with lesson, title, questions")
    for key in ("lesson", "title", "questions"):
        if key not in bank:
            fail(f"missing '{key}'")
    if not (isinstance(bank["lesson"], str) and bank["lesson"].isdigit() and len(bank["lesson"]) == 2):
        fail(f"lesson should be a two-digit string like \"02\", got {bank['lesson']!r}")
    qs = bank["questions"]
    if not isinstance(qs, list) or len(qs) < 3:
        fail("questions should be a list of at least 3 questions")
    seen = set()
    for n, q in enumerate(qs, 1):
        where = f"question {n}"
        if not isinstance(q, dict):
            fail(f"{where} should be a mapping")
        qid = q.get("id")
        if not isinstance(qid, str) or not qid:
            fail(f"{where}: missing id")
        where = f"question {qid!r}"
        if qid in seen:
            fail(f"{where}: duplicate id")
        seen.add(qid)
        if not isinstance(q.get("prompt"), str) or not q["prompt"].strip():
            fail(f"{where}: missing prompt")
        kind = q.get("kind")
        if kind not in KINDS:
            fail(f"{where}: kind should be one of {KINDS}, got {kind!r}")
        if kind == "numeric":
            for key in ("answer", "tolerance", "explanation"):
                if key not in q:
                    fail(f"{where}: numeric questions need '{key}'")
            if not isinstance(q["answer"], (int, float)) or isinstance(q["answer"], bool):
                fail(f"{where}: answer should be a number")
            if not isinstance(q["tolerance"], (int, float)) or q["tolerance"] < 0:
                fail(f"{where}: tolerance should be a number >= 0")
            if "options" in q:
                fail(f"{where}: numeric questions have no options")
            for w in q.get("wrong_answers", []) or []:
                if not isinstance(w, dict) or not isinstance(w.get("answer"), (int, float)) \
                        or not isinstance(w.get("explanation"), str):
                    fail(f"{where}: each wrong_answers entry needs a numeric answer and an explanation")
        else:
            opts = q.get("options")
            if not isinstance(opts, list) or len(opts) < 2:
                fail(f"{where}: needs at least two options")
            texts = set()
            for m, o in enumerate(opts, 1):
                if not isinstance(o, dict) or not isinstance(o.get("text"), str) or not o["text"].strip():
                    fail(f"{where}, option {m}: needs a text")
                if not isinstance(o.get("correct"), bool):
                    fail(f"{where}, option {m}: 'correct' should be true or false")
                if not isinstance(o.get("explanation"), str) or not o["explanation"].strip():
                    fail(f"{where}, option {m}: every option needs an explanation")
                if o["text"] in texts:
                    fail(f"{where}: duplicate option text {o['text']!r}")
                texts.add(o["text"])
            n_right = sum(o["correct"] for o in opts)
            if kind == "single" and n_right != 1:
                fail(f"{where}: a single-choice question needs exactly one correct option, has {n_right}")
            if kind == "multiple" and n_right < 1:
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
