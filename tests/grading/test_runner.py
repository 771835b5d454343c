"""Phase 1 (--execute): the whole notebook runs in its own child, for the feedback only."""
from submissions import exercise_cell, notebook, rows, run_cli, src, write


def _tiny_notebook(extra_source: str) -> dict:
    nb = notebook("lessons", "00")
    ex = exercise_cell(nb, "0.1")
    ex["source"] = src(exercise_cell(notebook("solutions", "00"), "0.1"))
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    nb["cells"] = [ex, dict(cell, source="from rnnlab.checks import check\none_hot = check('0.1', one_hot)"),
                   dict(cell, source=extra_source)]
    return nb


def test_execute_reports_whether_the_notebook_runs(tmp_path):
    marker = tmp_path / "PLANTED"
    code = f"open({str(marker)!r}, 'w').write('ran')\n"
    plant = f"for m in ['numpy.py', 'json.py', 'os.py', 'rnnlab.py']:\n    open(m, 'w').write({code!r})\n"
    write(tmp_path / "subs", {"runs.ipynb": (_tiny_notebook("print(one_hot([1, 0], 2))"), None),
                              "breaks.ipynb": (_tiny_notebook("1 / 0"), None),
                              "hangs.ipynb": (_tiny_notebook("while True:\n    pass"), None),
                              "plants_modules.ipynb": (_tiny_notebook(plant), None)})
    proc = run_cli([str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--execute", "--timeout", "8",
                    "--jobs", "2"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    fb = tmp_path / "out" / "feedback"
    assert "Yes: every cell ran" in (fb / "runs.md").read_text()
    assert "Exercise 0.1 one_hot: passed" in (fb / "runs.md").read_text()
    assert "No (cell 3): ZeroDivisionError" in (fb / "breaks.md").read_text()
    assert "did not finish within 8 s" in (fb / "hangs.md").read_text()
    assert {name: r[6] for name, rs in rows(tmp_path / "out").items() for r in rs} == {
        "runs.ipynb": "passed", "breaks.ipynb": "passed", "hangs.ipynb": "passed", "plants_modules.ipynb": "passed"}
    # modules the whole-notebook run planted in its folder never reach the scoring process
    assert "Yes: every cell ran" in (fb / "plants_modules.md").read_text()
    assert not marker.exists()
