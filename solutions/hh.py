"""Reference solutions of `neuron_models`, part 4: Hodgkin-Huxley and Connor-Stevens neurons.

Units (Dayan & Abbott, Theoretical Neuroscience, 2001, sections 5.6 and 6.2, chapter 6
appendix): V in mV, t in ms, rates in 1/ms, conductances per area in mS/mm^2, capacitance
c_m = 10 nF/mm^2 = 0.01 uF/mm^2, currents per area in uA/mm^2; the injected current I_e/A is given
in nA/mm^2 (as in the book's figures) and divided by 1000 inside.

    c_m dV/dt = -i_m + I_e/A,   i_m = sum_i g_i (V - E_i)

Exponential Euler (Dayan & Abbott 5.6): from the state at step k (V_k and the gates at step k)
compute both V_{k+1} and the gates at k+1,

    x_{k+1} = x_inf + (x_k - x_inf) exp(-dt / tau_x)          (x_inf, tau_x at V_k)
    V_{k+1} = V_inf + (V_k - V_inf) exp(-dt / tau_V),         tau_V = c_m / g_tot,
    V_inf = (sum_i g_i E_i + I_e/A) / g_tot,                  g_tot = sum_i g_i (gates at step k).

The gates start at their steady state at the initial voltage.
"""
from __future__ import annotations

import numpy as np

# ----- Hodgkin-Huxley, Dayan & Abbott (2001) section 5.6 ------------------------------------------
C_M = 0.01          # uF/mm^2 (10 nF/mm^2)
G_L, E_L = 0.003, -54.387     # mS/mm^2, mV
G_K, E_K = 0.36, -77.0
G_NA, E_NA = 1.2, 50.0
V_REST = -65.0      # mV, where the book starts the model
DT = 0.01           # ms, the step of the assignment

# ----- Connor-Stevens, Dayan & Abbott (2001) section 6.2 and chapter 6 appendix -------------------
CS_G_L, CS_E_L = 0.003, -17.0
CS_G_K, CS_E_K = 0.2, -72.0
CS_G_NA, CS_E_NA = 1.2, 55.0
CS_G_A, CS_E_A = 0.477, -75.0


def vtrap(x, k):
    """x / (1 - exp(-x / k)) with its limit k at x = 0 (the removable singularity)."""
    x = np.asarray(x, dtype=float)
    zero = x == 0
    safe = np.where(zero, 1.0, x)
    return np.where(zero, k, safe / -np.expm1(-safe / k))


# ===== Hodgkin-Huxley ==========================================================================

def hh_rates(v):
    """Opening and closing rates (1/ms) at V (mV).

    Returns (alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h), each of the shape of v.

    alpha_n = 0.01 (V + 55) / (1 - exp(-0.1 (V + 55)))   (limit 0.1 at V = -55)
    alpha_m = 0.1 (V + 40) / (1 - exp(-0.1 (V + 40)))    (limit 1 at V = -40)
    """
    v = np.asarray(v, dtype=float)
    alpha_n = 0.01 * vtrap(v + 55.0, 10.0)
    beta_n = 0.125 * np.exp(-0.0125 * (v + 65.0))
    alpha_m = 0.1 * vtrap(v + 40.0, 10.0)
    beta_m = 4.0 * np.exp(-0.0556 * (v + 65.0))
    alpha_h = 0.07 * np.exp(-0.05 * (v + 65.0))
    beta_h = 1.0 / (1.0 + np.exp(-0.1 * (v + 35.0)))
    return alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h


def hh_steady_state(v):
    """(n_inf, m_inf, h_inf) at V."""
    an, bn, am, bm, ah, bh = hh_rates(v)
    return an / (an + bn), am / (am + bm), ah / (ah + bh)


def _relax(x, x_inf, tau, dt):
    return x_inf + (x - x_inf) * np.exp(-dt / tau)


def simulate_hh(i_e, t_max, dt=DT, v_init=V_REST):
    """Voltage traces (mV) of HH neurons, one per injected current I_e/A (nA/mm^2).

    i_e: float or array of shape (n,). Returns v of shape (n_steps + 1,) + shape(i_e) with
    n_steps = round(t_max / dt) and v[0] = v_init; gates start at their steady state at v_init.
    """
    i_e = np.asarray(i_e, dtype=float) / 1000.0       # uA/mm^2
    n_steps = int(round(t_max / dt))
    v = np.full(i_e.shape, float(v_init))
    n, m, h = (np.full(i_e.shape, x) for x in hh_steady_state(float(v_init)))
    out = np.empty((n_steps + 1,) + i_e.shape)
    out[0] = v
    for k in range(n_steps):
        an, bn, am, bm, ah, bh = hh_rates(v)
        g_k = G_K * n ** 4
        g_na = G_NA * m ** 3 * h
        g_tot = G_L + g_k + g_na
        v_inf = (G_L * E_L + g_k * E_K + g_na * E_NA + i_e) / g_tot
        n = _relax(n, an / (an + bn), 1.0 / (an + bn), dt)
        m = _relax(m, am / (am + bm), 1.0 / (am + bm), dt)
        h = _relax(h, ah / (ah + bh), 1.0 / (ah + bh), dt)
        v = _relax(v, v_inf, C_M / g_tot, dt)
        out[k + 1] = v
    return out


# ===== Connor-Stevens ===========================================================================

def cs_gates(v):
    """Steady states and time constants (ms) of the Connor-Stevens gates at V (mV).

    Returns (m_inf, tau_m, h_inf, tau_h, n_inf, tau_n, a_inf, tau_a, b_inf, tau_b).
    Removable singularities: alpha_m at V = -29.7 mV, alpha_n at V = -45.7 mV.
    """
    v = np.asarray(v, dtype=float)
    alpha_m = 0.38 * vtrap(v + 29.7, 10.0)
    beta_m = 15.2 * np.exp(-0.0556 * (v + 54.7))
    alpha_h = 0.266 * np.exp(-0.05 * (v + 48.0))
    beta_h = 3.8 / (1.0 + np.exp(-0.1 * (v + 18.0)))
    alpha_n = 0.02 * vtrap(v + 45.7, 10.0)
    beta_n = 0.25 * np.exp(-0.0125 * (v + 55.7))
    a_inf = (0.0761 * np.exp(0.0314 * (v + 94.22)) / (1.0 + np.exp(0.0346 * (v + 1.17)))) ** (1 / 3)
    tau_a = 0.3632 + 1.158 / (1.0 + np.exp(0.0497 * (v + 55.96)))
    b_inf = (1.0 / (1.0 + np.exp(0.0688 * (v + 53.3)))) ** 4
    tau_b = 1.24 + 2.678 / (1.0 + np.exp(0.0624 * (v + 50.0)))
    return (alpha_m / (alpha_m + beta_m), 1.0 / (alpha_m + beta_m),
            alpha_h / (alpha_h + beta_h), 1.0 / (alpha_h + beta_h),
            alpha_n / (alpha_n + beta_n), 1.0 / (alpha_n + beta_n),
            a_inf, tau_a, b_inf, tau_b)


def cs_steady_current(v, g_a=CS_G_A, e_l=CS_E_L):
    """Membrane current i_m (uA/mm^2) with every gate at its steady state at V."""
    m, _, h, _, n, _, a, _, b, _ = cs_gates(v)
    return (CS_G_L * (v - e_l) + CS_G_NA * m ** 3 * h * (v - CS_E_NA)
            + CS_G_K * n ** 4 * (v - CS_E_K) + g_a * a ** 3 * b * (v - CS_E_A))


def cs_resting_potential(g_a=CS_G_A, e_l=CS_E_L):
    """The lowest V in [-90, -40] mV where the steady-state membrane current vanishes."""
    from scipy.optimize import brentq
    grid = np.linspace(-90.0, -40.0, 501)
    current = cs_steady_current(grid, g_a, e_l)
    k = int(np.flatnonzero(np.sign(current[:-1]) != np.sign(current[1:]))[0])
    return brentq(lambda x: float(cs_steady_current(x, g_a, e_l)), grid[k], grid[k + 1],
                  xtol=1e-13)


def cs_leak_for_rest(g_a, v_rest):
    """E_L that makes v_rest a resting potential for A-conductance g_a (mV)."""
    rest = cs_steady_current(v_rest, g_a, 0.0) - CS_G_L * v_rest   # all but the leak
    return float(v_rest + rest / CS_G_L)


def simulate_cs(i_e, t_max, dt=DT, g_a=CS_G_A, e_l=CS_E_L, v_init=-68.0):
    """Voltage traces (mV) of Connor-Stevens neurons, one per I_e/A (nA/mm^2), as simulate_hh.

    g_a and e_l may be floats or arrays broadcastable with i_e (one neuron per element).
    """
    i_e = np.asarray(i_e, dtype=float) / 1000.0
    shape = np.broadcast(i_e, np.asarray(g_a), np.asarray(e_l)).shape
    i_e = np.broadcast_to(i_e, shape)
    n_steps = int(round(t_max / dt))
    v = np.full(shape, float(v_init))
    m, _, h, _, n, _, a, _, b, _ = (np.full(shape, x) for x in cs_gates(float(v_init)))
    out = np.empty((n_steps + 1,) + shape)
    out[0] = v
    for k in range(n_steps):
        m_inf, tau_m, h_inf, tau_h, n_inf, tau_n, a_inf, tau_a, b_inf, tau_b = cs_gates(v)
        g_na = CS_G_NA * m ** 3 * h
        g_k = CS_G_K * n ** 4
        g_aa = g_a * a ** 3 * b
        g_tot = CS_G_L + g_na + g_k + g_aa
        v_inf = (CS_G_L * e_l + g_na * CS_E_NA + g_k * CS_E_K + g_aa * CS_E_A + i_e) / g_tot
        m = _relax(m, m_inf, tau_m, dt)
        h = _relax(h, h_inf, tau_h, dt)
        n = _relax(n, n_inf, tau_n, dt)
        a = _relax(a, a_inf, tau_a, dt)
        b = _relax(b, b_inf, tau_b, dt)
        v = _relax(v, v_inf, C_M / g_tot, dt)
        out[k + 1] = v
    return out


# ===== F-I analysis =============================================================================

def crossing_rate(v, dt, t_start, threshold=0.0):
    """Rate (Hz) of upward crossings of `threshold` by v (axis 0 is time) after t_start (ms).

    A crossing at step k means v[k-1] < threshold <= v[k]; it counts when k dt >= t_start.
    """
    v = np.asarray(v, dtype=float)
    k0 = max(int(np.ceil(t_start / dt - 1e-9)), 1)
    up = (v[k0 - 1:-1] < threshold) & (v[k0:] >= threshold)
    duration = (v.shape[0] - 1) * dt - t_start
    return up.sum(axis=0) / (duration / 1000.0)


def fi_onset(currents, rates):
    """Rheobase and rate jump of a sampled F-I curve.

    currents: increasing array; rates: array (Hz). Returns (I at the first rate > 0, that rate);
    (nan, 0.0) when no input makes the neuron fire.
    """
    currents, rates = np.asarray(currents, dtype=float), np.asarray(rates, dtype=float)
    firing = np.flatnonzero(rates > 0)
    if firing.size == 0:
        return float("nan"), 0.0
    return float(currents[firing[0]]), float(rates[firing[0]])
