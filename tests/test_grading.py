"""The grader on good and hostile submissions.

Every hostile submission is a real lesson-02 notebook (from lessons/, exercise cells filled
from solutions/) with one exercise cell replaced. The whole hostile batch is graded once,
through the CLI, with --jobs 2 and a 4 s timeout; the tests then read grades.csv, the
feedback files and the per-submission times the progress lines report.
"""
import copy
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rnnlab import checks, grading
from rnnlab.grading.errors import Stop
from rnnlab.session import course_root

ROOT = course_root()
TIMEOUT = 4.0          # seconds per exercise in these tests
# the isolation the grader will use (RNNLAB_GRADE_NO_LANDLOCK=1 turns Landlock off, as on kernels without it)
LANDLOCK = 0 if os.environ.get("RNNLAB_GRADE_NO_LANDLOCK", "") not in ("", "0") else grading.landlock_abi()
MEMORY = 512           # MB: the sandbox itself needs about 150


def _src(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _exercise_cell(nb, ex):
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("rnnlab", {}).get("exercise") == ex)


def _notebook(folder, lesson):
    return json.loads(next((ROOT / folder).glob(f"{lesson}_*.ipynb")).read_text(encoding="utf-8"))


SOLUTIONS = {ex: _src(_exercise_cell(_notebook("solutions", "02"), ex)) for ex in ("2.1", "2.2")}


def filled(**sources):
    """Lesson 02 as a learner would hand it in: every exercise solved, unless replaced."""
    nb = _notebook("lessons", "02")
    for ex in ("2.1", "2.2"):
        _exercise_cell(nb, ex)["source"] = sources.get(ex.replace(".", "_"), SOLUTIONS[ex])
    return nb


WRONG_STEP = SOLUTIONS["2.1"].replace("x @ Wx + h_prev @ Wh + b", "x @ Wx + h_prev @ Wh")
MANUAL_TANH = SOLUTIONS["2.1"].replace(
    "h_next = np.tanh(x @ Wx + h_prev @ Wh + b)",
    "a = x @ Wx + h_prev @ Wh + b\n    h_next = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))")


def hostile_submissions(outside: Path) -> dict:
    """name -> notebook (dict) or raw bytes, with the statuses (2.1, 2.2) each must get."""
    subs = {}
    subs["good.ipynb"] = (filled(), ["passed", "passed"])
    text = json.dumps(filled())
    subs["invalid_json.ipynb"] = (text[: len(text) // 2].encode(), ["error"])            # lesson unknown
    subs["02_truncated.ipynb"] = (text[: len(text) // 2].encode(), ["error", "error"])   # lesson from the name
    subs["empty.ipynb"] = (b"", ["error"])
    subs["not_a_notebook.ipynb"] = (b'{"hello": "world"}', ["error"])
    nb = filled()
    del nb["metadata"]["rnnlab"]
    subs["no_lesson_metadata.ipynb"] = (nb, ["passed", "passed"])                        # lesson from the cells
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        c.get("metadata", {}).pop("rnnlab", None)
    subs["no_metadata_at_all.ipynb"] = (nb, ["error"])
    subs["infinite_loop_cell.ipynb"] = (filled(**{"2_1": "while True:\n    pass\n"}), ["timeout", "passed"])
    subs["infinite_loop_function.ipynb"] = (filled(**{"2_1": SOLUTIONS["2.1"].replace(
        "    h_next = np.tanh", "    while True:\n        pass\n    h_next = np.tanh")}), ["timeout", "passed"])
    subs["os_exit.ipynb"] = (filled(**{"2_1": "import os\nos._exit(0)\n"}), ["error", "passed"])
    subs["segfault.ipynb"] = (filled(**{"2_2": "import ctypes\nctypes.string_at(0)\n"}), ["passed", "error"])
    # blocks of 256 MB: the limit (MEMORY) is reached within a second even on a loaded machine,
    # so these come back `error`, never `timeout`
    subs["memory_bomb.ipynb"] = (filled(**{"2_1": "import numpy as np\nblocks = []\nwhile True:\n"
                                                   "    blocks.append(np.ones(2**25))\n"}), ["error", "passed"])
    subs["memory_bomb_in_function.ipynb"] = (filled(**{"2_1": SOLUTIONS["2.1"].replace(
        "    h_next = np.tanh", "    junk = [np.ones(2**25) for _ in range(1000)]\n    h_next = np.tanh")}),
        ["error", "passed"])
    subs["gigabytes_of_output.ipynb"] = (filled(**{"2_1": (
        "import os, sys\nline = 'x' * 2**20 + '\\n'\nraw = line.encode()\n"
        "for _ in range(1024):\n    print(line)\n    os.write(1, raw)\n    os.write(2, raw)\n") + SOLUTIONS["2.1"]}),
        ["passed", "passed"])
    patch = ("import builtins\nimport numpy as np\nimport rnnlab.checks as c\n"
             "c.evaluate = lambda *a, **k: c.Result('2.1', 'rnn_step_forward', 'passed', points=1)\n"
             "c.diagnose = lambda *a, **k: None\nc.close = lambda *a, **k: True\nc.expect_shape = lambda *a, **k: None\n"
             "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
             "np.testing.assert_allclose = lambda *a, **k: None\n"
             "print('Exercise 2.1 rnn_step_forward: passed')\n")
    nb = filled(**{"2_1": patch + WRONG_STEP})
    nb["cells"].insert(2, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": patch})                       # and in an ordinary cell before it
    subs["monkeypatch_checks.ipynb"] = (nb, ["failed", "passed"])
    subs["always_equal.ipynb"] = (filled(**{"2_1": (
        "import numpy as np\n"
        "class Anything:\n    shape = (3, 4)\n    def __eq__(self, other):\n        return True\n"
        "    def __array__(self, *a, **k):\n        raise TypeError('no')\n"
        "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    return Anything(), None\n"),
        "2_2": ("import numpy as np\nfrom rnnlab.reference import RNNCache\n"
                "class Same(np.ndarray):\n    def __eq__(self, other):\n        return np.ones(np.shape(other), bool)\n"
                "def rnn_forward(x, h0, Wx, Wh, b):\n"
                "    h = np.zeros((x.shape[0], x.shape[1], h0.shape[1]), x.dtype).view(Same)\n"
                "    return h, RNNCache(x, h0, Wx, Wh, h)\n")}), ["failed", "failed"])
    nb = filled()
    nb["cells"] = [c for c in nb["cells"] if c.get("metadata", {}).get("rnnlab", {}).get("exercise") != "2.2"]
    subs["deleted_exercise_cell.ipynb"] = (nb, ["passed", "not_attempted"])
    nb = filled()
    del _exercise_cell(nb, "2.1")["metadata"]["rnnlab"]           # metadata lost: found by its function name
    subs["cell_without_metadata.ipynb"] = (nb, ["passed", "passed"])
    subs["renamed_function.ipynb"] = (filled(**{"2_1": SOLUTIONS["2.1"].replace("def rnn_step_forward", "def step")}),
                                      ["failed", "passed"])
    subs["hidden_test_catches_manual_tanh.ipynb"] = (filled(**{"2_1": MANUAL_TANH}), ["failed", "passed"])
    escape = (
        "import os, json\nfrom pathlib import Path\nfrom rnnlab.session import course_root\n"
        "targets = [course_root() / 'solutions' / '02_hidden_state.ipynb', course_root() / 'solutions' / 'ESCAPED.txt',\n"
        f"           Path({str(outside)!r})]\n"
        "WROTE = READ = False\n"
        "for t in targets:\n    try:\n        with open(t, 'a') as f:\n            f.write('escaped')\n        WROTE = True\n"
        "    except OSError:\n        pass\n"
        "try:\n    (course_root() / 'solutions' / '02_hidden_state.ipynb').read_bytes()\n    READ = True\n"
        "except OSError:\n    pass\n")
    subs["escape_attempt.ipynb"] = (filled(**{"2_1": escape + SOLUTIONS["2.1"].replace(
        "    h_next = np.tanh", "    if WROTE or READ:\n        return None\n    h_next = np.tanh")}),
        ["passed", "passed"] if LANDLOCK else None)
    if LANDLOCK >= 6:
        subs["kills_the_grader.ipynb"] = (filled(**{"2_1": "import os, signal\ntry:\n    os.kill(os.getppid(), "
                                                          "signal.SIGKILL)\nexcept OSError:\n    pass\n"
                                                          + SOLUTIONS["2.1"]}), ["passed", "passed"])
    return subs


def _write(folder: Path, subs: dict) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (content, _) in subs.items():
        data = content if isinstance(content, bytes) else json.dumps(content, indent=1).encode()
        (folder / name).write_bytes(data)
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in subs}


def _run_cli(args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "rnnlab", "grade", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def _rows(out: Path) -> dict:
    with open(out / "grades.csv", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == grading.HEADER
        rows = {}
        for r in reader:
            rows.setdefault(r[0], []).append(r)
    return rows


def _grade_hostile_batch(base: Path) -> dict:
    outside = base / "outside.txt"
    subs = hostile_submissions(outside)
    hashes = _write(base / "subs", subs)
    repo_before = {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in [ROOT / "solutions" / "02_hidden_state.ipynb"]}
    proc = _run_cli([str(base / "subs"), "--out", str(base / "out"), "--jobs", "2", "--timeout", str(TIMEOUT),
                     "--memory", str(MEMORY)])
    times = {m.group(1): float(m.group(2))
             for m in re.finditer(r"graded \d+/\d+: (\S+) \S+ \(([\d.]+) s\)", proc.stderr)}
    return dict(hashes=hashes, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, times=times,
                repo_before=repo_before)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile batch, graded once per test run (xdist workers share it through a lock file)."""
    import fcntl
    import types
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    root = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    base = root / "hostile-batch"
    with open(root / "hostile-batch.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / "result.json"
        if not done.exists():
            base.mkdir(exist_ok=True)
            done.write_text(json.dumps(_grade_hostile_batch(base)))
        result = json.loads(done.read_text())
    proc = types.SimpleNamespace(returncode=result["returncode"], stdout=result["stdout"], stderr=result["stderr"])
    return dict(base=base, subs=hostile_submissions(base / "outside.txt"), hashes=result["hashes"], proc=proc,
                out=base / "out", times=result["times"], outside=base / "outside.txt",
                repo_before=result["repo_before"])


def test_hostile_batch_runs_and_writes_every_row(hostile):
    assert hostile["proc"].returncode == 0, hostile["proc"].stderr[-2000:]
    rows = _rows(hostile["out"])
    assert set(rows) == set(hostile["subs"])
    for name in hostile["subs"]:
        assert (hostile["out"] / "feedback" / f"{Path(name).stem}.md").is_file()


@pytest.mark.parametrize("name", sorted(hostile_submissions(Path("/nonexistent")).keys()))
def test_hostile_submission_gets_the_right_statuses(hostile, name):
    expected = hostile["subs"][name][1]
    rows = _rows(hostile["out"])[name]
    if expected is None:
        pytest.skip(f"{name}: without Landlock its statuses depend on what it could reach; "
                    "test_escape_attempt_changes_nothing_outside_its_folder checks it")
    assert [r[5] for r in rows] == expected, open(hostile["out"] / "feedback" / f"{Path(name).stem}.md").read()
    for r in rows:
        assert r[3] == ("1" if r[5] == "passed" else "0")


def test_unknown_lesson_gets_one_error_row(hostile):
    rows = _rows(hostile["out"])
    for name in ("invalid_json.ipynb", "empty.ipynb", "not_a_notebook.ipynb", "no_metadata_at_all.ipynb"):
        assert rows[name] == [[name, "?", "*", "0", "0", "error"]]
    assert [r[1:3] for r in rows["02_truncated.ipynb"]] == [["02", "2.1"], ["02", "2.2"]]


def test_no_submission_takes_longer_than_its_timeouts(hostile):
    assert set(hostile["times"]) == set(hostile["subs"]), hostile["proc"].stderr[-2000:]
    for name, seconds in hostile["times"].items():
        # two exercises, each at most TIMEOUT, plus starting (and restarting) the sandbox
        assert seconds < 2 * TIMEOUT + 6, (name, seconds)


def test_submissions_are_byte_identical_after_grading(hostile):
    for name, digest in hostile["hashes"].items():
        assert hashlib.sha256((hostile["base"] / "subs" / name).read_bytes()).hexdigest() == digest, name


def test_escape_attempt_changes_nothing_outside_its_folder(hostile):
    assert not (ROOT / "solutions" / "ESCAPED.txt").exists()
    for p, digest in hostile["repo_before"].items():
        assert hashlib.sha256(Path(p).read_bytes()).hexdigest() == digest, p
    if LANDLOCK:
        assert not hostile["outside"].exists()       # writes outside the temporary folder are refused
        rows = _rows(hostile["out"])["escape_attempt.ipynb"]
        assert [r[5] for r in rows] == ["passed", "passed"]   # and so are reads of solutions/


def test_one_bad_submission_never_changes_another_grade(hostile, tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(hostile["base"] / "subs" / "good.ipynb", alone / "good.ipynb")
    proc = _run_cli([str(alone / "good.ipynb"), "--out", str(tmp_path / "out"), "--timeout", str(TIMEOUT)])
    assert proc.returncode == 0
    assert _rows(tmp_path / "out")["good.ipynb"] == _rows(hostile["out"])["good.ipynb"]


def test_feedback_gives_the_checks_own_hints(hostile):
    fb = hostile["out"] / "feedback"
    text = (fb / "monkeypatch_checks.md").read_text()
    assert "Exercise 2.1 rnn_step_forward: failed. h_next is missing the bias" in text
    assert "should be a numpy array, got Anything" in (fb / "always_equal.md").read_text()
    assert "hidden test: h_next holds NaN or inf" in (fb / "hidden_test_catches_manual_tanh.md").read_text()
    assert "did not finish within 4 s" in (fb / "infinite_loop_cell.md").read_text()
    assert "SIGSEGV" in (fb / "segfault.md").read_text()
    assert "memory" in (fb / "memory_bomb.md").read_text()
    assert "not attempted" in (fb / "deleted_exercise_cell.md").read_text()
    assert "cell 7, which defines `rnn_step_forward`, was graded" in (fb / "cell_without_metadata.md").read_text()
    assert "lesson 02 was taken from its exercise cells" in (fb / "no_lesson_metadata.md").read_text()
    assert "not valid JSON" in (fb / "invalid_json.md").read_text()


def test_summary_table_and_progress(hostile):
    out = hostile["proc"].stdout
    assert "exercise 2.1" in out and "submissions in" in out
    assert len(re.findall(r"^graded \d+/\d+: ", hostile["proc"].stderr, re.M)) == len(hostile["subs"])


# --------------------------------------------------------------------------------------
# The grader gives the same verdicts as the in-notebook checks
# --------------------------------------------------------------------------------------

MISTAKES = {
    "bias_missing": {"2_1": WRONG_STEP},
    "only_array": {"2_1": SOLUTIONS["2.1"].replace("return h_next, RNNStepCache(x, h_prev, Wx, Wh, h_next)",
                                                   "return h_next")},
    "time_major": {"2_2": SOLUTIONS["2.2"].replace("return h, RNNCache(x, h0, Wx, Wh, h)",
                                                   "return h.transpose(1, 0, 2), RNNCache(x, h0, Wx, Wh, h)")},
    "crash_at_a_line": {"2_2": SOLUTIONS["2.2"].replace("    h_t = h0\n", "    h_t = h0\n    x[99]\n")},
    "in_place": {"2_1": SOLUTIONS["2.1"].replace("    h_next = np.tanh", "    x *= 1\n    x += 1\n    h_next = np.tanh")},
    "syntax_error": {"2_2": "def rnn_forward(x, h0, Wx, Wh, b)\n    return x\n"},
    "not_a_function": {"2_1": "rnn_step_forward = 42\n"},
    "stub": {"2_1": "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    raise NotImplementedError\n"},
    "solved": {},
}


def test_grader_verdicts_equal_the_in_notebook_checks(tmp_path):
    folder = tmp_path / "subs"
    _write(folder, {f"{k}.ipynb": (filled(**v), None) for k, v in MISTAKES.items()})
    opts = grading.Options(timeout=10, memory_mb=MEMORY)
    reports = grading.grade(sorted(folder.glob("*.ipynb")), tmp_path / "out", jobs=2, opts=opts,
                            progress_stream=open(os.devnull, "w"))
    for rep in reports:
        cells = [(ex, _src(_exercise_cell(json.loads(rep.path.read_text()), ex))) for ex in ("2.1", "2.2")]
        expected = [r.line() for r in checks.evaluate_cells(cells)]
        got = [r.line for r in rep.rows]
        assert got == expected, rep.name
    by_name = {rep.name: rep for rep in reports}
    assert "(line " in by_name["crash_at_a_line.ipynb"].rows[1].line
    assert "changed its argument" in by_name["in_place.ipynb"].rows[0].line


def test_detached_processes_are_killed(tmp_path):
    sub = filled(**{"2_1": "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\n"
                           + SOLUTIONS["2.1"]})
    _write(tmp_path / "subs", {"detach.ipynb": (sub, None)})
    opts = grading.Options(timeout=TIMEOUT, memory_mb=MEMORY, run_token="rnnlab-test-detach")
    reports = grading.grade([tmp_path / "subs" / "detach.ipynb"], tmp_path / "out", opts=opts,
                            progress_stream=open(os.devnull, "w"))
    assert [r.status for r in reports[0].rows] == ["passed", "passed"]
    time.sleep(0.5)
    left = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                env = open(f"/proc/{entry}/environ", "rb").read()
            except OSError:
                continue
            if b"RNNLAB_GRADE_RUN=rnnlab-test-detach" in env:
                state = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    left.append(entry)
    assert not left


# --------------------------------------------------------------------------------------
# Tampering with the course: prevented by Landlock, detected and undone without it
# --------------------------------------------------------------------------------------

def _course_copy(tmp_path: Path) -> Path:
    copy_root = tmp_path / "course"
    for folder in ("rnnlab", "solutions", "lessons", "quizzes"):
        shutil.copytree(ROOT / folder, copy_root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy_root


TAMPER = (
    "import json\nfrom pathlib import Path\nimport rnnlab\nfrom rnnlab.session import course_root\n"
    "sol = course_root() / 'solutions' / '02_hidden_state.ipynb'\n"
    "try:\n    nb = json.loads(sol.read_text())\n"
    "    nb['cells'] = [c for c in nb['cells'] if 'hidden-test' not in c['metadata'].get('tags', [])]\n"
    "    sol.write_text(json.dumps(nb))\nexcept OSError:\n    pass\n"
    "try:\n    with open(Path(rnnlab.__file__).parent / 'checks' / 'lesson02.py', 'a') as f:\n"
    "        f.write('\\nraise SystemExit(\"sabotaged\")\\n')\nexcept OSError:\n    pass\n")


@pytest.mark.parametrize("landlock", [True, False], ids=["landlock", "no-landlock"])
def test_tampering_with_the_course_never_sticks(tmp_path, landlock):
    if landlock and not LANDLOCK:
        pytest.skip("this kernel has no Landlock")
    course = _course_copy(tmp_path)
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    subs = tmp_path / "subs"
    _write(subs, {"a_tamper.ipynb": (filled(**{"2_1": TAMPER + MANUAL_TANH}), None),
                  "b_good.ipynb": (filled(**{"2_1": MANUAL_TANH}), None)})
    env = dict(os.environ, PYTHONPATH=str(course))
    if not landlock:
        env["RNNLAB_GRADE_NO_LANDLOCK"] = "1"
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from rnnlab import cli; "
            "sys.exit(cli.main(sys.argv[2:]))")
    proc = subprocess.run([sys.executable, "-c", code, str(course), "grade", str(subs), "--out", str(tmp_path / "out"),
                           "--timeout", str(TIMEOUT), "--jobs", "2"], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    after = {p: p.read_bytes() for p in course.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert after == before
    rows = _rows(tmp_path / "out")
    # the hidden test was read before any submission ran: the manual tanh still fails it
    assert [r[5] for r in rows["b_good.ipynb"]] == ["failed", "passed"]
    if landlock:
        assert [r[5] for r in rows["a_tamper.ipynb"]] == ["failed", "passed"]
    else:
        assert [r[5] for r in rows["a_tamper.ipynb"]] == ["error", "error"]
        assert "restored" in (tmp_path / "out" / "feedback" / "a_tamper.md").read_text()


# --------------------------------------------------------------------------------------
# Phase 1 (--execute) and usage
# --------------------------------------------------------------------------------------

def _tiny_notebook(extra_source: str) -> dict:
    nb = _notebook("lessons", "00")
    ex = _exercise_cell(nb, "0.1")
    ex["source"] = _src(_exercise_cell(_notebook("solutions", "00"), "0.1"))
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb["cells"] = [ex, dict(cell, source="from rnnlab.checks import check\none_hot = check('0.1', one_hot)"),
                   dict(cell, source=extra_source)]
    return nb


def test_execute_reports_whether_the_notebook_runs(tmp_path):
    marker = tmp_path / "PLANTED"
    code = f"open({str(marker)!r}, 'w').write('ran')\n"
    plant = f"for m in ['numpy.py', 'json.py', 'os.py', 'rnnlab.py']:\n    open(m, 'w').write({code!r})\n"
    _write(tmp_path / "subs", {"runs.ipynb": (_tiny_notebook("print(one_hot([1, 0], 2))"), None),
                               "breaks.ipynb": (_tiny_notebook("1 / 0"), None),
                               "hangs.ipynb": (_tiny_notebook("while True:\n    pass"), None),
                               "plants_modules.ipynb": (_tiny_notebook(plant), None)})
    proc = _run_cli([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--execute", "--timeout", "8",
                     "--jobs", "2"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    fb = tmp_path / "out" / "feedback"
    assert "Yes: every cell ran" in (fb / "runs.md").read_text()
    assert "Exercise 0.1 one_hot: passed" in (fb / "runs.md").read_text()
    assert "No (cell 2): ZeroDivisionError" in (fb / "breaks.md").read_text()
    assert "did not finish within 8 s" in (fb / "hangs.md").read_text()
    assert {r[0]: r[5] for rs in _rows(tmp_path / "out").values() for r in rs} == {
        "runs.ipynb": "passed", "breaks.ipynb": "passed", "hangs.ipynb": "passed", "plants_modules.ipynb": "passed"}
    # modules the whole-notebook run planted in its folder never reach the scoring process
    assert "Yes: every cell ran" in (fb / "plants_modules.md").read_text()
    assert not marker.exists()


def test_usage_errors_exit_2(tmp_path):
    from rnnlab import cli
    good = tmp_path / "good.ipynb"
    good.write_text(json.dumps(filled()))
    assert cli.main(["grade", str(tmp_path / "missing.ipynb"), "--out", str(tmp_path / "o")]) == 2
    assert cli.main(["grade", str(good), "--out", str(tmp_path / "o"), "--jobs", "0"]) == 2
    assert cli.main(["grade", str(good), "--out", str(tmp_path / "o"), "--timeout", "0"]) == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["grade", str(good)])                   # --out missing
    assert exc.value.code == 2
    assert not (tmp_path / "o").exists()


def test_hidden_tests_are_found_in_solutions_and_absent_from_lessons():
    tests = grading.load_hidden_tests()
    assert {"2.1", "2.2"} <= set(tests)
    lesson = json.dumps(_notebook("lessons", "02"))
    assert "hidden_test_2_1" not in lesson and "hidden_test_2_2" not in lesson


def test_wire_rejects_malformed_arrays():
    codec = grading.Codec("judge")
    good = {"$": "nd", "dtype": "<f8", "shape": [2], "b": 0}
    assert codec.decode(good, [b"\0" * 16]).tolist() == [0.0, 0.0]
    for bad, blobs in [({**good, "shape": [3]}, [b"\0" * 16]), ({**good, "dtype": "|O"}, [b"\0" * 16]),
                       ({**good, "b": 5}, [b"\0" * 16]), ({"$": "pickle", "v": "..."}, []),
                       ({**good, "shape": [-2]}, [b"\0" * 16])]:
        with pytest.raises(grading.ProtocolError):
            codec.decode(bad, blobs)


# --------------------------------------------------------------------------------------
# Objects that are not plain data: a check's stand-in model, a Keras model
# --------------------------------------------------------------------------------------

EARLY_STOPPING = """import math


def fit_with_early_stopping(model, max_epochs, patience):
    best, best_epoch, best_weights = math.inf, 0, None
    val_losses = []
    for epoch in range(1, max_epochs + 1):
        model.train_epoch()
        loss = float(model.val_loss())
        val_losses.append(loss)
        if loss < best:
            best, best_epoch, best_weights = loss, epoch, model.get_weights()
        elif epoch - best_epoch >= patience:
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    return best_epoch, val_losses
"""
EARLY_STOPPING_VARIANTS = {
    "right": EARLY_STOPPING,
    "one_epoch_too_many": EARLY_STOPPING.replace("range(1, max_epochs + 1)", "range(0, max_epochs + 1)"),
    "no_restore": EARLY_STOPPING.replace("        model.set_weights(best_weights)\n", "        pass\n"),
    "swallows_the_checks_error": EARLY_STOPPING.replace(
        "        model.train_epoch()\n", "        try:\n            model.train_epoch()\n        except Exception:\n"
                                        "            break\n").replace("range(1, max_epochs + 1)", "range(0, 99)"),
    "reads_private_state": EARLY_STOPPING.replace("    val_losses = []\n", "    val_losses = []\n    model._secret\n"),
}


@pytest.mark.skipif(not any(e.id == "13.1" for e in checks.exercises(13)), reason="lesson 13 has no exercise 13.1")
def test_a_checks_stand_in_object_is_served_to_the_learner(tmp_path):
    def notebook(source):
        cell = {"cell_type": "code", "metadata": {"rnnlab": {"exercise": "13.1"}}, "outputs": [],
                "execution_count": None, "source": source}
        return {"cells": [cell], "metadata": {"rnnlab": {"lesson": "13"}}, "nbformat": 4, "nbformat_minor": 5}
    _write(tmp_path / "subs", {f"{k}.ipynb": (notebook(v), None) for k, v in EARLY_STOPPING_VARIANTS.items()})
    reports = grading.grade(sorted((tmp_path / "subs").glob("*.ipynb")), tmp_path / "out", jobs=2,
                            opts=grading.Options(timeout=10, memory_mb=MEMORY), progress_stream=open(os.devnull, "w"))
    for rep in reports:
        source = EARLY_STOPPING_VARIANTS[rep.path.stem]
        got = next(r for r in rep.rows if r.exercise == "13.1")
        if rep.path.stem == "reads_private_state":       # the stand-in serves public attributes only
            assert got.status == "failed" and "AttributeError" in got.line
            continue
        assert got.line == checks.evaluate_cells([("13.1", source)])[0].line(), rep.name
    statuses = {rep.path.stem: rep.rows[0].status for rep in reports}
    assert statuses["right"] == "passed" and statuses["one_epoch_too_many"] == "failed"


def test_a_keras_model_crosses_as_a_keras_file(keras):
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.GRU(3), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3), loss="binary_crossentropy")
    sandbox, judge = grading.Codec("sandbox"), grading.Codec("judge")
    blobs = []
    tree = sandbox.encode(model, blobs)
    assert tree["$"] == "keras"
    again = judge.decode(json.loads(json.dumps(tree)), blobs)
    assert isinstance(again, keras.Model) and again is not model
    assert again.input_shape == (None, 5, 2) and [type(l).__name__ for l in again.layers] == ["GRU", "Dense"]
    assert type(again.optimizer).__name__ == "Adam" and abs(float(again.optimizer.learning_rate) - 2e-3) < 1e-9
    x = np.random.default_rng(0).standard_normal((4, 5, 2)).astype("float32")
    assert np.allclose(model.predict(x, verbose=0), again.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(Stop):
        judge.decode({"$": "keras", "b": 0}, [b"not a zip file"])


def _imports_keras(nb: dict) -> bool:
    return any(re.search(r"\b(keras|tensorflow)\b", _src(c)) for c in nb["cells"]
               if c.get("metadata", {}).get("rnnlab", {}).get("exercise"))


def test_every_lesson_grades_across_the_process_boundary(tmp_path):
    """Solutions get full marks and unfilled lessons no points, as in-process (numpy-only exercise
    cells; Keras models crossing the boundary are tested above without starting TensorFlow twice)."""
    folder = tmp_path / "subs"
    folder.mkdir()
    for kind in ("solutions", "lessons"):
        for path in sorted((ROOT / kind).glob("[0-9][0-9]_*.ipynb")):
            nb = json.loads(path.read_text(encoding="utf-8"))
            if not _imports_keras(nb) and checks.exercises(int(path.name[:2])):
                shutil.copy(path, folder / f"{kind}_{path.name}")
    paths = sorted(folder.glob("*.ipynb"))
    assert len(paths) >= 6
    reports = grading.grade(paths, tmp_path / "out", jobs=2, opts=grading.Options(timeout=60, memory_mb=2048),
                            progress_stream=open(os.devnull, "w"))
    for rep in reports:
        if rep.name.startswith("solutions_"):
            assert all(r.status == "passed" for r in rep.rows), [r.line for r in rep.rows]
        else:
            assert all(r.status != "passed" for r in rep.rows), [r.line for r in rep.rows]
