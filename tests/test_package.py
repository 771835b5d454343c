"""import rnnlab is light; the CLI answers; doctor reports."""
import os
import subprocess
import sys


def run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_import_rnnlab_does_not_import_tensorflow_and_is_fast():
    # CPU time of the import, so a busy machine (xdist, other jobs) does not make the limit flaky
    out = run("import time, sys; t = time.process_time(); import rnnlab, rnnlab.checks, rnnlab.reference, "
              "rnnlab.course.quiz, rnnlab.course.progress, rnnlab.viz.explorers, rnnlab.reference.gradcheck, rnnlab.data.synthetic; "
              "print(time.process_time() - t, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    seconds, tf, keras = out.split()
    assert tf == "False" and keras == "False"
    assert float(seconds) < 0.5, seconds


def test_setup_is_deterministic_and_quiet():
    code = ("import rnnlab, numpy as np, random; rnnlab.setup(seed=3, quiet=True); a = np.random.rand(); "
            "b = random.random(); rnnlab.setup(seed=3, quiet=True); print(a == np.random.rand(), b == random.random())")
    assert run(code).split() == ["True", "True"]


def test_setup_with_keras_prints_nothing_on_stderr():
    p = subprocess.run([sys.executable, "-c", "import rnnlab; k = rnnlab.setup(keras=True); "
                        "import keras; m = keras.Sequential([keras.Input((5, 2)), keras.layers.SimpleRNN(3)]); "
                        "m(__import__('numpy').zeros((1, 5, 2)))"],
                       capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                            if not k.startswith("TF_")})
    assert p.returncode == 0, p.stderr
    assert p.stderr.strip() == ""
    assert p.stdout.startswith("rnnlab ready: seed 0")


def test_cli_usage_error_exits_2():
    p = subprocess.run([sys.executable, "-m", "rnnlab", "frobnicate"], capture_output=True, text=True)
    assert p.returncode == 2


def test_doctor_reports_without_tensorflow_probe():
    p = subprocess.run([sys.executable, "-m", "rnnlab", "doctor", "--no-tensorflow"], capture_output=True, text=True)
    assert "ipywidgets front end" in p.stdout and "progress store writable" in p.stdout
    assert p.returncode == 0, p.stdout


def test_doctor_says_plainly_when_it_is_not_the_courses_python(tmp_path):
    from rnnlab import doctor
    (tmp_path / ".venv").mkdir()
    note = doctor.venv_note(root=tmp_path, prefix="/usr")
    assert "not the course's Python" in note and "make doctor" in note and str(tmp_path / ".venv") in note
    assert doctor.venv_note(root=tmp_path, prefix=str(tmp_path / ".venv")) is None
    assert doctor.venv_note(root=tmp_path / "elsewhere", prefix="/usr") is None   # no .venv: nothing to say


def test_setup_takes_its_seed_and_threads_from_the_environment():
    code = ("import rnnlab, numpy as np; rnnlab.setup(quiet=True); print(rnnlab.seed(), np.random.rand()); "
            "rnnlab.setup(seed=5, quiet=True); print(rnnlab.seed())")
    env = dict(os.environ, RNNLAB_SEED="7")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    first, second = p.stdout.split("\n")[:2]
    import numpy as np
    np.random.seed(7)
    assert first == f"7 {np.random.rand()}" and second == "5", p.stdout + p.stderr
    env = dict(os.environ, RNNLAB_SEED="seven")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert p.returncode != 0 and "RNNLAB_SEED must be a whole number, got 'seven'" in p.stderr
