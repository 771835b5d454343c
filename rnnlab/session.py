"""The set-up call at the top of every notebook: seeds, quiet TensorFlow, plot style."""
from __future__ import annotations

import os
import random
import sys
import warnings
from pathlib import Path

import numpy as np

QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",      # no C++ INFO/WARNING/ERROR lines
    "TF_ENABLE_ONEDNN_OPTS": "0",     # no oneDNN banner, bit-reproducible CPU kernels
    "KERAS_BACKEND": "tensorflow",
    "PYTHONHASHSEED": "0",
}


def quiet_environment() -> None:
    """Set the variables TensorFlow reads at import time. Must run before `import tensorflow`."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


def course_root() -> Path:
    """The folder that holds lessons/, solutions/ and quizzes/ (override with RNNLAB_ROOT)."""
    env = os.environ.get("RNNLAB_ROOT")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent


STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "font.size": 10,
}


def apply_style() -> None:
    import matplotlib as mpl
    mpl.rcParams.update(STYLE)


_seed = 0


def seed() -> int:
    """The seed in force: the one `setup()` used (0 unless RNNLAB_SEED or `setup(seed=...)` said otherwise).

    Training cells seed with it (`keras.utils.set_random_seed(rnnlab.seed())`), so `make test-robust`
    can re-run every lesson under another seed and show which conclusions hold for any seed."""
    return _seed


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None


def _set_tensorflow_threads(tf) -> None:
    """RNNLAB_TF_THREADS=n runs TensorFlow's kernels on n threads (default: TensorFlow's own choice)."""
    n = _env_int("RNNLAB_TF_THREADS")
    if n is None:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:   # TensorFlow already ran an op in this process: too late, keep its setting
        pass


def import_keras(seed: int | None = 0):
    """Import Keras quietly (TensorFlow backend) and seed it; returns the keras module."""
    quiet_environment()
    if "tensorflow" not in sys.modules and os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "3":
        warnings.warn("TensorFlow may print log lines: set TF_CPP_MIN_LOG_LEVEL=3 before importing it")
    import keras  # noqa: F401  (imports TensorFlow: 4-7 s the first time)
    import tensorflow as tf

    _set_tensorflow_threads(tf)

    tf.get_logger().setLevel("ERROR")
    try:
        import absl.logging
        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover
        pass
    warnings.filterwarnings("ignore", module="keras")
    warnings.filterwarnings("ignore", module="tensorflow")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    return keras


_announced = False


def setup(seed: int | None = None, keras: bool = False, quiet: bool = False, blas_threads: int | None = 1):
    """Make a notebook deterministic and quiet.

    Seeds Python's `random` and numpy's global generator, sets TensorFlow's logging
    variables before it is imported, and applies the course's plot style. With
    `keras=True` it also imports Keras (TensorFlow backend) and seeds it; the module is
    returned so you can write `keras = rnnlab.setup(keras=True)`.

    numpy's matrix products run on `blas_threads` threads (default 1): the course's products
    are small, and with two or more BLAS threads on a busy machine (TensorFlow, a second
    notebook) they wait for each other and run 10-20x slower. None leaves numpy as it is.

    Environment variables (used by `make test-robust` to re-run the lessons another way):
    RNNLAB_SEED replaces the default seed 0, RNNLAB_BLAS_THREADS the default of one BLAS
    thread, RNNLAB_TF_THREADS sets TensorFlow's thread pools.
    """
    global _seed
    if seed is None:
        env_seed = _env_int("RNNLAB_SEED")
        seed = 0 if env_seed is None else env_seed
    _seed = seed
    quiet_environment()
    env_threads = _env_int("RNNLAB_BLAS_THREADS")
    if env_threads is not None and blas_threads is not None:
        blas_threads = env_threads
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=blas_threads, user_api="blas")      # for the rest of the process
    random.seed(seed)
    np.random.seed(seed)
    np.set_printoptions(precision=4, suppress=True)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if "matplotlib" in sys.modules or not quiet:
        apply_style()
    module = None
    keras_was_loaded = "keras" in sys.modules
    if keras or keras_was_loaded:
        module = import_keras(seed)
    global _announced
    if _announced and not quiet:
        if module is not None and not keras_was_loaded:
            print(f"Keras {module.__version__} loaded (TensorFlow backend), seed {seed}")
        quiet = True
    _announced = True
    if not quiet:
        import platform
        parts = [f"seed {seed}", f"numpy {np.__version__}"]
        if module is not None:
            parts.append(f"keras {module.__version__}")
        print(f"rnnlab ready: {', '.join(parts)}, Python {platform.python_version()}")
    return module
