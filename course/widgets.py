"""Sliders that redraw a plot: an `ipywidgets.interact` wrapper that also runs headless.

In JupyterLab the sliders redraw the figure whenever a value changes (on release of the handle).
Headless (autograding and nbval set COURSE_HEADLESS=1; nbgrader's NBGRADER_EXECUTION counts too) the plot function is simply called once
with the starting values and no widget is created: no frontend is there to show one, and
executing widget cells without a frontend can stall nbclient until the cell timeout
(jupyter/nbclient#312).
"""
from __future__ import annotations

import inspect
from typing import Callable

import ipywidgets as widgets

from course.env import HEADLESS, headless  # noqa: F401  (HEADLESS: kept for old imports)


def float_slider(name: str, start: float, low: float, high: float, step: float,
                 *, log: bool = False) -> widgets.Widget:
    """A labelled slider; `log=True` spaces the values logarithmically (for time constants)."""
    if not low < high or not low <= start <= high:
        raise ValueError(f"slider {name!r}: need low < high and low <= start <= high, "
                         f"got low={low}, start={start}, high={high}")
    common = dict(description=name, continuous_update=False, readout_format=".3g",
                  style={"description_width": "initial"})
    if log:
        import math
        return widgets.FloatLogSlider(value=start, base=10, min=math.log10(low),
                                      max=math.log10(high), step=step, **common)
    return widgets.FloatSlider(value=start, min=low, max=high, step=step, **common)


def interactive_plot(draw: Callable[..., None], **sliders: widgets.Widget) -> None:
    """Show `sliders` above a figure drawn by `draw(**values)`, redrawn on every change.

    `draw` makes a matplotlib figure (it should call `plt.show()` at the end). Only the given
    sliders appear: other parameters of `draw` keep their default values. The widget is
    displayed here and nothing is returned, so a cell ending with this call shows it once.
    """
    if not sliders:
        raise ValueError("interactive_plot needs at least one slider, e.g. tau=float_slider(...)")
    unknown = set(sliders) - set(inspect.signature(draw).parameters)
    if unknown:
        raise ValueError(f"{draw.__name__}() has no parameter(s) {sorted(unknown)}")
    defaults = {name: p.default for name, p in inspect.signature(draw).parameters.items()
                if name not in sliders and p.default is not inspect.Parameter.empty}
    if headless():
        draw(**{name: slider.value for name, slider in sliders.items()}, **defaults)
        return
    widgets.interact(draw, **sliders, **{n: widgets.fixed(v) for n, v in defaults.items()})
