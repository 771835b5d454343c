import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    """Every test writes progress to its own file, never the learner's."""
    monkeypatch.setenv("RNNLAB_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.delenv("RNNLAB_STRICT", raising=False)
    yield tmp_path / "progress.json"


@pytest.fixture(scope="session")
def keras():
    from rnnlab.session import import_keras
    return import_keras(seed=0)
