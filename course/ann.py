"""Helpers of the `activation_functions` notebook: decision regions and a slider of choices.

(Plot cells that call a student's function wrap it in `course.notebook.needs`.)
"""
from __future__ import annotations

from typing import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np


def plot_decision_region(logits: Callable[[np.ndarray], np.ndarray], X, y, *, ax=None,
                         title=None, resolution=150, margin=0.3):
    """Shade where a classifier says class 1 (logit > 0) and draw the labelled points on top.

    logits: function from an (m, 2) array of points to m logits (e.g.
    ``lambda P: forward(params, P)[1]``). X: (n, 2) points, y: (n,) labels 0/1. The decision
    boundary (logit = 0) is drawn as a black line. Returns the Axes.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.2))
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    points = np.column_stack([g0.ravel(), g1.ravel()])
    # in chunks: a wide network's hidden layer for every grid point at once would take ~0.3 GB
    values = np.concatenate([np.asarray(logits(points[k:k + 2500]), dtype=float).ravel()
                             for k in range(0, len(points), 2500)]).reshape(g0.shape)
    ax.contourf(g0, g1, (values > 0).astype(float), levels=[-0.5, 0.5, 1.5],
                colors=["#c6dbef", "#fdd0a2"], alpha=0.9)
    if values.min() < 0 < values.max():
        ax.contour(g0, g1, values, levels=[0.0], colors="k", linewidths=1.0)
    for label, color, marker in ((0, "C0", "o"), (1, "C1", "s")):
        pick = y == label
        ax.scatter(X[pick, 0], X[pick, 1], s=12, c=color, marker=marker, edgecolors="k",
                   linewidths=0.3, label=f"class {label}")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    if title:
        ax.set_title(title)
    return ax


def choice_slider(name: str, options: Sequence, start) -> widgets.Widget:
    """A slider over a few fixed values (e.g. numbers of hidden units), for `interactive_plot`."""
    options = list(options)
    if start not in options:
        raise ValueError(f"slider {name!r}: start value {start!r} is not one of {options}")
    return widgets.SelectionSlider(options=options, value=start, description=name,
                                   continuous_update=False,
                                   style={"description_width": "initial"})
