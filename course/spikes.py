"""Spike trains for the course: Poisson generators, an input neuron that replays a train, rasters.

Times are in seconds and rates in hertz. Every random function takes an explicit `rng`: a
``numpy.random.Generator`` or an integer seed, so every figure and result can be reproduced.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np


def _generator(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise TypeError("pass rng=<numpy Generator or integer seed> so the result is reproducible")
    return np.random.default_rng(rng)


def generate_spike_train(rates: Sequence[float], ends: Sequence[float], *, rng) -> np.ndarray:
    """Poisson spike train whose rate is constant on consecutive segments.

    rates: firing rate of each segment (Hz, >= 0); ends: the time each segment ends (s),
    strictly increasing. Segment i covers [ends[i-1], ends[i]) and the first starts at 0, so
    ``generate_spike_train([30, 0], [0.3, 1.0], rng=1)`` fires at 30 Hz for 0.3 s and is then silent
    until 1 s. rng: ``numpy.random.Generator`` or integer seed.
    Returns the spike times, a sorted float array of shape (n_spikes,).
    """
    rates = np.atleast_1d(np.asarray(rates, dtype=float))
    ends = np.atleast_1d(np.asarray(ends, dtype=float))
    if rates.shape != ends.shape:
        raise ValueError(f"need one end time per rate, got {rates.size} rates and {ends.size} ends")
    if np.any(rates < 0) or not np.all(np.isfinite(rates)):
        raise ValueError("rates must be finite and >= 0 (Hz)")
    starts = np.concatenate([[0.0], ends[:-1]])
    if np.any(ends <= starts):
        raise ValueError("ends must be positive and strictly increasing (s)")
    gen = _generator(rng)
    pieces = []
    for rate, start, end in zip(rates, starts, ends):
        count = gen.poisson(rate * (end - start))
        pieces.append(np.sort(gen.uniform(start, end, size=count)))
    return np.concatenate(pieces) if pieces else np.zeros(0)


def poisson_counts(rate: float, n_trials: int, n_bins: int, dt: float, *, rng) -> np.ndarray:
    """Spike counts of independent Poisson trains binned at dt: int array (n_trials, n_bins).

    Entry [n, k] is the number of spikes of trial n in [k dt, (k + 1) dt); each is Poisson
    distributed with mean rate * dt (rate in Hz, dt in s).
    """
    return _generator(rng).poisson(rate * dt, size=(n_trials, n_bins))


class InputNeuron:
    """Replays a fixed spike train; on the outside it looks like a neuron with `step(dt)`.

    `step(dt)` advances the time from t to t + dt and returns how many spikes of the train fall in
    [t, t + dt); those are appended to `spikes`. `receive` is accepted and ignored (an input
    neuron takes no input). `spikes_between(t0, t1)` counts recorded spikes with t0 <= t < t1.
    """

    def __init__(self, spike_times):
        self.train = np.sort(np.asarray(spike_times, dtype=float).ravel())
        self.t = 0.0
        self.spikes: list[float] = []
        self.t_history = [self.t]
        self._next = int(np.searchsorted(self.train, 0.0, side="left"))

    def receive(self, weight) -> None:
        """Input neurons ignore incoming spikes."""

    def step(self, dt: float) -> int:
        end = self.t + dt
        stop = int(np.searchsorted(self.train, end, side="left"))
        fired = self.train[self._next:stop]
        self.spikes.extend(float(x) for x in fired)
        self._next = max(stop, self._next)
        self.t = end
        self.t_history.append(self.t)
        return int(fired.size)

    def spikes_between(self, t0: float, t1: float) -> int:
        times = np.asarray(self.spikes)
        return int(np.count_nonzero((times >= t0) & (times < t1)))

    def __repr__(self) -> str:
        return f"InputNeuron({self.train.size} spikes, t={self.t:g} s)"


def as_spike_dict(spikes) -> dict:
    """{neuron: float array of times} from a dict or a list of spike-time sequences."""
    if isinstance(spikes, Mapping):
        return {key: np.asarray(times, dtype=float).ravel() for key, times in spikes.items()}
    return {i: np.asarray(times, dtype=float).ravel() for i, times in enumerate(spikes)}


def raster_to_dict(raster, dt: float) -> dict:
    """{row: spike times} from a binary raster (n_neurons, n_bins); column k is the time k dt."""
    raster = np.asarray(raster)
    if raster.ndim != 2:
        raise ValueError(f"a raster is 2-D (neurons, bins), got shape {raster.shape}")
    return {i: np.flatnonzero(row) * dt for i, row in enumerate(raster)}


def firing_rates(spikes, t0: float, t1: float) -> dict:
    """{neuron: spikes per second in [t0, t1)} of a dict or list of spike-time sequences."""
    if not t1 > t0:
        raise ValueError("need t1 > t0")
    out = {}
    for key, times in as_spike_dict(spikes).items():
        out[key] = np.count_nonzero((times >= t0) & (times < t1)) / (t1 - t0)
    return out
