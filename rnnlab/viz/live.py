"""Figures that update in place, for the explorers: draw the axes once, then only what changed.

An explorer used to build a new matplotlib figure on every slider move and send it through the inline
backend (about 200 ms of drawing per move, most of it tick labels). `LiveFigure` keeps one figure: the
first render draws everything except the data artists and keeps that picture as a background; each
later render pastes the background back and draws only the data artists (lines, images, bars, titles,
axes legends: blitting), then encodes the PNG for an `ipywidgets.Image`. When an axis' limits or ticks
change, it draws the whole figure again. `coalesce` makes a burst of widget events cost one redraw.

Used by every explorer in `explorers.py` and `speech.py`; tests in tests/viz/test_live.py.
"""
from __future__ import annotations

import io
import time

MIN_FONT_CLASS = "rnnlab-min-font-"     # + the figure's smallest text size in image pixels (browser test)


def _static(artist, ax) -> bool:
    """The parts of an axes that stay put while its limits do: frame, ticks, tick labels, axis labels."""
    from matplotlib.axis import Axis
    from matplotlib.spines import Spine
    return artist is ax.patch or isinstance(artist, (Axis, Spine))


class LiveFigure:
    """One matplotlib figure rendered to PNG bytes (and to `image`, an ipywidgets Image, when asked).

    build(draw): clear the figure and call draw(fig) to create its artists.
    render(): the PNG of the current state; only data artists are drawn again unless an axis changed.
    """

    def __init__(self, figsize, dpi: int = 100, widget: bool = True, max_width: str | None = None):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        self.fig = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.fig)
        self._backgrounds = {}         # layout key -> the picture of everything but the data artists
        self.full_renders = 0          # how often the whole figure was drawn (for tests and the curious)
        self.renders = 0
        self.last_ms = 0.0
        self.image = None
        if widget:
            import ipywidgets as w
            width = max_width or f"{int(figsize[0] * dpi)}px"
            self.image = w.Image(format="png", layout=w.Layout(width="100%", max_width=width, height="auto"))

    # ---------------------------------------------------------------------------------
    def build(self, draw):
        """Clear the figure, run draw(fig) and return what it returns; the next render is a full one."""
        self.fig.clf()
        out = draw(self.fig)
        self._backgrounds.clear()
        return out

    def _dynamic(self):
        artists = []
        for ax in self.fig.axes:
            artists += [a for a in ax.get_children() if not _static(a, ax)]
        artists += list(self.fig.texts)          # figure legends stay in the background: they never change
        return sorted((a for a in artists if a.get_visible()), key=lambda a: a.get_zorder())

    def _key(self):
        """What the background depends on: every axes' position, limits and axis labels (the tick labels
        follow from the limits)."""
        return tuple((tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim(), ax.get_xlabel(),
                      ax.get_ylabel()) for ax in self.fig.axes)

    def render(self, full: bool = False) -> bytes:
        """Draw what changed and return the PNG (also shown in `image` if there is one)."""
        start = time.perf_counter()
        canvas = self.fig.canvas
        dynamic = self._dynamic()
        for a in dynamic:
            a.set_animated(True)                  # left out of canvas.draw(), drawn below by hand
        key = self._key()
        if full or key not in self._backgrounds:
            canvas.draw()                         # everything but the animated (data) artists
            if len(self._backgrounds) >= 16:
                self._backgrounds.pop(next(iter(self._backgrounds)))
            self._backgrounds[self._key()] = canvas.copy_from_bbox(self.fig.bbox)   # after the draw
            self.full_renders += 1
        else:
            canvas.restore_region(self._backgrounds[key])
        renderer = canvas.get_renderer()
        for a in dynamic:
            a.draw(renderer)
        png = self._png()
        self.renders += 1
        self.last_ms = 1000 * (time.perf_counter() - start)
        if self.image is not None:
            self.image.value = png
            self._tag_min_font()
        return png

    def _png(self) -> bytes:
        from PIL import Image
        canvas = self.fig.canvas
        width, height = canvas.get_width_height()
        picture = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        picture.save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def prepare(self, set_limits, choices) -> None:
        """Draw the background for each of `choices` ahead of time (set_limits(choice) sets the axes as a
        control would), so reaching those limits later costs no full redraw. Restores nothing: call
        the explorer's update afterwards."""
        for choice in choices:
            set_limits(choice)
            key = self._key()
            if key not in self._backgrounds:
                self.render()

    # ---------------------------------------------------------------------------------
    def min_font_px(self) -> float:
        """The smallest visible text of the figure, in pixels of the PNG (font size in points x dpi / 72)."""
        from matplotlib.text import Text
        sizes = [t.get_fontsize() for t in self.fig.findobj(Text)
                 if t.get_visible() and t.get_text().strip()]
        return min(sizes) * self.fig.dpi / 72 if sizes else 0.0

    def _tag_min_font(self):
        """Tell the browser test the smallest text size (a CSS class), so it can check what is readable."""
        tag = f"{MIN_FONT_CLASS}{int(self.min_font_px())}"
        for old in [c for c in self.image._dom_classes if c.startswith(MIN_FONT_CLASS)]:
            if old != tag:
                self.image.remove_class(old)
        if tag not in self.image._dom_classes:
            self.image.add_class(tag)


def coalesce(redraw):
    """A widget callback that runs `redraw()` once for a burst of events, with the controls' latest values.

    In a kernel, events arrive one message at a time; the redraw is queued on the event loop and runs when
    the messages waiting have been read, so a fast drag or a held arrow key draws the newest position once
    instead of every stale one in turn. Without a running loop (tests, scripts) it redraws at once.
    """
    import asyncio
    pending = {"queued": False}

    def run():
        pending["queued"] = False
        redraw()

    def handler(*_):
        if pending["queued"]:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            redraw()
            return
        pending["queued"] = True
        loop.call_soon(run)
    return handler
