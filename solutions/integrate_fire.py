"""Reference solutions of `neuron_models`, parts 1-3: LIF and QIF neurons, F-I curves, fits.

Units: time in ms, "voltages" V and V0 in mV as in Brian2's LIF F-I example (for the QIF,
tau dV/dt = V0 + V^2 is read as a dimensionless equation in those numbers). Rates in Hz.

Models (tau dV/dt = f(V)):

* LIF: f(V) = V0 - V, one stable fixed point V* = V0.
* QIF: f(V) = V0 + V^2. V0 < 0: V* = -sqrt(-V0) stable, +sqrt(-V0) unstable; V0 = 0: one
  half-stable point at 0 (a saddle-node); V0 > 0: no fixed point, V runs off to infinity.

Simulation convention (shared with the notebook and `course.checks.neuron_models`): every neuron
starts at v_reset. In each step a neuron that is not refractory takes the Euler step
V += dt/tau f(V); if then V >= v_th it spikes, V = v_reset, and it is held at v_reset for the
next n_ref = round(t_ref / dt) steps (the same rule as `lif_neuron`).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import optimize

# Brian2's example "IF_curve_LIF" (Brian2 documentation, examples/IF_curve_LIF.py):
TAU = 10.0        # ms
V_TH = 10.0       # mV
V_RESET = 0.0     # mV
T_REF = 5.0       # ms
T_MAX = 1000.0    # ms (1 s)
V0_RANGE = (0.0, 20.0)   # mV, the inputs of its F-I curve
# Our choice: 0.1 ms is Brian2's default clock; the QIF needs it (its slope is 10 mV/ms at V_th).
DT = 0.1          # ms


# ===== Part 1: phase portraits ====================================================================

def fixed_points(v0, model):
    """Fixed points of tau dV/dt = f(V) and their stability.

    v0: float; model: "lif" or "qif". Returns a list of (V*, kind) sorted by V*, with kind one of
    "stable", "unstable", "half-stable" (empty list when there is none).
    """
    v0 = float(v0)
    if model == "lif":
        return [(v0, "stable")]
    if model != "qif":
        raise ValueError(f"model must be 'lif' or 'qif', got {model!r}")
    if v0 < 0:
        root = math.sqrt(-v0)
        return [(-root, "stable"), (root, "unstable")]
    if v0 == 0:
        return [(0.0, "half-stable")]
    return []


# ===== Part 2: F-I curves ========================================================================

def drift(v, v0, model):
    """tau dV/dt for the model: V0 - V (LIF) or V0 + V^2 (QIF)."""
    if model == "lif":
        return v0 - v
    if model == "qif":
        return v0 + v * v
    raise ValueError(f"model must be 'lif' or 'qif', got {model!r}")


def simulate_if(v0, model, t_max=T_MAX, dt=DT, tau=TAU, v_th=V_TH, v_reset=V_RESET,
                t_ref=T_REF):
    """Firing rates (Hz) of one neuron per input value, simulated with Euler's method.

    v0: array of inputs (any shape); returns rates of the same shape: spike count / t_max.
    """
    v0 = np.asarray(v0, dtype=float)
    v = np.full(v0.shape, float(v_reset))
    held = np.zeros(v0.shape, dtype=int)
    count = np.zeros(v0.shape, dtype=int)
    n_ref = int(round(t_ref / dt))
    for _ in range(int(round(t_max / dt))):
        free = held == 0
        held = np.where(free, 0, held - 1)
        v = np.where(free, v + dt / tau * drift(v, v0, model), v)
        fired = free & (v >= v_th)
        count += fired
        v = np.where(fired, v_reset, v)
        held = np.where(fired, n_ref, held)
    return count / (t_max / 1000.0)


def lif_rate(v0, tau=TAU, v_th=V_TH, v_reset=V_RESET, t_ref=T_REF):
    """Analytic LIF rate (Hz): 1000 / (t_ref + tau ln((V0 - V_r)/(V0 - V_th))) for V0 > V_th."""
    v0 = np.asarray(v0, dtype=float)
    above = v0 > v_th
    safe = np.where(above, v0, v_th + 1.0)
    period = t_ref + tau * np.log((safe - v_reset) / (safe - v_th))
    return np.where(above, 1000.0 / period, 0.0)


def qif_period(v0, tau=TAU, v_th=V_TH, v_reset=V_RESET):
    """Time (ms) from v_reset to v_th for V0 > 0, by separation of variables."""
    root = np.sqrt(v0)
    return tau / root * (np.arctan(v_th / root) - np.arctan(v_reset / root))


def qif_rate(v0, tau=TAU, v_th=V_TH, v_reset=V_RESET, t_ref=T_REF):
    """Analytic QIF rate (Hz) 1000 / (t_ref + T) for V0 > 0, else 0 (needs v_reset <= 0)."""
    v0 = np.asarray(v0, dtype=float)
    above = v0 > 0
    safe = np.where(above, v0, 1.0)
    return np.where(above, 1000.0 / (t_ref + qif_period(safe, tau, v_th, v_reset)), 0.0)


# ===== Part 3: which nonlinearity fits? ==========================================================

def relu(x, a, b):
    return np.maximum(0.0, a * (np.asarray(x, dtype=float) - b))


def sigmoid(x, c, d, e):
    return c / (1.0 + np.exp(-(np.asarray(x, dtype=float) - d) / e))


def _relu_rss_for_b(x, y, b):
    z = np.maximum(0.0, x - b)
    zz = float(z @ z)
    a = float(z @ y) / zz if zz > 0 else 0.0
    r = y - a * z
    return float(r @ r), a


def fit_relu(x, y):
    """Least-squares fit of max(0, a (x - b)) to (x, y): returns (a, b, rss).

    For a fixed b the best a is linear least squares; the residual is then minimised over b,
    first on the intervals between data points (where it is smooth), then polished.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xs = np.unique(x)
    best = None
    edges = np.concatenate([[xs[0] - (xs[-1] - xs[0])], xs[:-1]])
    for lo, hi in zip(edges, xs):
        res = optimize.minimize_scalar(lambda b: _relu_rss_for_b(x, y, b)[0], bounds=(lo, hi),
                                       method="bounded", options={"xatol": 1e-12})
        for b in (res.x, lo, hi):
            rss, a = _relu_rss_for_b(x, y, b)
            if best is None or rss < best[2]:
                best = (a, float(b), rss)
    return best


def sigmoid_start(x, y):
    """The starting guess the notebook prescribes: c = max y, d = mean x, e = (range of x) / 4."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(y.max()), float(x.mean()), float((x.max() - x.min()) / 4)


def fit_sigmoid(x, y):
    """Least-squares fit of c / (1 + exp(-(x - d)/e)) to (x, y): returns (c, d, e, rss)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def residual(p):
        return sigmoid(x, *p) - y

    fit = optimize.least_squares(residual, sigmoid_start(x, y), method="lm", xtol=1e-15,
                                 ftol=1e-15, gtol=1e-15, max_nfev=20000)
    c, d, e = (float(p) for p in fit.x)
    rss = float(np.sum(residual(fit.x) ** 2))
    return c, d, e, rss
