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


# ----- signs: mistakes named by a property of the student's results ------------------------------
# sign(case, got, expected) -> True (this case shows it), False (it shows the mistake was not
# made), None (cannot tell); see course.checking.Check.signs.

def _after_spikes(case, got):
    """For a `leaky_integrate_and_fire` result (spikes, membrane): [(stored v at a spike step,
    the v the next step started from)] over all channels, or None. The start value is read back
    from the next stored value: v_next = start + h (x_next - start) unless that step spiked too."""
    args = dict(zip(("input_data", "tau", "threshold", "dt", "v_reset"), case.args))
    args.update(case.kwargs)
    h = args.get("dt", 1.0) / args["tau"]
    if not (isinstance(got, list) and len(got) == 2 and
            all(isinstance(a, np.ndarray) for a in got)) or h == 1.0:
        return None
    x = np.asarray(args["input_data"], dtype=float)
    spikes, membrane = got
    if spikes.shape != x.shape or membrane.shape != x.shape:
        return None
    pairs = []
    for z, m, xs in zip(spikes.reshape(-1, x.shape[-1]), membrane.reshape(-1, x.shape[-1]),
                        x.reshape(-1, x.shape[-1])):
        for n in np.flatnonzero(z[:-1] == 1):
            if z[n + 1] != 1:
                pairs.append((m[n], (m[n + 1] - h * xs[n + 1]) / (1.0 - h)))
    return pairs, args["threshold"], args.get("v_reset", 0.0)


def _decide(pairs, test):
    return None if not pairs else all(test(stored, start) for stored, start in pairs)


def lif_continues_unreset(case, got, expected):
    """The stored v at a spike is at or above the threshold and the next step starts from it:
    the membrane is never reset."""
    found = _after_spikes(case, got)
    if found is None:
        return None
    pairs, threshold, _ = found
    return _decide(pairs, lambda stored, start: stored >= threshold
                   and np.isclose(start, stored, rtol=1e-9, atol=1e-12))


def lif_stored_before_jump(case, got, expected):
    """The stored v at a spike is at or above the threshold, but the next step starts from
    v_reset: the reset happens, after v was recorded."""
    found = _after_spikes(case, got)
    if found is None:
        return None
    pairs, threshold, v_reset = found
    return _decide(pairs, lambda stored, start: stored >= threshold
                   and np.isclose(start, v_reset, rtol=1e-9, atol=1e-12))
