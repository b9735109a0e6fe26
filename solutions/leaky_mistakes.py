"""Common wrong versions of the `leaky_integrators` exercises, so hidden tests can name them."""
from __future__ import annotations

import numpy as np


def integrator_lagged(input_data, tau, dt=1.0, v0=0.0):
    """Stores v before the update: the output lags the correct one by one step."""
    x = np.asarray(input_data, dtype=float)
    v, out = np.full(x.shape[:-1], float(v0)), np.empty_like(x)
    for n in range(x.shape[-1]):
        out[..., n] = v
        v = v + dt / tau * (x[..., n] - v)
    return out


def integrator_integer_output(input_data, tau, dt=1.0, v0=0.0):
    """Allocates the output with np.empty_like(input): integer input gives truncated integers."""
    x = np.asarray(input_data)
    v, out = np.full(x.shape[:-1], float(v0)), np.empty_like(x)
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v)
        out[..., n] = v
    return out


def integrator_step_tau(input_data, tau, dt=1.0, v0=0.0):
    """Multiplies by tau instead of dividing (h = dt * tau)."""
    x = np.asarray(input_data, dtype=float)
    v, out = np.full(x.shape[:-1], float(v0)), np.empty_like(x)
    for n in range(x.shape[-1]):
        v = v + dt * tau * (x[..., n] - v)
        out[..., n] = v
    return out


def integrator_ignores_dt(input_data, tau, dt=1.0, v0=0.0):
    """Always uses h = 1/tau, whatever dt is."""
    return integrator_step_tau(input_data, 1.0 / tau, 1.0, v0)


def lif_no_reset(input_data, tau, threshold, dt=1.0, v_reset=0.0):
    """Emits spikes but never resets the membrane."""
    x = np.asarray(input_data, dtype=float)
    v = np.full(x.shape[:-1], float(v_reset))
    spikes, membrane = np.zeros_like(x), np.empty_like(x)
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v)
        spikes[..., n] = v >= threshold
        membrane[..., n] = v
    return spikes, membrane


def lif_membrane_before_reset(input_data, tau, threshold, dt=1.0, v_reset=0.0):
    """Resets correctly but records the membrane before the jump."""
    x = np.asarray(input_data, dtype=float)
    v = np.full(x.shape[:-1], float(v_reset))
    spikes, membrane = np.zeros_like(x), np.empty_like(x)
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v)
        z = (v >= threshold).astype(float)
        membrane[..., n] = v
        v = (1 - z) * v + z * v_reset
        spikes[..., n] = z
    return spikes, membrane


def lif_reset_to_one(input_data, tau, threshold, dt=1.0, v_reset=0.0):
    """Takes the jump equation as v <- (1 - z) v + z, i.e. 'resets' to 1."""
    x = np.asarray(input_data, dtype=float)
    v = np.full(x.shape[:-1], float(v_reset))
    spikes, membrane = np.zeros_like(x), np.empty_like(x)
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v)
        z = (v >= threshold).astype(float)
        v = (1 - z) * v + z
        spikes[..., n] = z
        membrane[..., n] = v
    return spikes, membrane


def high_pass_returns_low_pass(input_data, tau, dt=1.0):
    """Returns the leaky integrator's output instead of the input minus it."""
    return integrator_step_tau(input_data, 1.0 / tau, dt)


def band_pass_swapped(input_data, tau_fast, tau_slow, dt=1.0):
    """Subtracts the high-pass filters the wrong way round (sign flipped)."""
    from solutions.leaky import band_pass
    return -band_pass(input_data, tau_fast, tau_slow, dt)


def lif_strict_threshold(input_data, tau, threshold, dt=1.0, v_reset=0.0):
    """Fires only when v is strictly above the threshold (v > threshold)."""
    x = np.asarray(input_data, dtype=float)
    v = np.full(x.shape[:-1], float(v_reset))
    spikes, membrane = np.zeros_like(x), np.empty_like(x)
    for n in range(x.shape[-1]):
        v = v + dt / tau * (x[..., n] - v)
        z = (v > threshold).astype(float)
        v = (1 - z) * v + z * v_reset
        spikes[..., n] = z
        membrane[..., n] = v
    return spikes, membrane


def band_pass_allows_equal(input_data, tau_fast, tau_slow, dt=1.0):
    """Raises only for tau_fast > tau_slow, so equal time constants give a zero output."""
    from solutions.leaky import high_pass
    if tau_fast > tau_slow:
        raise ValueError("tau_fast must be smaller than tau_slow")
    return high_pass(input_data, tau_slow, dt) - high_pass(input_data, tau_fast, dt)
