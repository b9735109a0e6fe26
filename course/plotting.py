"""Plots used across the course: spike rasters, membrane traces and F-I curves.

Each function draws into `ax` (a new figure when `ax` is None), labels the axes with units and
returns the matplotlib Axes, so a notebook can add to or restyle the plot.
"""
from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def raster_plot(spikes, *, ax=None, t_max=None, color="k", linelength=0.8, title=None,
                time_unit="s"):
    """Spike raster: one row per neuron, one tick per spike.

    spikes: {neuron: spike times} dict or a list of spike-time sequences (times in `time_unit`).
    Rows are drawn bottom-up in the dict's order; when the keys are not 0, 1, 2, ... they label
    the rows. t_max: right end of the time axis (default: the last spike). Returns the Axes.
    """
    if isinstance(spikes, Mapping):
        names, trains = list(spikes.keys()), list(spikes.values())
    else:
        trains = list(spikes)
        names = list(range(len(trains)))
    trains = [np.asarray(t, dtype=float).ravel() for t in trains]
    ax = _axes(ax, (7, min(0.8 + 0.25 * max(len(trains), 4), 6.0)))
    if trains:
        ax.eventplot(trains, lineoffsets=np.arange(len(trains)), linelengths=linelength,
                     colors=color)
    ax.set_ylim(-0.5, max(len(trains), 1) - 0.5)
    if names != list(range(len(trains))) or len(trains) <= 10:
        ax.set_yticks(np.arange(len(trains)))
        ax.set_yticklabels([str(n) for n in names])
    right = t_max if t_max is not None else max((t.max() for t in trains if t.size), default=1.0)
    ax.set_xlim(0.0, right if right > 0 else 1.0)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("neuron")
    if title:
        ax.set_title(title)
    return ax


def plot_membrane(t, v, *, ax=None, threshold=None, spike_times=None, label=None,
                  xlabel="time (s)", ylabel="membrane potential v (dimensionless)", title=None,
                  **plot_kwargs):
    """Membrane potential against time; optional dashed threshold and spike-time markers.

    t, v: arrays of the same length (t in the unit of `xlabel`, v in that of `ylabel`; pass
    e.g. ``v * 1e3`` with ``ylabel="V (mV)"``). spike_times: marked with ticks on the threshold
    line (or at the top of the trace without a threshold). Returns the Axes.
    """
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    if t.shape != v.shape:
        raise ValueError(f"t and v need the same shape, got {t.shape} and {v.shape}")
    ax = _axes(ax, (7, 3))
    ax.plot(t, v, label=label, **plot_kwargs)
    if threshold is not None:
        ax.axhline(threshold, color="grey", linestyle="--", linewidth=1, label="threshold")
    if spike_times is not None and len(spike_times):
        level = threshold if threshold is not None else np.nanmax(v)
        ax.plot(spike_times, np.full(len(spike_times), level), "|", color="C3", markersize=12,
                label="spikes")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if label is not None or threshold is not None or spike_times is not None:
        ax.legend(loc="best", fontsize="small")
    return ax


def plot_fi_curve(inputs, rates, *, ax=None, label=None, fmt="o-",
                  xlabel="input current I (dimensionless)", ylabel="firing rate (Hz)", title=None,
                  **plot_kwargs):
    """Firing rate against input (an F-I curve). Returns the Axes."""
    ax = _axes(ax, (5, 3.5))
    ax.plot(np.asarray(inputs, dtype=float), np.asarray(rates, dtype=float), fmt, label=label,
            **plot_kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if label is not None:
        ax.legend(loc="best", fontsize="small")
    return ax
