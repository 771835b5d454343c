"""Explorer figures updated in place: blitting draws the same picture as a full redraw, only faster."""
import asyncio
import io

import numpy as np
import pytest

from rnnlab.viz import explorers
from rnnlab.viz.live import MIN_FONT_CLASS, LiveFigure, coalesce

pytest.importorskip("matplotlib")


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


def _stepping(live, x, states, t):
    artists = live.build(lambda fig: explorers.build_stepping(fig, x, states, t))
    explorers.update_stepping(artists, states, t)
    return artists


def test_an_update_in_place_draws_what_a_fresh_figure_draws():
    x = explorers.pulse_input(20)
    a = explorers.stepping_states(x, 1.0, 0.9)
    b = explorers.stepping_states(x, 2.0, 0.5, activation="sigmoid")
    live = LiveFigure((8, 3.8), widget=False)
    artists = _stepping(live, x, a, 2)
    first = live.render()
    explorers.update_stepping(artists, b, 7)
    updated = live.render()
    assert live.full_renders == 1 and live.renders == 2          # the second render only redrew the data
    fresh = LiveFigure((8, 3.8), widget=False)
    _stepping(fresh, x, b, 7)
    reference = _pixels(fresh.render())
    diff = np.abs(_pixels(updated) - reference).max(axis=2)
    assert (diff > 40).mean() < 0.002, f"{(diff > 40).mean():.4f} of the pixels differ from a fresh drawing"
    assert np.abs(_pixels(first) - reference).max(axis=2).mean() > 1      # and the picture did change


def test_a_change_of_axis_limits_redraws_the_whole_figure():
    x = explorers.pulse_input(20)
    live = LiveFigure((8, 3.8), widget=False)
    small = explorers.stepping_states(x, 1.0, 0.9, activation="relu")
    artists = _stepping(live, x, small, 2)
    live.render()
    big = explorers.stepping_states(x, 3.0, 1.5, activation="relu")          # states grow past 1: new limits
    assert explorers.nice_limit(np.abs(big).max()) > 1
    explorers.update_stepping(artists, big, 2)
    live.render()
    assert live.full_renders == 2


@pytest.mark.parametrize("value, limit", [(0.3, 1.0), (1.0, 1.0), (1.01, 2.0), (4.9, 5.0), (7.0, 10.0),
                                          (12.0, 20.0), (float("nan"), 1.0), (float("inf"), 1.0)])
def test_nice_limit_changes_rarely(value, limit):
    assert explorers.nice_limit(value) == limit


def test_every_explorer_figure_updates_in_place_and_keeps_text_readable():
    pytest.importorskip("ipywidgets")
    for box in (explorers.stepping_widget(), explorers.gradient_explorer_widget(), explorers.lstm_stepping_widget()):
        image = [c for c in box.children if c.__class__.__name__ == "Image"][0]
        tags = [c for c in image._dom_classes if c.startswith(MIN_FONT_CLASS)]
        assert len(tags) == 1 and int(tags[0][len(MIN_FONT_CLASS):]) >= 11     # 8 pt at 100 dpi
        slider = box.children[0].children[0]
        before = image.value
        slider.value = slider.max
        assert image.value != before and image.value[:4] == b"\x89PNG"


def test_coalesce_draws_a_burst_of_events_once_with_the_latest_value():
    seen = []
    state = {"value": 0}
    handler = coalesce(lambda: seen.append(state["value"]))

    async def burst():
        for v in range(1, 11):          # ten events read before the loop gets a turn
            state["value"] = v
            handler({"new": v})
        assert seen == []
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        state["value"] = 11
        handler({"new": 11})
        await asyncio.sleep(0)

    asyncio.run(burst())
    assert seen == [10, 11]
    handler({"new": 12})                 # no running loop (a script, a test): at once
    assert seen == [10, 11, 11]
