"""Reference for `leaky_integrators`: leaky integrator, LIF with jump reset, filters, time surfaces.

Conventions (shared with the notebook):
- Time runs along the LAST axis. An input of shape (T,) is one signal; (C, T) is C channels.
- Forward Euler with step h = dt / tau (dt = 1 and h = 1/tau as in the seed sheet):
      v[n] = v[n-1] + h * (x[n] - v[n-1]),   v[-1] = v0,
  and the output at step n is v[n], the state after taking in input sample n.
- tau and dt share one time unit (steps, or ms for the spike data).
Source of the model and exercise: seed 002 (leaky integrator and LIF with jump equation).
"""
from __future__ import annotations

import numpy as np

#: Number of input steps in Task 0 ("at least 1000 consecutive steps", seed 002).
N_INPUT_STEPS = 1000
#: Cosine probe of seed 002: 100 samples of (cos(x) + 1) / 2 for x in [0, 5 pi] = 2.5 cycles.
COSINE_STEPS = 100
COSINE_CYCLES = 2.5
#: LIF used on the cosine probes: tau in steps and threshold (chosen here: a slow cosine
#: reaches the threshold, a fast one is averaged below it).
PROBE_TAU = 5.0
PROBE_THRESHOLD = 0.9


def constant_input(n_steps: int = N_INPUT_STEPS, value: float = 1.0) -> np.ndarray:
    """Task 0: `n_steps` samples of a constant input, shape (n_steps,), float."""
    return np.full(n_steps, float(value))


#: Task 0's answer.
INPUT_DATA = constant_input()


def _check_step(tau: float, dt: float) -> float:
    if tau <= 0 or dt <= 0:
        raise ValueError(f"tau and dt must be positive, got tau={tau}, dt={dt}")
    return dt / tau


def leaky_integrator(input_data, tau: float, dt: float = 1.0, v0: float = 0.0) -> np.ndarray:
    """Euler-integrate tau dv/dt = x - v over the last axis; same shape as `input_data`.

    input_data: shape (T,) or (C, T), the input x at each step (arbitrary units).
    tau, dt:    time constant and step, same unit. Returns v[n] for n = 0..T-1, float.
    """
    x = np.asarray(input_data, dtype=float)
    h = _check_step(tau, dt)
    v = np.full(x.shape[:-1], float(v0))
    out = np.empty_like(x)
    for n in range(x.shape[-1]):
        v = v + h * (x[..., n] - v)
        out[..., n] = v
    return out


def leaky_integrate_and_fire(input_data, tau: float, threshold: float, dt: float = 1.0,
                             v_reset: float = 0.0):
    """LIF: the leaky integrator plus a threshold and the jump v <- (1 - z) v + z v_reset.

    At each step: v <- v + h (x - v); z = 1 if v >= threshold else 0; then the jump.
    Returns (spikes, membrane), both float arrays shaped like `input_data`; `membrane` holds v
    after the jump (it never reaches the threshold), `spikes` holds z (0.0 or 1.0).
    """
    x = np.asarray(input_data, dtype=float)
    h = _check_step(tau, dt)
    v = np.full(x.shape[:-1], float(v_reset))
    spikes = np.zeros_like(x)
    membrane = np.empty_like(x)
    for n in range(x.shape[-1]):
        v = v + h * (x[..., n] - v)
        z = (v >= threshold).astype(float)
        v = (1.0 - z) * v + z * v_reset
        spikes[..., n] = z
        membrane[..., n] = v
    return spikes, membrane


def cosine_signal(n_cycles: float, n_steps: int = COSINE_STEPS) -> np.ndarray:
    """(cos(x) + 1) / 2 sampled at `n_steps` points of x in [0, 2 pi n_cycles]; shape (n_steps,)."""
    return (np.cos(np.linspace(0.0, 2 * np.pi * n_cycles, n_steps)) + 1.0) / 2.0


def lif_spike_counts(cycles, tau: float = PROBE_TAU, threshold: float = PROBE_THRESHOLD,
                     n_steps: int = COSINE_STEPS) -> np.ndarray:
    """Spikes the LIF fires for each cosine probe `cosine_signal(c, n_steps)`; shape (len(cycles),)."""
    signals = np.array([cosine_signal(c, n_steps) for c in np.atleast_1d(cycles)])
    spikes, _ = leaky_integrate_and_fire(signals, tau, threshold)
    return spikes.sum(axis=-1)


#: A cosine probe (cycles over the 100 samples) on which the probe LIF stays silent.
SILENT_CYCLES = 20.0
#: Fewest cycles accepted for Task 4: below one cycle, silence depends on where the 100-sample
#: window cuts the cosine (0.8-0.9 cycles are silent), not on the low-pass effect.
MIN_SILENT_CYCLES = 1.0


def is_silent_probe(expected, got, check) -> str | None:
    """Compare hook for the 'silent frequency' check: any silent, non-aliased choice passes."""
    nyquist = (COSINE_STEPS - 1) / 2
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return f"expected a number of cycles, got {type(got).__name__}"
    if not MIN_SILENT_CYCLES <= got <= nyquist:
        return (f"choose {MIN_SILENT_CYCLES:g} <= n_cycles <= {nyquist:g} (below one cycle the "
                f"window does not hold a whole period, above {nyquist:g} the 100 samples alias "
                f"to a slower cosine); got {got:g}")
    count = int(lif_spike_counts([got])[0])
    if count:
        return f"with n_cycles = {got:g} the LIF still fires {count} spike(s)"
    return None


def high_pass(input_data, tau: float, dt: float = 1.0) -> np.ndarray:
    """Input minus its leaky-integrated (low-pass) version; same shape as `input_data`."""
    x = np.asarray(input_data, dtype=float)
    return x - leaky_integrator(x, tau, dt)


def band_pass(input_data, tau_fast: float, tau_slow: float, dt: float = 1.0) -> np.ndarray:
    """Difference of two high-pass filters: high_pass(x, tau_slow) - high_pass(x, tau_fast).

    Equals leaky_integrator(x, tau_fast) - leaky_integrator(x, tau_slow): frequencies between
    roughly 1/(2 pi tau_slow) and 1/(2 pi tau_fast) pass. Needs tau_fast < tau_slow.
    """
    if not tau_fast < tau_slow:
        raise ValueError(f"need tau_fast < tau_slow, got {tau_fast} and {tau_slow}")
    return high_pass(input_data, tau_slow, dt) - high_pass(input_data, tau_fast, dt)


def euler_gain(frequency: float, tau: float, dt: float = 1.0) -> float:
    """Exact steady-state amplitude gain of the Euler leaky integrator at `frequency` (1/unit).

    From v[n] = (1 - h) v[n-1] + h x[n]: H(w) = h / (1 - (1 - h) exp(-i w)), w = 2 pi f dt.
    For dt << tau it approaches the continuous low-pass 1 / sqrt(1 + (2 pi f tau)^2).
    """
    h = _check_step(tau, dt)
    w = 2 * np.pi * frequency * dt
    return float(abs(h / (1 - (1 - h) * np.exp(-1j * w))))


def time_surface(spikes, tau: float, dt: float = 1.0) -> np.ndarray:
    """Leaky-integrator time surface of a spike matrix (channels, steps); same shape, float."""
    return leaky_integrator(spikes, tau, dt)


def lif_time_surface(spikes, tau: float, threshold: float, dt: float = 1.0) -> np.ndarray:
    """Spikes of one LIF per channel driven by a spike matrix (channels, steps); same shape."""
    out, _ = leaky_integrate_and_fire(spikes, tau, threshold, dt)
    return out
