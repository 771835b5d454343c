"""make test-robust: the comparison of checked lines, and the verdict lines it relies on."""
import configparser
import re
from pathlib import Path

import nbformat
import pytest

from rnnlab import claims, robust


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for text, tags in cells:
        c = nbformat.v4.new_code_cell("print(...)")
        c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        if tags:
            c.metadata["tags"] = tags
        nb.cells.append(c)
    return nb


def test_a_changed_checked_line_is_named_with_its_cell_and_both_lines():
    stored = notebook(("same\n", ["nbval-check-output"]), ("GRU above 95%: True\n", ["nbval-check-output"]))
    got = notebook(("same\n", ["nbval-check-output"]), ("GRU above 95%: False\n", ["nbval-check-output"]))
    checked, diffs = robust.compare(stored, got, "01_x.ipynb")
    assert checked == 2 and len(diffs) == 1
    d = diffs[0]
    assert (d.notebook, d.cell, d.stored, d.got) == ("01_x.ipynb", 2, "GRU above 95%: True", "GRU above 95%: False")
    assert "01_x.ipynb, cell 2 [seed1]" in d.describe("seed1")


def test_unchecked_cells_and_measured_numbers_are_not_compared():
    a = claims.verdict_line("clipping helps", True, "90.2% against 57.2%")
    b = claims.verdict_line("clipping helps", True, "77.0% against 60.0% (seed 1)")
    stored = notebook(("loss 0.31\n", None), (a + "\n", ["nbval-check-output"]))
    got = notebook(("loss 0.29\n", None), (b + "\n", ["nbval-check-output"]))
    assert robust.compare(stored, got, "x.ipynb") == (1, [])
    flipped = notebook(("loss 0.29\n", None), (claims.verdict_line("clipping helps", False, "1%") + "\n",
                                               ["nbval-check-output"]))
    assert len(robust.compare(stored, flipped, "x.ipynb")[1]) == 1


def test_a_missing_line_counts_as_a_difference():
    stored = notebook(("one\ntwo\n", ["nbval-check-output"]))
    got = notebook(("one\n", ["nbval-check-output"]))
    (d,) = robust.compare(stored, got, "x.ipynb")[1]
    assert d.stored == "two" and d.got == "<no line>"


def test_configurations():
    assert robust.config_env("seed7") == {"RNNLAB_SEED": "7"}
    assert robust.config_env("mixed")["RNNLAB_TF_THREADS"] == "1"
    with pytest.raises(ValueError, match="unknown configuration 'fast'"):
        robust.config_env("fast")
    assert robust.main(["--config", "fast"]) == 2
    assert robust.main(["no/such/notebook.ipynb"]) == 2


def test_nbval_sanitizer_masks_exactly_what_robust_masks():
    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).with_name("nbval_sanitize.cfg"))
    regex = cfg["measured"]["regex"]
    line = claims.verdict_line("a claim", True, "3.1e+05 (started at 0.69) and 12%")
    assert re.sub(regex, cfg["measured"]["replace"], line) == claims.mask_measured(line) == "a claim: True (measured: ...)"
