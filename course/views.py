"""Figures that a slider redraws quickly: drawn once, then only their images change.

`SurfaceView` shows the two time surfaces of `leaky_integrators` (a leaky-integrator surface and
the spikes of one LIF per channel) one above the other. A slider that rebuilt the whole figure
for every value took 1-2 s per step; here the axes, ticks and labels are drawn once, and a new
value only recomputes the two surfaces (one call each, all channels at once), redraws the two
images and titles on top of the saved background (Agg "blitting"), and encodes the picture as a
PNG. A picture already made for the same value, the same threshold and the same two functions
is shown again from a small cache: the functions are part of the key, so redefining
`time_surface` gives a fresh picture. `benchmarks/tau_slider.py` measures it.
"""
from __future__ import annotations

import io
from collections import OrderedDict
from typing import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

Surface = Callable[..., np.ndarray]


class SurfaceView:
    """One figure with two image panels over the channels x time of a spike matrix.

    spikes: array (channels, steps), e.g. the matrix of `course.data.load_digit_matrix`.
    `show(time_surface, lif_time_surface, tau, threshold)` draws
    `time_surface(spikes, tau)` on top (colour scale capped at `vmax`) and
    `lif_time_surface(spikes, tau, threshold)` below (0 white, 1 black) and displays the picture.
    """

    def __init__(self, spikes, *, vmax: float = 0.3, dt: float = 1.0, time_unit: str = "ms",
                 figsize=(10, 6), dpi: int = 80, cache_size: int = 64):
        self.spikes = np.asarray(spikes)
        self.dt = dt
        self._pictures: OrderedDict = OrderedDict()
        self._cache_size = cache_size
        channels, steps = self.spikes.shape
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        top, bottom = self.figure.subplots(2, 1, sharex=True)
        extent = (-0.5 * dt, (steps - 0.5) * dt, -0.5, channels - 0.5)
        blank = np.zeros((channels, steps))
        common = dict(aspect="auto", origin="lower", interpolation="none", extent=extent,
                      animated=True)
        self.images = (top.imshow(blank, cmap="viridis", vmin=0.0, vmax=vmax, **common),
                       bottom.imshow(blank, cmap="Greys", vmin=0.0, vmax=1.0, **common))
        self.titles = (top.set_title(" ", animated=True), bottom.set_title(" ", animated=True))
        for ax in (top, bottom):
            ax.set_ylabel("channel")
        bottom.set_xlabel(f"time ({time_unit})")
        self.figure.tight_layout()
        self.canvas.draw()                       # everything but the animated images and titles
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    def picture(self, time_surface: Surface, lif_time_surface: Surface, tau: float,
                threshold: float = 0.1) -> bytes:
        """The PNG for these functions and parameters (from the cache when already made)."""
        key = (float(tau), float(threshold), time_surface, lif_time_surface)
        if key in self._pictures:
            self._pictures.move_to_end(key)
            return self._pictures[key]
        surface = np.asarray(time_surface(self.spikes, tau, self.dt), dtype=float)
        fired = np.asarray(lif_time_surface(self.spikes, tau, threshold, self.dt), dtype=float)
        png = self._render((surface, fired),
                           (f"leaky integrator time surface, tau = {tau:.3g} ms",
                            f"LIF spikes, tau = {tau:.3g} ms, threshold {threshold:g}"))
        self._pictures[key] = png
        if len(self._pictures) > self._cache_size:
            self._pictures.popitem(last=False)
        return png

    def show(self, time_surface: Surface, lif_time_surface: Surface, tau: float,
             threshold: float = 0.1) -> None:
        """Display the picture in the notebook (inside a slider's output area when moved)."""
        from IPython.display import Image, display
        display(Image(data=self.picture(time_surface, lif_time_surface, tau, threshold),
                      format="png"))

    def _render(self, arrays, titles) -> bytes:
        from PIL import Image as PILImage
        self.canvas.restore_region(self._background)
        for image, title, data, text in zip(self.images, self.titles, arrays, titles):
            image.set_data(image.cmap(image.norm(data), bytes=True))   # colour once, as RGBA
            title.set_text(text)
            image.axes.draw_artist(image)
            image.axes.draw_artist(title)
            for spine in image.axes.spines.values():   # keep the frame on top of the image
                image.axes.draw_artist(spine)
        rgba = np.asarray(self.canvas.buffer_rgba())
        out = io.BytesIO()
        PILImage.fromarray(rgba[..., :3]).save(out, format="png", compress_level=1)
        return out.getvalue()
