"""Spike data for the course: a small "Spiking Heidelberg Digits"-like sample.

The sample ships with the course (``course/data/shd_like_digit.npz``) and is
read from disk; nothing is downloaded.  It is one spoken digit turned into
spikes of 700 frequency channels, like one sample of the Spiking Heidelberg
Digits (Cramer et al. 2022), but synthesised by ``course.shd_synth``.

>>> rec = load_digit()
>>> rec.label, rec.n_channels
('three', 700)
>>> counts = spike_matrix(rec.times, rec.units, rec.n_channels)  # 1 ms bins
>>> counts.shape[0], int(counts.sum()) == rec.times.size
(700, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

DATA_FILE_NAME = "shd_like_digit.npz"

LAUSCHER_FILE_NAME = "spoken_digits.npz"

__all__ = ["SpikeRecording", "load_digit", "spike_matrix", "load_digit_matrix", "load_digits"]


@dataclass(frozen=True)
class SpikeRecording:
    """Spikes of a multi-channel recording.

    Attributes
    ----------
    times : np.ndarray, shape (n_spikes,), float
        Spike times in seconds, sorted, within ``[0, duration]``.
    units : np.ndarray, shape (n_spikes,), int
        Channel of each spike, in ``0 .. n_channels - 1`` (channel 0 has
        the lowest frequency).
    label : str
        The spoken word, e.g. ``"three"``.
    n_channels : int
        Number of channels (neurons), 700 as in SHD.
    duration : float
        Length of the recording in seconds.
    """

    times: np.ndarray
    units: np.ndarray
    label: str
    n_channels: int
    duration: float


def load_digit() -> SpikeRecording:
    """Load the digit shipped with the course.

    Returns
    -------
    SpikeRecording
        ``times`` (s, float32, shape (n_spikes,)), ``units`` (uint16,
        shape (n_spikes,)), ``label``, ``n_channels`` and ``duration`` (s).
    """
    resource = resources.files("course").joinpath("data", DATA_FILE_NAME)
    with resource.open("rb") as f, np.load(f, allow_pickle=False) as npz:
        return SpikeRecording(
            times=npz["times"],
            units=npz["units"],
            label=str(npz["label"]),
            n_channels=int(npz["n_channels"]),
            duration=float(npz["duration"]),
        )


def spike_matrix(times, units, n_channels, dt=1e-3, duration=None) -> np.ndarray:
    """Count spikes per channel in time bins of width ``dt``.

    Bin ``k`` covers ``[k dt, (k + 1) dt)`` (a time within a millionth of a
    bin of a bin edge counts as on the edge).

    Parameters
    ----------
    times : array_like, shape (n_spikes,)
        Spike times in seconds, all >= 0.
    units : array_like, shape (n_spikes,)
        Integer channel of each spike, in ``0 .. n_channels - 1``.
    n_channels : int
        Number of channels (rows of the result).
    dt : float
        Bin width in seconds, > 0.
    duration : float or None
        Length of the recording in seconds; ``n_steps = ceil(duration / dt)``
        (up to rounding error).  ``None`` means just long enough for the last
        spike.  A spike at exactly ``duration`` goes into the last bin.

    Returns
    -------
    np.ndarray, shape (n_channels, n_steps), float64
        Spike counts, channels along the first axis, time along the last.

    Raises
    ------
    ValueError
        If ``dt <= 0``, ``n_channels < 1``, ``times`` and ``units`` differ in
        shape, a time is negative (or later than ``duration``), or a unit is
        not an integer in range.
    """
    times = np.asarray(times, dtype=float)
    units = np.asarray(units)
    if not dt > 0:
        raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
    if int(n_channels) != n_channels or n_channels < 1:
        raise ValueError(f"n_channels must be a positive integer, got {n_channels!r}")
    n_channels = int(n_channels)
    if times.ndim != 1 or times.shape != units.shape:
        raise ValueError(
            f"times and units must be 1-d arrays of the same length, got shapes "
            f"{times.shape} and {units.shape}")
    if times.size and not np.all(np.isfinite(times)):
        raise ValueError("spike times must be finite numbers (no NaN or inf)")
    if times.size and times.min() < 0:
        raise ValueError(f"spike times must be >= 0 s, found {times.min()!r}")
    if units.size and not np.issubdtype(units.dtype, np.integer):
        if not np.all(np.mod(units.astype(float), 1) == 0):
            raise ValueError("units must be integer channel indices")
    units = units.astype(np.int64)
    if units.size and (units.min() < 0 or units.max() >= n_channels):
        raise ValueError(
            f"units must lie in 0..{n_channels - 1} (n_channels={n_channels}), "
            f"found values from {units.min()} to {units.max()}")

    if duration is None:
        n_steps = int(np.floor(times.max() / dt)) + 1 if times.size else 0
    else:
        if not duration >= 0:
            raise ValueError(f"duration must be >= 0 s, got {duration!r}")
        if times.size and times.max() > duration:
            raise ValueError(
                f"spike at {times.max()!r} s is later than duration={duration!r} s")
        n_steps = max(math.ceil(round(duration / dt, 9)), 1 if times.size else 0)

    # Round first so that e.g. 0.009 s / 0.001 s = 8.999999999999998 -> bin 9.
    bins = np.floor(np.round(times / dt, 6)).astype(np.int64)
    bins = np.minimum(bins, n_steps - 1)
    counts = np.zeros((n_channels, n_steps))
    np.add.at(counts, (units, bins), 1.0)
    return counts


def load_digit_matrix(dt=1e-3) -> np.ndarray:
    """The shipped digit as a spike-count matrix.

    Parameters
    ----------
    dt : float
        Bin width in seconds.

    Returns
    -------
    np.ndarray, shape (n_channels, n_steps), float64
        ``spike_matrix`` of :func:`load_digit`, ``n_steps = ceil(duration / dt)``.
    """
    rec = load_digit()
    return spike_matrix(rec.times, rec.units, rec.n_channels, dt=dt, duration=rec.duration)


def load_digits() -> dict:
    """The spoken digits converted the way SHD was made (see `course.shd_lauscher`).

    Returns
    -------
    dict of str -> SpikeRecording
        One recording per word, e.g. ``load_digits()["three"]``; times in s (float64, sorted),
        units in ``0 .. 699`` where, as in SHD, channel 0 is the HIGHEST frequency.
    """
    resource = resources.files("course").joinpath("data", LAUSCHER_FILE_NAME)
    with resource.open("rb") as f, np.load(f, allow_pickle=False) as npz:
        rate = int(npz["rate"])
        n_channels = int(npz["n_channels"])
        return {str(word): SpikeRecording(
                    times=npz[f"{word}_samples"].astype(np.float64) / rate,
                    units=npz[f"{word}_units"],
                    label=str(word),
                    n_channels=n_channels,
                    duration=float(npz[f"{word}_duration"]))
                for word in npz["words"]}
