"""Isolation: a submission cannot change the course or write outside its folder (Landlock), and
without Landlock whatever it changed is detected and undone."""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from submissions import LANDLOCK, MANUAL_TANH, ROOT, TIMEOUT, filled, rows, write


def test_escape_attempt_changes_nothing_outside_its_folder(hostile):
    assert not (ROOT / "solutions" / "ESCAPED.txt").exists()
    for p, digest in hostile["repo_before"].items():
        assert hashlib.sha256(Path(p).read_bytes()).hexdigest() == digest, p
    if LANDLOCK:
        assert not hostile["outside"].exists()       # writes outside the temporary folder are refused
        got = rows(hostile["out"])["escape_attempt.ipynb"]
        assert [r[6] for r in got] == ["passed", "passed"]   # and so are reads of solutions/


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
    write(subs, {"a_tamper.ipynb": (filled(**{"2_1": TAMPER + MANUAL_TANH}), None),
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
    got = rows(tmp_path / "out")
    # the hidden test was read before any submission ran: the manual tanh still fails it
    assert [r[6] for r in got["b_good.ipynb"]] == ["failed", "passed"]
    if landlock:
        assert [r[6] for r in got["a_tamper.ipynb"]] == ["failed", "passed"]
    else:
        assert [r[6] for r in got["a_tamper.ipynb"]] == ["error", "error"]
        assert "restored" in (tmp_path / "out" / "feedback" / "a_tamper.md").read_text()
