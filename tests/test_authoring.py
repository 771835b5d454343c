"""Lessons are built from solutions: stubs replace solutions, hidden tests vanish, and lessons/ is current."""
import subprocess
import sys

import nbformat
import pytest

from rnnlab import authoring
from rnnlab.session import course_root


def solution_nb():
    nb = nbformat.v4.new_notebook()
    nb.metadata["rnnlab"] = {"lesson": "02"}
    code = nbformat.v4.new_code_cell(
        "def f(x):\n    \"\"\"doc\"\"\"\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n\nprint(1)")
    code.metadata["rnnlab"] = {"exercise": "2.1"}
    code.metadata["tags"] = ["nbval-check-output", "keep-me"]
    code.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    code.execution_count = 3
    code.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    hidden = nbformat.v4.new_code_cell("assert f(1) == 2")
    hidden.metadata["tags"] = ["hidden-test"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), code, hidden]
    return nb


def test_lesson_from_solution():
    src = solution_nb()
    lesson = authoring.lesson_from_solution(src)
    assert len(lesson.cells) == 2
    cell = lesson.cells[1]
    assert cell.source == 'def f(x):\n    """doc"""\n    raise NotImplementedError("Exercise 2.1")\n\nprint(1)'
    assert cell.outputs == [] and cell.execution_count is None
    assert cell.metadata["tags"] == ["keep-me"] and cell.metadata["rnnlab"] == {"exercise": "2.1"}
    assert "execution" not in cell.metadata
    from rnnlab.grading.timing import measured, timeout_from     # the grader's default, stamped by build
    assert lesson.metadata["rnnlab"] == {"lesson": "02", "grade_timeout": timeout_from(measured()["02"])}
    assert len(src.cells) == 3 and src.cells[1].outputs, "the solution notebook is not modified"


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "inside a function body"),
    ("def f():\n    ### BEGIN SOLUTION\n    pass", "without ### END"),
    ("def f():\n    ### END SOLUTION", "without ### BEGIN"),
])
def test_malformed_regions_are_errors(source, message):
    with pytest.raises(authoring.AuthoringError, match=message):
        authoring.strip_solutions(source, "2.1", "cell 1")


def test_region_without_exercise_metadata_is_an_error():
    with pytest.raises(authoring.AuthoringError, match="rnnlab.exercise"):
        authoring.strip_solutions("def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION", None, "cell 1")


def test_lessons_are_exactly_what_build_makes():
    p = subprocess.run([sys.executable, "-m", "rnnlab", "build", "--check"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_every_lesson_and_solution_has_metadata_and_goals():
    root = course_root()
    for folder in ("solutions", "lessons"):
        for path in sorted((root / folder).glob("[0-9][0-9]_*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            assert nb.metadata["rnnlab"]["lesson"] == path.name[:2]
            text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
            assert "What to remember" in text, path
            if folder == "lessons":
                assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path
                assert "### BEGIN SOLUTION" not in "\n".join(c.source for c in nb.cells)
