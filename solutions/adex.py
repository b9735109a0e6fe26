"""Reference solutions of `neuron_models`, part 5: exponential (ELIF) and adaptive exponential
(AdEx) integrate-and-fire neurons, their rheobase, firing patterns and F-I curves.

Units: V in mV, t in ms, C in pF, conductances in nS, currents and w in pA (nS * mV = pA,
pA / pF = mV/ms).

    C dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_T) / Delta_T) - w + I
    tau_w dw/dt = a (V - E_L) - w
    at V >= V_peak: V -> V_r, w -> w + b

ELIF is the case a = b = 0 (w stays 0). Euler convention (shared with the notebook and the
checks), the same as `lif_neuron`: v[0] = E_L, w[0] = 0; for k = 0 .. n_steps - 2 the current
I[k] drives the step from k to k + 1, both V and w are updated from the values at step k, and if
V[k+1] >= V_peak then spike[k+1] = True, V[k+1] = V_r and w[k+1] += b.
"""
from __future__ import annotations

import math

import numpy as np

# Brette & Gerstner (2005), J. Neurophysiol. 94:3637, regular-spiking cell; V_peak = V_T + 5 Delta_T
# as in Brian2's example of that paper (examples/frompapers/Brette_Gerstner_2005.py).
RS = dict(c_m=281.0, g_l=30.0, e_l=-70.6, v_t=-50.4, delta_t=2.0, a=4.0, tau_w=144.0, b=80.5,
          v_r=-70.6, v_peak=-40.4)
DT = 0.1   # ms (Brian2's default clock, used by both examples)


def _naud(c_m, g_l, e_l, a, tau_w, b, v_r, i):
    params = dict(c_m=c_m, g_l=g_l, e_l=e_l, v_t=-50.0, delta_t=2.0, a=a, tau_w=tau_w, b=b,
                  v_r=v_r, v_peak=0.0)
    return params, i


# Naud, Marcille, Clopath & Gerstner (2008), Biol. Cybern. 99:335, Table 1, with the spike cut at
# 0 mV as in Brian2's example of that paper
# (examples/frompapers/Naud_et_al_2008_adex_firing_patterns.py).
# name: (parameters, step current in pA)
NAUD = {
    "tonic": _naud(200.0, 10.0, -70.0, 2.0, 30.0, 0.0, -58.0, 500.0),
    "adapting": _naud(200.0, 12.0, -70.0, 2.0, 300.0, 60.0, -58.0, 500.0),
    "initial burst": _naud(130.0, 18.0, -58.0, 4.0, 150.0, 120.0, -50.0, 400.0),
    "bursting": _naud(200.0, 10.0, -58.0, 2.0, 120.0, 100.0, -46.0, 210.0),
}


def elif_params(**changes):
    """The regular-spiking parameters without adaptation (a = b = 0), with `changes` applied."""
    params = dict(RS, a=0.0, b=0.0)
    params.update(changes)
    return params


def simulate_adex(current, dt, params):
    """Euler simulation of AdEx neurons.

    current: array (pA) of shape (n_steps,) or (n_steps, n) (one column per neuron);
    params: dict with keys c_m, g_l, e_l, v_t, delta_t, a, tau_w, b, v_r, v_peak.
    Returns (v, w, spikes): arrays of the shape of `current` (mV, pA, bool).
    """
    current = np.asarray(current, dtype=float)
    p = params
    v = np.empty(current.shape)
    w = np.empty(current.shape)
    spikes = np.zeros(current.shape, dtype=bool)
    v[0], w[0] = p["e_l"], 0.0
    for k in range(current.shape[0] - 1):
        exp_term = p["g_l"] * p["delta_t"] * np.exp((v[k] - p["v_t"]) / p["delta_t"])
        dv = (-p["g_l"] * (v[k] - p["e_l"]) + exp_term - w[k] + current[k]) / p["c_m"]
        dw = (p["a"] * (v[k] - p["e_l"]) - w[k]) / p["tau_w"]
        v_new = v[k] + dt * dv
        w_new = w[k] + dt * dw
        fired = v_new >= p["v_peak"]
        v[k + 1] = np.where(fired, p["v_r"], v_new)
        w[k + 1] = np.where(fired, w_new + p["b"], w_new)
        spikes[k + 1] = fired
    return v, w, spikes


def step_current(n_steps, dt, amplitude, t_on, t_off):
    """amplitude (pA) while t_on <= k dt < t_off, else 0; steps counted as round(t / dt)."""
    k = np.arange(n_steps)
    return np.where((k >= round(t_on / dt)) & (k < round(t_off / dt)), float(amplitude), 0.0)


def random_step_current(n_steps, dt, hold, low, high, rng):
    """A new level every `hold` ms, drawn uniformly from [low, high) pA.

    m = round(hold / dt) steps per level; the ceil(n_steps / m) levels are drawn in one call
    rng.uniform(low, high, size=n_levels); current[k] = levels[k // m].
    """
    m = int(round(hold / dt))
    levels = rng.uniform(low, high, size=-(-n_steps // m))
    return levels[np.arange(n_steps) // m]


def adex_rheobase(params):
    """Smallest constant current (pA) for which the V- and w-nullclines no longer intersect.

    Fixed points satisfy I = (g_L + a)(V - E_L) - g_L Delta_T exp((V - V_T)/Delta_T); the right
    side is largest at V* = V_T + Delta_T ln(1 + a / g_L) (needs a > -g_L), so
    I_rh = (g_L + a)(V* - E_L - Delta_T). For a = 0 (ELIF): g_L (V_T - E_L - Delta_T).
    """
    p = params
    g = p["g_l"] + p["a"]
    v_star = p["v_t"] + p["delta_t"] * math.log(g / p["g_l"])
    return g * (v_star - p["e_l"] - p["delta_t"])


def isi_rates(spike_times):
    """(first-ISI rate, steady rate) in Hz from spike times in ms: 1000 / first ISI and
    1000 / last ISI; (0.0, 0.0) with fewer than two spikes."""
    t = np.asarray(spike_times, dtype=float)
    if t.size < 2:
        return 0.0, 0.0
    return 1000.0 / (t[1] - t[0]), 1000.0 / (t[-1] - t[-2])


def classify_firing(spike_times):
    """Name the firing pattern of a spike train (ms) from its interspike intervals.

    With isi = diff(spike_times) and `late` its second half (isi[len(isi) // 2:]), in this order:
    fewer than 4 ISIs -> "too few spikes"; max(late) > 3 min(late) -> "bursting";
    some isi[i+1] > 3 isi[i] for i < 3 -> "initial burst"; isi[-1] > 1.5 isi[0] -> "adapting";
    otherwise "tonic".
    """
    isi = np.diff(np.asarray(spike_times, dtype=float))
    if isi.size < 4:
        return "too few spikes"
    late = isi[isi.size // 2:]
    if late.max() > 3 * late.min():
        return "bursting"
    if np.any(isi[1:4] > 3 * isi[:3]):
        return "initial burst"
    if isi[-1] > 1.5 * isi[0]:
        return "adapting"
    return "tonic"


# Direction of the change in the number of spikes in the first 500 ms of a constant current when
# one parameter is raised (the experiments of `EFFECT_RUNS`): ELIF at 600 pA for the parameters of
# the exponential term and the reset, the regular-spiking AdEx at 1000 pA for the adaptation.
EFFECT_RUNS = {
    "delta_t": ("elif", 600.0, 1.0, 4.0),
    "v_t": ("elif", 600.0, -52.0, -48.0),
    "v_r": ("elif", 600.0, -70.6, -55.0),
    "a": ("adex", 1000.0, 0.0, 20.0),
    "b": ("adex", 1000.0, 0.0, 200.0),
    "tau_w": ("adex", 1000.0, 50.0, 500.0),
}
EFFECTS = {"delta_t": "more", "v_t": "fewer", "v_r": "more", "a": "fewer", "b": "fewer",
           "tau_w": "fewer"}


def effect_counts(name, simulate=None, t_max=500.0, dt=DT):
    """Spike counts in the first t_max ms with the low and the high value of parameter `name`."""
    simulate = simulate or simulate_adex
    model, amplitude, low, high = EFFECT_RUNS[name]
    base = elif_params() if model == "elif" else dict(RS)
    current = np.full(int(round(t_max / dt)), amplitude)
    return tuple(int(np.sum(simulate(current, dt, dict(base, **{name: value}))[2]))
                 for value in (low, high))
