"""The package's layers, as its map (the docstring of rnnlab/grading/__init__.py) lists them: each
module imports only modules listed above it, so there is no import cycle, and the children's
`__main__` modules are never imported by the grader (so `python -m` runs them exactly once)."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import rnnlab.grading

PACKAGE = Path(rnnlab.grading.__file__).parent
LAYERS = re.findall(r"^  (\w+) {2,}", rnnlab.grading.__doc__, re.M)
CHILD_MAINS = {"sandbox", "runner"}


def _imports(module: str) -> set[str]:
    """The package's modules that `module` imports (relative imports of this package)."""
    found = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found |= {n.split(".")[2] for n in names if n.startswith("rnnlab.grading.")}
    return found


def test_the_map_lists_every_module_once():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert sorted(LAYERS) == modules and len(set(LAYERS)) == len(LAYERS)


def test_each_module_imports_only_the_layers_above_it():
    for i, module in enumerate(LAYERS):
        above = set(LAYERS[:i])
        assert _imports(module) <= above, (module, _imports(module) - above)


def test_the_grader_never_imports_the_childrens_main_modules():
    assert not any(_imports(m) & CHILD_MAINS for m in LAYERS + ["__init__"])
    code = "import sys, rnnlab.grading; print(sorted(m for m in sys.modules if m.startswith('rnnlab.grading.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "sandbox" not in loaded and "runner" not in loaded and "batch" in loaded
