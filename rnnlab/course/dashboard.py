"""The progress dashboard: one row per lesson, with exercises passed, quiz score and bars.

`summary()` reads the progress store, the checks and the quiz banks; `rows(summary)` is the pure
part (numbers and fractions, tested); `show()` wires it to ipywidgets with a Refresh button. In a
notebook: `from rnnlab.course import dashboard; dashboard.show()`; `table(summary())` is the text
version that `make progress` prints.
"""
from __future__ import annotations

import html


def summary(data: dict | None = None) -> list[dict]:
    """One row per lesson: exercises passed / total, quiz questions right / total."""
    from .. import checks
    from . import progress, quiz
    data = progress.load() if data is None else data
    rows = []
    for lesson in quiz.lessons():
        exs = checks.exercises(lesson.number)
        passed = sum(1 for e in exs if data["exercises"].get(e.id, {}).get("best") == "passed")
        answers = data["quizzes"].get(lesson.key, {})
        right = sum(1 for q in lesson.question_ids if answers.get(q, {}).get("correct"))
        rows.append({
            "lesson": lesson.key, "title": lesson.title,
            "exercises_passed": passed, "exercises_total": len(exs),
            "quiz_correct": right, "quiz_total": len(lesson.question_ids),
        })
    return rows


def table(rows: list[dict]) -> str:
    def name(r):
        text = f"{r['lesson']} {r['title']}"
        return text if len(text) <= 34 else text[:33] + "\u2026"
    head = f"{'lesson':<34} {'exercises':>9} {'quiz':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        ex = f"{r['exercises_passed']}/{r['exercises_total']}" if r["exercises_total"] else "-"
        qz = f"{r['quiz_correct']}/{r['quiz_total']}" if r["quiz_total"] else "-"
        lines.append(f"{name(r):<34} {ex:>9} {qz:>7}")
    tot_e = sum(r["exercises_passed"] for r in rows), sum(r["exercises_total"] for r in rows)
    tot_q = sum(r["quiz_correct"] for r in rows), sum(r["quiz_total"] for r in rows)
    lines.append("-" * len(head))
    lines.append(f"{'total':<34} {f'{tot_e[0]}/{tot_e[1]}':>9} {f'{tot_q[0]}/{tot_q[1]}':>7}")
    return "\n".join(lines)


def rows(summary: list[dict]) -> list[dict]:
    """Add the fractions the bars show to `progress.summary()` rows, and a total row.

    done: exercises passed plus quiz questions right, over both totals (0 when a lesson has
    neither yet).
    """
    out = []
    for r in summary:
        ex_p, ex_t = r["exercises_passed"], r["exercises_total"]
        qz_c, qz_t = r["quiz_correct"], r["quiz_total"]
        total = ex_t + qz_t
        out.append({**r,
                    "exercises_fraction": ex_p / ex_t if ex_t else 0.0,
                    "quiz_fraction": qz_c / qz_t if qz_t else 0.0,
                    "done": (ex_p + qz_c) / total if total else 0.0})
    ex_p = sum(r["exercises_passed"] for r in summary)
    ex_t = sum(r["exercises_total"] for r in summary)
    qz_c = sum(r["quiz_correct"] for r in summary)
    qz_t = sum(r["quiz_total"] for r in summary)
    total = ex_t + qz_t
    out.append({"lesson": "total", "title": "", "exercises_passed": ex_p, "exercises_total": ex_t,
                "quiz_correct": qz_c, "quiz_total": qz_t,
                "exercises_fraction": ex_p / ex_t if ex_t else 0.0,
                "quiz_fraction": qz_c / qz_t if qz_t else 0.0,
                "done": (ex_p + qz_c) / total if total else 0.0})
    return out


def _bar(fraction: float, colour: str) -> str:
    pct = max(0.0, min(1.0, fraction)) * 100
    return (f"<div style='width:7em;height:0.8em;background:#e6e6e6;border-radius:3px;margin-top:0.35em'>"
            f"<div style='width:{pct:.0f}%;height:100%;background:{colour};border-radius:3px'></div></div>")


def _count(a: int, b: int) -> str:
    return f"{a}/{b}" if b else "-"


def render(table: list[dict]) -> str:
    """The dashboard as an HTML table (what the widget shows)."""
    head = ("<tr><th style='text-align:left'>lesson</th><th>exercises</th><th></th>"
            "<th>quiz</th><th></th><th colspan='2'>done</th></tr>")
    body = []
    for r in table:
        total = r["lesson"] == "total"
        name = "<b>total</b>" if total else f"{html.escape(r['lesson'])} {html.escape(r['title'])}"
        done_colour = "#1a7f37" if r["done"] >= 1 else "#4c72b0"
        style = " style='border-top:1px solid #999'" if total else ""
        body.append(
            f"<tr{style}><td style='text-align:left;padding-right:1em;white-space:nowrap'>{name}</td>"
            f"<td>{_count(r['exercises_passed'], r['exercises_total'])}</td>"
            f"<td>{_bar(r['exercises_fraction'], '#4c72b0') if r['exercises_total'] else ''}</td>"
            f"<td>{_count(r['quiz_correct'], r['quiz_total'])}</td>"
            f"<td>{_bar(r['quiz_fraction'], '#dd8452') if r['quiz_total'] else ''}</td>"
            f"<td>{_bar(r['done'], done_colour)}</td><td style='color:#666'>{r['done']:.0%}</td></tr>")
    return f"<table class='rnnlab-dashboard'>{head}{''.join(body)}</table>"


def show(data: dict | None = None):
    """Return the dashboard widget (a Refresh button re-reads the progress store)."""
    import ipywidgets as w

    from . import progress

    html_table = w.HTML()
    where = w.HTML()
    button = w.Button(description="Refresh", icon="refresh", layout=w.Layout(width="8em"))

    def refresh(_=None):
        html_table.value = render(rows(summary(data if data is not None else progress.load())))
        where.value = (f"<span style='color:#666'>saved in {html.escape(str(progress.store_path()))}; "
                       "also <code>make progress</code></span>")

    button.on_click(refresh)
    refresh()
    box = w.VBox([w.HTML("<b>Your progress</b>"), html_table, w.HBox([button, where])])
    box.add_class("rnnlab-dashboard")
    return box
