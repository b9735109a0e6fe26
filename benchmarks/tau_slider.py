"""How long one step of the tau slider of `leaky_integrators` takes to redraw.

Usage: python benchmarks/tau_slider.py

A slider step calls the notebook's `show_surfaces(tau)`: compute the two time surfaces of the
700 x 691 spike matrix and produce the PNG that the notebook shows. Measured here without a
browser (the PNG is what JupyterLab receives):

* before: a new pyplot figure per value, `tight_layout`, and the inline backend's
  `savefig(png, bbox_inches="tight")` (the code of the notebook before issue #14);
* after: `course.views.SurfaceView`, drawn once, only images and titles redrawn per value;
* after, a value seen before: the cached picture.

The time surfaces use a loop over time, vectorised over channels, as the notebook's hint asks.

Figures on the course machine (2 shared cores, load average 5-8 from other jobs), median (max)
over the 10 slider values below, 1 December 2026:
    before           1.49 s (2.36 s) per redraw
    after, new tau   0.36 s (0.37 s) per redraw
    after, cached    0.00001 s
"""
from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from course.data import load_digits, spike_matrix  # noqa: E402
from course.views import SurfaceView  # noqa: E402

TAUS = 10 ** np.arange(0.0, 2.31, 0.25)          # slider positions, 1 ms to 200 ms (log scale)


def leaky_integrator(x, tau, dt=1.0, v0=0.0):
    x = np.asarray(x, dtype=float)
    v, out = np.full(x.shape[:-1], float(v0)), np.empty(x.shape)
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v)
        out[..., n] = v
    return out


def lif(x, tau, threshold, dt=1.0):
    x = np.asarray(x, dtype=float)
    v, out = np.zeros(x.shape[:-1]), np.zeros(x.shape)
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v)
        fired = v >= threshold
        v = np.where(fired, 0.0, v)
        out[..., n] = fired
    return out


def time_surface(spikes, tau, dt=1.0):
    return leaky_integrator(spikes, tau, dt)


def lif_time_surface(spikes, tau, threshold, dt=1.0):
    return lif(spikes, tau, threshold, dt)


def before(digit, tau, threshold=0.1):
    fig, axes = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    axes[0].imshow(time_surface(digit, tau), aspect="auto", origin="lower",
                   interpolation="none", vmax=0.3, cmap="viridis")
    axes[0].set_title(f"leaky integrator time surface, tau = {tau:.3g} ms")
    axes[1].imshow(lif_time_surface(digit, tau, threshold), aspect="auto", origin="lower",
                   interpolation="none", cmap="Greys", vmin=0, vmax=1)
    axes[1].set_title(f"LIF spikes, tau = {tau:.3g} ms, threshold {threshold}")
    for ax in axes:
        ax.set_ylabel("channel")
    axes[1].set_xlabel("time (ms)")
    plt.tight_layout()
    fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")   # what the inline backend does
    plt.close(fig)


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def measure():
    rec = load_digits()["three"]                         # the notebook's digit, 700 x 691
    digit = spike_matrix(rec.times, rec.units, rec.n_channels, dt=1e-3, duration=rec.duration)
    before(digit, 20.0)                                   # warm up fonts and caches
    old = [timed(before, digit, tau) for tau in TAUS]
    view = SurfaceView(digit)
    new = [timed(view.picture, time_surface, lif_time_surface, tau) for tau in TAUS]
    cached = [timed(view.picture, time_surface, lif_time_surface, tau) for tau in TAUS]
    return {"before": old, "after, new tau": new, "after, cached": cached}


def main():
    for name, times in measure().items():
        print(f"{name:16s} median {statistics.median(times):.5f} s, max {max(times):.5f} s "
              f"per redraw ({len(times)} slider values)")


if __name__ == "__main__":
    main()
