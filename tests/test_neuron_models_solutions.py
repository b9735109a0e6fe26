"""Science checks of the `neuron_models` references (solutions/integrate_fire.py, hh.py, adex.py).

Closed forms where they exist (LIF and QIF periods, fixed points, the ELIF/AdEx rheobase from the
nullclines); elsewhere an independent simulator: scipy's solve_ivp (LSODA, rtol = atol = 1e-10,
spikes as events) running the same equations. Rates from the fixed-step methods must agree with it
within the error their time step predicts: both methods are first order, so the error at dt is
about |x(dt) - x(dt/2)| (Richardson); we allow three times that plus a small floor.
"""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from solutions import adex, hh, integrate_fire as itf


# ===== integrate-and-fire ======================================================================

@pytest.mark.parametrize("v0", [-9.0, -0.5, 0.0, 0.3, 4.0])
def test_fixed_points_are_zeros_with_the_right_stability(v0):
    for model, f, df in (("lif", lambda v: v0 - v, lambda v: -1.0),
                         ("qif", lambda v: v0 + v * v, lambda v: 2 * v)):
        points = itf.fixed_points(v0, model)
        assert [p for p, _ in points] == sorted(p for p, _ in points)
        for v, kind in points:
            assert abs(f(v)) < 1e-12
            slope = df(v)
            assert kind == ("stable" if slope < 0 else "unstable" if slope > 0 else "half-stable")
        if model == "qif":
            assert len(points) == (2 if v0 < 0 else 1 if v0 == 0 else 0)


def _steps_to_threshold(v0, model, dt, tau=10.0, v_th=10.0, v_reset=0.0):
    """Euler steps from v_reset until V >= v_th, by a plain scalar loop."""
    v, m = v_reset, 0
    while v < v_th:
        v += dt / tau * ((v0 - v) if model == "lif" else (v0 + v * v))
        m += 1
    return m


def _count(m, n_ref, n_steps):
    return 0 if m > n_steps else (n_steps - m) // (n_ref + m) + 1


@pytest.mark.parametrize("model,v0", [("lif", 10.7), ("lif", 15.3), ("lif", 40.0),
                                      ("qif", 0.2), ("qif", 3.3), ("qif", 20.0)])
def test_simulation_is_periodic_with_the_euler_interval(model, v0):
    """After each spike the state is the same, so the count is exact given the steps m to
    threshold: first spike at m, then every n_ref + m steps."""
    m = _steps_to_threshold(v0, model, 0.1)
    rate = itf.simulate_if(np.array([v0]), model)[0]
    assert rate == _count(m, 50, 10000)      # 1 s at 0.1 ms; 5 ms = 50 steps


@pytest.mark.parametrize("v0", [10.5, 12.0, 15.0, 20.0, 60.0])
def test_lif_euler_interval_against_closed_form(v0):
    """Euler integrates the free LIF exactly with tau_eff = -dt / ln(1 - dt/tau) (DESIGN.md 5),
    so m dt lies in [T tau_eff / tau, T tau_eff / tau + dt) with T the closed-form time."""
    dt, tau = 0.1, 10.0
    period = 1000.0 / itf.lif_rate(v0) - 5.0
    assert math.isclose(period, tau * math.log(v0 / (v0 - 10.0)), rel_tol=1e-12)
    t_discrete = period * (-dt / math.log(1 - dt / tau)) / tau
    m = _steps_to_threshold(v0, "lif", dt)
    assert t_discrete - 1e-9 <= m * dt < t_discrete + dt


@pytest.mark.parametrize("v0", [0.05, 1.0, 4.0, 20.0])
def test_qif_euler_interval_converges_to_the_separation_of_variables_formula(v0):
    period = 1000.0 / itf.qif_rate(v0) - 5.0
    errors = [abs(_steps_to_threshold(v0, "qif", dt) * dt - period) for dt in (0.02, 0.01, 0.005)]
    # first order: the error halves with the step (up to the +-dt of the last step)
    assert errors[2] < 0.7 * errors[0] and errors[2] < 0.05 * period
    # thresholds at infinity: the rate tends to sqrt(V0) / (pi tau) (DESIGN.md 5)
    far = itf.qif_rate(v0, v_th=1e12, v_reset=-1e12, t_ref=0.0)
    assert math.isclose(far, 1000 * math.sqrt(v0) / (math.pi * 10.0), rel_tol=1e-9)


def test_simulated_rates_match_the_formulas_within_the_step_error():
    v0 = np.linspace(10.5, 20.0, 12)
    assert np.all(np.abs(itf.simulate_if(v0, "lif") - itf.lif_rate(v0))
                  <= itf.lif_rate(v0) ** 2 * 0.1e-3 + 1.0)       # one step per interval + count
    q = np.linspace(0.5, 20.0, 12)
    sim, exact = itf.simulate_if(q, "qif", dt=0.01), itf.qif_rate(q)
    assert np.all(np.abs(sim - exact) <= exact ** 2 * 0.2e-3 + 1.0)


def test_fits_find_the_least_squares_minimum():
    x = np.linspace(0.0, 20.0, 41)
    for y in (itf.lif_rate(x), itf.qif_rate(x)):
        a, b, rss = itf.fit_relu(x, y)
        for b_try in np.linspace(-30, 20, 5001):          # brute force over the kink
            z = np.maximum(0, x - b_try)
            a_try = z @ y / (z @ z) if z @ z else 0.0
            assert np.sum((y - a_try * z) ** 2) >= rss - 1e-9 * rss
        c, d, e, rss_s = itf.fit_sigmoid(x, y)
        rng = np.random.default_rng(0)
        from scipy.optimize import least_squares
        for _ in range(10):                                # random restarts find nothing better
            start = [y.max() * rng.uniform(0.5, 2), rng.uniform(0, 20), rng.uniform(0.2, 8)]
            fit = least_squares(lambda p: itf.sigmoid(x, *p) - y, start)
            assert np.sum(fit.fun ** 2) >= rss_s * (1 - 1e-9)
        assert rss_s < rss      # the sigmoid fits both better (notebook question 3.2)


# ===== Hodgkin-Huxley and Connor-Stevens =======================================================

@pytest.mark.parametrize("rates,points", [(hh.hh_rates, (-40.0, -55.0)),
                                          (lambda v: hh.cs_gates(v), (-29.7, -45.7))])
def test_gating_functions_are_continuous_at_the_removable_singularities(rates, points):
    for p in points:
        at, left, right = (np.array(rates(v)) for v in (p, p - 1e-6, p + 1e-6))
        assert np.all(np.isfinite(at))
        assert np.allclose(at, (left + right) / 2, rtol=1e-9, atol=0)
    assert math.isclose(hh.hh_rates(-40.0)[2], 1.0) and math.isclose(hh.hh_rates(-55.0)[0], 0.1)


def _hh_rhs(i_e):
    def rhs(t, y):
        v, n, m, h = y
        an, bn, am, bm, ah, bh = (float(r) for r in hh.hh_rates(v))
        i_m = (hh.G_L * (v - hh.E_L) + hh.G_K * n ** 4 * (v - hh.E_K)
               + hh.G_NA * m ** 3 * h * (v - hh.E_NA))
        return [(-i_m + i_e / 1000) / hh.C_M, an * (1 - n) - bn * n, am * (1 - m) - bm * m,
                ah * (1 - h) - bh * h]
    return rhs


def _cs_rhs(i_e, g_a=hh.CS_G_A, e_l=hh.CS_E_L):
    def rhs(t, y):
        v, m, h, n, a, b = y
        m_inf, tm, h_inf, th, n_inf, tn, a_inf, ta, b_inf, tb = (float(x) for x in hh.cs_gates(v))
        i_m = (hh.CS_G_L * (v - e_l) + hh.CS_G_NA * m ** 3 * h * (v - hh.CS_E_NA)
               + hh.CS_G_K * n ** 4 * (v - hh.CS_E_K) + g_a * a ** 3 * b * (v - hh.CS_E_A))
        return [(-i_m + i_e / 1000) / hh.C_M, (m_inf - m) / tm, (h_inf - h) / th,
                (n_inf - n) / tn, (a_inf - a) / ta, (b_inf - b) / tb]
    return rhs


def _lsoda_crossings(rhs, y0, t_max):
    event = lambda t, y: y[0]          # noqa: E731  upward crossings of 0 mV
    event.direction = 1
    sol = solve_ivp(rhs, (0, t_max), y0, method="LSODA", rtol=1e-10, atol=1e-10, events=event)
    assert sol.success
    return sol.t_events[0]


def _trace_crossings(v, dt):
    k = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
    return (k + v[k] / (v[k] - v[k + 1])) * dt     # linear interpolation between samples


def _isi(times):
    return float(np.mean(np.diff(times[-4:])))


@pytest.mark.parametrize("i_e", [100.0, 250.0])
def test_hh_period_matches_lsoda_within_the_step_error(i_e):
    y0 = [hh.V_REST, *hh.hh_steady_state(hh.V_REST)]
    exact = _isi(_lsoda_crossings(_hh_rhs(i_e), y0, 150.0))
    coarse = _isi(_trace_crossings(hh.simulate_hh(i_e, 150.0, 0.01), 0.01))
    fine = _isi(_trace_crossings(hh.simulate_hh(i_e, 150.0, 0.005), 0.005))
    assert abs(coarse - exact) <= 3 * abs(coarse - fine) + 1e-4, (coarse, fine, exact)
    assert abs(coarse - exact) < 0.02 * exact


def test_hh_is_type_two_and_lsoda_agrees_on_the_rheobase():
    y0 = [hh.V_REST, *hh.hh_steady_state(hh.V_REST)]
    after_onset = lambda times: times[times >= 50.0]          # noqa: E731  (ms)
    assert len(after_onset(_lsoda_crossings(_hh_rhs(60.0), y0, 200.0))) == 0   # damped
    assert len(after_onset(_lsoda_crossings(_hh_rhs(70.0), y0, 200.0))) > 5
    rates = hh.crossing_rate(hh.simulate_hh(np.array([60.0, 70.0]), 200.0), 0.01, 50.0)
    rheobase, jump = hh.fi_onset(np.array([60.0, 70.0]), rates)
    assert rheobase == 70.0 and jump > 40.0


def test_connor_stevens_rest_and_leak_for_the_comparison():
    rest = hh.cs_resting_potential()
    assert abs(rest + 67.98) < 0.01
    for g_a in (0.0, 0.2, 0.477):
        e_l = hh.cs_leak_for_rest(g_a, rest)
        assert abs(float(hh.cs_steady_current(rest, g_a, e_l))) < 1e-12
    assert abs(hh.cs_leak_for_rest(0.477, rest) + 17.0) < 1e-6
    assert abs(hh.cs_leak_for_rest(0.0, rest) + 67.87) < 0.01
    assert abs(hh.cs_leak_for_rest(0.2, rest) + 46.54) < 0.01
    # with g_A = 0 and E_L = -17 mV there is no resting state: it fires without input
    y0 = [rest, *np.array(hh.cs_gates(rest))[[0, 2, 4, 6, 8]]]
    assert len(_lsoda_crossings(_cs_rhs(0.0, g_a=0.0), y0, 100.0)) > 5
    assert len(_lsoda_crossings(_cs_rhs(0.0, g_a=0.0, e_l=hh.cs_leak_for_rest(0.0, rest)), y0,
                                100.0)) == 0


@pytest.mark.parametrize("i_e", [150.0])
def test_connor_stevens_period_matches_lsoda_within_the_step_error(i_e):
    y0 = [-68.0, *np.array(hh.cs_gates(-68.0))[[0, 2, 4, 6, 8]]]
    exact = _isi(_lsoda_crossings(_cs_rhs(i_e), y0, 200.0))
    coarse = _isi(_trace_crossings(hh.simulate_cs(i_e, 200.0, 0.01), 0.01))
    fine = _isi(_trace_crossings(hh.simulate_cs(i_e, 200.0, 0.005), 0.005))
    assert abs(coarse - exact) <= 3 * abs(coarse - fine) + 1e-4, (coarse, fine, exact)


def test_a_current_makes_connor_stevens_type_one():
    rest = hh.cs_resting_potential()
    currents = np.arange(80.0, 101.0, 1.0)
    v = hh.simulate_cs(currents, 500.0, g_a=hh.CS_G_A, e_l=hh.CS_E_L, v_init=rest)
    rheobase, jump = hh.fi_onset(currents, hh.crossing_rate(v, 0.01, 200.0))
    assert jump < 25.0, (rheobase, jump)        # fires slowly at onset (HH jumps to ~60 Hz)
    v0 = hh.simulate_cs(np.arange(60.0, 90.0, 1.0), 300.0, g_a=0.0,
                        e_l=hh.cs_leak_for_rest(0.0, rest), v_init=rest)
    r0 = hh.crossing_rate(v0, 0.01, 100.0)
    assert hh.fi_onset(np.arange(60.0, 90.0, 1.0), r0)[1] > 50.0     # type II without it


# ===== ELIF and AdEx ===========================================================================

@pytest.mark.parametrize("params", [adex.elif_params(), adex.RS, adex.NAUD["tonic"][0],
                                    adex.NAUD["initial burst"][0]])
def test_rheobase_is_the_top_of_the_nullcline(params):
    p = params
    v = np.linspace(p["v_t"] - 30, p["v_t"] + 10, 400001)
    current = (p["g_l"] + p["a"]) * (v - p["e_l"]) - p["g_l"] * p["delta_t"] * np.exp(
        (v - p["v_t"]) / p["delta_t"])
    assert math.isclose(current.max(), adex.adex_rheobase(p), rel_tol=1e-8)


@pytest.mark.parametrize("params", [adex.elif_params(), adex.NAUD["tonic"][0]])
def test_rheobase_separates_rest_from_firing(params):
    """Saddle-node case (a < C / tau_w): just below I_rh the neuron rests, just above it fires."""
    assert params["a"] < params["c_m"] / params["tau_w"]
    i_rh = adex.adex_rheobase(params)
    n = 30000     # 3 s
    _, _, below = adex.simulate_adex(np.full(n, 0.99 * i_rh), 0.1, params)
    _, _, above = adex.simulate_adex(np.full(n, 1.01 * i_rh), 0.1, params)
    assert below.sum() == 0 and above.sum() > 0


def _adex_lsoda_spikes(params, amplitude, t_max):
    p = params

    def rhs(t, y):
        v, w = y
        dv = (-p["g_l"] * (v - p["e_l"]) + p["g_l"] * p["delta_t"]
              * math.exp(min((v - p["v_t"]) / p["delta_t"], 50.0)) - w + amplitude) / p["c_m"]
        return [dv, (p["a"] * (v - p["e_l"]) - w) / p["tau_w"]]

    peak = lambda t, y: y[0] - p["v_peak"]       # noqa: E731
    peak.terminal, peak.direction = True, 1
    t, y, spikes = 0.0, [p["e_l"], 0.0], []
    while t < t_max:
        sol = solve_ivp(rhs, (t, t_max), y, method="LSODA", rtol=1e-10, atol=1e-10,
                        events=peak)
        if sol.status != 1:
            break
        t = float(sol.t_events[0][0])
        spikes.append(t)
        y = [p["v_r"], float(sol.y_events[0][0][1]) + p["b"]]
    return np.array(spikes)


@pytest.mark.parametrize("name,params,amplitude", [("ELIF", adex.elif_params(), 800.0),
                                                   ("AdEx RS", adex.RS, 800.0),
                                                   ("AdEx RS", adex.RS, 1500.0)])
def test_adex_rates_match_lsoda_within_the_step_error(name, params, amplitude):
    exact = adex.isi_rates(_adex_lsoda_spikes(params, amplitude, 1000.0))
    rates = {}
    for dt in (0.1, 0.05):
        n = int(round(1000.0 / dt)) + 1
        _, _, s = adex.simulate_adex(np.full(n, amplitude), dt, params)
        rates[dt] = np.array(adex.isi_rates(np.flatnonzero(s) * dt))
    for which in (0, 1):      # first ISI, steady state
        error = abs(rates[0.1][which] - exact[which])
        predicted = abs(rates[0.1][which] - rates[0.05][which])
        assert error <= 3 * predicted + 0.01 * exact[which], (name, which, rates, exact)


def test_naud_patterns_are_classified_by_their_names():
    for name, (params, amplitude) in adex.NAUD.items():
        _, _, s = adex.simulate_adex(np.full(6000, amplitude), 0.1, params)
        assert adex.classify_firing(np.flatnonzero(s) * 0.1) == name


def test_effect_directions_hold_with_a_clear_margin():
    for name, direction in adex.EFFECTS.items():
        low, high = adex.effect_counts(name)
        assert (high >= low + 3) if direction == "more" else (high <= low - 3), (name, low, high)


def test_random_step_current_levels_and_reproducibility():
    a = adex.random_step_current(1003, 0.1, 2.0, -1.0, 1.0, np.random.default_rng(5))
    b = adex.random_step_current(1003, 0.1, 2.0, -1.0, 1.0, np.random.default_rng(5))
    assert np.array_equal(a, b) and a.shape == (1003,)
    assert len(np.unique(a)) == 51 and np.all((a >= -1) & (a < 1))
