"""The one helper of the grading tests: notebooks as learners hand them in (good and hostile), and
how the tests grade them (through the CLI, as an instructor would) and read the results.

Every hostile submission is a real lesson-02 notebook (from lessons/, exercise cells filled
from solutions/) with one exercise cell replaced. The whole hostile batch is graded once per
test run, through the CLI, with --jobs 2 and a 4 s timeout (the `hostile` fixture in
conftest.py); the tests then read grades.csv, the feedback files and the per-submission times
the progress lines report.
"""
import copy
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from rnnlab import grading
from rnnlab.session import course_root

ROOT = course_root()
TIMEOUT = 4.0          # seconds per exercise in these tests
# the isolation the grader will use (RNNLAB_GRADE_NO_LANDLOCK=1 turns Landlock off, as on kernels without it)
LANDLOCK = 0 if os.environ.get("RNNLAB_GRADE_NO_LANDLOCK", "") not in ("", "0") else grading.landlock_abi()
MEMORY = 512           # MB: the sandbox itself needs about 150


def src(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def exercise_cell(nb, ex):
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("rnnlab", {}).get("exercise") == ex)


def notebook(folder, lesson):
    return json.loads(next((ROOT / folder).glob(f"{lesson}_*.ipynb")).read_text(encoding="utf-8"))


SOLUTIONS = {ex: src(exercise_cell(notebook("solutions", "02"), ex)) for ex in ("2.1", "2.2")}


def filled(**sources):
    """Lesson 02 as a learner would hand it in: every exercise solved, unless replaced."""
    nb = notebook("lessons", "02")
    for ex in ("2.1", "2.2"):
        exercise_cell(nb, ex)["source"] = sources.get(ex.replace(".", "_"), SOLUTIONS[ex])
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
    del exercise_cell(nb, "2.1")["metadata"]["rnnlab"]            # metadata lost: found by its function name
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


def write(folder: Path, subs: dict) -> dict:
    """Write {name: (notebook or bytes, _)} into `folder`; returns the SHA-256 of each file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (content, _) in subs.items():
        data = content if isinstance(content, bytes) else json.dumps(content, indent=1).encode()
        (folder / name).write_bytes(data)
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in subs}


def run_cli(args, env=None, cwd=None):
    """`python -m rnnlab grade ARGS`, as an instructor runs it."""
    return subprocess.run([sys.executable, "-m", "rnnlab", "grade", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def rows(out: Path) -> dict:
    """grades.csv in `out` (its header checked), as {submission's file name: [row, ...]}."""
    with open(out / "grades.csv", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == grading.HEADER
        by_name = {}
        for r in reader:
            by_name.setdefault(Path(r[0]).name, []).append(r)
    return by_name


def grade_hostile_batch(base: Path) -> dict:
    outside = base / "outside.txt"
    subs = hostile_submissions(outside)
    hashes = write(base / "subs", subs)
    repo_before = {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in [ROOT / "solutions" / "02_hidden_state.ipynb"]}
    proc = run_cli([str(base / "subs"), "--out", str(base / "out"), "--jobs", "2", "--timeout", str(TIMEOUT),
                    "--memory", str(MEMORY)])
    times = {m.group(1): float(m.group(2))
             for m in re.finditer(r"graded \d+/\d+: (\S+) \S+ \(([\d.]+) s\)", proc.stderr)}
    return dict(hashes=hashes, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, times=times,
                repo_before=repo_before)
