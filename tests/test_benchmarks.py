"""The benchmark scripts: README update stays in its section, missing cells are reported, rows are sane."""
import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


README = """# title

intro

## Figures

old figures
| a | b |

## Development

keep me
"""


def test_update_readme_replaces_only_the_figures_section(tmp_path, monkeypatch):
    run_all = load("run_all")
    (tmp_path / "README.md").write_text(README)
    monkeypatch.setattr(run_all, "ROOT", tmp_path)
    run_all.update_readme("new table\n| x |\n")
    text = (tmp_path / "README.md").read_text()
    assert "old figures" not in text and "new table\n| x |" in text
    assert text.startswith("# title\n\nintro\n\n## Figures\n")
    assert text.endswith("## Development\n\nkeep me\n")
    run_all.update_readme("newer\n")          # idempotent layout
    assert (tmp_path / "README.md").read_text().count("## ") == 2


def test_update_readme_at_the_end_of_the_file(tmp_path, monkeypatch):
    run_all = load("run_all")
    (tmp_path / "README.md").write_text("# t\n\n## Figures\n\nold\n")
    monkeypatch.setattr(run_all, "ROOT", tmp_path)
    run_all.update_readme("new\n")
    assert (tmp_path / "README.md").read_text() == "# t\n\n## Figures\n\nnew\n\n"


def test_reference_bench_reports_a_missing_cell(monkeypatch):
    bench = load("bench_reference")
    from rnnlab import reference as ref
    monkeypatch.delattr(ref, "gru_backward", raising=False)
    row = bench.bench_cell("GRU", keras=None, tf=None, repeats=1)
    assert row["status"] == "not implemented yet" and "ratio" not in row


def test_report_lists_every_figure():
    run_all = load("run_all")
    res = {"date": "2000-01-01", "command": "make bench", "load_before": "0.1 0.1 0.1", "load_after": "0.2 0.2 0.2",
           "machine": {"cpu": "cpu", "cores": 2, "memory_gb": 8, "os": "linux", "python": "3.11", "blas": "openblas",
                       "numpy": "2", "tensorflow": "2", "keras": "3"},
           "notebooks": {"notebooks": [{"notebook": "00_a.ipynb", "seconds": 10.0, "status": "ok"},
                                       {"notebook": "01_b.ipynb", "seconds": 50.0, "status": "slower than goal"}],
                         "total_s": 60.0, "worst": {"notebook": "01_b.ipynb", "seconds": 50.0},
                         "goal_each_s": 45.0, "goal_total_s": 300.0},
           "reference": [{"cell": "SimpleRNN", "numpy_ms": 8.0, "keras_ms": 10.0, "ratio": 0.8, "agree": True},
                         {"cell": "LSTM", "status": "not implemented yet"}],
           "explorers": [{"lesson": "02", "core": "stepping_states (tanh)", "core_ms": 0.1, "goal_ms": 50.0,
                          "redraw_ms": 200.0}],
           "import": {"median_s": 0.2, "runs": 7, "imports_tensorflow": False, "goal_s": 0.5}}
    text = run_all.report(res)
    for needle in ("60 s", "01_b.ipynb", "0.80", "LSTM", "not implemented yet", "0.10 ms", "0.20 s", "make bench",
                   "cpu, 2 cores"):
        assert needle in text, needle


@pytest.mark.parametrize("name", ["run_all", "bench_reference", "bench_explorers", "bench_import", "bench_notebooks"])
def test_every_script_has_a_main(name):
    assert callable(load(name).main)
