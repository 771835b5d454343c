"""The interactive lessons in a real browser: JupyterLab + headless Chromium (Playwright).

For each interactive lesson: open lessons/NN_*.ipynb, run all cells (runmenu:run-all), check
that no cell raised, wait for every explorer (`.rnnlab-explorer`) to render, move each of its
sliders with the keyboard and change each dropdown MOVES times, and check that what the kernel draws
(status line, Output widget, figure) changes every time. Each move is timed in the page, from the key
press (or the dropdown's change event) until the new figure is decoded and painted: the median and the
90th percentile of every control must stay within LATENCY_MEDIAN_MS and LATENCY_P90_MS (written to
artifacts/NN_latency.json; `benchmarks/run_all.py --from-json --readme` puts them in the README). Then,
at 1024x768 with the file browser open and at 1400x1000, no control label may be cut, no control row
may be wider than its explorer, and no explorer figure's smallest text may be shown under READABLE_PX.
Last, answer a quiz question wrong and right and check the feedback, the score and the (temporary)
progress file.

Lessons tested: 02 and 04 (REQUIRED: skipped with a message while the notebook does not exist,
tested as soon as it does) plus every other lesson that calls `explorers.show_*`.
RNNLAB_BROWSER_LESSONS="02 04" tests only those. Screenshots and timings go to
browser_tests/artifacts/ (gitignored).
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("02", "04", "15")           # lessons with an explorer: must be tested whenever they exist
RUN_ALL_TIMEOUT = 300               # s, for a whole lesson to run in the browser's kernel
KERNEL_TIMEOUT = 120                # s, for a kernel to start
UPDATE_TIMEOUT = 60                 # s, for an explorer to respond to one slider move
MOVES = 5                           # moves of every control, each timed in the page
LATENCY_MEDIAN_MS = 120             # goal per control: from the key press (or the dropdown's change) until
LATENCY_P90_MS = 200                # the new figure is decoded and painted
READABLE_PX = 8.0                   # smallest text size of an explorer figure as shown on screen, CSS px
SCREENS = [(1024, 768, True), (1400, 1000, False)]   # width, height, JupyterLab's file browser open


def _lesson_path(key: str) -> Path | None:
    found = sorted((ROOT / "lessons").glob(f"{key}_*.ipynb"))
    return found[0] if found else None


def _calls_explorer(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    # explorers.show_* (lessons 02-10) or any show_*_explorer (e.g. lesson 15's vs.show_ctc_explorer)
    return any(c.cell_type == "code" and re.search(r"\bexplorers\.show_\w+\s*\(|\bshow_\w*explorer\s*\(", c.source)
               for c in nb.cells)


def _lessons() -> list[str]:
    """REQUIRED plus every lesson that shows an explorer; RNNLAB_BROWSER_LESSONS="02 04" picks some."""
    chosen = os.environ.get("RNNLAB_BROWSER_LESSONS", "").replace(",", " ").split()
    if chosen:
        return sorted(f"{int(k):02d}" for k in chosen)
    keys = set(REQUIRED)
    for path in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"):
        if _calls_explorer(path):
            keys.add(path.name[:2])
    return sorted(keys)


# --------------------------------------------------------------------------------------
# JavaScript run in the page (window.jupyterapp is exposed by --LabApp.expose_app_in_browser)
# --------------------------------------------------------------------------------------

JS_KERNEL_IDLE = """(path) => {
  const app = window.jupyterapp;
  if (!app) return false;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path) {
      const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
      return !!k && k.status === 'idle' && !w.sessionContext.pendingInput;
    }
  }
  return false;
}"""

JS_ACTIVATE_AND_RUN_ALL = """(path) => {
  const app = window.jupyterapp;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path) {
      app.shell.activateById(w.id);
      // forget stored execution counts, so "every cell has one" means "every cell ran now"
      for (const cell of w.content.widgets) {
        if (cell.model.type === 'code') cell.model.executionCount = null;
      }
      // not awaited: the test polls with its own bounded timeout
      app.commands.execute('runmenu:run-all');
      return true;
    }
  }
  return false;
}"""

JS_CELLS_STATE = """(path) => {
  const app = window.jupyterapp;
  for (const w of app.shell.widgets('main')) {
    if (!(w.context && w.context.path === path)) continue;
    const cells = w.content.widgets;
    let pending = 0, errors = [];
    cells.forEach((cell, i) => {
      if (cell.model.type !== 'code') return;
      if (cell.promptNode && /\\*/.test(cell.promptNode.textContent)) pending += 1;
      const outs = cell.model.outputs.toJSON();
      for (const o of outs) {
        if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      }
      if (cell.model.executionCount === null) pending += 1;
    });
    return {pending, errors, n: cells.length};
  }
  return null;
}"""

JS_SNAPSHOT = """(box) => ({
  // what the kernel draws: HTML status lines, Output widgets and their images (not the sliders' readouts,
  // which the browser updates by itself before the kernel has seen the move)
  status: Array.from(box.querySelectorAll('.widget-html, .widget-htmlmath')).map(e => e.textContent),
  output: Array.from(box.querySelectorAll('.widget-output')).map(e => e.textContent),
  images: Array.from(box.querySelectorAll('img')).map(i => i.src),
})"""

JS_KERNEL_ID = """(path) => {
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (w.context && w.context.path === path) {
      const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
      return k ? k.id : null;
    }
  }
  return null;
}"""


JS_ARM_LATENCY = """(box) => {
  // time one move in the page: from the key press / select change until the new output is painted
  const s = {t0: null, t1: null, before: null};
  const shown = () => {
    const imgs = Array.from(box.querySelectorAll('img'));
    if (imgs.length) return imgs.map(i => i.src).join('|');
    return Array.from(box.querySelectorAll('.widget-html, .widget-htmlmath, .widget-output'))
      .map(e => e.textContent).join('|');
  };
  const start = () => { if (s.t0 === null) { s.t0 = performance.now(); s.before = shown(); } };
  if (box.__rnnlabLatency) box.__rnnlabLatency.observer.disconnect();
  ['keydown', 'change'].forEach(k => box.addEventListener(k, start, true));
  s.observer = new MutationObserver(async () => {
    if (s.t0 === null || s.t1 !== null || shown() === s.before) return;
    const img = box.querySelector('img');
    if (img) { try { await img.decode(); } catch (e) {} }
    requestAnimationFrame(() => { if (s.t1 === null) s.t1 = performance.now(); });
  });
  s.observer.observe(box, {subtree: true, childList: true, attributes: true, characterData: true});
  box.__rnnlabLatency = s;
  return true;
}"""

JS_LATENCY_RESET = """(box) => { const s = box.__rnnlabLatency; s.t0 = null; s.t1 = null; s.before = null; return true; }"""
JS_LATENCY_READ = """(box) => { const s = box.__rnnlabLatency; return s.t1 === null ? null : s.t1 - s.t0; }"""

JS_LAYOUT = """(box, readable) => {
  // what a learner cannot read: cut control labels, control rows wider than the explorer, figure text too small
  const problems = [];
  const right = box.getBoundingClientRect().right;
  box.querySelectorAll('.widget-label, .widget-readout, .widget-html-content').forEach(e => {
    if (e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1 && e.closest('.widget-hbox, .widget-inline-hbox'))
      problems.push(`label cut: "${e.textContent.trim().slice(0, 40)}" (${e.scrollWidth} px in ${e.clientWidth})`);
  });
  box.querySelectorAll('.widget-hbox').forEach(row => {
    const r = row.getBoundingClientRect();
    if (row.scrollWidth > row.clientWidth + 1 || r.right > right + 1)
      problems.push(`control row overflows: ${row.scrollWidth} px in ${row.clientWidth}, right edge ${r.right.toFixed(0)} > ${right.toFixed(0)}`);
    row.querySelectorAll('.widget-slider, .widget-dropdown, .widget-text').forEach(c => {
      const cr = c.getBoundingClientRect();
      if (cr.right > right + 1) problems.push(`control sticks out: ${c.textContent.trim().slice(0, 30)}`);
    });
  });
  box.querySelectorAll('img').forEach(img => {
    const tag = Array.from(img.classList).find(c => c.startsWith('rnnlab-min-font-'));
    if (!tag || !img.naturalWidth) return;
    const px = parseInt(tag.slice('rnnlab-min-font-'.length)) * img.clientWidth / img.naturalWidth;
    if (px < readable) problems.push(`figure text ${px.toFixed(1)} px on screen (figure ${img.naturalWidth} px shown at ${img.clientWidth})`);
  });
  return problems;
}"""

JS_FILE_BROWSER = """(open) => {
  const app = window.jupyterapp;
  if (open) { app.shell.activateById('filebrowser'); } else { app.shell.collapseLeft(); }
  return true;
}"""


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _wait(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------------------------
# One page per lesson, run once and shared by the explorer and quiz tests
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=_lessons())
def lesson(request, lab_server, browser, artifacts):
    key = request.param
    path = _lesson_path(key)
    if path is None:
        pytest.skip(f"lessons/{key}_*.ipynb does not exist yet; it is tested as soon as it does")
    name = path.name
    page = browser.new_page()
    messages = []
    page.on("pageerror", lambda exc: messages.append(f"page error: {exc}"))
    started = time.monotonic()
    timings = {}
    try:
        page.goto(lab_server.url(f"/lab/workspaces/rnnlab-test-{key}/tree/{name}?reset"),
                  wait_until="domcontentloaded")
        page.wait_for_function(JS_KERNEL_IDLE, arg=name, timeout=KERNEL_TIMEOUT * 1000, polling=250)
        timings["kernel ready"] = time.monotonic() - started
        assert page.evaluate(JS_ACTIVATE_AND_RUN_ALL, name), f"{name} did not open as a notebook"

        def finished():
            state = page.evaluate(JS_CELLS_STATE, name)
            if state and state["errors"]:
                return state
            if state and state["pending"] == 0 and page.evaluate(JS_KERNEL_IDLE, name):
                return state
            return None

        state = _wait(finished, RUN_ALL_TIMEOUT, f"all cells of {name} to run")
        timings["all cells ran"] = time.monotonic() - started
        assert not state["errors"], f"{name}: cells raised in the browser: {state['errors']}"
    except BaseException:
        page.screenshot(path=artifacts / f"{key}_failure.png", full_page=False)
        page.close()
        raise
    yield {"key": key, "name": name, "page": page, "server": lab_server, "timings": timings,
           "messages": messages, "started": started}
    # free the cores for the next lesson: shut this notebook's kernel down, then close the page
    try:
        kernel_id = page.evaluate(JS_KERNEL_ID, name)
        if kernel_id:
            lab_server.shutdown_kernel(kernel_id)
    finally:
        page.close()


@pytest.fixture(autouse=True)
def screenshot_on_failure(request, artifacts):
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed and "lesson" in request.fixturenames:
        lesson = request.getfixturevalue("lesson")
        lesson["page"].screenshot(path=artifacts / f"{lesson['key']}_{request.node.originalname}_failure.png",
                                  full_page=True)


def _move(handle, press: str):
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press(press)


def _change_dropdown(select):
    """Pick the option after the selected one (wrapping around), as a learner would."""
    select.scroll_into_view_if_needed()
    n, current = select.evaluate("s => [s.options.length, s.selectedIndex]")
    assert n >= 2, "a dropdown with a single option"
    select.select_option(index=(current + 1) % n)


def test_explorers_respond_to_their_controls(lesson, artifacts):
    """Every slider (moved with the keyboard) and every dropdown of every explorer redraws its output."""
    page, key = lesson["page"], lesson["key"]
    explorers = page.locator(".rnnlab-explorer")
    try:
        explorers.first.wait_for(state="attached", timeout=30_000)
    except Exception:
        raise AssertionError(f"lesson {key}: no explorer (.rnnlab-explorer) rendered after running all cells")
    idle = lambda: _wait(lambda: page.evaluate(JS_KERNEL_IDLE, lesson["name"]), UPDATE_TIMEOUT, "the kernel to go idle",
                         interval=0.05)
    latency = {}
    for e in range(explorers.count()):
        box = explorers.nth(e)
        box.scroll_into_view_if_needed()
        handles, selects = box.locator(".noUi-handle"), box.locator("select")
        _wait(lambda: box.evaluate(JS_SNAPSHOT) != {"status": [], "output": [], "images": []}, 30,
              f"lesson {key}: explorer {e} to draw")
        controls = [("slider", i) for i in range(handles.count())] + [("dropdown", i) for i in range(selects.count())]
        assert controls, f"lesson {key}: explorer {e} has neither a slider nor a dropdown"
        box.screenshot(path=artifacts / f"{key}_explorer{e}_before.png")
        first = box.evaluate(JS_SNAPSHOT)
        box.evaluate(JS_ARM_LATENCY)
        for kind, i in controls:
            for move in range(MOVES):
                idle()
                box.evaluate(JS_LATENCY_RESET)
                before = box.evaluate(JS_SNAPSHOT)
                t0 = time.monotonic()
                if kind == "slider":
                    handle = handles.nth(i)
                    now, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
                    _move(handle, "ArrowRight" if now < top else "ArrowLeft")
                else:
                    _change_dropdown(selects.nth(i))

                def redrawn():
                    snap = box.evaluate(JS_SNAPSHOT)
                    if before["images"]:   # an explorer with a figure must draw a new one
                        return snap if snap["images"] and snap["images"] != before["images"] else None
                    return snap if snap != before else None

                _wait(redrawn, UPDATE_TIMEOUT, f"lesson {key}, explorer {e}: the output to change after {kind} {i}",
                      interval=0.02)
                ms = _wait(lambda: box.evaluate(JS_LATENCY_READ), 5, "the page to paint the new output", 0.02)
                latency.setdefault(f"explorer {e} {kind} {i}", []).append(round(ms, 1))
                if move == 0:
                    lesson["timings"][f"explorer {e} {kind} {i} update"] = time.monotonic() - t0
        idle()
        after = box.evaluate(JS_SNAPSHOT)
        assert after != first
        if key == "02":
            # the lesson 02 explorer's status line names the step: it must follow the step slider
            status = " ".join(after["status"])
            assert re.search(rf"t = {2 + MOVES}\b", status), status
        box.screenshot(path=artifacts / f"{key}_explorer{e}_after.png")
    lesson["timings"]["fresh page to explored"] = time.monotonic() - lesson["started"]
    print(f"\nlesson {key} timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in lesson["timings"].items()))
    (artifacts / f"{key}_timings.json").write_text(json.dumps(lesson["timings"], indent=1) + "\n")
    (artifacts / f"{key}_latency.json").write_text(json.dumps(latency, indent=1) + "\n")
    slow = []
    for control, ms in latency.items():
        median, p90 = _percentile(ms, 0.5), _percentile(ms, 0.9)
        print(f"lesson {key} {control}: median {median:.0f} ms, p90 {p90:.0f} ms over {len(ms)} moves {ms}")
        if median > LATENCY_MEDIAN_MS or p90 > LATENCY_P90_MS:
            slow.append(f"{control}: median {median:.0f} ms, p90 {p90:.0f} ms ({ms})")
    assert not slow, (f"lesson {key}: explorer updates slower than the goal (median <= {LATENCY_MEDIAN_MS} ms, "
                      f"p90 <= {LATENCY_P90_MS} ms): " + "; ".join(slow))


def test_explorers_fit_a_laptop_screen(lesson, artifacts):
    """At 1024x768 with the file browser open and at 1400x1000: no control label cut, no control row wider
    than the explorer, and no figure text smaller than READABLE_PX on screen."""
    page, key = lesson["page"], lesson["key"]
    explorers = page.locator(".rnnlab-explorer")
    explorers.first.wait_for(state="attached", timeout=30_000)
    problems = []
    try:
        for width, height, files in SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate(JS_FILE_BROWSER, files)
            page.wait_for_timeout(800)                      # let JupyterLab lay the panels out again
            for e in range(explorers.count()):
                box = explorers.nth(e)
                box.scroll_into_view_if_needed()
                page.wait_for_timeout(200)
                box.screenshot(path=artifacts / f"{key}_explorer{e}_{width}x{height}.png")
                problems += [f"{width}x{height}, explorer {e}: {p}"
                             for p in box.evaluate(JS_LAYOUT, READABLE_PX)]
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})
    assert not problems, f"lesson {key}: " + "; ".join(problems)


def _single_question(key: str):
    """Index and (right, wrong) option indices of the bank's first single-choice question."""
    from rnnlab.course import quiz
    bank = quiz.load_bank(key)
    for n, q in enumerate(bank["questions"]):
        if q["kind"] == "single":
            right = next(i for i, o in enumerate(q["options"]) if o["correct"])
            wrong = next(i for i, o in enumerate(q["options"]) if not o["correct"])
            return n, q, right, wrong
    pytest.fail(f"quiz {key} has no single-choice question to click")


def test_quiz_gives_feedback(lesson, artifacts):
    page, key, server = lesson["page"], lesson["key"], lesson["server"]
    n, question, right, wrong = _single_question(key)
    quiz_box = page.locator(".rnnlab-quiz")
    quiz_box.wait_for(state="attached", timeout=30_000)
    quiz_box.scroll_into_view_if_needed()
    button = quiz_box.locator(".rnnlab-quiz-check").nth(n)
    qbox = button.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
    feedback = qbox.locator(".rnnlab-quiz-feedback")
    options = qbox.locator(".widget-radio-box label")
    assert options.count() == len(question["options"])
    assert feedback.text_content().strip() == ""
    _wait(lambda: page.evaluate(JS_KERNEL_IDLE, lesson["name"]), UPDATE_TIMEOUT, "the kernel to go idle")

    labels = [" ".join(options.nth(i).text_content().split()) for i in range(options.count())]
    for choice, word in ((wrong, "Not quite."), (right, "Right.")):
        # options are shown shuffled: find the one with this option's text
        text = " ".join(question["options"][choice]["text"].split())
        assert text in labels, f"option {text!r} not among the shown options {labels}"
        option = options.nth(labels.index(text))
        option.scroll_into_view_if_needed()
        option.click()
        button.click()
        _wait(lambda: feedback.text_content().strip().startswith(word), UPDATE_TIMEOUT, f"the quiz feedback '{word}'")
        shown = " ".join(feedback.text_content().split())
        assert " ".join(question["options"][choice]["explanation"].split()) in shown, shown
        if choice == wrong:
            qbox.screenshot(path=artifacts / f"{key}_quiz_wrong.png")
    qbox.screenshot(path=artifacts / f"{key}_quiz.png")
    from rnnlab.course import quiz
    total = len(quiz.load_bank(key)["questions"])
    assert f"1 of {total} right" in " ".join(quiz_box.text_content().split()[:40])   # the score in the header

    # the answers went to the server's temporary progress file, never the learner's
    def recorded():
        try:
            data = json.loads(server.progress.read_text())
        except (OSError, ValueError):
            return None
        return data.get("quizzes", {}).get(key, {}).get(question["id"])
    entry = _wait(recorded, 10, "the quiz answer in the progress file")
    _wait(lambda: (recorded() or {}).get("attempts", 0) >= 2, 10, "both answers in the progress file")
    entry = recorded()
    assert entry["correct"] is True and entry["last"] is True
    assert not lesson["messages"], lesson["messages"]
