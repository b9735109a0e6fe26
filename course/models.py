"""Helpers for the `neuron_models` notebook: firing rates from simulated voltage traces."""
from __future__ import annotations

import numpy as np


def crossing_rate(v, dt, t_start, threshold=0.0):
    """Firing rate (Hz) from voltage traces: upward crossings of `threshold` after `t_start`.

    v: array with time on axis 0 (sampled every dt ms, v[0] at t = 0); other axes are neurons.
    A crossing at step k (v[k-1] < threshold <= v[k]) counts when k dt >= t_start (ms); the rate
    is the count divided by the time from t_start to the end.
    """
    v = np.asarray(v, dtype=float)
    k0 = max(int(np.ceil(t_start / dt - 1e-9)), 1)
    up = (v[k0 - 1:-1] < threshold) & (v[k0:] >= threshold)
    duration = (v.shape[0] - 1) * dt - t_start
    return up.sum(axis=0) / (duration / 1000.0)
