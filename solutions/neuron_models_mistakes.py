"""Common wrong versions of the `neuron_models` exercises, so hidden tests can name the mistake.

Each function reproduces one mistake exactly and is listed in the `mistakes` of a Check in
`course.checks.neuron_models`.
"""
from __future__ import annotations

import numpy as np

from solutions import hh, integrate_fire


# ----- part 2: QIF without reset ----------------------------------------------------------------

def simulate_if_no_reset(v0, model, t_max=integrate_fire.T_MAX, dt=integrate_fire.DT,
                         tau=integrate_fire.TAU, v_th=integrate_fire.V_TH,
                         v_reset=integrate_fire.V_RESET, t_ref=integrate_fire.T_REF):
    """Counts every step with V >= v_th, never resets (the QIF runs off to infinity)."""
    v0 = np.asarray(v0, dtype=float)
    v = np.full(v0.shape, float(v_reset))
    count = np.zeros(v0.shape, dtype=int)
    with np.errstate(all="ignore"):
        for _ in range(int(round(t_max / dt))):
            v = v + dt / tau * integrate_fire.drift(v, v0, model)
            count += v >= v_th
    return count / (t_max / 1000.0)


# ----- part 4: unit slips and initial gates --------------------------------------------------

def hh_rates_per_second(v):
    """Rates in 1/s instead of 1/ms (ms vs s)."""
    return tuple(1000.0 * r for r in hh.hh_rates(v))


def hh_rates_volts(v):
    """The voltage converted to volts before the rate formulas (mV vs V)."""
    return hh.hh_rates(np.asarray(v, dtype=float) / 1000.0)


def simulate_hh_gates_zero(i_e, t_max, dt=hh.DT, v_init=hh.V_REST):
    """Gates started at n = m = h = 0 instead of their steady state."""
    return _simulate_hh_from(i_e, t_max, dt, v_init, (0.0, 0.0, 0.0))


def simulate_hh_volts(i_e, t_max, dt=hh.DT, v_init=hh.V_REST):
    """The rate functions evaluated at V in volts (mV vs V)."""
    return _simulate_hh_from(i_e, t_max, dt, v_init, hh.hh_steady_state(float(v_init)),
                             rates=hh_rates_volts)


def _simulate_hh_from(i_e, t_max, dt, v_init, gates, rates=hh.hh_rates):
    i_e = np.asarray(i_e, dtype=float) / 1000.0
    n_steps = int(round(t_max / dt))
    v = np.full(i_e.shape, float(v_init))
    n, m, h = (np.full(i_e.shape, float(x)) for x in gates)
    out = np.empty((n_steps + 1,) + i_e.shape)
    out[0] = v
    with np.errstate(all="ignore"):
        for k in range(n_steps):
            an, bn, am, bm, ah, bh = rates(v)
            g_k, g_na = hh.G_K * n ** 4, hh.G_NA * m ** 3 * h
            g_tot = hh.G_L + g_k + g_na
            v_inf = (hh.G_L * hh.E_L + g_k * hh.E_K + g_na * hh.E_NA + i_e) / g_tot
            n = hh._relax(n, an / (an + bn), 1.0 / (an + bn), dt)
            m = hh._relax(m, am / (am + bm), 1.0 / (am + bm), dt)
            h = hh._relax(h, ah / (ah + bh), 1.0 / (ah + bh), dt)
            v = hh._relax(v, v_inf, hh.C_M / g_tot, dt)
            out[k + 1] = v
    return out


def simulate_cs_gates_zero(i_e, t_max, dt=hh.DT, g_a=hh.CS_G_A, e_l=hh.CS_E_L, v_init=-68.0):
    """Connor-Stevens with every gate started at 0."""
    i_e = np.asarray(i_e, dtype=float) / 1000.0
    shape = np.broadcast(i_e, np.asarray(g_a), np.asarray(e_l)).shape
    i_e = np.broadcast_to(i_e, shape)
    v = np.full(shape, float(v_init))
    m = h = n = a = b = np.zeros(shape)
    n_steps = int(round(t_max / dt))
    out = np.empty((n_steps + 1,) + shape)
    out[0] = v
    with np.errstate(all="ignore"):
        for k in range(n_steps):
            m_inf, tau_m, h_inf, tau_h, n_inf, tau_n, a_inf, tau_a, b_inf, tau_b = hh.cs_gates(v)
            g_na, g_k, g_aa = hh.CS_G_NA * m ** 3 * h, hh.CS_G_K * n ** 4, g_a * a ** 3 * b
            g_tot = hh.CS_G_L + g_na + g_k + g_aa
            v_inf = (hh.CS_G_L * e_l + g_na * hh.CS_E_NA + g_k * hh.CS_E_K + g_aa * hh.CS_E_A
                     + i_e) / g_tot
            m, h, n = (hh._relax(m, m_inf, tau_m, dt), hh._relax(h, h_inf, tau_h, dt),
                       hh._relax(n, n_inf, tau_n, dt))
            a, b = hh._relax(a, a_inf, tau_a, dt), hh._relax(b, b_inf, tau_b, dt)
            v = hh._relax(v, v_inf, hh.C_M / g_tot, dt)
            out[k + 1] = v
    return out


def cs_gates_per_second(v):
    """Time constants in s instead of ms (ms vs s)."""
    out = list(hh.cs_gates(v))
    for i in (1, 3, 5, 7, 9):
        out[i] = out[i] / 1000.0
    return tuple(out)


# ----- part 5: AdEx ----------------------------------------------------------------------------

def _adex(current, dt, params, *, exp_sign=1.0, reset_to=None, jump_scale=1.0):
    current = np.asarray(current, dtype=float)
    p = params
    v = np.empty(current.shape)
    w = np.empty(current.shape)
    spikes = np.zeros(current.shape, dtype=bool)
    v[0], w[0] = p["e_l"], 0.0
    reset = p["v_r"] if reset_to is None else p[reset_to]
    with np.errstate(all="ignore"):
        for k in range(current.shape[0] - 1):
            exp_term = exp_sign * p["g_l"] * p["delta_t"] * np.exp((v[k] - p["v_t"]) / p["delta_t"])
            dv = (-p["g_l"] * (v[k] - p["e_l"]) + exp_term - w[k] + current[k]) / p["c_m"]
            dw = (p["a"] * (v[k] - p["e_l"]) - w[k]) / p["tau_w"]
            v_new, w_new = v[k] + dt * dv, w[k] + dt * dw
            fired = v_new >= p["v_peak"]
            v[k + 1] = np.where(fired, reset, v_new)
            w[k + 1] = np.where(fired, w_new + jump_scale * p["b"], w_new)
            spikes[k + 1] = fired
    return v, w, spikes


def simulate_adex_exp_sign(current, dt, params):
    """The exponential term subtracted: -g_L Delta_T exp(...)."""
    return _adex(current, dt, params, exp_sign=-1.0)


def simulate_adex_reset_to_threshold(current, dt, params):
    """After a spike V is set to the threshold V_T instead of V_r."""
    return _adex(current, dt, params, reset_to="v_t")


def simulate_adex_jump_b_over_tau(current, dt, params):
    """w jumps by b / tau_w instead of b at a spike."""
    return _adex(current, dt, params, jump_scale=1.0 / params["tau_w"])


def adex_rheobase_no_adaptation(params):
    """The ELIF rheobase g_L (V_T - E_L - Delta_T) used for every a (adaptation ignored)."""
    p = params
    return p["g_l"] * (p["v_t"] - p["e_l"] - p["delta_t"])


def fixed_points_swapped(v0, model):
    """Stable and unstable exchanged for the QIF."""
    names = {"stable": "unstable", "unstable": "stable", "half-stable": "half-stable"}
    points = integrate_fire.fixed_points(v0, model)
    return points if model == "lif" else [(v, names[k]) for v, k in points]


# ----- signs: mistakes named by a property of the student's results ------------------------------
# sign(case, got, expected) -> True (this case shows it), False (it shows the mistake was not
# made), None (cannot tell); see course.checking.Check.signs.

def adex_reset_to_threshold(case, got, expected):
    """simulate_adex: at every spike step the stored V is the threshold V_T, not V_r."""
    params = case.args[2]
    try:
        v = np.asarray(got["v"], dtype=float).ravel()
        steps = np.asarray(got["spike steps"], dtype=int).ravel()
    except (TypeError, KeyError, ValueError):
        return None
    steps = steps[(steps >= 0) & (steps < v.size)]
    if not steps.size or np.isclose(params["v_t"], params["v_r"]):
        return None
    return bool(np.allclose(v[steps], params["v_t"], rtol=1e-9, atol=1e-9))
