"""Test 4: no exercise stub in lessons/ passes its check, and every solution passes it.

Exercise cells are self-contained (imports and one function), so they are run on their own
here, exactly as the grader runs a learner's exercise cells.
"""
import nbformat
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.session import course_root


def notebook_cells(folder):
    for path in sorted((course_root() / folder).glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = [(c.metadata["rnnlab"]["exercise"], c.source) for c in nb.cells
                 if c.cell_type == "code" and c.metadata.get("rnnlab", {}).get("exercise")]
        if cells:
            yield pytest.param(path.name, cells, id=path.name[:2])


@pytest.mark.parametrize("nb, cells", list(notebook_cells("lessons")))
def test_lesson_stubs_fail_their_checks(nb, cells):
    for res in checks.evaluate_cells(cells):
        assert checks.exercise(res.exercise).lesson == int(nb[:2])
        assert res.status != checks.PASSED, res.line()


@pytest.mark.parametrize("nb, cells", list(notebook_cells("solutions")))
def test_solutions_pass_their_checks(nb, cells):
    for res in checks.evaluate_cells(cells):
        assert res.status == checks.PASSED, res.line()


def test_every_registered_exercise_appears_in_a_solution():
    found = {ex for p in notebook_cells("solutions") for ex, _ in p.values[1]}
    registered = {e.id for e in checks.exercises()}
    assert registered <= found, f"exercises with no cell: {sorted(registered - found)}"
