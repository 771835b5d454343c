"""Lesson 15's explorer: the compute core, the drawing that updates its artists, and the widget."""
import numpy as np
import pytest

from rnnlab.data import speech as sp
from rnnlab.models import speech as sm
from rnnlab.viz import speech as vs


@pytest.fixture(scope="module")
def shipped(keras):
    model, _ = sm.load_recognizer()
    return model


@pytest.fixture(scope="module")
def clips():
    return sp.load_fsdd()


def test_view_of_a_clean_test_string_decodes_it(shipped, clips):
    name, picks = vs.preset_strings(clips)[0]
    assert name.endswith(" ".join(str(clips.digit[i]) for i in picks))
    view = vs.ctc_view(shipped.predict_on_batch, [clips.audio[i] for i in picks], clips.digit[picks], pause=0.15)
    assert view["probs"].shape[1] == 11 and np.allclose(view["probs"].sum(1), 1)
    assert view["feats"].shape[1] == 32
    assert view["guess"] == list(clips.digit[picks]) and view["errors"] == 0


def test_longer_pauses_give_more_frames_and_noise_breaks_recognition(shipped, clips):
    _, picks = vs.preset_strings(clips)[0]
    parts, truth = [clips.audio[i] for i in picks], clips.digit[picks]
    short = vs.ctc_view(shipped.predict_on_batch, parts, truth, pause=0.05)
    long = vs.ctc_view(shipped.predict_on_batch, parts, truth, pause=0.4)
    assert len(long["feats"]) > len(short["feats"]) + 100
    errors = vs.noise_sweep(shipped.predict_on_batch, parts, truth, [0.0, 0.1], seeds=(0, 1))
    assert errors[0] == 0 and errors[1] >= 1


def test_update_changes_the_artists_instead_of_building_new_ones(shipped, clips):
    from rnnlab.viz.live import LiveFigure
    live = LiveFigure((8, 4), widget=False)
    fig = live.fig
    _, picks = vs.preset_strings(clips)[1]
    view = vs.ctc_view(shipped.predict_on_batch, [clips.audio[i] for i in picks], clips.digit[picks])
    artists = live.build(lambda f: vs.draw_ctc_view(f, view))
    n_axes = len(fig.axes)
    view2 = vs.ctc_view(shipped.predict_on_batch, [clips.audio[i] for i in picks], clips.digit[picks], pause=0.3)
    vs.update_ctc_view(artists, view2)
    assert len(fig.axes) == n_axes
    assert artists["im"].get_array().shape == view2["feats"].T.shape
    assert np.allclose(artists["lines"][0].get_ydata(), view2["probs"][:, 0])
    assert "said:" in artists["title"].get_text()
    assert live.render()[:4] == b"\x89PNG"


def test_widget_renders_moves_and_skips_repeated_values(shipped, clips, tmp_path):
    box = vs.ctc_explorer_widget(shipped, clips)
    assert "rnnlab-explorer" in box._dom_classes
    controls, status, image = box.children
    pick, pause, noise = controls.children
    first = image.value
    assert first[:4] == b"\x89PNG" and "decoded" in status.value
    pause.value = 0.3
    assert image.value != first
    shown = status.value
    pause.value = 0.3                     # no change: nothing redrawn
    assert status.value == shown
    noise.value = 0.1
    assert "digit error" in status.value or "recognised exactly" in status.value
    own = sp.save_wav(tmp_path / "mine.wav", clips.audio[0])
    box2 = vs.ctc_explorer_widget(shipped, clips, own_wav=own)
    pick2 = box2.children[0].children[0]
    pick2.value = -1
    assert "no reference transcript" in box2.children[1].value
